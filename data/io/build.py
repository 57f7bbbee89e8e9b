"""Validate raw rows and build the Inventory (the "validate -> build" half of reading).

Readers hand over `RawTable`s whose cells are CSV strings or Parquet values;
tests and the synthetic generator hand over typed values. Both are checked the
same way here, so every error names the file, the row and the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from data.errors import InputError
from data.inventory import Inventory
from data.io.builder import Builder
from data.io.cells import coerce, is_missing
from data.io.colrows import ColumnRows
from data.io.typed import Typed, Values, fast_column
from data.schema import (
    LUNS,
    NODES,
    RESOURCE_PREFIX,
    VMS,
    Column,
    Kind,
)


@dataclass(frozen=True)
class RawTable:
    """One input table as read: its file name (for messages), columns and rows."""

    file: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]


@dataclass
class BuildReport:
    """What building noticed but did not reject (shown to the user as warnings)."""

    warnings: list[str] = field(default_factory=list)


def table(file: str, rows: Sequence[Mapping[str, Any]]) -> RawTable:
    """A RawTable from typed rows (tests, synthetic fleets): columns from all rows."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return RawTable(file, tuple(columns), rows)


def build_inventory(
    nodes: RawTable,
    vms: RawTable,
    luns: RawTable | None = None,
    report: BuildReport | None = None,
) -> Inventory:
    """Check every cell and every cross-reference, then build the Inventory."""
    report = report if report is not None else BuildReport()
    resources = _resource_columns(nodes, vms, report)
    node_columns = typed_columns(nodes, NODES, resources, report, resource_default=None)
    vm_columns = typed_columns(vms, VMS, resources, report, resource_default=0)
    lun_columns = typed_columns(luns, LUNS, (), report) if luns is not None else None
    files = (nodes.file, vms.file, luns.file if luns is not None else "")
    tables = (node_columns, vm_columns, lun_columns)
    return Builder(files, tables, resources, _classes_given(vms)).build()


def _resource_columns(nodes: RawTable, vms: RawTable, report: BuildReport) -> tuple[str, ...]:
    node_res = [c for c in nodes.columns if c.startswith(RESOURCE_PREFIX)]
    vm_res = [c for c in vms.columns if c.startswith(RESOURCE_PREFIX)]
    for column in vm_res:
        if column not in node_res:
            raise InputError(
                f"no nodes column {column} gives the nodes' capacity", vms.file, column=column
            )
    for column in node_res:
        if column not in vm_res:
            report.warnings.append(f"{nodes.file}: {column} is unused (no VM column {column})")
    return tuple(c.removeprefix(RESOURCE_PREFIX) for c in node_res if c in vm_res)


def typed_columns(
    raw: RawTable,
    columns: tuple[Column, ...],
    resources: tuple[str, ...],
    report: BuildReport,
    resource_default: int | None = 0,
) -> dict[str, Values]:
    """Every column checked and typed, a whole column at a time where the reader kept
    columns (typed.py); cell by cell, which words the first error, where it did not,
    and for each cell typed.py declined (in row order, so the first error is the first
    a row-by-row check meets)."""
    specs = _specs(raw, columns, resources, report, resource_default)
    fast = _fast_columns(raw, specs)
    if fast is None:
        rows = _typed_cells(raw, specs)
        return {c.name: [row[c.name] for row in rows] for c in specs}
    typed = _with_declined(raw, specs, fast)
    for c in specs:
        if c.unique and len(set(typed[c.name])) != len(typed[c.name]):
            _check_unique(raw.file, c.name, list(typed[c.name]))
    return typed


