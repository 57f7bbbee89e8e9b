"""`hvplace check`: the independent checker over a plan directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import Exit, fail, guarded, inventory_dir, load_inventory, stdout
from cli.render import print_csv
from data.check import check_node_column, check_plan
from data.write import read_plan


def check(
    inventory: Annotated[Path, typer.Argument(help="Inventory directory (or example name).")],
    plan: Annotated[Path, typer.Argument(help="Plan directory written by `hvplace plan`.")],
    failures: Annotated[
        int | None, typer.Option(min=0, help="k to check (default: plan.json's).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Check a plan against every rule; each violation on its own line. Exit 1 if any."""
    if fmt not in ("table", "json", "csv"):
        fail(Exit.BAD_INPUT, f"--format must be table, json or csv, not {fmt!r}")
    inv = load_inventory(inventory_dir(inventory, None))
    placement, info = guarded(lambda: read_plan(plan, inv))
    k = failures if failures is not None else info.get("failures")
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        fail(Exit.BAD_INPUT, f"{plan / 'plan.json'}: failures: give --failures (no valid k)")
    violations = check_plan(inv, placement, k)
    violations += check_node_column(inv, placement, info["node_column"])
    rows = [{"rule": str(v.rule), "subject": v.subject, "failed": ";".join(v.failed),
             "detail": v.detail} for v in violations]  # fmt: skip
    if fmt == "json":
        print(json.dumps({"failures": k, "valid": not violations, "violations": rows}, indent=2))
    elif fmt == "csv":
        print_csv(rows)
    else:
        console = stdout()
        for v in violations:
            console.print(v.line(), markup=False, highlight=False)
        verdict = "valid" if not violations else f"{len(violations)} violations"
        console.print(f"N+{k} check: {verdict}", markup=False, highlight=False)
    if violations:
        raise typer.Exit(int(Exit.NO_PLAN))
