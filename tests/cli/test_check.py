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


@pytest.fixture
def full_node(run, tmp_path: Path) -> tuple[Path, Path]:
    """a, b and c run on hv1 today, over its memory; the plan moves one of them."""
    inventory = tmp_path / "full"
    inventory.mkdir()
    (inventory / "nodes.csv").write_text(
        "node,memory_mb,reserve_mb,logical_processors\nhv1,8192,0,4\nhv2,8192,0,4\nhv3,8192,0,4\n"
    )
    (inventory / "vms.csv").write_text(
        "vm,memory_mb,vcpus,node\na,4000,1,hv1\nb,4000,1,hv1\nc,4000,1,hv1\n"
    )
    out = tmp_path / "plan"
    assert run("plan", inventory, "--out", out, "--workers", "1").exit_code == 0
    return inventory, out


def test_check_replays_moves_csv_and_rejects_an_unsafe_order(
    run, full_node: tuple[Path, Path]
) -> None:
    inventory, plan = full_node
    header, first = (plan / "moves.csv").read_text().splitlines()
    assert run("check", inventory, plan).exit_code == 0
    _, vm, _, source, target, *_ = first.split(",")
    back = f"2,{vm},{vm},{target},{source},quick,false,"
    again = "3" + first[1:]
    (plan / "moves.csv").write_text("\n".join([header, first, back, again]) + "\n")
    result = run("check", inventory, plan)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:-1] == [
        "move-order: step 2: node 'hv1' over its limits (memory 12168 used > 8192) "
        f"after '{vm}' {target} -> hv1"
    ]


def test_check_bad_moves_csv_exits_2_naming_row_and_column(
    run, full_node: tuple[Path, Path]
) -> None:
    inventory, plan = full_node
    header, row = (plan / "moves.csv").read_text().splitlines()
    target = row.split(",")[4]
    (plan / "moves.csv").write_text(header + "\n" + row.replace(f",{target},", ",hv9,") + "\n")
    result = run("check", inventory, plan)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "hvplace: moves.csv row 1, to: node 'hv9' is not in the inventory"
    )