def _with_declined(raw: RawTable, specs: list[Column], fast: dict[str, Typed]) -> dict[str, Values]:
    """The fast path's values, with each cell it declined typed by cells.py instead."""
    typed = {name: values for name, (values, _) in fast.items()}
    declined = {name: mask for name, (_, mask) in fast.items() if mask.any()}
    if not declined:
        return typed
    assert isinstance(raw.rows, ColumnRows)
    marked = np.flatnonzero(np.logical_or.reduce(list(declined.values())))
    for i in marked.tolist():
        for c in (c for c in specs if c.name in declined and declined[c.name][i]):
            cell = raw.rows.column(c.name)[i].as_py()
            typed[c.name][i] = _typed_cell(raw.file, i + 1, cell, c)
    return typed


def _fast_columns(raw: RawTable, specs: list[Column]) -> dict[str, Typed] | None:
    if not isinstance(raw.rows, ColumnRows):
        return None
    typed: dict[str, Typed] = {}
    for c in specs:
        if c.name not in raw.columns:
            typed[c.name] = [c.default] * len(raw.rows), np.zeros(len(raw.rows), bool)
            continue
        values = fast_column(c, raw.rows.column(c.name))
        if values is None:
            return None
        typed[c.name] = values
    return typed


def _typed_rows(
    raw: RawTable,
    columns: tuple[Column, ...],
    resources: tuple[str, ...],
    report: BuildReport,
    resource_default: int | None = 0,
) -> list[dict[str, Any]]:
    """Every row checked and typed, cell by cell (the catalog reader's way)."""
    return _typed_cells(raw, _specs(raw, columns, resources, report, resource_default))


def _specs(
    raw: RawTable,
    columns: tuple[Column, ...],
    resources: tuple[str, ...],
    report: BuildReport,
    resource_default: int | None,
) -> list[Column]:
    """The columns to type (resources included), after the header's own checks."""
    known = {c.name for c in columns} | {RESOURCE_PREFIX + r for r in resources}
    for name in raw.columns:
        if name not in known and not name.startswith(RESOURCE_PREFIX):
            report.warnings.append(f"{raw.file}: unknown column {name!r} ignored")
    for c in columns:
        if c.required and c.name not in raw.columns:
            raise InputError(f"required column {c.name!r} is missing", raw.file, column=c.name)
    specs = list(columns) + [
        Column(
            RESOURCE_PREFIX + r, Kind.NON_NEGATIVE_INT, resource_default is None, resource_default
        )
        for r in resources
    ]
    return specs


def _typed_cells(raw: RawTable, specs: list[Column]) -> list[dict[str, Any]]:
    rows = [_typed_row(raw.file, i + 1, row, specs) for i, row in enumerate(raw.rows)]
    for c in specs:
        if c.unique:
            _check_unique(raw.file, c.name, [row[c.name] for row in rows])
    return rows


def _typed_row(file: str, number: int, row: Mapping[str, Any], specs: list[Column]) -> dict:
    return {c.name: _typed_cell(file, number, row.get(c.name), c) for c in specs}


def _typed_cell(file: str, number: int, raw: Any, c: Column) -> Any:
    if is_missing(raw):
        if c.required:
            raise InputError("is empty; a value is required", file, number, c.name)
        return c.default
    try:
        return coerce(c.kind, raw)
    except ValueError as error:
        raise InputError(str(error), file, number, c.name) from None


def _check_unique(file: str, column: str, values: list[Any]) -> None:
    first_row: dict[Any, int] = {}
    for i, value in enumerate(values):
        if value in first_row:
            raise InputError(f"{value!r} repeats row {first_row[value]}", file, i + 1, column)
        first_row[value] = i + 1


def _classes_given(vms: RawTable) -> bool:
    """Whether the table says which classes VMs have: an anti_affinity column (empty
    cells: none) that is not None throughout (None is how a writer says "not known")."""
    if "anti_affinity" not in vms.columns:
        return False
    if isinstance(vms.rows, ColumnRows):
        return not vms.rows or vms.rows.column("anti_affinity").null_count < len(vms.rows)
    return not vms.rows or any(row.get("anti_affinity") is not None for row in vms.rows)
