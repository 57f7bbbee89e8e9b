"""The catalog table of MODEL.md "Growth": its columns, defaults and Arrow schema.

The node columns are spelled once in data/schema.py; the catalog takes their
kinds and defaults from there, so a model reads exactly like a node.
"""

from __future__ import annotations

import pyarrow as pa

from data.schema import NODES, Column, Kind, arrow_schema

_NODE = {c.name: c for c in NODES}

CATALOG = (
    Column("model", Kind.NAME, required=True, unique=True),
    _NODE["memory_mb"],
    _NODE["logical_processors"],
    _NODE["reserve_mb"],
    _NODE["vcpu_per_lp"],
    _NODE["vlan"],
    Column("cost", Kind.NON_NEGATIVE_FLOAT, required=True),
    Column("cluster", Kind.TEXT, default=""),
)

TIMELINE_COLUMNS = (
    "period",
    "cluster",
    "nodes",
    "bought",
    "cost",
    "cumulative_cost",
    "vms",
    "memory_demand_mb",
    "status",
    "utilisation",
    "bound",
    "moves",
    "seconds",
)
TIMELINE_SCHEMA = pa.schema(
    [
        pa.field("period", pa.int64()),
        pa.field("cluster", pa.string()),
        pa.field("nodes", pa.int64()),
        pa.field("bought", pa.string()),
        pa.field("cost", pa.float64()),
        pa.field("cumulative_cost", pa.float64()),
        pa.field("vms", pa.int64()),
        pa.field("memory_demand_mb", pa.int64()),
        pa.field("status", pa.string()),
        pa.field("utilisation", pa.int64()),
        pa.field("bound", pa.int64()),
        pa.field("moves", pa.int64()),
        pa.field("seconds", pa.float64()),
    ]
)
PURCHASES_COLUMNS = ("period", "cluster", "model", "node", "cost")
GROW_JSON = "grow.json"
PERIODS = "periods"
GROW_FILES = frozenset(("timeline.csv", "timeline.parquet", "purchases.csv", GROW_JSON, PERIODS))
# forecast and growth tables are a later issue: grow refuses them by name for now
LATER_TABLES = ("forecast", "growth")


def catalog_schema(resources: tuple[str, ...] = ()) -> pa.Schema:
    """The catalog's Arrow schema, res_<name> columns last (as the nodes table)."""
    return arrow_schema(CATALOG, resources)
