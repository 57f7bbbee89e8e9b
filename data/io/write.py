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

import pyarrow as pa
import pyarrow.parquet as pq

from data.errors import InputError
from data.inventory import Inventory
from data.io.atomic import replace_directory
from data.io.columnar import inventory_arrow_tables, placement_table, write_csv_table
from data.io.moves import moves_cells
from data.moves import Move
from data.plan import Plan, PlanSummary
from data.schema import (
    INPUT_SUFFIXES,
    MOVES_COLUMNS,
    MOVES_CSV,
    OWNER_SEPARATOR,
    PLACEMENT_FILES,
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
    table = placement_table(inventory, plan)

    def fill(temp: Path) -> None:
        write_csv_table(temp / "placement.csv", table, write_csv_cells)
        pq.write_table(table, temp / "placement.parquet")
        (temp / PLAN_JSON).write_bytes(plan_json(summary).encode("utf-8"))
        (temp / PLAN_INVENTORY).mkdir()
        for name, copy in inventory_arrow_tables(inventory).items():
            known = [c for c in copy.column_names if _given(copy.column(c))]
            path = temp / PLAN_INVENTORY / f"{name}.csv"
            write_csv_table(path, copy.select(known), write_csv_cells)
        if moves is not None:
            write_csv_cells(temp / MOVES_CSV, MOVES_COLUMNS, moves_cells(inventory, moves))

    replace_directory(directory, fill, PLAN_FILES)


def _given(column: pa.ChunkedArray) -> bool:
    """Whether a column was in the source: one that is null in every row was not (an
    absent anti_affinity column means the classes are unknown, not empty)."""
    return len(column) == 0 or column.null_count < len(column)


def placement_rows(inventory: Inventory, plan: Plan) -> list[dict[str, str]]:
    """One row per VM, sorted by VM name; an unplaced VM has empty lun, node and owners."""
    rows: list[dict[str, str]] = placement_table(inventory, plan).to_pylist()
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


def write_inventory_of(directory: Path, inventory: Inventory, fmt: str = "csv") -> None:
    """write_inventory(directory, inventory_tables(inventory), fmt), the same bytes, written
    a column at a time (`hvplace import` of a million VMs)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    tables = inventory_arrow_tables(inventory)

    def fill(temp: Path) -> None:
        for name, table in tables.items():
            known = [c for c in table.column_names if _given(table.column(c))]
            path = temp / f"{name}.{fmt}"
            if fmt == "csv":
                write_csv_table(path, table.select(known), write_csv_cells)
                continue
            schema = arrow_schema(TABLES[name], inventory.resource_names)
            pq.write_table(table.select(known).cast(_kept(schema, known)), path)

    replace_directory(directory, fill, INVENTORY_FILES)


def _kept(schema: pa.Schema, names: Sequence[str]) -> pa.Schema:
    return pa.schema([f for f in schema if f.name in names], metadata=schema.metadata)


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
    write_csv_cells(path, columns, ([_csv_cell(row[c]) for c in columns] for row in rows))


def write_csv_cells(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """write_csv of rows already spelled as `_csv_cell` would (moves.csv: 70,000 rows of a
    fleet plan, where the per-cell type tests were most of the writing)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


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
    return {name: t.to_pylist() for name, t in inventory_arrow_tables(inventory).items()}


def plan_inventory_dir(plan_directory: Path) -> Path:
    """Where a plan keeps the canonical inventory it was made from (written by write_plan)."""
    path = plan_directory / PLAN_INVENTORY
    if not path.is_dir():
        raise InputError(
            f"plan {plan_directory} has no {PLAN_INVENTORY}/ directory; "
            "give the inventory with --inventory"
        )
    return path
