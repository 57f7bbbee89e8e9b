"""`hvplace check`: the independent checker over a plan directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    DiskOption,
    DynamicMemoryOption,
    Encoding,
    Exit,
    InputFormat,
    PoweredOff,
    Strict,
    Templates,
    fail,
    import_options,
    stderr,
    stdout,
)
from cli.render import OutputFormat, print_csv
from cli.saved import load_saved_plan
from data.check.checker import Violation
from data.imports.common import DiskMeasure, DynamicMemory


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
    fmt: OutputFormat = "table",
    input_format: InputFormat = None,
    templates: Templates = True,
    powered_off: PoweredOff = True,
    dynamic_memory: DynamicMemoryOption = DynamicMemory.STARTUP,
    strict: Strict = False,
    disk: DiskOption = DiskMeasure.USED,
    encoding: Encoding = None,
) -> None:
    """Check a plan against every rule; each violation on its own line. Exit 1 if any."""
    if fmt not in ("table", "json", "csv"):
        fail(Exit.BAD_INPUT, f"--format must be table, json or csv, not {fmt!r}")
    *inventory, plan = paths
    if not inventory:
        stderr().print(
            "hvplace: checking against the plan's own copy of its inventory", markup=False
        )
    options = import_options(templates, powered_off, dynamic_memory, strict, disk, encoding)
    saved = load_saved_plan(plan, inventory, failures, input_format, options)
    if saved.left_out:
        shown = ", ".join(repr(c) for c in saved.left_out)
        stderr().print(
            f"hvplace: the plan covers {', '.join(map(repr, saved.inventory.clusters))} "
            f"only (plan.json's clusters); not checked: {shown}",
            markup=False,
        )
    violations = saved.violations()
    _print_violations(violations, saved.failures, fmt, saved.inventory.clusters)
    if violations:
        raise typer.Exit(int(Exit.NO_PLAN))


def _print_violations(
    violations: list[Violation], k: int, fmt: str, clusters: tuple[str, ...]
) -> None:
    """The verdict on stdout: one line per violation and a summary line, or JSON (which
    names the clusters checked) or CSV."""
    rows = [
        {
            "rule": str(v.rule),
            "subject": v.subject,
            "failed": ";".join(v.failed),
            "detail": v.detail,
        }
        for v in violations
    ]
    if fmt == "json":
        document = {"failures": k, "valid": not violations, "clusters": list(clusters)}
        print(json.dumps(document | {"violations": rows}, indent=2))
    elif fmt == "csv":
        print_csv(rows)
    else:
        console = stdout()
        for v in violations:
            console.print(v.line(), markup=False, highlight=False)
        verdict = "valid" if not violations else f"{len(violations)} violations"
        console.print(f"N+{k} check: {verdict}", markup=False, highlight=False)
