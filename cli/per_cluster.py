"""`plan`, cluster by cluster: `--cluster` to plan only some, and the per-cluster table
shown when some cluster has no plan (which ones are fine, which are short, by how much)."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any

import typer

from cli.common import Exit, fail, stderr, stdout
from cli.render import Column, fitted_table, gib, print_csv
from data.imports.load import Loaded
from data.subset import cluster_subset
from solver.problem import cluster_problem
from solver.result import ClusterResult, Result, Status
from solver.shortfall import Shortfall, shortfall

ClusterNames = Annotated[
    list[str] | None,
    typer.Option(
        "--cluster",
        help="Plan only this cluster (repeat for more): only its VMs, LUNs and nodes "
        "go into the plan, and `check` then checks those clusters alone.",
    ),
]

_STATUS = {Status.INFEASIBLE: "impossible", Status.UNKNOWN: "timed out"}
_TIMED_OUT = "no plan within the time limit; not proven impossible"


def only_clusters(loaded: Loaded, names: list[str] | None) -> Loaded:
    """The inventory cut to the named clusters (all of it when none are named); an
    unknown name exits 2 listing the known ones."""
    if not names:
        return loaded
    known = loaded.inventory.clusters
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        fail(Exit.BAD_INPUT, f"--cluster: no cluster {listed}; the inventory has {_known(known)}")
    subset = cluster_subset(loaded.inventory, [known.index(name) for name in names])
    return dataclasses.replace(loaded, inventory=subset.inventory)


def _known(clusters: tuple[str, ...]) -> str:
    listed = ", ".join(repr(c) for c in clusters)
    return f"cluster {listed}" if len(clusters) == 1 else f"clusters {listed}"


def cluster_rows(loaded: Loaded, result: Result, failures: int) -> list[dict[str, Any]]:
    """One row per cluster: its size, its memory after the k largest nodes fail, how its
    solve ended and why, and the fewest nodes like its largest it must gain (a bound)."""
    inventory = loaded.inventory
    rows = []
    for answer in result.clusters:
        problem = cluster_problem(inventory, inventory.clusters.index(answer.cluster), failures)
        rows.append(_row(shortfall(problem), answer))
    return rows


def _row(short: Shortfall, answer: ClusterResult) -> dict[str, Any]:
    status = "planned" if answer.status.has_plan else _STATUS[answer.status]
    reason = "; ".join(answer.reasons) if status == "impossible" else ""
    if status == "timed out":
        reason = _TIMED_OUT
    if short.more is None and not answer.status.has_plan:
        reason = "; ".join(dict.fromkeys([*answer.reasons, *short.why_none]))
    return {
        "cluster": short.cluster,
        "nodes": short.nodes,
        "vms": short.vms,
        "memory_demand_mb": short.memory_demand_mb,
        "memory_left_mb": short.memory_left_mb,
        "status": status,
        "reason": reason or ("no plan" if status != "planned" else ""),
        "like": short.like,
        "more_nodes_at_least": short.more,  # None: no number of such nodes helps
    }


def grow_hint(failures: int) -> str:
    return (
        "nodes to add is a lower bound, counted in nodes like each cluster's largest; "
        f"`hvplace grow INVENTORY --out DIR --failures {failures}` finds exactly what to "
        f"buy so that every cluster is N+{failures}"
    )


def print_clusters(loaded: Loaded, result: Result, failures: int, fmt: str) -> None:
    """The per-cluster answers on stdout, as a table, JSON or CSV; the hint to grow after
    the table (on stderr for the machine formats, whose stdout is data)."""
    rows = cluster_rows(loaded, result, failures)
    if fmt == "json":
        document = {"status": str(result.status), "failures": failures, "clusters": rows}
        print(json.dumps(document | {"hint": grow_hint(failures)}, indent=2))
        return
    if fmt == "csv":
        print_csv(rows)
        stderr().print(f"hvplace: {grow_hint(failures)}", markup=False)
        return
    console = stdout()
    console.print(clusters_table(rows, failures, console.width))
    console.print(grow_hint(failures), markup=False, highlight=False)


def clusters_table(rows: list[dict[str, Any]], failures: int, width: int) -> Any:
    """The rows for a person: GiB, the bound marked as one ("at least")."""
    columns = (
        Column("cluster", "left"),
        Column("nodes"),
        Column("VMs", drop=2),
        Column("demand GiB", drop=3),
        Column(f"GiB left if {failures} fail" if failures else "node GiB", drop=4),
        Column("status", "left"),
        Column("reason", "left", drop=5, fold=True),
        Column("nodes to add (at least)", "left"),
    )
    cells = [
        [
            row["cluster"],
            str(row["nodes"]),
            str(row["vms"]),
            gib(row["memory_demand_mb"]),
            gib(row["memory_left_mb"]),
            row["status"],
            row["reason"],
            _more(row),
        ]
        for row in rows
    ]
    return fitted_table(f"Per-cluster answers (N+{failures})", columns, cells, width)


def _more(row: dict[str, Any]) -> str:
    more = row["more_nodes_at_least"]
    if more is None:
        return "none helps"
    return f">= {more} like {row['like']}" if more else "0"
