"""Write plans and inventories atomically and byte-for-byte reproducibly (plan_read.py reads).

A directory is written whole into a hidden sibling and renamed into place, so
a reader sees the old directory or the new one, never half of one (MODEL.md).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from data.errors import InputError
from data.inventory import IntArray, Inventory
from data.io.atomic import replace_directory
from data.io.moves import moves_rows
from data.moves import Move
from data.plan import Plan, PlanSummary
from data.schema import (
    CLASS_SEPARATOR,
    INPUT_SUFFIXES,
    MOVES_COLUMNS,
    MOVES_CSV,
    OWNER_SEPARATOR,
    PLACEMENT_FILES,
    PLACEMENT_SCHEMA,
    PLAN_INVENTORY,
    PLAN_JSON,
    REQUIRED_TABLES,
    RESOURCE_PREFIX,
    TABLES,
    arrow_schema,
)

PLAN_FILES = frozenset((*PLACEMENT_FILES, PLAN_JSON, PLAN_INVENTORY, MOVES_CSV))
INVENTORY_FILES = frozenset(t + s for t in TABLES for s in INPUT_SUFFIXES)
FORMATS = ("csv", "parquet")


def write_plan(
    directory: Path,
    inventory: Inventory,
    plan: Plan,
    summary: PlanSummary,
    moves: Sequence[Move] | None = None,
) -> None:
    """placement.csv, placement.parquet, plan.json, the inventory/ the plan was made
    from (canonical CSV) and, when given, moves.csv; replacing a previous plan atomically."""
    rows = placement_rows(inventory, plan)
    table = pa.Table.from_pylist(rows, schema=PLACEMENT_SCHEMA)

    def fill(temp: Path) -> None:
        write_csv(temp / "placement.csv", PLACEMENT_SCHEMA.names, rows)
        pq.write_table(table, temp / "placement.parquet")
        (temp / PLAN_JSON).write_bytes(plan_json(summary).encode("utf-8"))
        (temp / PLAN_INVENTORY).mkdir()
        for name, table_rows in inventory_tables(inventory).items():
            _write_table(temp / PLAN_INVENTORY / f"{name}.csv", name, table_rows, "csv")
        if moves is not None:
            write_csv(temp / MOVES_CSV, MOVES_COLUMNS, moves_rows(inventory, moves))

    replace_directory(directory, fill, PLAN_FILES)


def placement_rows(inventory: Inventory, plan: Plan) -> list[dict[str, str]]:
    """One row per VM, sorted by VM name; an unplaced VM has empty lun, node and owners."""
    if plan.vm_lun.shape[0] != inventory.n_vms:
        raise ValueError(
            f"the plan has {plan.vm_lun.shape[0]} VMs, the inventory {inventory.n_vms}"
        )
    rows = []
    for v in sorted(range(inventory.n_vms), key=inventory.vm_names.__getitem__):
        owners = [inventory.node_names[n] for n in plan.owners_of(v)]
        lun = int(plan.vm_lun[v])
        rows.append(
            {
                "vm": inventory.vm_names[v],
                "lun": inventory.lun_names[lun] if lun >= 0 else "",
                "node": owners[0] if owners else "",
                "owners": OWNER_SEPARATOR.join(owners),
                "cluster": inventory.clusters[inventory.vm_cluster[v]],
            }
        )
    return rows


def plan_json(summary: PlanSummary) -> str:
    """plan.json's text: the summary's fields in their order, indented, newline-terminated."""
    content = dataclasses.asdict(summary)
    content["clusters"] = content.pop("clusters")  # last, after moves (MODEL.md's order)
    return json.dumps(content, indent=2, ensure_ascii=False, default=_json_scalar) + "\n"


def plan_info(summary: PlanSummary) -> dict[str, Any]:
    """plan.json's content as a reader gets it back (tuples become lists, and so on)."""
    content: dict[str, Any] = json.loads(plan_json(summary))
    return content


