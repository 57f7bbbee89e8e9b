"""Commands reading a saved plan read placement.csv, and refuse copies that disagree."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.schema import PLACEMENT_SCHEMA


@pytest.fixture
def plan_dir(run, tiny_inventory: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan"
    result = run("plan", tiny_inventory, "--out", out, "--failures", "1", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    return out


def _move_everything_off_dc1s_node(plan_dir: Path) -> str:
    """Every VM onto one node that is not where dc1 (row 1) runs, so row 1 differs."""
    lines = (plan_dir / "placement.csv").read_text().splitlines()
    rows = [dict(zip(lines[0].split(","), line.split(","), strict=True)) for line in lines[1:]]
    target, other = ("hv2", "hv1") if rows[0]["node"] == "hv1" else ("hv1", "hv2")
    for row in rows:
        row["node"], row["owners"] = target, f"{target};{other}"
    text = lines[0] + "\n" + "".join(",".join(r.values()) + "\n" for r in rows)
    (plan_dir / "placement.csv").write_text(text)
    return target


def test_check_refuses_a_csv_edit_the_parquet_lacks(run, plan_dir: Path) -> None:
    _move_everything_off_dc1s_node(plan_dir)
    result = run("check", plan_dir)
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]  # after the note on the inventory used
    assert last.startswith("hvplace: placement.csv row 1, ")  # dc1: every row was edited
    assert "but placement.parquet has" in last
    assert result.stdout == ""


def test_check_sees_the_edit_made_to_both_copies(run, plan_dir: Path) -> None:
    assert run("check", plan_dir).exit_code == 0
    target = _move_everything_off_dc1s_node(plan_dir)
    lines = (plan_dir / "placement.csv").read_text().splitlines()
    rows = [dict(zip(lines[0].split(","), line.split(","), strict=True)) for line in lines[1:]]
    pq.write_table(
        pa.Table.from_pylist(rows, schema=PLACEMENT_SCHEMA), plan_dir / "placement.parquet"
    )
    result = run("check", plan_dir)
    assert result.exit_code == 1
    assert "anti" in result.stdout.lower()  # dc1 and dc2 now share one node
    assert target in result.stdout
