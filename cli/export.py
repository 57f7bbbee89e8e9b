"""`hvplace export`: a plan as a PowerShell script, one JSON document, or CSV/Parquet tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import STDIO, Exit, Quiet, check_out, choice_option, fail, guarded, stderr
from cli.drain import certified_rounds
from cli.saved import (
    FailuresOverride,
    InventoryOverride,
    PlanDir,
    SavedPlan,
    load_saved_plan,
    saved_moves,
)
from data.export.powershell import encode, powershell_script
from data.export.powershell_drain import drain_script
from data.export.powershell_moves import reversed_placement
from data.export.tables import TABLE_FORMATS, export_document, nodes_table, placement_table
from data.export.tables import write_tables as write_export_tables
from data.io.atomic import replace_file
from solver.sequencing import sequence_moves

FORMATS = ("powershell", "json", *TABLE_FORMATS)


def export(
    plan: PlanDir,
    fmt: Annotated[str, choice_option("--format", FORMATS, "What to write.")] = "json",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="File (powershell, json; - or none: stdout) or directory (csv, parquet).",
        ),
    ] = None,
    inventory: InventoryOverride = None,
    failures: FailuresOverride = None,
    cluster: Annotated[
        str | None, typer.Option(help="powershell: the cluster to write the script for.")
    ] = None,
    quiet: Quiet = False,
    rollback: Annotated[
        bool, typer.Option(help="powershell: the script that moves every group back.")
    ] = False,
    drain: Annotated[
        bool, typer.Option(help="powershell: the rolling-maintenance script (hvplace drain).")
    ] = False,
) -> None:
    """Export a plan: a PowerShell script that applies it, JSON, or CSV/Parquet tables."""
    if fmt not in FORMATS:
        fail(Exit.BAD_INPUT, f"--format must be {', '.join(FORMATS)}, not {fmt!r}")
    if fmt in TABLE_FORMATS and (out is None or str(out) == STDIO):
        fail(Exit.BAD_INPUT, f"--format {fmt} writes two tables: give --out DIRECTORY")
    if cluster is not None and fmt != "powershell":
        fail(Exit.BAD_INPUT, "--cluster applies to --format powershell only")
    kind = _script_kind(fmt, rollback, drain)
    if out is not None and str(out) != STDIO:
        check_out(out, [plan, *([inventory] if inventory else [])], fmt in TABLE_FORMATS)
    saved = load_saved_plan(plan, [inventory] if inventory else [], failures, quiet=quiet)
    if fmt == "powershell":
        _emit(_script(saved, cluster, kind), out, quiet)
        return
    if fmt == "json":
        document = export_document(saved.inventory, saved.plan, saved.failures, saved.info)
        _emit(document.encode("utf-8"), out, quiet)
        return
    placement = placement_table(saved.inventory, saved.plan)
    nodes = nodes_table(saved.inventory, saved.plan, saved.failures)
    assert out is not None
    guarded(lambda: write_export_tables(out, placement, nodes, fmt))
    if not quiet:
        stderr().print(f"hvplace: wrote {out}", markup=False)


def _script_kind(fmt: str, rollback: bool, drain: bool) -> str:
    """apply, rollback or drain: which script --format powershell writes."""
    for given, name in ((rollback, "--rollback"), (drain, "--drain")):
        if given and fmt != "powershell":
            fail(Exit.BAD_INPUT, f"{name} applies to --format powershell only")
    if rollback and drain:
        fail(Exit.BAD_INPUT, "give --rollback or --drain, not both")
    return "rollback" if rollback else "drain" if drain else "apply"


def _script(saved: SavedPlan, cluster: str | None, kind: str) -> bytes:
    """Only a plan that passes the checker becomes a script that changes a cluster."""
    violations = saved.violations()
    if violations:
        for violation in violations[:10]:
            stderr().print(violation.line(), markup=False)
        fail(
            Exit.NO_PLAN,
            f"the plan breaks {len(violations)} rule(s) under "
            f"N+{saved.failures}; no script written",
        )
    index = _cluster(saved, cluster)
    if kind == "drain":
        rounds = certified_rounds(saved)
        return encode(
            guarded(lambda: drain_script(saved.inventory, saved.plan, saved.info, index, rounds))
        )
    if kind == "rollback":
        inv, back = reversed_placement(saved.inventory, saved.plan)
        steps = sequence_moves(inv, back)
        text = guarded(
            lambda: powershell_script(inv, back, saved.info, index, steps, rollback=True)
        )
        return encode(text)
    steps = saved_moves(saved)
    text = guarded(lambda: powershell_script(saved.inventory, saved.plan, saved.info, index, steps))
    return encode(text)


def _cluster(saved: SavedPlan, name: str | None) -> int:
    clusters = saved.inventory.clusters
    if name is not None:
        if name not in clusters:
            fail(
                Exit.BAD_INPUT,
                f"--cluster {name!r} is not in the inventory ({', '.join(clusters)})",
            )
        return clusters.index(name)
    if len(clusters) > 1:
        fail(
            Exit.BAD_INPUT,
            f"the plan spans clusters {', '.join(clusters)}; "
            "give --cluster NAME (one script per cluster)",
        )
    return 0


def _emit(content: bytes, out: Path | None, quiet: bool) -> None:
    """To --out atomically, else (no --out, or `-`) the same bytes to stdout."""
    if out is None or str(out) == STDIO:
        typer.echo(content, nl=False)
        return
    guarded(lambda: replace_file(out, content))
    if not quiet:
        stderr().print(f"hvplace: wrote {out}", markup=False)
