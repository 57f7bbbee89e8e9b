"""A plan directory read back for `export` and `report`: its inventory, plan and k."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import Exit, fail, guarded, load_sources, sources
from data.check.checker import Violation, check_node_column, check_plan
from data.check.moves import check_moves
from data.imports.common import ImportOptions
from data.inventory import Inventory
from data.io.moves import read_moves
from data.io.plan_read import read_covered_plan
from data.io.write import plan_inventory_dir
from data.moves import Move
from data.plan import Plan
from data.schema import MOVES_CSV, PLAN_JSON
from solver.sequencing import sequence_moves

# The arguments every command reading a saved plan takes alike.
PlanDir = Annotated[Path, typer.Argument(help="Plan directory written by `hvplace plan`.")]
InventoryOverride = Annotated[
    Path | None,
    typer.Option(help="Inventory directory or export (-: stdin; default: the plan's inventory/)."),
]
FailuresOverride = Annotated[
    int | None, typer.Option(min=0, help="k for the worst-case figures (default: plan.json's).")
]


@dataclass(frozen=True)
class SavedPlan:
    inventory: Inventory
    plan: Plan
    info: dict[str, Any]  # plan.json's content ({} when absent)
    node_column: list[int]  # the placement's node column, as read_plan gives it
    failures: int  # k: --failures, else plan.json's
    moves: tuple[Move, ...] | None = None  # moves.csv, when the plan has one
    left_out: tuple[str, ...] = ()  # clusters of the inventory the plan does not cover

    def violations(self) -> list[Violation]:
        """What `hvplace check` reports: every broken rule under N+k, a node column
        that does not name the first owner, and an unsafe step of moves.csv."""
        found = check_plan(self.inventory, self.plan, self.failures)
        found += check_node_column(self.inventory, self.plan, self.node_column)
        if self.moves is not None:
            found += check_moves(self.inventory, self.plan, self.moves)
        return found


def load_saved_plan(
    directory: Path,
    inventory: list[Path],
    failures: int | None,
    fmt: str | None = None,
    options: ImportOptions | None = None,
    quiet: bool = False,
) -> SavedPlan:
    """The plan in `directory` against `inventory` (an inventory directory, an example or
    exports; none: the plan's own inventory/)."""
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        fail(Exit.BAD_INPUT, f"plan {directory} {problem}")
    sources_given = sources(inventory, None) if inventory else None
    paths = sources_given or [guarded(lambda: plan_inventory_dir(directory))]
    whole = load_sources(paths, fmt, options or ImportOptions(), quiet).inventory
    covered = guarded(lambda: read_covered_plan(directory, whole))
    inv, plan, info = covered.inventory, covered.plan, covered.info  # its clusters alone
    node_column = info.pop("node_column")
    k = failures if failures is not None else info.get("failures")
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        fail(Exit.BAD_INPUT, f"{directory / PLAN_JSON}: failures: give --failures (no valid k)")
    moves = None
    if (directory / MOVES_CSV).exists():
        moves = guarded(lambda: read_moves(directory, inv))
    return SavedPlan(inv, plan, info, node_column, k, moves, covered.left_out)


def saved_moves(saved: SavedPlan) -> tuple[Move, ...]:
    """The plan's move order: moves.csv when the plan has one (replayed by
    SavedPlan.violations), else the sequencer's safe order from vms.node."""
    if saved.moves is not None:
        return saved.moves
    return sequence_moves(saved.inventory, saved.plan)
