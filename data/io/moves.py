"""moves.csv, the order in which to apply a plan: its rows, and reading them back.

Reading checks only what a row says on its own (known names, numbers, flags, steps
1, 2, ... in row order); whether the order is safe is the checker's replay
(data/check/moves.py), so an edited but well-formed file reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from data.errors import InputError
from data.inventory import Inventory
from data.io.cells import coerce, is_missing
from data.io.read import read_table
from data.moves import LIVE, QUICK, Move
from data.schema import MOVES_COLUMNS, MOVES_CSV, VM_SEPARATOR, Kind


def moves_cells(inventory: Inventory, moves: Sequence[Move]) -> list[list[str]]:
    """One row per move, in step order, in MOVES_COLUMNS' order, as moves.csv spells its
    cells (write_csv's spelling: true/false, an empty resume_step)."""
    nodes, vms = inventory.node_names, inventory.vm_names
    return [
        [
            str(m.step),
            m.group,
            VM_SEPARATOR.join([vms[v] for v in m.vms]),
            nodes[m.source],
            nodes[m.target],
            m.migration,
            "true" if m.parked else "false",
            "" if m.resume_step is None else str(m.resume_step),
        ]
        for m in moves
    ]


def read_moves(plan_dir: Path, inventory: Inventory) -> tuple[Move, ...]:
    """The plan's moves.csv resolved against `inventory`; bad cells raise InputError
    naming the file, the row and the column."""
    raw = read_table(plan_dir / MOVES_CSV)
    for column in MOVES_COLUMNS:
        if column not in raw.columns:
            raise InputError(f"required column {column!r} is missing", raw.file, column=column)
    reader = _RowReader(raw.file, inventory)
    return tuple(reader.move(number, row) for number, row in enumerate(raw.rows, start=1))


class _RowReader:
    def __init__(self, file: str, inventory: Inventory) -> None:
        self.file = file
        self.vms = {name: v for v, name in enumerate(inventory.vm_names)}
        self.nodes = {name: n for n, name in enumerate(inventory.node_names)}

    def move(self, number: int, row: Mapping[str, Any]) -> Move:
        step = self._cell(number, row, "step", Kind.POSITIVE_INT)
        if step != number:
            raise self._error(f"{step} out of order; steps count 1, 2, ... by row", number, "step")
        migration = self._cell(number, row, "migration", Kind.NAME)
        if migration not in (QUICK, LIVE):
            raise self._error(f"{migration!r} is not {QUICK} or {LIVE}", number, "migration")
        parked = self._cell(number, row, "parked", Kind.BOOL)
        resume = row.get("resume_step")
        resume_step = None
        if not is_missing(resume):
            resume_step = self._cell(number, row, "resume_step", Kind.POSITIVE_INT)
        group, vms = self._cell(number, row, "group", Kind.NAME), self._vms(number, row)
        source, target = self._node(number, row, "from"), self._node(number, row, "to")
        try:  # what a Move refuses on its own (after the cells, whose errors say more)
            return Move(
                step=step,
                group=group,
                vms=vms,
                source=source,
                target=target,
                live=migration == LIVE,
                parked=parked,
                resume_step=resume_step,
            )
        except ValueError as error:
            column = "to" if source == target else "resume_step"
            raise self._error(str(error), number, column) from None

    def _vms(self, number: int, row: Mapping[str, Any]) -> tuple[int, ...]:
        names = [n.strip() for n in self._cell(number, row, "vms", Kind.NAME).split(VM_SEPARATOR)]
        found: list[int] = []
        for name in names:
            if name not in self.vms:
                raise self._error(f"VM {name!r} is not in the inventory", number, "vms")
            if self.vms[name] in found:
                raise self._error(f"VM {name!r} repeats", number, "vms")
            found.append(self.vms[name])
        return tuple(sorted(found))

    def _node(self, number: int, row: Mapping[str, Any], column: str) -> int:
        name = self._cell(number, row, column, Kind.NAME)
        if name not in self.nodes:
            raise self._error(f"node {name!r} is not in the inventory", number, column)
        return self.nodes[name]

    def _cell(self, number: int, row: Mapping[str, Any], column: str, kind: Kind) -> Any:
        raw = row.get(column)
        if is_missing(raw):
            raise self._error("is empty; a value is required", number, column)
        try:
            return coerce(kind, raw)
        except ValueError as error:
            raise self._error(str(error), number, column) from None

    def _error(self, message: str, number: int, column: str) -> InputError:
        return InputError(message, self.file, number, column)
