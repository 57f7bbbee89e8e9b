"""Read an inventory directory: the "parse" step before build.py validates and builds.

Cells reach build.py as raw strings (CSV) or plain Python values (Parquet), so
every check on a value, and its message, lives in one place (build.py, cells.py).
Here only the files themselves can be wrong: missing, doubled, unparsable.
Rows count from 1 at the first data row, as in build.py.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from data.build import BuildReport, RawTable, build_inventory
from data.errors import InputError
from data.inventory import Inventory
from data.schema import INPUT_SUFFIXES, REQUIRED_TABLES, TABLES

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # PowerShell and Excel "Unicode" exports
_T = TypeVar("_T")


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
        return _read_parquet(path)
    return _read_csv(path)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}", path.name) from None


def _read_csv(path: Path) -> RawTable:
    """Every column as text; pyarrow does all the CSV parsing (and skips a UTF-8 BOM)."""
    file, data = path.name, _read_bytes(path)
    if not data.removeprefix(_BOM).strip():
        raise InputError("empty file; expected a header row", file)
    if data.startswith(_UTF16_BOMS):
        raise InputError("is UTF-16 text; save it as UTF-8 CSV", file)
    if b"\0" in data:  # binary junk, which pyarrow would split into odd rows
        raise InputError("holds NUL bytes; expected UTF-8 CSV text", file)
    bad_rows: list[pv.InvalidRow] = []
    names = _guarded(file, bad_rows, lambda: _open_csv(data, None, bad_rows).schema.names)
    columns = _checked_names(file, names)
    # binary, not string: undecodable bytes are then found by row and column below
    types = {name: pa.binary() for name in names}
    options = pv.ConvertOptions(column_types=types, strings_can_be_null=False)
    table = _guarded(file, bad_rows, lambda: _open_csv(data, options, bad_rows).read_all())
    values = [_decoded(file, name, table.column(i)) for i, name in enumerate(columns)]
    rows = [dict(zip(columns, cells, strict=True)) for cells in zip(*values, strict=True)]
    _check_quotes_closed(file, data, columns, rows)
    return RawTable(file, columns, rows)


def _open_csv(
    data: bytes, convert: pv.ConvertOptions | None, bad_rows: list[pv.InvalidRow]
) -> pv.CSVStreamingReader:
    """A reader that notes pyarrow's bad rows: their numbers are not in every message."""

    def on_bad_row(row: pv.InvalidRow) -> str:
        bad_rows.append(row)
        return "error"

    return pv.open_csv(
        io.BytesIO(data),
        read_options=pv.ReadOptions(use_threads=False),  # threads would lose row numbers
        parse_options=pv.ParseOptions(invalid_row_handler=on_bad_row),
        convert_options=convert,
    )


def _guarded(file: str, bad_rows: list[pv.InvalidRow], call: Callable[[], _T]) -> _T:
    try:
        return call()
    except UnicodeDecodeError:
        raise InputError("the header row is not UTF-8 text", file) from None
    except (pa.ArrowException, OSError) as error:
        if bad_rows:
            bad = bad_rows[0]
            row = bad.number - 1 if bad.number is not None else None  # pyarrow counts the header
            message = f"expected {bad.expected_columns} columns, got {bad.actual_columns}"
            raise InputError(message, file, row) from None
        raise InputError(f"cannot parse as CSV: {_one_line(error)}", file) from None


def _checked_names(file: str, names: list[str]) -> tuple[str, ...]:
    """Header names, trimmed like cells are; a name given twice is ambiguous."""
    columns = tuple(name.strip() for name in names)
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise InputError(f"column {name!r} appears twice in the header", file, column=name)
        seen.add(name)
    return columns


def _decoded(file: str, column: str, cells: pa.ChunkedArray) -> list[str]:
    try:
        return cells.cast(pa.string()).to_pylist()
    except pa.ArrowInvalid:
        for i, cell in enumerate(cells.to_pylist()):
            try:
                cell.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError("is not UTF-8 text", file, i + 1, column) from None
        raise


def _check_quotes_closed(file: str, data: bytes, columns: tuple[str, ...], rows: list) -> None:
    """pyarrow takes a quote left open in the last column as running to the end of the file.

    That silently swallows the rows after it, so a line break in the last cell
    of the file, while the file does not end with a closing quote, is an error.
    """
    if not rows:
        return
    last = rows[-1][columns[-1]]
    if ("\n" in last or "\r" in last) and not data.rstrip().endswith(b'"'):
        raise InputError("a quote opened here is never closed", file, len(rows), columns[-1])


def _read_parquet(path: Path) -> RawTable:
    """Columns as Python values (to_pylist), which build.py coerces like CSV text."""
    file = path.name
    try:
        with pq.ParquetFile(path) as parquet:  # not read_table: it rejects duplicate names
            table = parquet.read()
        values = [table.column(i).to_pylist() for i in range(table.num_columns)]
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputError(f"cannot read as Parquet: {_one_line(error)}", file) from None
    columns = _checked_names(file, table.column_names)
    rows = [dict(zip(columns, cells, strict=True)) for cells in zip(*values, strict=True)]
    if not columns:
        rows = [{} for _ in range(table.num_rows)]
    return RawTable(file, columns, rows)


def _one_line(error: Exception) -> str:
    """pyarrow's message, on one line (errors are reported as one line)."""
    return " ".join(str(error).split())
