"""`hvplace check`: the independent checker over a plan directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    DynamicMemoryOption,
    Exit,
    InputFormat,
    PoweredOff,
    Templates,
    fail,
    guarded,
    load_sources,
    sources,
    stderr,
    stdout,
)
from cli.render import print_csv
from data.check import check_node_column, check_plan
from data.imports.common import DynamicMemory, ImportOptions
from data.inventory import Inventory
from data.write import plan_inventory_dir, read_plan


def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="[INVENTORY]... PLAN",
            help="The inventory (a directory, an example name or export files) and the plan "
            "directory last. Without an inventory, the copy the plan keeps is used.",
        ),
    ],
    failures: Annotated[
        int | None, typer.Option(min=0, help="k to check (default: plan.json's).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    input_format: InputFormat = None,
    templates: Templates = True,
    powered_off: PoweredOff = True,
    dynamic_memory: DynamicMemoryOption = DynamicMemory.STARTUP,
) -> None:
    """Check a plan against every rule; each violation on its own line. Exit 1 if any."""
    if fmt not in ("table", "json", "csv"):
        fail(Exit.BAD_INPUT, f"--format must be table, json or csv, not {fmt!r}")
    *inventory, plan = paths
    inv = _inventory(inventory, plan, input_format, ImportOptions(templates, powered_off,
                                                                   dynamic_memory))  # fmt: skip
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


def _inventory(paths: list[Path], plan: Path, fmt: str | None, options: ImportOptions) -> Inventory:
    if not paths:
        snapshot = guarded(lambda: plan_inventory_dir(plan))
        stderr().print(f"hvplace: checking against the plan's own copy, {snapshot}", markup=False)
        paths = [snapshot]
    return load_sources(sources(paths, None), fmt, options).inventory
