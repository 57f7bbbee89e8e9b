"""The moves a script makes: read from moves.csv, or made up when a plan has none, and the
reverse direction for a rollback script.

`read_moves_csv` is a minimal reader of moves.csv (MODEL.md "Output") so that the
scripts follow the sequencer's order; `unordered_moves` is what a script falls back
to without a sequencer (one move per group, by name: the script's memory check
before each move then stops it before a node is overloaded, but may stop early).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from data.drain import plan_groups
from data.errors import InputError
from data.inventory import Inventory
from data.io.cells import coerce, is_missing
from data.io.read import read_table
from data.moves import LIVE, QUICK, Move
from data.plan import Plan
from data.schema import Kind

MOVES_CSV = "moves.csv"
MOVES_COLUMNS = ("step", "group", "vms", "from", "to", "migration", "parked", "resume_step")


def group_memory_mb(inventory: Inventory, vms: tuple[int, ...]) -> int:
    """What a group takes on a node: its VMs' memory plus Hyper-V overhead (MiB)."""
    return int(sum(int(inventory.vm_cost_mb[v]) for v in vms))


def current_node(inventory: Inventory, plan: Plan, vms: tuple[int, ...]) -> int:
    """Where a group runs now: its LUN's owner when known, else its first VM's known node."""
    lun = int(plan.vm_lun[vms[0]])
    if lun >= 0 and not inventory.lun_shared[lun] and inventory.lun_node[lun] >= 0:
        return int(inventory.lun_node[lun])
    known = [int(inventory.vm_node[v]) for v in vms if inventory.vm_node[v] >= 0]
    return known[0] if known else -1


def unordered_moves(inventory: Inventory, plan: Plan) -> tuple[Move, ...]:
    """One move per group whose known current node differs from its planned one, by name."""
    moves: list[Move] = []
    for name, vms, live in plan_groups(inventory, plan):
        source, target = current_node(inventory, plan, vms), int(plan.owners[vms[0], 0])
        if source >= 0 and source != target:
            moves.append(Move(len(moves) + 1, name, vms, source, target, live))
    return tuple(moves)


def reversed_placement(inventory: Inventory, plan: Plan) -> tuple[Inventory, Plan]:
    """The way back: an inventory whose VMs run where the plan puts them, and a plan that
    puts each group where it runs now (a group whose current node is unknown stays)."""
    vm_node = plan.owners[:, 0].copy()
    lun_node = inventory.lun_node.copy()
    owners = [[int(plan.owners[v, 0])] for v in range(inventory.n_vms)]
    for _, vms, _ in plan_groups(inventory, plan):
        now = current_node(inventory, plan, vms)
        lun = int(plan.vm_lun[vms[0]])
        if not inventory.lun_shared[lun]:
            lun_node[lun] = plan.owners[vms[0], 0]
        for v in vms:
            owners[v] = [now if now >= 0 else int(plan.owners[v, 0])]
    planned = dataclasses.replace(inventory, vm_node=vm_node, lun_node=lun_node)
    return planned, Plan.from_lists(plan.vm_lun.tolist(), owners)


def read_moves_csv(path: Path, inventory: Inventory) -> tuple[Move, ...]:
    """moves.csv resolved against the inventory; errors name the file, row and column."""
    raw = read_table(path)
    for name in MOVES_COLUMNS:
        if name not in raw.columns:
            raise InputError(f"required column {name!r} is missing", raw.file, column=name)
    reader = _Rows(raw.file, inventory)
    moves = tuple(reader.move(number, row) for number, row in enumerate(raw.rows, start=1))
    for i, move in enumerate(moves, start=1):
        if move.step != i:
            raise InputError(f"{move.step} is not step {i}: steps count 1, 2, ...", raw.file, i)
    return moves


class _Rows:
    """Turns moves.csv rows into Moves."""

    def __init__(self, file: str, inventory: Inventory) -> None:
        self.file = file
        self.vms = {name: v for v, name in enumerate(inventory.vm_names)}
        self.nodes = {name: n for n, name in enumerate(inventory.node_names)}

    def move(self, number: int, row: Mapping[str, Any]) -> Move:
        vms = tuple(sorted(self._name(self.vms, n, number, "vms") for n in self._list(row, number)))
        migration = self._cell(Kind.TEXT, row, number, "migration")
        if migration not in (QUICK, LIVE):
            raise InputError(f"{migration!r} is not quick or live", self.file, number, "migration")
        resume = row.get("resume_step")
        try:
            return Move(
                step=self._cell(Kind.POSITIVE_INT, row, number, "step"),
                group=self._cell(Kind.TEXT, row, number, "group"),
                vms=vms,
                source=self._name(
                    self.nodes, self._cell(Kind.TEXT, row, number, "from"), number, "from"
                ),
                target=self._name(
                    self.nodes, self._cell(Kind.TEXT, row, number, "to"), number, "to"
                ),
                live=migration == LIVE,
                parked=bool(self._cell(Kind.BOOL, row, number, "parked")),
                resume_step=None
                if is_missing(resume)
                else self._cell(Kind.POSITIVE_INT, row, number, "resume_step"),
            )
        except ValueError as error:
            raise InputError(str(error), self.file, number) from None

    def _list(self, row: Mapping[str, Any], number: int) -> list[str]:
        names = [n.strip() for n in str(self._cell(Kind.TEXT, row, number, "vms")).split(";")]
        if not any(names):
            raise InputError("is empty; a group has VMs", self.file, number, "vms")
        return [n for n in names if n]

    def _cell(self, kind: Kind, row: Mapping[str, Any], number: int, column: str) -> Any:
        raw = row.get(column)
        if is_missing(raw):
            raise InputError("is empty; a value is required", self.file, number, column)
        try:
            return coerce(kind, raw)
        except ValueError as error:
            raise InputError(str(error), self.file, number, column) from None

    def _name(self, index: dict[str, int], name: str, number: int, column: str) -> int:
        if name not in index:
            raise InputError(f"{name!r} is not in the inventory", self.file, number, column)
        return index[name]


def steps_of_cluster(inventory: Inventory, moves: tuple[Move, ...], cluster: int) -> list[Move]:
    """The moves of one cluster's groups, in order."""
    return [m for m in moves if inventory.node_cluster[m.source] == cluster]


def final_nodes(moves: tuple[Move, ...]) -> dict[str, int]:
    """Where each moved group ends, by group name."""
    return {m.group: m.target for m in moves}


def planned_nodes(inventory: Inventory, plan: Plan) -> dict[str, int]:
    return {name: int(plan.owners[vms[0], 0]) for name, vms, _ in plan_groups(inventory, plan)}


def check_moves_lead_to_plan(inventory: Inventory, plan: Plan, moves: tuple[Move, ...]) -> None:
    """moves.csv must end where placement.csv says (a stale moves.csv after an edit does not)."""
    planned = planned_nodes(inventory, plan)
    for group, node in final_nodes(moves).items():
        want = planned.get(group)
        if want is None or want != node:
            where = inventory.node_names[want] if want is not None else "no such group"
            raise InputError(
                f"group {group!r} ends on {inventory.node_names[node]!r} but the placement "
                f"says {where!r}; the moves are stale: run `hvplace plan` again",
                MOVES_CSV,
            )
