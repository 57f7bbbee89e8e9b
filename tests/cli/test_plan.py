"""`hvplace plan`: every exit code, the files it writes (or not), determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import plan as plan_module
from solver.result import Result, Status


def test_plan_two_node_example_writes_all_files(run, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = run("plan", "--example", "two-node", "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "inventory",
        "moves.csv",  # its VMs name their current nodes
        "placement.csv",
        "placement.parquet",
        "plan.json",
    ]
    summary = json.loads((out / "plan.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["failures"] == 1
    assert summary["objective"] == "balance"
    assert summary["objective_value"] == summary["bound"]
    assert len(summary["input_sha256"]) == 64
    assert "optimal · balance" in result.stdout
    assert "HV01" in result.stdout


def test_plan_then_check_is_clean(run, tiny_inventory: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert run("plan", tiny_inventory, "--out", out, "--workers", "1").exit_code == 0
    checked = run("check", tiny_inventory, out)
    assert checked.exit_code == 0, checked.stdout
    assert "N+1 check: valid" in checked.stdout


def test_plan_no_n1_exits_1_with_reason_and_writes_nothing(run, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = run("plan", "--example", "no-n1", "--out", out)
    assert result.exit_code == 1
    assert "N+1 needs at least 3 nodes of this size" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_plan_bad_cell_exits_2_naming_file_row_column(
    run, tiny_inventory: Path, tmp_path: Path
) -> None:
    (tiny_inventory / "vms.csv").write_text("vm,memory_mb,vcpus\nweb,-512,1\n")
    out = tmp_path / "plan"
    result = run("plan", tiny_inventory, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "hvplace: vms.csv row 1, memory_mb: '-512' is not a positive integer"
    )
    assert not out.exists()


def test_plan_missing_inventory_exits_2(run, tmp_path: Path) -> None:
    result = run("plan", tmp_path / "nowhere", "--out", tmp_path / "plan")
    assert result.exit_code == 2
    assert "nowhere" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_plan_bad_usage_exits_2(run) -> None:
    assert run("plan", "--example", "two-node", "--objective", "cheapest").exit_code == 2
    assert run("plan", "--example", "two-node", "--format", "xml").exit_code == 2
    assert run("plan", "--example", "nine-node").exit_code == 2


def test_plan_time_limit_without_plan_exits_3(run, monkeypatch, tmp_path: Path) -> None:
    def no_plan_in_time(inventory, params, on_progress=None, stop=None, fan_out=None) -> Result:
        return Result(Status.UNKNOWN, "balance", None, 0, params.time_limit, (), None)

    monkeypatch.setattr(plan_module, "solve", no_plan_in_time)
    out = tmp_path / "plan"
    result = run("plan", "--example", "two-node", "--out", out, "--time-limit", "1")
    assert result.exit_code == 3
    assert "no plan found within the time limit (1 s)" in result.stderr
    assert not out.exists()


def test_plan_tiny_time_limit_returns_the_greedy_plan(run, tmp_path: Path) -> None:
    """CP-SAT cannot even finish presolve on 16 nodes in 0.1 s; the greedy plan is
    returned as feasible, and it passes the independent checker."""
    fleet, out = tmp_path / "fleet", tmp_path / "plan"
    assert run("generate", "--nodes", "16", "--vms", "200", "--out", fleet).exit_code == 0
    result = run("plan", fleet, "--out", out, "--time-limit", "0.1", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "plan.json").read_text())["status"] == "feasible"
    assert run("check", fleet, out).exit_code == 0


def test_plan_same_seed_one_worker_gives_identical_files(run, tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = ("plan", "--example", "four-node", "--out", out, "--workers", "1", "--seed", "3")
        assert run(*args).exit_code == 0
        outputs.append([(out / f).read_bytes() for f in ("placement.csv", "placement.parquet")])
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_plan_machine_formats(run, tiny_inventory: Path, fmt: str) -> None:
    result = run("plan", tiny_inventory, "--format", fmt, "--workers", "1")
    assert result.exit_code == 0
    if fmt == "json":
        document = json.loads(result.stdout)
        assert document["plan"]["status"] == "optimal"
        assert [n["node"] for n in document["nodes"]] == ["hv1", "hv2", "hv3"]
    else:
        lines = result.stdout.splitlines()
        assert lines[0].startswith("node,cluster,vms,memory_used_mb")
        assert len(lines) == 4


def test_plan_replaces_previous_plan(run, tiny_inventory: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert run("plan", tiny_inventory, "--out", out, "--workers", "1").exit_code == 0
    first = json.loads((out / "plan.json").read_text())
    args = ("plan", tiny_inventory, "--out", out, "--workers", "1", "--objective", "nodes")
    assert run(*args).exit_code == 0
    second = json.loads((out / "plan.json").read_text())
    assert (first["objective"], second["objective"]) == ("balance", "nodes")


def test_plan_gap_stops_early_and_reports_feasible(run, tmp_path: Path) -> None:
    """8 nodes: the last permilles are never proven in a minute; --gap stops at once."""
    fleet, out = tmp_path / "fleet", tmp_path / "plan"
    args = ("generate", "--nodes", "8", "--vms", "96", "--seed", "2024", "--out", fleet)
    assert run(*args).exit_code == 0
    result = run(
        "plan", fleet, "--out", out, "--gap", "0.02", "--time-limit", "50", "--workers", "1"
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads((out / "plan.json").read_text())
    value, bound = summary["objective_value"], summary["bound"]
    assert summary["status"] == ("optimal" if value == bound else "feasible")
    assert bound <= value <= 1.02 * bound
    assert summary["solve_seconds"] < 40


def test_plan_writes_moves_csv_only_when_vms_name_their_nodes(
    run, tiny_inventory: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan"
    assert run("plan", tiny_inventory, "--out", out, "--workers", "1").exit_code == 0
    header, *rows = (out / "moves.csv").read_text().splitlines()
    assert header == "step,group,vms,from,to,migration,parked,resume_step"
    assert len(rows) == 1 and rows[0].startswith("1,dc")  # dc1 and dc2 may not share hv1
    (tiny_inventory / "vms.csv").write_text("vm,memory_mb,vcpus\nweb,4096,2\nsql,8192,4\n")
    assert run("plan", tiny_inventory, "--out", out, "--workers", "1").exit_code == 0
    assert not (out / "moves.csv").exists()
