"""placement.csv is the plan, placement.parquet its copy: the two must agree."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.errors import InputError
from data.inventory import Inventory
from data.io.plan_read import read_plan
from data.io.write import write_plan
from data.plan import Plan, PlanSummary
from data.schema import PLACEMENT_SCHEMA


@pytest.fixture
def plan_dir(tmp_path: Path, inventory: Inventory) -> Path:
    """placement rows: app1 (hv2;hv1), db1 (hv1;hv2), web2 (hv1;hv2)."""
    summary = PlanSummary("optimal", 1, "balance", 212, 212, 2, 0.5, "ab" * 32)
    plan = Plan.from_lists([0, 0, 1], [[0, 1], [0, 1], [1, 0]])
    write_plan(tmp_path / "plan", inventory, plan, summary)
    return tmp_path / "plan"


def _edit_csv(plan_dir: Path, old: str, new: str) -> None:
    path = plan_dir / "placement.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _copy_csv_to_parquet(plan_dir: Path) -> None:
    lines = (plan_dir / "placement.csv").read_text().splitlines()
    rows = [dict(zip(lines[0].split(","), line.split(","), strict=True)) for line in lines[1:]]
    pq.write_table(
        pa.Table.from_pylist(rows, schema=PLACEMENT_SCHEMA), plan_dir / "placement.parquet"
    )


def test_read_plan_identical_copies_read(plan_dir: Path, inventory: Inventory) -> None:
    read, _ = read_plan(plan_dir, inventory)
    assert read.owners.tolist() == [[0, 1], [0, 1], [1, 0]]


def test_read_plan_refuses_an_edited_csv_naming_the_first_differing_row(
    plan_dir: Path, inventory: Inventory
) -> None:
    _edit_csv(plan_dir, "db1,shared,hv1,hv1;hv2", "db1,shared,hv2,hv2;hv1")
    with pytest.raises(InputError) as caught:
        read_plan(plan_dir, inventory)
    assert str(caught.value) == (
        "placement.csv row 2, node: 'hv2' but placement.parquet has 'hv1'; the copies "
        "disagree: edit placement.csv and delete placement.parquet (or rewrite both)"
    )


def test_read_plan_refuses_a_csv_with_a_row_less(plan_dir: Path, inventory: Inventory) -> None:
    _edit_csv(plan_dir, "web2,shared,hv1,hv1;hv2,cluster\n", "")
    with pytest.raises(InputError) as caught:
        read_plan(plan_dir, inventory)
    assert str(caught.value).startswith(
        "placement.csv row 3, vm: no such row but placement.parquet has 'web2';"
    )


def test_read_plan_reads_the_edit_when_both_copies_have_it(
    plan_dir: Path, inventory: Inventory
) -> None:
    _edit_csv(plan_dir, "db1,shared,hv1,hv1;hv2", "db1,shared,hv2,hv2;hv1")
    _copy_csv_to_parquet(plan_dir)
    read, _ = read_plan(plan_dir, inventory)
    assert read.owners.tolist() == [[0, 1], [1, 0], [1, 0]]  # web2, db1, app1


def test_read_plan_either_copy_alone_is_read(plan_dir: Path, inventory: Inventory) -> None:
    _edit_csv(plan_dir, "db1,shared,hv1,hv1;hv2", "db1,shared,hv2,hv2;hv1")
    (plan_dir / "placement.parquet").unlink()
    assert read_plan(plan_dir, inventory)[0].owners.tolist()[1] == [1, 0]
    _copy_csv_to_parquet(plan_dir)
    (plan_dir / "placement.csv").unlink()
    assert read_plan(plan_dir, inventory)[0].owners.tolist()[1] == [1, 0]


def test_read_plan_ignores_whitespace_around_cells(plan_dir: Path, inventory: Inventory) -> None:
    _edit_csv(plan_dir, "db1,shared,hv1,", "db1, shared ,hv1 ,")
    assert read_plan(plan_dir, inventory)[0].owners.tolist()[1] == [0, 1]
