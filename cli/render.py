"""Turning results into tables, JSON and CSV on stdout (results) and lines on stderr."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from cli.common import choice_option, stdout
from data.export.tables import export_document, nodes_table
from data.inventory import Inventory
from data.io.write import plan_info
from data.plan import Plan, PlanSummary
from data.rules import PERMILLE, Objective

OBJECTIVE_UNITS: dict[str, str] = {
    Objective.BALANCE: "‰",
    Objective.NODES: " nodes",
    Objective.MOVES: " moves",
}
OUTPUT_FORMATS = ("table", "json", "csv")
# --format of the commands that show results (plan, check)
OutputFormat = Annotated[str, choice_option("--format", OUTPUT_FORMATS, "How to show results.")]

KEEP = 0  # Column.drop of a column that is never dropped
_FOLDED = 12  # the narrowest a folding column is allowed to get before others are dropped


def percent(permille: int) -> str:
    """A permille figure as the percentage people read, one decimal."""
    return f"{100 * permille / PERMILLE:.1f}%"


def gib(mib: int) -> str:
    return f"{mib / 1024:,.1f}"


@dataclass(frozen=True)
class Column:
    """A table column: `drop` orders which detail goes first when the terminal is narrow
    (1 first; KEEP never); `fold` columns (lists of names) wrap over lines instead."""

    header: str
    justify: Literal["left", "right"] = "right"
    drop: int = KEEP
    fold: bool = False


def fitted_table(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int,
    everything: str = "--format csv",
) -> Table:
    """A table of text cells (never markup) that fits `width`: names are never cut to an
    ellipsis; folding columns wrap, then detail columns are dropped (and named in a caption),
    then headers wider than their cells stack their words. Only when even the kept columns
    cannot fit do names fold over lines. `everything` says where the dropped ones are."""
    shown = _shown(columns, rows, width)
    whole = _needed(columns, rows, shown, squeeze=True) <= width
    if not whole:
        stacked = [_stacked(column, rows, i) for i, column in enumerate(columns)]
        shown_stacked = _shown(stacked, rows, width)
        if _needed(stacked, rows, shown_stacked, squeeze=True) <= width:
            columns, shown, whole = stacked, shown_stacked, True
    table = Table(title=title, title_justify="left", caption_justify="left")
    for i in shown:
        column = columns[i]
        wraps = column.fold or not whole
        table.add_column(
            column.header,
            justify=column.justify,
            no_wrap=not wraps,
            overflow="fold",
            min_width=None if wraps else _longest(columns, rows, i),  # never shrunk
        )
    for row in rows:
        table.add_row(*(Text(row[i]) for i in shown))
    hidden = [columns[i].header.replace("\n", " ") for i in range(len(columns)) if i not in shown]
    if hidden:
        table.caption = f"(not shown at this width: {', '.join(hidden)}; {everything} has all)"
    return table


def _shown(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Drop details in drop order until the rest fits with every word whole; failing that,
    fold the name lists mid-word, and drop them last. Then take back, latest first, any
    dropped detail that fits (dropping a wide one may have made room for a narrow one)."""
    shown = list(range(len(columns)))
    details = sorted(
        (i for i, column in enumerate(columns) if column.drop != KEEP),
        key=lambda i: (columns[i].fold, columns[i].drop),
    )
    dropped = []
    for i in details:
        squeeze = columns[i].fold  # only the folding columns are left to drop
        if _needed(columns, rows, shown, squeeze=squeeze) <= width:
            break
        shown.remove(i)
        dropped.append(i)
    for i in reversed(dropped):
        if _needed(columns, rows, sorted([*shown, i]), squeeze=False) <= width:
            shown = sorted([*shown, i])
    return shown


def _stacked(column: Column, rows: Sequence[Sequence[str]], i: int) -> Column:
    """The column with its header's words on lines of their own, if the header is what
    makes it wide."""
    if column.fold or cell_len(column.header) <= max((cell_len(row[i]) for row in rows), default=0):
        return column
    return replace(column, header="\n".join(column.header.split()))


def _longest(columns: Sequence[Column], rows: Sequence[Sequence[str]], i: int) -> int:
    header = max(cell_len(line) for line in columns[i].header.split("\n"))
    return max([header, *(cell_len(row[i]) for row in rows)])


def _needed(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], shown: list[int], squeeze: bool
) -> int:
    """The width the shown columns need: padding and a rule per column, one more rule, and
    each cell whole, except in folding columns: down to _FOLDED (squeeze) or to their
    longest word."""
    total = 1
    for i in shown:
        longest = _longest(columns, rows, i)
        if columns[i].fold:
            words = [w for row in rows for w in row[i].split()] + columns[i].header.split()
            longest = min(longest, _FOLDED if squeeze else max(map(cell_len, words)))
        total += longest + 3
    return total


def plan_columns(single_cluster: bool) -> tuple[Column, ...]:
    """The plan table's columns. With one cluster its name is in the title, so the column
    may go at a narrow width; the failure set goes last, before any name would fold."""
    return (
        Column("node", "left"),
        Column("cluster", "left", drop=6 if single_cluster else KEEP),
        Column("VMs", drop=3),
        Column("used GiB", drop=1),
        Column("free GiB", drop=4),
        Column("vCPUs", drop=2),
        Column("now", drop=5),
        Column("worst"),
        Column("worst if down", "left", drop=7, fold=True),
        Column("moves in", drop=8),
        Column("out", drop=8),
    )


