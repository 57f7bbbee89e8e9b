"""Plans and inventories as pyarrow tables, built from the numpy arrays a column at a
time, and written as CSV by pyarrow (write.py's tables at a million rows).

The text is byte for byte what write.py's row-by-row writer gives (write_csv,
_csv_cell): floats as Python's repr, booleans as true/false, no quotes. A file
whose cells would need quotes is handed to that writer instead, so quoting
has one spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from data.inventory import Inventory
from data.plan import Plan
from data.schema import (
    CLASS_SEPARATOR,
    OWNER_SEPARATOR,
    PLACEMENT_SCHEMA,
    RESOURCE_PREFIX,
    TABLES,
    arrow_schema,
)

RowWriter = Callable[[Path, Sequence[str], Iterable[Sequence[str]]], None]  # cells as text


def names_at(names: Sequence[str], index: np.ndarray) -> pa.Array:
    """names[index] as text, "" where the index is -1 (not given)."""
    padded = pa.array([*names, ""], pa.string())
    return padded.take(pa.array(np.where(index < 0, len(names), index)))


def placement_table(inventory: Inventory, plan: Plan) -> pa.Table:
    """placement's columns, one row per VM sorted by VM name (UTF-8 byte order is code
    point order, which is Python's string order)."""
    if plan.vm_lun.shape[0] != inventory.n_vms:
        raise ValueError(
            f"the plan has {plan.vm_lun.shape[0]} VMs, the inventory {inventory.n_vms}"
        )
    vms = pa.array(inventory.vm_names, pa.string())
    order = np.asarray(pc.sort_indices(vms), dtype=np.int64)
    owners = plan.owners[order]
    listed = [names_at(inventory.node_names, owners[:, j]) for j in range(owners.shape[1])]
    empty = pa.array([""] * len(order), pa.string())
    columns = [
        vms.take(pa.array(order)),
        names_at(inventory.lun_names, plan.vm_lun[order]),
        listed[0] if listed else empty,
        _joined(listed, owners) if listed else empty,
        names_at(inventory.clusters, inventory.vm_cluster[order]),
    ]
    return pa.Table.from_arrays(columns, schema=PLACEMENT_SCHEMA)


def _joined(listed: list[pa.Array], owners: np.ndarray) -> pa.Array:
    """Each row's owners joined by OWNER_SEPARATOR; padding (-1) left out."""
    masked = [
        pc.if_else(pa.array(owners[:, j] < 0), pa.scalar(None, pa.string()), names)
        for j, names in enumerate(listed)
    ]
    return pc.binary_join_element_wise(*masked, OWNER_SEPARATOR, null_handling="skip")


def inventory_arrow_tables(inventory: Inventory) -> dict[str, pa.Table]:
    """The canonical typed tables the inventory was built from, as write.inventory_tables
    spells them (anti_affinity all null when the classes are not known)."""
    inv = inventory
    res = {RESOURCE_PREFIX + r: i for i, r in enumerate(inv.resource_names)}
    nodes = {
        "node": pa.array(inv.node_names, pa.string()),
        "memory_mb": inv.node_memory_mb,
        "logical_processors": inv.node_lps,
        "reserve_mb": inv.node_reserve_mb,
        "vcpu_per_lp": inv.node_vcpu_per_lp,
        "vlan": inv.node_vlan,
        "cluster": names_at(inv.clusters, inv.node_cluster),
        **{c: inv.node_resources[:, i] for c, i in res.items()},
    }
    tables = {"nodes": _table("nodes", nodes, inv.resource_names)}
    tables["vms"] = _table("vms", _vm_columns(inv, res), inv.resource_names)
    if inv.has_lun_table:
        luns = {
            "lun": pa.array(inv.lun_names, pa.string()),
            "capacity_gb": inv.lun_capacity_gb,
            "shared": inv.lun_shared,
            "cluster": names_at(inv.clusters, inv.lun_cluster),
            "node": names_at(inv.node_names, inv.lun_node),
        }
        tables["luns"] = _table("luns", luns, ())
    return tables


def _vm_columns(inv: Inventory, res: dict[str, int]) -> dict[str, Any]:
    """A made-up LUN named after its only VM is written as an empty `lun` (its own)."""
    lun = names_at(inv.lun_names, inv.vm_lun)
    vms = pa.array(inv.vm_names, pa.string())
    if not inv.has_lun_table:
        alone = np.bincount(inv.vm_lun[inv.vm_lun >= 0], minlength=inv.n_luns)[inv.vm_lun] == 1
        own = np.asarray(pc.equal(lun, vms), dtype=bool) & alone
        lun = pc.if_else(pa.array(own), "", lun)
    classes: list[list[str]] = [[] for _ in range(inv.n_vms)]
    for v, c in zip(*np.nonzero(inv.vm_classes), strict=True):
        classes[v].append(inv.class_names[c])
    if inv.classes_known:
        joined = pa.array([CLASS_SEPARATOR.join(names) for names in classes], pa.string())
    else:
        joined = pa.nulls(inv.n_vms, pa.string())
    return {
        "vm": vms,
        "memory_mb": inv.vm_memory_mb,
        "vcpus": inv.vm_vcpus,
        "disk_gb": inv.vm_disk_gb,
        "lun": lun,
        "node": names_at(inv.node_names, inv.vm_node),
        "vlan": inv.vm_vlan,
        "anti_affinity": joined,
        "cluster": names_at(inv.clusters, inv.vm_cluster),
        **{c: inv.vm_resources[:, i] for c, i in res.items()},
    }


def _table(name: str, columns: dict[str, Any], resources: tuple[str, ...]) -> pa.Table:
    schema = arrow_schema(TABLES[name], resources)
    arrays = [pa.array(columns[f.name], f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema.remove_metadata())


def write_csv_table(path: Path, table: pa.Table, fallback: RowWriter) -> None:
    """`table` as CSV text: header, then one line per row, `\\n`-terminated; by
    `fallback` (the row-by-row writer of cells) when some cell needs quotes."""
    text = pa.Table.from_arrays([_as_text(c) for c in table.columns], names=table.column_names)
    header = ",".join(table.column_names)
    plain = all(_bare(name) for name in table.column_names)
    try:
        if not plain:
            raise pa.ArrowInvalid("the header needs quotes")
        with path.open("wb") as out:
            out.write(header.encode("utf-8") + b"\n")
            options = pv.WriteOptions(include_header=False, quoting_style="none")
            if text.num_rows:
                pv.write_csv(text, out, options)
    except pa.ArrowInvalid:  # a cell with a delimiter, quote or line break
        fallback(path, table.column_names, _text_rows(text))


def _text_rows(text: pa.Table) -> Iterator[tuple[str, ...]]:
    """The rows of a table of text cells, a batch at a time: a million rows as dicts
    at once was a GB (1M RVTools VMs, one name with a quote, ran out of memory)."""
    for batch in text.to_batches(max_chunksize=65_536):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _bare(name: str) -> bool:
    return not any(c in name for c in ',"\r\n')


def _as_text(column: pa.ChunkedArray) -> pa.Array:
    """A column as write_csv's cells: ints as digits, true/false, floats as repr, "" for
    none."""
    array = column.combine_chunks()
    if pa.types.is_floating(array.type):
        values = np.asarray(array, dtype=np.float64)
        bits, where = np.unique(values.view(np.int64), return_inverse=True)  # -0.0 != 0.0
        texts = [repr(float(x)) for x in bits.view(np.float64)]
        return pa.array(texts, pa.string()).take(pa.array(where.reshape(-1)))
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return array.fill_null("") if array.null_count else array
