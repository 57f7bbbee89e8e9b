"""Turning results into tables, JSON and CSV on stdout (results) and lines on stderr."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from typing import Any

from rich.table import Table
from rich.text import Text

from cli.common import stdout
from data.check.metrics import NodeRow
from data.plan import PlanSummary

OBJECTIVE_UNITS = {"balance": "‰", "nodes": " nodes", "moves": " moves"}


def gib(mib: int) -> str:
    return f"{mib / 1024:,.1f}"


def node_table(rows: list[NodeRow], failures: int) -> Table:
    table = Table(title=f"Per-node load (N+{failures})", title_justify="left")
    for name, justify in (
        ("node", "left"),
        ("cluster", "left"),
        ("VMs", "right"),
        ("used GiB", "right"),
        ("free GiB", "right"),
        ("vCPUs", "right"),
        ("now", "right"),
        ("worst", "right"),
        ("worst if down", "left"),
        ("moves in", "right"),
        ("out", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(
            Text(r.node),
            Text(r.cluster),
            str(r.vms),
            gib(r.memory_used_mb),
            gib(r.memory_free_mb),
            f"{r.vcpus}/{r.vcpu_capacity}",
            f"{r.utilisation_permille / 10:.1f}%",
            f"{r.worst_permille / 10:.1f}%",
            Text(", ".join(r.worst_failed) or "(none)"),
            str(r.moves_in),
            str(r.moves_out),
        )
    return table


def status_line(summary: PlanSummary) -> str:
    unit = OBJECTIVE_UNITS.get(summary.objective, "")
    value, bound = summary.objective_value, summary.bound
    gap = (value - bound) / value * 100 if value else 0.0
    return (
        f"{summary.status} · {summary.objective} {value}{unit} · bound {bound}{unit} · "
        f"gap {gap:.1f}% · {summary.nodes_used} nodes used · {summary.moves} moves · "
        f"{summary.solve_seconds:.2f} s"
    )


def print_plan(summary: PlanSummary, rows: list[NodeRow], fmt: str) -> None:
    if fmt == "json":
        document = {
            "plan": dataclasses.asdict(summary),
            "nodes": [dataclasses.asdict(r) for r in rows],
        }
        print(json.dumps(document, indent=2, default=list))
    elif fmt == "csv":
        print_csv([dataclasses.asdict(r) for r in rows])
    else:
        console = stdout()
        console.print(node_table(rows, summary.failures))
        console.print(status_line(summary), markup=False, highlight=False)


def print_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ";".join(v) if isinstance(v, tuple) else v for k, v in row.items()})
    print(buffer.getvalue(), end="")
