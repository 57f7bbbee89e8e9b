"""`hvplace check`: valid plans exit 0, broken ones list each violation and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def planned(run, tiny_inventory: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan"
    assert run("plan", tiny_inventory, "--out", out, "--workers", "1").exit_code == 0
    return out


def _rewrite_csv_only(plan: Path, old: str, new: str) -> None:
    text = (plan / "placement.csv").read_text()
    assert old in text
    (plan / "placement.csv").write_text(text.replace(old, new, 1))
    (plan / "placement.parquet").unlink()


def test_check_flags_dropped_owner(run, tiny_inventory: Path, planned: Path) -> None:
    text = (planned / "placement.csv").read_text().splitlines()
    vm, lun, node, owners, cluster = text[1].split(",")
    text[1] = ",".join([vm, lun, node, owners.split(";")[0], cluster])
    (planned / "placement.csv").write_text("\n".join(text) + "\n")
    (planned / "placement.parquet").unlink()
    result = run("check", tiny_inventory, planned)
    assert result.exit_code == 1
    assert f"owners: vm '{vm}'" in result.stdout
    assert "N+1 check: 1 violations" in result.stdout


def test_check_flags_anti_affinity(run, tiny_inventory: Path, planned: Path) -> None:
    rows = (planned / "placement.csv").read_text().splitlines()
    dc1 = next(r for r in rows if r.startswith("dc1,"))
    dc2 = next(r for r in rows if r.startswith("dc2,"))
    moved = "dc2,dc2," + ",".join(dc1.split(",")[2:])
    _rewrite_csv_only(planned, dc2, moved)
    result = run("check", tiny_inventory, planned, "--format", "csv")
    assert result.exit_code == 1
    assert "anti-affinity,class 'dc'" in result.stdout


def test_check_failures_option_overrides_plan(run, tiny_inventory: Path, planned: Path) -> None:
    result = run("check", tiny_inventory, planned, "--failures", "2")
    assert result.exit_code == 1
    assert "N+2 needs 3" in result.stdout


def test_check_unknown_node_exits_2(run, tiny_inventory: Path, planned: Path) -> None:
    rows = (planned / "placement.csv").read_text().splitlines()
    _rewrite_csv_only(planned, rows[1], rows[1].replace("hv", "zz", 1))
    result = run("check", tiny_inventory, planned)
    assert result.exit_code == 2
    assert result.stderr.startswith("hvplace: placement.csv row 1, ")


def test_check_missing_plan_exits_2(run, tiny_inventory: Path, tmp_path: Path) -> None:
    result = run("check", tiny_inventory, tmp_path / "none")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("none does not exist")
    (tmp_path / "empty").mkdir()
    result = run("check", tiny_inventory, tmp_path / "empty")
    assert result.exit_code == 2
    assert "no placement.parquet or placement.csv" in result.stderr
