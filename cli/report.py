"""`hvplace report`: per node load now and at its worst, as a table, a PNG or an HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import Exit, check_out, fail, guarded, stderr, stdout
from cli.figure import MISSING_MATPLOTLIB, chart_png, has_matplotlib
from cli.page import html_page
from cli.render import KEEP, OBJECTIVE_UNITS, Column, fitted_table, gib, percent, titled
from cli.saved import FailuresOverride, InventoryOverride, PlanDir, load_saved_plan
from data.check.metrics import Load, NodeLoads, node_loads, permille
from data.io.atomic import replace_file

PICTURES = (".png", ".html", ".htm")


def report(
    plan: PlanDir,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write a chart: report.png or .html.")
    ] = None,
    inventory: InventoryOverride = None,
    failures: FailuresOverride = None,
) -> None:
    """Show each node's load now and at its worst under k failures, and the reserve."""
    suffix = out.suffix.lower() if out is not None else None
    if out is not None and suffix not in PICTURES:
        fail(Exit.BAD_INPUT, f"--out must end in .png or .html: {str(out)!r}")
    if suffix is not None and not has_matplotlib():
        fail(Exit.BAD_INPUT, MISSING_MATPLOTLIB)
    check_out(out, [plan, *([inventory] if inventory else [])], directory=False)
    saved = load_saved_plan(plan, [inventory] if inventory else [], failures)
    nodes = sorted(
        node_loads(saved.inventory, saved.plan, saved.failures), key=lambda n: (n.cluster, n.node)
    )
    headers, rows = table_cells(nodes)
    status = status_line(saved.info, saved.failures)
    console = stdout()
    console.print(_rich_table(headers, rows, saved.failures, console.width))
    console.print(status, markup=False, highlight=False)
    if out is None:
        return
    png = chart_png(nodes, saved.failures)
    content = png if suffix == ".png" else _page(plan, status, headers, rows, png)
    guarded(lambda: replace_file(out, content))
    stderr().print(f"hvplace: wrote {out}", markup=False)


def table_cells(nodes: list[NodeLoads]) -> tuple[list[str], list[list[str]]]:
    """Headers and text cells, shared by the terminal table and the HTML page."""
    resources = list(nodes[0].resources) if nodes else []
    headers = [
        "node",
        "cluster",
        "VMs",
        "memory now",
        "memory worst",
        "worst if down",
        "vCPUs now",
        "vCPUs worst",
    ]
    for name in resources:
        headers += [f"{name} now", f"{name} worst"]
    headers.append("reserve GiB")
    rows = []
    for n in nodes:
        row = [
            n.node,
            n.cluster,
            str(n.vms),
            _memory_now(n.memory),
            _share(n.memory.worst, n.memory.capacity),
            ", ".join(n.memory.worst_failed) or "(none)",
            _used(n.vcpus.used, n.vcpus),
            _used(n.vcpus.worst, n.vcpus),
        ]
        for name in resources:
            load = n.resources[name]
            row += [_used(load.used, load), _used(load.worst, load)]
        row.append(gib(n.failover_reserve_mb))
        rows.append(row)
    return headers, rows


def _memory_now(load: Load) -> str:
    return f"{_share(load.used, load.capacity)} of {gib(load.capacity)} GiB"


def _share(used: int, capacity: int) -> str:
    return percent(permille(used, capacity))


def _used(used: int, load: Load) -> str:
    return f"{used:,}/{load.capacity:,}"


def status_line(info: Mapping[str, Any], failures: int) -> str:
    """The plan's status, k, objective and input hash, from plan.json ("?" where absent)."""
    if not info:
        return f"N+{failures} · no plan.json (a plan written by hand)"
    objective = str(info.get("objective", "?"))
    value = f"{info.get('objective_value', '?')}{OBJECTIVE_UNITS.get(objective, '')}"
    sha = str(info.get("input_sha256", "?"))[:12]
    return f"{info.get('status', '?')} · N+{failures} · {objective} {value} · input {sha}"


def _rich_table(headers: list[str], rows: list[list[str]], failures: int, width: int) -> Table:
    """Names whole at any width: extra resources, then vCPUs, VMs, reserve and memory now go
    first when the terminal is narrow; the failure set folds."""
    resources = headers[8:-1]
    first = {h: len(resources) - i for i, h in enumerate(resources)}
    order = ["vCPUs now", "vCPUs worst", "VMs", "reserve GiB", "memory now"]
    clusters = {row[1] for row in rows}
    if len(clusters) == 1:  # named in the title instead
        order.append("cluster")
    drop = first | {h: len(first) + 1 + i for i, h in enumerate([*order, "worst if down"])}
    columns = [
        Column(h, "left" if i in (0, 1, 5) else "right", drop.get(h, KEEP), fold=i == 5)
        for i, h in enumerate(headers)
    ]
    title = titled(f"Per-node load, now and worst (N+{failures})", clusters)
    # cells are Text: names are not markup
    return fitted_table(title, columns, rows, width, everything="--out report.html")


def _page(plan: Path, status: str, headers: list[str], rows: list[list[str]], png: bytes) -> bytes:
    title = f"hvplace report: {plan.absolute().name}"
    return html_page(title, status, headers, rows, png).encode("utf-8")