def _json_scalar(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def write_inventory(
    directory: Path, tables: Mapping[str, Sequence[Mapping[str, Any]]], fmt: str = "csv"
) -> None:
    """Canonical typed tables ("nodes", "vms", optional "luns") as .csv or .parquet files.

    Columns in schema order, then the res_* columns in order of first use; a
    missing key takes the column's default. Replaces a previous inventory atomically.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    unknown = sorted(set(tables) - set(TABLES))
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if unknown or missing:
        raise ValueError(f"tables needs nodes, vms and optionally luns, not {sorted(tables)}")

    def fill(temp: Path) -> None:
        for name, rows in tables.items():
            _write_table(temp / f"{name}.{fmt}", name, rows, fmt)

    replace_directory(directory, fill, INVENTORY_FILES)


def _write_table(path: Path, name: str, rows: Sequence[Mapping[str, Any]], fmt: str) -> None:
    """One table; a column that every row gives as None was not in the source and is left
    out (an absent anti_affinity column means the classes are unknown, not empty)."""
    resources = tuple(
        dict.fromkeys(
            key.removeprefix(RESOURCE_PREFIX)
            for row in rows
            for key in row
            if key.startswith(RESOURCE_PREFIX)
        )
    )
    schema = arrow_schema(TABLES[name], resources)
    unknown = [
        f.name for f in schema if rows and all(f.name in r and r[f.name] is None for r in rows)
    ]
    defaults = {c.name: c.default for c in TABLES[name]}
    for row in rows:
        strangers = set(row) - set(schema.names)
        if strangers:
            raise ValueError(f"{path.name}: unknown columns {sorted(strangers)}")
    schema = pa.schema([f for f in schema if f.name not in unknown])
    full = [{c: row.get(c, defaults.get(c)) for c in schema.names} for row in rows]
    if fmt == "csv":
        write_csv(path, schema.names, full)
    else:
        pq.write_table(pa.Table.from_pylist(full, schema=schema), path)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """Our one CSV writer: UTF-8, `\\n` line ends, the cells as `_csv_cell` spells them."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_cell(row[c]) for c in columns] for row in rows)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):  # node lists, e.g. owners
        return OWNER_SEPARATOR.join(value)
    if isinstance(value, float):
        return repr(float(value))  # the shortest text that reads back as the same float
    return str(value)


def inventory_tables(inventory: Inventory) -> dict[str, list[dict[str, Any]]]:
    """The canonical typed tables an inventory was built from (the inverse of building).

    Without a luns table a VM alone on a LUN named after it gets an empty lun
    cell (its own LUN); build_inventory of the result equals the inventory.
    """
    inv = inventory
    res = [RESOURCE_PREFIX + r for r in inv.resource_names]
    nodes = [
        {
            "node": inv.node_names[n],
            "memory_mb": int(inv.node_memory_mb[n]),
            "logical_processors": int(inv.node_lps[n]),
            "reserve_mb": int(inv.node_reserve_mb[n]),
            "vcpu_per_lp": float(inv.node_vcpu_per_lp[n]),
            "vlan": bool(inv.node_vlan[n]),
            "cluster": inv.clusters[inv.node_cluster[n]],
            **{c: int(x) for c, x in zip(res, inv.node_resources[n], strict=True)},
        }
        for n in range(inv.n_nodes)
    ]
    lun_vms = np.bincount(inv.vm_lun[inv.vm_lun >= 0], minlength=inv.n_luns)  # once: linear
    tables = {"nodes": nodes, "vms": [_vm_row(inv, v, res, lun_vms) for v in range(inv.n_vms)]}
    if inv.has_lun_table:
        tables["luns"] = [
            {
                "lun": inv.lun_names[lun],
                "capacity_gb": float(inv.lun_capacity_gb[lun]),
                "shared": bool(inv.lun_shared[lun]),
                "cluster": inv.clusters[inv.lun_cluster[lun]],
                "node": _name(inv.node_names, inv.lun_node[lun]),
            }
            for lun in range(inv.n_luns)
        ]
    return tables


def _vm_row(inv: Inventory, v: int, res: list[str], lun_vms: IntArray) -> dict[str, Any]:
    """A vms row; a made-up LUN named after its only VM is written as an empty `lun`."""
    lun = int(inv.vm_lun[v])
    lun_name = _name(inv.lun_names, lun)
    own_lun = not inv.has_lun_table and lun_name == inv.vm_names[v] and lun_vms[lun] == 1
    classes = [inv.class_names[c] for c in range(len(inv.class_names)) if inv.vm_classes[v, c]]
    return {
        "vm": inv.vm_names[v],
        "memory_mb": int(inv.vm_memory_mb[v]),
        "vcpus": int(inv.vm_vcpus[v]),
        "disk_gb": float(inv.vm_disk_gb[v]),
        "lun": "" if own_lun else lun_name,
        "node": _name(inv.node_names, inv.vm_node[v]),
        "vlan": bool(inv.vm_vlan[v]),
        "anti_affinity": CLASS_SEPARATOR.join(classes) if inv.classes_known else None,
        "cluster": inv.clusters[inv.vm_cluster[v]],
        **{c: int(x) for c, x in zip(res, inv.vm_resources[v], strict=True)},
    }


def _name(names: tuple[str, ...], index: Any) -> str:
    return names[int(index)] if int(index) >= 0 else ""


def plan_inventory_dir(plan_directory: Path) -> Path:
    """Where a plan keeps the canonical inventory it was made from (written by write_plan)."""
    path = plan_directory / PLAN_INVENTORY
    if not path.is_dir():
        raise InputError(
            f"plan {plan_directory} has no {PLAN_INVENTORY}/ directory; "
            "give the inventory with --inventory"
        )
    return path
