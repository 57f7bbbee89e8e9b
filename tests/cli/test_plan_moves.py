"""`hvplace plan` counts moves (plan.json, status line, per-node table) and caps them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def crowded(tmp_path: Path) -> Path:
    """Ten 1056 MiB VMs on hv1, which holds seven: three must move."""
    directory = tmp_path / "crowded"
    directory.mkdir()
    nodes = "node,memory_mb,logical_processors,reserve_mb\n"
    nodes += "".join(f"hv{i},8192,4,0\n" for i in (1, 2, 3))
    (directory / "nodes.csv").write_text(nodes)
    vms = "vm,memory_mb,vcpus,node\n" + "".join(f"v{i},1024,1,hv1\n" for i in range(10))
    (directory / "vms.csv").write_text(vms)
    return directory


def test_plan_counts_moves_everywhere(run, crowded: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = run("plan", crowded, "--out", out, "--workers", "1", "--max-moves", "3")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((out / "plan.json").read_text())
    assert summary["moves"] == 3
    assert [c["moves"] for c in summary["clusters"]] == [3]
    assert "· 3 moves ·" in result.stdout
    assert "moves in" in result.stdout


def test_plan_json_rows_give_moves_in_and_out(run, crowded: Path) -> None:
    result = run("plan", crowded, "--workers", "1", "--max-moves", "3", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["nodes"]
    assert (rows[0]["moves_in"], rows[0]["moves_out"]) == (0, 3)
    assert sum(r["moves_in"] for r in rows) == 3


def test_plan_max_moves_too_low_exits_1_with_the_fewest(run, crowded: Path) -> None:
    result = run("plan", crowded, "--workers", "1", "--max-moves", "2")
    assert result.exit_code == 1
    assert "N+1 cannot be reached within 2 moves; the fewest that can is 3" in result.stderr


def test_plan_tolerance_out_of_range_is_usage_error(run, crowded: Path) -> None:
    assert run("plan", crowded, "--tolerance", "0").exit_code == 2
