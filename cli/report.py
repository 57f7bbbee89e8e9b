"""`hvplace report`: per node load now, at its worst and before the plan; what one node's
failure does to each survivor; the moves and their downtime. A table, a PNG or an HTML
page. A plan the checker rejects is said to be so first, and the exit code is 1."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import Exit, check_out, fail, guarded, stderr, stdout
from cli.figure import MISSING_MATPLOTLIB, Extras, chart_png, clusters_of, has_matplotlib
from cli.grow_report import grow_report, is_grow_dir
from cli.page import html_page
from cli.render import KEEP, OBJECTIVE_UNITS, Column, fitted_table
from cli.report_tables import (
    Section,
    failure_heat,
    heat_sections,
    move_sections,
    moves_line,
    node_section,
)
from cli.saved import FailuresOverride, InventoryOverride, PlanDir, load_saved_plan, saved_moves
from data.check.before_after import memory_before
from data.check.checker import Violation
from data.check.metrics import node_loads
from data.io.atomic import replace_file
from data.names import node_order

PICTURES = (".png", ".html", ".htm")
SHOWN_VIOLATIONS = 5


def report(
    plan: PlanDir,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write a chart: report.png or .html.")
    ] = None,
    inventory: InventoryOverride = None,
    failures: FailuresOverride = None,
) -> None:
    """Show each node's load now and at its worst under k failures, its headroom, and the
    moves; exit 1 when `hvplace check` would reject the plan."""
    if is_grow_dir(plan) and out is None:  # purchases, then each period's report
        grow_report(plan, lambda period: report(period, None, inventory, failures))
        return
    suffix = out.suffix.lower() if out is not None else None
    if out is not None and suffix not in PICTURES:
        fail(Exit.BAD_INPUT, f"--out must end in .png or .html: {str(out)!r}")
    if suffix is not None and not has_matplotlib():
        fail(Exit.BAD_INPUT, MISSING_MATPLOTLIB)
    check_out(out, [plan, *([inventory] if inventory else [])], directory=False)
    saved = load_saved_plan(plan, [inventory] if inventory else [], failures)
    moves = saved_moves(saved)
    inv, k = saved.inventory, saved.failures
    nodes = sorted(node_loads(inv, saved.plan, k), key=lambda n: node_order(n.cluster, n.node))
    before = dict(zip(inv.node_names, map(int, memory_before(inv)), strict=True)) if moves else {}
    extras = Extras(failure_heat(inv, saved.plan) if k >= 1 else {}, before)
    sections = [node_section(nodes, k, before), *move_sections(inv, moves)]
    violations = saved.violations()
    rejected = rejection_lines(violations, plan)
    notes = [status_line(saved.info, k, bool(violations))]
    notes += [moves_line(inv, moves)] if moves else []
    _print(rejected, sections, notes)
    if out is not None:
        png = chart_png(nodes, k, extras)
        if suffix != ".png":
            tables = [sections[0], *heat_sections(clusters_of(nodes), extras.heat), *sections[1:]]
            title = f"hvplace report: {plan.absolute().name}"
            png = html_page(title, notes, png, tables, rejected).encode("utf-8")
        guarded(lambda: replace_file(out, png))
        stderr().print(f"hvplace: wrote {out}", markup=False)
    if violations:
        raise typer.Exit(int(Exit.NO_PLAN))


def rejection_lines(violations: list[Violation], plan: Path) -> list[str]:
    """The checker's verdict in a few lines: the count, the first violations, where the rest are."""
    if not violations:
        return []
    count = f"{len(violations)} violation" + ("s" if len(violations) != 1 else "")
    lines = [f"REJECTED: hvplace check finds {count}; this plan must not be applied"]
    lines += [v.line() for v in violations[:SHOWN_VIOLATIONS]]
    if len(violations) > SHOWN_VIOLATIONS:
        lines.append(f"... {len(violations) - SHOWN_VIOLATIONS} more: hvplace check {plan}")
    return lines


def status_line(info: Mapping[str, Any], failures: int, rejected: bool = False) -> str:
    """The plan's status, k, objective and input hash, from plan.json ("?" where absent)."""
    if not info:
        line = f"N+{failures} · no plan.json (a plan written by hand)"
    else:
        objective = str(info.get("objective", "?"))
        value = f"{info.get('objective_value', '?')}{OBJECTIVE_UNITS.get(objective, '')}"
        sha = str(info.get("input_sha256", "?"))[:12]
        line = f"{info.get('status', '?')} · N+{failures} · {objective} {value} · input {sha}"
    return f"rejected by check (plan.json says: {line})" if rejected else line


def _print(rejected: list[str], sections: list[Section], notes: list[str]) -> None:
    console = stdout()
    for line in rejected:
        console.print(line, markup=False, highlight=False)
    for section in sections:
        console.print(section.title, markup=False, highlight=False)  # never wrapped to the table
        console.print(_rich_table(section, console.width))
    for line in notes:
        console.print(line, markup=False, highlight=False)


def _rich_table(section: Section, width: int) -> Table:
    """Names whole at any width: detail columns go from the right when the terminal is
    narrow; the failure set folds."""
    count = len(section.headers)
    columns = []
    for i, header in enumerate(section.headers):
        fold = header == "worst if down"
        drop = KEEP if i < section.left else count - i
        left = i < section.left or fold
        columns.append(Column(header, "left" if left else "right", drop, fold=fold))
    rows = [list(row) for row in section.rows]
    return fitted_table("", columns, rows, width, everything="--out report.html")
