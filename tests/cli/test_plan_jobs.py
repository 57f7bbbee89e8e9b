"""`hvplace plan --jobs/--executor`: the same plan whatever the fan-out, and resuming."""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from data.io.partial import Partial, partial_directory
from data.io.write import write_inventory
from data.synth.fleet import generate_fleet


@pytest.fixture
def fleet_dir(run, tmp_path: Path) -> Path:
    directory = tmp_path / "fleet"
    made = run("generate", "--clusters", "3", "--nodes", "4", "--vms", "10", "--out", directory)
    assert made.exit_code == 0, made.stderr
    return directory


def _plan(run, inventory: Path, out: Path, *options: str):
    return run("plan", inventory, "--out", out, "--workers", "1", "--format", "json", *options)


def test_plan_jobs_give_the_same_placement(run, fleet_dir: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert _plan(run, fleet_dir, one, "--jobs", "1").exit_code == 0
    result = _plan(run, fleet_dir, two, "--jobs", "2")
    assert result.exit_code == 0, result.stderr
    assert (one / "placement.csv").read_text() == (two / "placement.csv").read_text()
    assert json.loads((two / "plan.json").read_text())["status"] == "optimal"


def test_plan_resumes_from_the_clusters_a_run_finished(
    run, fleet_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    with monkeypatch.context() as patch:  # as if killed after the clusters were kept
        patch.setattr(Partial, "remove", lambda self: None)
        assert _plan(run, fleet_dir, first).exit_code == 0
    partial = partial_directory(first)
    kept = sorted(partial.glob("cluster-*.json"))
    assert len(kept) == 3
    kept[0].unlink()  # one cluster was not finished
    partial.rename(partial_directory(again))
    result = _plan(run, fleet_dir, again)
    assert result.exit_code == 0, result.stderr
    assert "reused 2 of 3 clusters" in result.stderr
    assert (first / "placement.csv").read_text() == (again / "placement.csv").read_text()
    assert not partial_directory(again).exists()


def test_plan_drops_a_partial_run_of_other_options(
    run, fleet_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "plan"
    with monkeypatch.context() as patch:
        patch.setattr(Partial, "remove", lambda self: None)
        assert _plan(run, fleet_dir, out, "--seed", "1").exit_code == 0
    result = _plan(run, fleet_dir, out, "--seed", "2")
    assert result.exit_code == 0, result.stderr
    assert "reused 0 of 3 clusters" in result.stderr
    assert "dropped a partial run of other inputs or options" in result.stderr


def test_plan_executor_dask_without_the_extra_exits_2(
    run, tiny_inventory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name)
    )
    result = run("plan", tiny_inventory, "--executor", "dask")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "hvplace: --executor dask needs Dask distributed: pip install 'hvplace[dask]' "
        "(or pip install 'dask[distributed]')"
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--executor", "ray"), "--executor must be pool or dask, not 'ray'"),
        (("--scheduler", "tcp://x:8786"), "--scheduler needs --executor dask"),
    ],
)
def test_plan_fan_out_usage_errors_exit_2(
    run, tiny_inventory: Path, options: tuple[str, ...], message: str
) -> None:
    result = run("plan", tiny_inventory, *options)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"hvplace: {message}"


def test_plan_help_says_max_moves_solves_clusters_in_order(run) -> None:
    text = " ".join(run("plan", "--help").stdout.replace("│", " ").split())
    assert "one after another" in text
    assert "--jobs" in text


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc: the forkserver and the pool's workers)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in map(int, children):
            found |= {child, *_descendants(child)}
    return found


def _wait_for_workers(pid: int, count: int, timeout: float) -> None:
    """Until `pid` has `count` pool workers beside multiprocessing's resource tracker and
    forkserver (start-up takes 3-4 s idle, over 8 s on a loaded machine: a fixed sleep
    sent the signal too soon)."""
    until = time.monotonic() + timeout
    while len(_descendants(pid)) < count + 2 and time.monotonic() < until:
        time.sleep(0.2)
    assert len(_descendants(pid)) >= count + 2, "the pool did not start"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="POSIX signals, Linux /proc")
def test_plan_sigint_stops_the_pool_and_keeps_the_best_plan(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    write_inventory(fleet, generate_fleet(2, 10, 200, 7).tables)  # not proven in 30 s
    out = tmp_path / "plan"
    args = ["plan", fleet, "--out", out, "--time-limit", "100", "--workers", "1", "--jobs", "2"]
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", *map(str, args)], stderr=subprocess.PIPE, text=True
    )
    _wait_for_workers(process.pid, 2, timeout=60)
    time.sleep(4.0)  # both clusters have their first plan and are searching
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert time.monotonic() - sent < 90  # each job had 100 s; a loaded machine is slow
    assert "Traceback" not in err
    assert "interrupted by SIGINT: the plan is the best found so far" in err
    summary = json.loads((out / "plan.json").read_text())
    assert max(c["solve_seconds"] for c in summary["clusters"]) < 60
    # kept for a rerun, which solves again the clusters the signal cut short
    assert list(partial_directory(out).glob("cluster-*.json")) == []


def test_fleet_progress_counts_clusters_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import cli.progress as progress
    from solver.result import ClusterResult, Status

    with progress.fleet_progress(3, 1) as hidden:
        assert hidden is None  # the test's stderr is no terminal
    monkeypatch.setattr(progress, "is_terminal", lambda: True)
    with progress.fleet_progress(3, 1) as done:
        assert done is not None
        done(0, ClusterResult("east", Status.OPTIMAL, 5, 5, 0.1))
