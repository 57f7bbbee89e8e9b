"""A plan as tables and one JSON document for other tools, written atomically.

The JSON document (`plan_document`), format "hvplace-plan", version 1:

    {
      "format": "hvplace-plan",
      "version": 1,
      "plan": {...},          plan.json's content as written ({} when there is none)
      "placement": [          one row per VM, sorted by vm
        {"vm", "lun", "node", "owners": [node, ...] (failover order, first = node),
         "cluster", "current_node" (the inventory's vms.node, "" when unknown),
         "moved" (true when current_node is given and differs from node)}
      ],
      "nodes": [              one row per node, sorted by cluster, then node, naturally
        {"node", "cluster", "vms" (VMs it runs with no failure),
         "memory_used_mb", "memory_capacity_mb", "memory_permille",
         "vcpus_used", "vcpu_capacity",
         "res_<x>_used", "res_<x>_capacity" (per extra resource),
         "worst_memory_mb", "worst_memory_permille", "worst_memory_failed": [node, ...],
         "worst_vcpus", "worst_vcpus_failed": [...],
         "worst_res_<x>", "worst_res_<x>_failed": [...],
         "failover_reserve_mb", "moves_in", "moves_out"}
      ]
    }

Memory is in MiB including Hyper-V's per-VM overhead; capacity is memory_mb -
reserve_mb; permille is rounded up. "Now" figures are with no failure. A
worst_* figure is the most the node carries under any failure set of at most
k nodes of its cluster, and *_failed the first such set (in failure-set order:
smaller sets first) that gives it, [] for no failure. failover_reserve_mb is
the memory capacity minus the memory used now: what is kept free for failover.
The tables (`write_tables`) have the same columns; in CSV lists are joined by
";" and booleans are true/false, in Parquet they are list<string> and bool.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from data.check.metrics import Load, NodeLoads, node_loads, node_moves, permille
from data.errors import InputError
from data.inventory import Inventory
from data.io.atomic import replace_directory
from data.io.write import placement_rows, write_csv
from data.names import natural_key
from data.plan import Plan
from data.schema import OWNER_SEPARATOR

DOCUMENT_FORMAT = "hvplace-plan"
DOCUMENT_VERSION = 1
TABLE_FORMATS = ("csv", "parquet")
TABLES = ("placement", "nodes")
EXPORT_FILES = frozenset(f"{t}.{f}" for t in TABLES for f in TABLE_FORMATS)

_TEXT = frozenset(("vm", "lun", "node", "cluster", "current_node"))
# The columns of a table without rows (nodes: those every inventory has).
EMPTY_COLUMNS = {
    "placement": ("vm", "lun", "node", "owners", "cluster", "current_node", "moved"),
    "nodes": (
        "node",
        "cluster",
        "vms",
        "memory_used_mb",
        "memory_capacity_mb",
        "memory_permille",
        "vcpus_used",
        "vcpu_capacity",
        "worst_memory_mb",
        "worst_memory_permille",
        "worst_memory_failed",
        "worst_vcpus",
        "worst_vcpus_failed",
        "failover_reserve_mb",
    ),
}


def placement_table(inventory: Inventory, plan: Plan) -> list[dict[str, Any]]:
    """One row per VM, sorted by vm: placement.csv's columns (owners as a list), then the
    current node and whether the plan moves the VM."""
    current = {
        inventory.vm_names[v]: inventory.node_names[n] if n >= 0 else ""
        for v, n in enumerate(inventory.vm_node)
    }
    rows = []
    for row in placement_rows(inventory, plan):
        now = current[row["vm"]]
        owners = row["owners"].split(OWNER_SEPARATOR) if row["owners"] else []
        rows.append(
            {
                **row,
                "owners": owners,
                "current_node": now,
                "moved": bool(now) and now != row["node"],
            }
        )
    return rows


def nodes_table(inventory: Inventory, plan: Plan, failures: int) -> list[dict[str, Any]]:
    """One row per node, sorted by cluster, then node, naturally (hv2 before hv10; columns
    as in the module docstring)."""
    loads = node_loads(inventory, plan, failures)
    moves_in, moves_out = node_moves(inventory, plan)
    index = {name: n for n, name in enumerate(inventory.node_names)}
    cluster_key = {c: natural_key(c) for c in inventory.clusters}  # node_order, keyed once
    moved_in, moved_out = moves_in.tolist(), moves_out.tolist()
    rows = []
    for node in sorted(loads, key=lambda n: (cluster_key[n.cluster], natural_key(n.node))):
        n = index[node.node]
        rows.append(_node_row(node) | {"moves_in": moved_in[n], "moves_out": moved_out[n]})
    return rows


def _node_row(node: NodeLoads) -> dict[str, Any]:
    memory, vcpus = node.memory, node.vcpus
    row: dict[str, Any] = {
        "node": node.node,
        "cluster": node.cluster,
        "vms": node.vms,
        "memory_used_mb": memory.used,
        "memory_capacity_mb": memory.capacity,
        "memory_permille": permille(memory.used, memory.capacity),
        "vcpus_used": vcpus.used,
        "vcpu_capacity": vcpus.capacity,
    }
    for name, load in node.resources.items():
        row |= {f"{name}_used": load.used, f"{name}_capacity": load.capacity}
    row |= {
        "worst_memory_mb": memory.worst,
        "worst_memory_permille": permille(memory.worst, memory.capacity),
        "worst_memory_failed": list(memory.worst_failed),
        **_worst("vcpus", vcpus),
    }
    for name, load in node.resources.items():
        row |= _worst(name, load)
    row["failover_reserve_mb"] = node.failover_reserve_mb
    return row


def _worst(name: str, load: Load) -> dict[str, Any]:
    return {f"worst_{name}": load.worst, f"worst_{name}_failed": list(load.worst_failed)}


def plan_document(
    info: Mapping[str, Any], placement: list[dict[str, Any]], nodes: list[dict[str, Any]]
) -> str:
    """The JSON document of the module docstring: indented, UTF-8 names kept, one newline."""
    document = {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "plan": dict(info),
        "placement": placement,
        "nodes": nodes,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export_document(
    inventory: Inventory, plan: Plan, failures: int, info: Mapping[str, Any]
) -> str:
    """The one JSON document of a plan, which `plan --format json` and `export --format
    json` both print: built here once so the two can never drift apart."""
    placement = placement_table(inventory, plan)
    return plan_document(info, placement, nodes_table(inventory, plan, failures))


def write_tables(
    directory: Path,
    placement: list[dict[str, Any]],
    nodes: list[dict[str, Any]],
    fmt: str,
) -> None:
    """placement.<fmt> and nodes.<fmt> into `directory`, replacing it atomically."""
    if fmt not in TABLE_FORMATS:
        raise InputError(f"unknown table format {fmt!r}; expected csv or parquet")

    def fill(temp: Path) -> None:
        for name, rows in (("placement", placement), ("nodes", nodes)):
            columns = list(rows[0]) if rows else list(EMPTY_COLUMNS[name])
            if fmt == "csv":
                write_csv(temp / f"{name}.csv", columns, rows)
            else:
                schema = pa.schema([pa.field(c, _arrow_type(c)) for c in columns])
                pq.write_table(
                    pa.Table.from_pylist(list(rows), schema=schema), temp / f"{name}.parquet"
                )

    replace_directory(directory, fill, EXPORT_FILES)


def _arrow_type(column: str) -> pa.DataType:
    if column in _TEXT:
        return pa.string()
    if column == "moved":
        return pa.bool_()
    if column == "owners" or column.endswith("_failed"):
        return pa.list_(pa.string())
    return pa.int64()
