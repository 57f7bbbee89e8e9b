"""The stand-in moves.csv reader (until data/io/moves.py merges): rows to Moves."""

from pathlib import Path

import pytest

from data.errors import InputError
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.io.moves_read import read_moves
from data.moves import Move

HEADER = "step,group,vms,from,to,migration,parked,resume_step\n"


@pytest.fixture
def inventory() -> Inventory:
    nodes = [{"node": f"hv{i}", "memory_mb": 65536, "logical_processors": 16} for i in (1, 2)]
    vms = [{"vm": v, "memory_mb": 1024, "vcpus": 1, "lun": "l1"} for v in ("b", "a")]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))


def test_read_moves_in_step_order(tmp_path: Path, inventory: Inventory) -> None:
    (tmp_path / "moves.csv").write_text(
        HEADER + "2,l1,a;b,hv2,hv1,quick,,\n1,l1,a;b,hv1,hv2,quick,true,3\n"
    )
    assert read_moves(tmp_path, inventory) == (
        Move(1, "l1", (0, 1), 0, 1, live=False, parked=True, resume_step=3),
        Move(2, "l1", (0, 1), 1, 0, live=False),
    )
    assert read_moves(tmp_path / "none", inventory) == ()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,l1,a,hv1,hv9,quick,,", "moves.csv row 1, to: 'hv9' is not in the inventory"),
        ("1,l1,a,hv1,hv2,fast,,", "moves.csv row 1, migration: 'fast' is not quick or live"),
        ("1,l1,a,hv1,hv1,live,,", "moves.csv row 1: a move changes the group's node"),
    ],
)
def test_read_moves_bad_row_names_file_row_column(
    tmp_path: Path, inventory: Inventory, row: str, message: str
) -> None:
    (tmp_path / "moves.csv").write_text(HEADER + row + "\n")
    with pytest.raises(InputError) as caught:
        read_moves(tmp_path, inventory)
    assert str(caught.value) == message
