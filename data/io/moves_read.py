"""Stand-in reader of a plan's moves.csv, for the report only.

The real reader is data/io/moves.py `read_moves(plan_dir, inventory)`, written
on another branch; once it is merged, cli/saved.py calls it and this file goes.
Columns as MODEL.md: step, group, vms (`;`-joined), from, to, migration
(quick | live), parked, resume_step.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from data.errors import InputError
from data.inventory import Inventory
from data.io.cells import coerce, is_missing
from data.io.read import read_table
from data.moves import LIVE, QUICK, Move
from data.schema import OWNER_SEPARATOR, Kind

MOVES_CSV = "moves.csv"
_COLUMNS = ("step", "group", "vms", "from", "to", "migration")


def read_moves(plan_dir: Path, inventory: Inventory) -> tuple[Move, ...]:
    """The moves of moves.csv in step order; () when the plan has no moves.csv."""
    path = plan_dir / MOVES_CSV
    if not path.exists():
        return ()
    raw = read_table(path)
    for column in _COLUMNS:
        if column not in raw.columns:
            raise InputError(f"required column {column!r} is missing", raw.file, column=column)
    names = (
        {name: n for n, name in enumerate(inventory.node_names)},
        {name: v for v, name in enumerate(inventory.vm_names)},
    )
    rows = [_Row(raw.file, number, row, names) for number, row in enumerate(raw.rows, 1)]
    return tuple(sorted((row.move() for row in rows), key=lambda m: m.step))


class _Row:
    """One row of moves.csv; errors name the file, the row and the column."""

    def __init__(
        self,
        file: str,
        number: int,
        row: Mapping[str, Any],
        names: tuple[dict[str, int], dict[str, int]],
    ) -> None:
        self.file, self.number, self.row = file, number, row
        self.nodes, self.vms = names

    def move(self) -> Move:
        migration = self.cell("migration")
        if migration not in (QUICK, LIVE):
            raise InputError(
                f"{migration!r} is not quick or live", self.file, self.number, "migration"
            )
        members = str(self.cell("vms") or "").split(OWNER_SEPARATOR)
        vms = sorted(self.index(self.vms, "vms", m.strip()) for m in members if m.strip())
        resume = self.cell("resume_step", Kind.POSITIVE_INT)
        step, group = int(self.cell("step", Kind.POSITIVE_INT) or 0), str(self.cell("group") or "")
        source = self.index(self.nodes, "from", str(self.cell("from") or ""))
        target = self.index(self.nodes, "to", str(self.cell("to") or ""))
        parked = bool(self.cell("parked", Kind.BOOL))
        try:  # Move's own checks: a parked move names its resume step, and so on
            return Move(
                step,
                group,
                tuple(vms),
                source,
                target,
                migration == LIVE,
                parked,
                None if resume is None else int(resume),
            )
        except ValueError as error:
            raise InputError(str(error), self.file, self.number) from None

    def cell(self, column: str, kind: Kind = Kind.TEXT) -> Any:
        value = self.row.get(column)
        try:
            return None if is_missing(value) else coerce(kind, value)
        except ValueError as error:
            raise InputError(str(error), self.file, self.number, column) from None

    def index(self, names: dict[str, int], column: str, text: str) -> int:
        if text not in names:
            raise InputError(f"{text!r} is not in the inventory", self.file, self.number, column)
        return names[text]
