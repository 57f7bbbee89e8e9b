"""Read an inventory directory: the "parse" step before build.py validates and builds.

Cells reach build.py as raw strings (CSV) or plain Python values (Parquet), so
every check on a value, and its message, lives in one place (build.py, cells.py).
Here only the files themselves can be wrong: missing, doubled, unparsable.
Rows count from 1 at the first data row, as in build.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from data.errors import InputError
from data.inventory import Inventory
from data.io.build import BuildReport, RawTable, build_inventory
from data.io.colrows import ColumnRows
from data.io.csvparse import one_line
from data.io.csvtext import checked_names, csv_table
from data.schema import INPUT_SUFFIXES, REQUIRED_TABLES, TABLES


def read_inventory(directory: Path) -> tuple[Inventory, list[str]]:
    """The inventory in `directory` and the warnings building it gave."""
    files = inventory_files(directory)
    raw = {name: read_table(path) for name, path in files.items()}
    report = BuildReport()
    inventory = build_inventory(raw["nodes"], raw["vms"], raw.get("luns"), report)
    return inventory, report.warnings


def inventory_files(directory: Path) -> dict[str, Path]:
    """The file of each table present, by table name; the nodes and vms tables must be."""
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        raise InputError(f"inventory {directory} {problem}")
    files: dict[str, Path] = {}
    for name in TABLES:
        candidates = (directory / (name + suffix) for suffix in INPUT_SUFFIXES)
        found = [path for path in candidates if path.exists()]
        if len(found) > 1:
            names = " and ".join(p.name for p in found)
            raise InputError(f"inventory {directory} has both {names}; keep one")
        if found:
            if not found[0].is_file():
                raise InputError("is not a file", found[0].name)
            files[name] = found[0]
        elif name in REQUIRED_TABLES:
            raise InputError(f"inventory {directory} has no {name}.csv or {name}.parquet")
    return files


def input_sha256(directory: Path) -> str:
    """SHA-256 identifying an inventory's input, as plan.json's input_sha256.

    Over the table files only (nodes, vms, luns as .csv or .parquet), sorted by
    name; for each: its name in UTF-8, b"\\0", its bytes, b"\\0". Other files in
    the directory do not change it.
    """
    names = sorted(t + s for t in TABLES for s in INPUT_SUFFIXES)
    digest = hashlib.sha256()
    for name in names:
        path = directory / name
        if path.is_file():
            digest.update(name.encode("utf-8") + b"\0")
            digest.update(_read_bytes(path))
            digest.update(b"\0")
    return digest.hexdigest()


def read_table(path: Path) -> RawTable:
    """One table file (.csv or .parquet) as a RawTable named after the file."""
    if path.suffix == ".parquet":
        return read_parquet(path)
    return _read_csv(path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}", path.name) from None


def _read_csv(path: Path) -> RawTable:
    return csv_table(path.name, _read_bytes(path))


def read_parquet(path: Path, data: bytes | None = None) -> RawTable:
    """Columns as Python values (to_pylist), which build.py coerces like CSV text; from
    `data` when the file's bytes are already read."""
    file = path.name
    try:
        with pq.ParquetFile(
            path if data is None else pa.BufferReader(data)
        ) as parquet:  # not read_table: it rejects duplicate names
            table = parquet.read()
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputError(f"cannot read as Parquet: {one_line(error)}", file) from None
    columns = checked_names(file, table.column_names)
    rows = ColumnRows(columns, table.columns, table.num_rows)
    if not all(_plain(column.type) for column in table.columns):
        try:  # to Python values now, where a conversion error can still be reported
            len(rows[:0])
        except (pa.ArrowException, ValueError, OverflowError) as error:
            raise InputError(f"cannot read as Parquet: {one_line(error)}", file) from None
    return RawTable(file, columns, rows)


def _plain(kind: pa.DataType) -> bool:
    """Types whose Python values cannot fail to convert (checked column-wise later)."""
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    )
