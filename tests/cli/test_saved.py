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


def _move_everything_to_hv1(plan_dir: Path) -> None:
    lines = (plan_dir / "placement.csv").read_text().splitlines()
    rows = [dict(zip(lines[0].split(","), line.split(","), strict=True)) for line in lines[1:]]
    for row in rows:
        row["node"], row["owners"] = "hv1", "hv1;hv2"
    text = lines[0] + "\n" + "".join(",".join(r.values()) + "\n" for r in rows)
    (plan_dir / "placement.csv").write_text(text)


def test_check_refuses_a_csv_edit_the_parquet_lacks(run, plan_dir: Path) -> None:
    _move_everything_to_hv1(plan_dir)
    result = run("check", plan_dir)
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]  # after the note on the inventory used
    assert last.startswith("hvplace: placement.csv row 1, ")  # dc1: every row was edited
    assert "but placement.parquet has" in last
    assert result.stdout == ""


def test_check_sees_the_edit_made_to_both_copies(run, plan_dir: Path) -> None:
    assert run("check", plan_dir).exit_code == 0
    _move_everything_to_hv1(plan_dir)
    lines = (plan_dir / "placement.csv").read_text().splitlines()
    rows = [dict(zip(lines[0].split(","), line.split(","), strict=True)) for line in lines[1:]]
    pq.write_table(
        pa.Table.from_pylist(rows, schema=PLACEMENT_SCHEMA), plan_dir / "placement.parquet"
    )
    result = run("check", plan_dir)
    assert result.exit_code == 1
    assert "anti" in result.stdout.lower()  # dc1 and dc2 now share hv1
    assert "hv1" in result.stdout
