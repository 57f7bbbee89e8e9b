"""Turn source paths into tables: files as given, directories as their files, workbooks as
their sheets. Only the bytes decide how a file is read (zip, or an OLE2 compound file such
as an old .xls: a workbook; PAR1: Parquet; anything else: CSV text), never its name."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from data.errors import InputError
from data.imports.common import ImportReport, few
from data.io.build import RawTable
from data.io.csvparse import one_line
from data.io.csvtext import Part, csv_table, is_utf8, table_of
from data.io.read import read_parquet

_WORKBOOKS = (b"PK\x03\x04", bytes.fromhex("D0CF11E0A1B11AE1"))  # zip (xlsx, ods), OLE2 (xls)
_PARQUET = b"PAR1"
_UNICODE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16/32: decoded as such
# What an export folder's tables are called; any other file there is no export.
_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".parquet")


def source_files(paths: list[Path], skipped: list[Path] | None = None) -> list[Path]:
    """Every file named, a directory standing for its visible files (sorted by name).

    A link in a directory is listed even when it leads nowhere: reading it is then an
    error naming it (skipping it would silently lose an export). With `skipped`, a file
    of a directory whose name says it is no table (README.md, notes.docx) is put there
    instead of being read: files named one by one are always read.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if _listed(p) and not _hidden(p))
            if skipped is not None:
                skipped += [p for p in found if p.suffix.casefold() not in _TABLE_SUFFIXES]
                found = [p for p in found if p.suffix.casefold() in _TABLE_SUFFIXES]
            files += found
        elif path.is_file() or path.is_symlink():  # a dangling link: reading it says so
            files.append(path)
        else:
            raise InputError(f"{path} does not exist")
    if not files:
        raise InputError(f"no files in {', '.join(str(p) for p in paths)}")
    return files


def source_tables(
    path: Path, data: bytes | None = None, part: Part | None = None
) -> list[RawTable]:
    """The tables of one file (its bytes, when already read): a workbook's sheets, else the
    file itself (CSV text parsed in `part` at first, when given)."""
    data = read_source(path) if data is None else data
    if data.startswith(_WORKBOOKS):
        return _workbook_tables(path, data)
    if data.startswith(_PARQUET):
        return [read_parquet(path, data)]
    try:
        return [csv_table(path.name, data, part)]
    except InputError as error:
        if not error.message.endswith("not UTF-8 text"):
            raise
        hint = f"{error.message}; an Excel ANSI save? give --encoding cp1252"
        raise InputError(hint, error.file, error.row, error.column) from None


def sources_sha256(contents: dict[Path, bytes]) -> str:
    """plan.json's input_sha256 for exports: over the bytes read (so it names what was
    planned), each as name, NUL, bytes, NUL, sorted by name as for a canonical inventory."""
    digest = hashlib.sha256()
    for path in sorted(contents, key=digest_order):
        add_to_digest(digest, path, contents[path])
    return digest.hexdigest()


def digest_order(path: Path) -> tuple[str, str]:
    """The order sources_sha256 takes the files in (so a reader can hash them one by one)."""
    return path.name, str(path)


def add_to_digest(digest: Any, path: Path, data: bytes) -> None:
    for piece in (path.name.encode("utf-8"), b"\0", data, b"\0"):
        digest.update(piece)  # not joined: no copy of a GB file


def report_skipped(skipped: list[Path], report: ImportReport) -> None:
    if skipped:
        names = few(p.name for p in skipped)
        report.dropped.append(f"files in the export folder that are no table, not read: {names}")


def recoded(path: Path, data: bytes, encoding: str | None) -> tuple[bytes, bool]:
    """The file's bytes, decoded as `encoding` when not UTF-8 text (Excel's "CSV (Comma
    delimited)" writes the Windows ANSI code page, cp1252 in Western Europe and the US),
    and whether they were."""
    if encoding is None or data.startswith((*_WORKBOOKS, _PARQUET, *_UNICODE_BOMS)):
        return data, False  # read as they say they are
    if b"\0" in data or is_utf8(data):
        return data, False
    try:
        return data.decode(encoding).encode("utf-8"), True
    except UnicodeDecodeError:
        raise InputError(f"is neither UTF-8 nor {encoding} text", path.name) from None


def report_recoded(changed: list[str], encoding: str | None, report: ImportReport) -> None:
    if changed:
        report.assumed.append(f"not UTF-8, read as {encoding} (--encoding): {few(changed)}")


def _listed(path: Path) -> bool:
    return path.is_file() or (path.is_symlink() and not path.exists())


def _hidden(path: Path) -> bool:
    return path.name.startswith((".", "~$"))  # dotfiles, Excel's lock files


def read_source(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise unreadable(path, error) from None


def unreadable(path: Path, error: OSError) -> InputError:
    return InputError(f"cannot read the file: {error.strerror or error}", path.name)


def streamable(start: bytes) -> bool:
    """Whether a file starting so is read as UTF-8 CSV text, so can be parsed as it is
    read (workbooks, Parquet and UTF-16/32 text are read whole)."""
    return not start.startswith((*_WORKBOOKS, _PARQUET, *_UNICODE_BOMS))


def _workbook_tables(path: Path, data: bytes) -> list[RawTable]:
    """Each non-empty sheet of an xlsx/xlsm/xlsb/xls/ods workbook, its first row the header."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]
    except (CalamineError, ValueError, OSError) as error:
        raise InputError(f"cannot read as a workbook: {one_line(error)}", path.name) from None
    return [_sheet_table(f"{path.name} sheet {name}", cells) for name, cells in sheets if cells]


def _sheet_table(file: str, cells: list[list[Any]]) -> RawTable:
    header, *body = cells
    return table_of(file, [_cell(name) for name in header], ([_cell(c) for c in r] for r in body))


def _cell(value: Any) -> Any:
    """A sheet's numbers are floats: 1.0 for 1 is an integer, as the sheet shows it (and a
    1 or 0 typed for TRUE or FALSE, a boolean)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
