"""moves.csv: written by write_plan, read back as the same moves; bad cells named."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.errors import InputError
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.io.moves import read_moves
from data.io.write import write_plan
from data.moves import Move
from data.plan import Plan, PlanSummary

HEADER = "step,group,vms,from,to,migration,parked,resume_step\n"
MOVES_CSV = HEADER + "1,l1,a;b,hv1,hv2,quick,true,2\n2,c,c,hv2,hv1,live,false,\n"


@pytest.fixture
def inventory() -> Inventory:
    nodes = [{"node": f"hv{i}", "memory_mb": 65536, "logical_processors": 16} for i in (1, 2)]
    vms = [
        {"vm": "a", "memory_mb": 4096, "vcpus": 2, "lun": "l1", "node": "hv1"},
        {"vm": "b", "memory_mb": 4096, "vcpus": 2, "lun": "l1", "node": "hv1"},
        {"vm": "c", "memory_mb": 2048, "vcpus": 1, "lun": "csv", "node": "hv2"},
    ]
    luns = [
        {"lun": "l1", "capacity_gb": 100},
        {"lun": "csv", "capacity_gb": 100, "shared": True},
    ]
    return build_inventory(
        table("nodes.csv", nodes), table("vms.csv", vms), table("luns.csv", luns)
    )


@pytest.fixture
def moves() -> tuple[Move, ...]:
    return (
        Move(1, "l1", (0, 1), 0, 1, live=False, parked=True, resume_step=2),
        Move(2, "c", (2,), 1, 0, live=True),
    )


def write(directory: Path, inventory: Inventory, moves: tuple[Move, ...] | None) -> None:
    plan = Plan.from_lists([0, 0, 1], [[1], [1], [0]])
    summary = PlanSummary("optimal", 0, "balance", 0, 0, 2, 0.1, "ab" * 32)
    write_plan(directory, inventory, plan, summary, moves)


def test_write_plan_writes_moves_csv_that_reads_back_equal(
    tmp_path: Path, inventory: Inventory, moves: tuple[Move, ...]
) -> None:
    write(tmp_path / "plan", inventory, moves)
    assert (tmp_path / "plan" / "moves.csv").read_text() == MOVES_CSV
    assert read_moves(tmp_path / "plan", inventory) == moves


def test_write_plan_without_moves_writes_no_moves_csv(tmp_path: Path, inventory: Inventory) -> None:
    write(tmp_path / "plan", inventory, None)
    assert not (tmp_path / "plan" / "moves.csv").exists()


def test_write_plan_writes_a_header_only_moves_csv_for_no_moves(
    tmp_path: Path, inventory: Inventory
) -> None:
    write(tmp_path / "plan", inventory, ())
    assert (tmp_path / "plan" / "moves.csv").read_text() == HEADER
    assert read_moves(tmp_path / "plan", inventory) == ()


def test_write_plan_replaces_a_plan_holding_moves_csv(
    tmp_path: Path, inventory: Inventory, moves: tuple[Move, ...]
) -> None:
    write(tmp_path / "plan", inventory, moves)
    write(tmp_path / "plan", inventory, None)
    assert not (tmp_path / "plan" / "moves.csv").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2,l1,a;b,hv1,hv2,quick,false,", "moves.csv row 1, step: 2 out of order"),
        ("1,l1,a;x,hv1,hv2,quick,false,", "moves.csv row 1, vms: VM 'x' is not in the inventory"),
        ("1,l1,a;a,hv1,hv2,quick,false,", "moves.csv row 1, vms: VM 'a' repeats"),
        ("1,l1,a;b,hv1,hv9,quick,false,", "moves.csv row 1, to: node 'hv9' is not in"),
        ("1,l1,a;b,hv1,hv2,fast,false,", "moves.csv row 1, migration: 'fast' is not quick or live"),
        ("1,l1,a;b,hv1,hv2,quick,maybe,", "moves.csv row 1, parked: 'maybe' is not a boolean"),
        ("1,l1,a;b,hv1,hv2,quick,true,", "moves.csv row 1, resume_step: a parked move names"),
        ("1,l1,a;b,hv1,hv2,quick,true,1", "moves.csv row 1, resume_step: a parked group resumes"),
        ("1,l1,a;b,hv1,hv1,quick,false,", "moves.csv row 1, to: a move changes the group's node"),
        ("1,,a;b,hv1,hv2,quick,false,", "moves.csv row 1, group: is empty"),
    ],
)
def test_read_moves_names_file_row_and_column_of_a_bad_cell(
    tmp_path: Path, inventory: Inventory, row: str, message: str
) -> None:
    (tmp_path / "moves.csv").write_text(HEADER + row + "\n")
    with pytest.raises(InputError) as error:
        read_moves(tmp_path, inventory)
    assert str(error.value).startswith(message)


def test_read_moves_needs_every_column(tmp_path: Path, inventory: Inventory) -> None:
    (tmp_path / "moves.csv").write_text("step,group,vms,from,to,migration,parked\n")
    with pytest.raises(InputError, match=r"moves\.csv, resume_step: required column"):
        read_moves(tmp_path, inventory)
