"""`hvplace drain`: rolling maintenance, the rounds in which to patch every node."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli.common import Exit, fail, guarded, stderr, stdout
from cli.saved import FailuresOverride, InventoryOverride, PlanDir, SavedPlan, load_saved_plan
from data.drain import DrainError, DrainRound, drain_rounds
from data.export.drain import DRAIN_COLUMNS, drain_json, drain_rows, write_drain
from data.inventory import Inventory


def drain(
    plan: PlanDir,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Directory for drain.csv and drain.json.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    inventory: InventoryOverride = None,
    failures: FailuresOverride = None,
) -> None:
    """The order in which to pause, drain and resume each node for patching: rounds of
    up to k nodes, each group to its failover target, the other nodes' peak load."""
    if fmt not in ("table", "json", "csv"):
        fail(Exit.BAD_INPUT, f"--format must be table, json or csv, not {fmt!r}")
    saved = load_saved_plan(plan, [inventory] if inventory else [], failures)
    rounds = certified_rounds(saved)
    if out is not None:
        guarded(lambda: write_drain(out, saved.inventory, rounds, saved.failures))
        stderr().print(f"hvplace: wrote {out}", markup=False)
    if fmt == "json":
        typer.echo(drain_json(saved.inventory, rounds, saved.failures), nl=False)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=DRAIN_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(drain_rows(saved.inventory, rounds))
        typer.echo(buffer.getvalue(), nl=False)
    else:
        stdout().print(drain_table(saved.inventory, rounds, saved.failures))


def certified_rounds(saved: SavedPlan) -> tuple[DrainRound, ...]:
    """Rounds only for a plan the checker accepts: only then is every round's node set
    a failure set whose targets are known to fit."""
    violations = saved.violations()
    if violations:
        for violation in violations[:10]:
            stderr().print(violation.line(), markup=False)
        fail(Exit.NO_PLAN, f"the plan breaks {len(violations)} rule(s) under N+{saved.failures}")
    try:
        return drain_rounds(saved.inventory, saved.plan, saved.failures)
    except DrainError as error:
        fail(Exit.NO_PLAN, str(error))


def drain_table(inventory: Inventory, rounds: tuple[DrainRound, ...], failures: int) -> Table:
    nodes = "1 node" if failures == 1 else f"{failures} nodes"
    table = Table(
        title=f"Drain rounds (up to {nodes} at a time)",
        title_justify="left",
        caption="restarts: VMs quick-migrated off the round's nodes (they restart again "
        "when moved back); live VMs move without a restart",
        caption_justify="left",
    )
    for name, justify in (
        ("round", "right"),
        ("drained", "left"),
        ("groups moved (group -> target)", "left"),
        ("peak", "right"),
        ("other nodes", "left"),
        ("restarts", "right"),
        ("quick GiB", "right"),
        ("live VMs", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    names = inventory.node_names
    for r in rounds:
        moves = ", ".join(f"{m.group} -> {names[m.target]}" for m in r.moves) or "(none)"
        others = ", ".join(f"{names[n]} {p / 10:.1f}%" for n, p in r.utilisation)
        table.add_row(
            str(r.number),
            Text(", ".join(names[n] for n in r.nodes)),
            Text(moves),
            f"{r.peak_permille / 10:.1f}%",
            Text(others),
            str(r.restarted_vms),
            f"{r.quick_gib:,.1f}",
            str(r.live_vms),
        )
    return table