def titled(title: str, clusters: set[str]) -> str:
    """The title, naming the cluster when there is only one."""
    return f"{title} · cluster {next(iter(clusters))}" if len(clusters) == 1 else title


def node_table(nodes: list[dict[str, Any]], failures: int, width: int) -> Table:
    """The plan's per-node table from the export's node rows (one builder for every format)."""
    clusters = {n["cluster"] for n in nodes}
    title = titled(f"Per-node load (N+{failures})", clusters)
    rows = [
        [
            n["node"],
            n["cluster"],
            str(n["vms"]),
            gib(n["memory_used_mb"]),
            gib(n["failover_reserve_mb"]),
            f"{n['vcpus_used']}/{n['vcpu_capacity']}",
            percent(n["memory_permille"]),
            percent(n["worst_memory_permille"]),
            ", ".join(n["worst_memory_failed"]) or "(none)",
            str(n["moves_in"]),
            str(n["moves_out"]),
        ]
        for n in nodes
    ]
    return fitted_table(title, plan_columns(len(clusters) == 1), rows, width)


NODE_ROWS_UP_TO = 200  # a larger plan shows one row per cluster: 10,000 rows help no one


CLUSTER_ROWS_UP_TO = 40  # beyond: the clusters nearest their limits, the rest in a note


def cluster_table(
    nodes: list[dict[str, Any]], failures: int, width: int, most: int | None = CLUSTER_ROWS_UP_TO
) -> Table:
    """One row per cluster from the node rows (sorted by cluster): its nodes, VMs, the
    highest memory now and under any failure set, the node that reaches it, moves. With
    more than `most` clusters (None: no bound), only the `most` with the highest
    worst-case memory are shown, highest first: the ones a person must look at."""
    by_cluster: dict[str, list[dict[str, Any]]] = {}
    for n in nodes:
        by_cluster.setdefault(n["cluster"], []).append(n)
    worst = {c: max(m, key=lambda n: n["worst_memory_permille"]) for c, m in by_cluster.items()}
    shown = list(by_cluster)
    if most is not None and len(shown) > most:
        shown.sort(key=lambda c: -worst[c]["worst_memory_permille"])  # stable: ties by name
        shown = shown[:most]
    rows = [_cluster_row(c, by_cluster[c], worst[c]) for c in shown]
    title = f"Per-cluster load (N+{failures}), {len(nodes):,} nodes"
    everything = "--format csv (one row per node)"
    table = fitted_table(title, CLUSTER_COLUMNS, rows, width, everything)
    if len(shown) < len(by_cluster):
        note = (
            f"(the {len(shown)} of {len(by_cluster):,} clusters with the highest worst-case "
            f"memory; --verbose shows every cluster, {everything} every node)"
        )
        table.caption = f"{table.caption}\n{note}" if table.caption else note
    return table


def _cluster_row(cluster: str, members: list[dict[str, Any]], worst: dict[str, Any]) -> list[str]:
    return [
        cluster,
        str(len(members)),
        str(sum(n["vms"] for n in members)),
        percent(max(n["memory_permille"] for n in members)),
        percent(worst["worst_memory_permille"]),
        worst["node"],
        str(sum(n["moves_in"] for n in members)),
    ]


CLUSTER_COLUMNS = (
    Column("cluster", "left"),
    Column("nodes"),
    Column("VMs", drop=3),
    Column("now", drop=2),
    Column("worst"),
    Column("on node", "left", drop=4),
    Column("moves", drop=1),
)


def status_line(summary: PlanSummary) -> str:
    unit = OBJECTIVE_UNITS.get(summary.objective, "")
    value, bound = summary.objective_value, summary.bound
    gap = (value - bound) / value * 100 if value else 0.0
    return (
        f"{summary.status} · {summary.objective} {value}{unit} · bound {bound}{unit} · "
        f"gap {gap:.1f}% · {summary.nodes_used} nodes used · {summary.moves} moves · "
        f"{summary.solve_seconds:.2f} s"
    )


def print_plan(
    inventory: Inventory, plan: Plan, summary: PlanSummary, fmt: str, everything: bool = False
) -> None:
    """json: the `hvplace-plan` document `export --format json` gives for the same plan;
    csv: its nodes rows; table: those rows for a person (one row per cluster beyond
    NODE_ROWS_UP_TO nodes, and only the fullest CLUSTER_ROWS_UP_TO clusters unless
    `everything`)."""
    if fmt == "json":
        sys.stdout.write(export_document(inventory, plan, summary.failures, plan_info(summary)))
        return
    nodes = nodes_table(inventory, plan, summary.failures)
    if fmt == "csv":
        print_csv(nodes)
    else:
        console = stdout()
        if len(nodes) <= NODE_ROWS_UP_TO:
            console.print(node_table(nodes, summary.failures, console.width))
        else:
            most = None if everything else CLUSTER_ROWS_UP_TO
            console.print(cluster_table(nodes, summary.failures, console.width, most))
        console.print(status_line(summary), markup=False, highlight=False)


def print_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: ";".join(v) if isinstance(v, list | tuple) else v for k, v in row.items()}
        )
    print(buffer.getvalue(), end="")
