"""Parse CSV bytes into a RawTable, whoever wrote them: us, Excel or PowerShell.

Canonical tables and exports share this one parser, so they share its quirks
handling: a UTF-8 byte-order mark, UTF-16 text (Windows PowerShell 5.1's
`Out-File` and Excel's "Unicode text"), UTF-32 (`Export-Csv -Encoding UTF32`),
PowerShell's `#TYPE ...` first line, and `;` as the delimiter (`Export-Csv
-UseCulture`, Excel in many locales).
pyarrow does the CSV parsing itself; every cell reaches build.py as text.
Rows count from 1 at the first data row, whatever precedes the header.
`table_of` is shared with workbook sheets: columns without a name and the empty rows
Excel writes after the last value are left out there too. (csvpart parses a table in
part, csvparse holds the pyarrow calls, csvquotes the check for a quote left open, and
csvstream reads a file a block at a time.)
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from data.errors import InputError
from data.io.build import RawTable
from data.io.cells import is_missing
from data.io.colrows import ColumnRows
from data.io.csvparse import delimiter_of, header_names, last_row, parsed_text, string_options
from data.io.csvparse import one_line as one_line  # its old home: other modules import it here
from data.io.csvpart import Part, parsed_in_part
from data.io.csvquotes import check_quotes_closed

_UTF8_BOM = b"\xef\xbb\xbf"
_BOMS = {  # UTF-32's first: UTF-32-LE's mark starts like UTF-16-LE's
    b"\xff\xfe\x00\x00": "utf-32-le",
    b"\x00\x00\xfe\xff": "utf-32-be",
    b"\xff\xfe": "utf-16-le",
    b"\xfe\xff": "utf-16-be",
}
_TYPE_LINE = b"#TYPE"  # Export-Csv without -NoTypeInformation (Windows PowerShell 5.1)
_REPLACED = "\ufffd"  # what the bad bytes became in a repaired copy
_BLOCK = 1 << 24  # bytes decoded at a time


class EmptyFileError(InputError):
    """A file with no header at all (Export-Csv writes one when nothing was exported)."""


def csv_table(file: str, data: bytes, part: Part | None = None) -> RawTable:
    """Every column as text, the header's names trimmed; errors name file, row and column.

    With `part`, only the columns it wants are parsed now (the rest when first read):
    the same table, errors and all, for a fraction of the memory."""
    body = _without_type_line(_as_utf8(file, data))
    if re.search(rb"\S", body) is None:
        raise EmptyFileError("empty file; expected a header row", file)
    if not is_utf8(body):
        # parse a repaired copy only to say where the bad bytes are: pyarrow's bad-row
        # handler cannot even report a row it cannot decode
        repaired = bytes(body).decode("utf-8", "replace").encode("utf-8")
        raise _undecodable(file, _parsed(file, repaired)) from None
    if part is not None:
        table = parsed_in_part(file, body, part)
        if table is not None:
            return table
    return _parsed(file, body)


def is_utf8(body: bytes | memoryview) -> bool:
    """Whether the text decodes: at once when ASCII, else a block at a time (a GB file
    is then no GB string)."""
    whole = body.obj if isinstance(body, memoryview) else body
    if isinstance(whole, bytes) and whole.isascii():  # a view is the end of its bytes
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), _BLOCK):
            decoder.decode(body[start : start + _BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _parsed(file: str, body: bytes | memoryview) -> RawTable:
    delimiter = delimiter_of(body)[0]
    names = header_names(file, body, delimiter)
    options = string_options(names, None)
    table = parsed_text(file, body, delimiter, options)
    columns = [str(name).strip() for name in names]
    check_quotes_closed(file, body, columns, last_row(table), table.num_rows, delimiter)
    return arrow_table_of(file, names, table)


def table_of(file: str, names: Sequence[Any], rows: Iterable[Sequence[Any]]) -> RawTable:
    """A RawTable from a header and rows of cells, read from CSV text or a sheet.

    A column without a name (a spacer, the tail of a merged header cell, a pandas index)
    is left out: nothing can refer to it. So are the rows of empty cells after the last
    value, which Excel writes for formatted rows; an empty row between values stays, so
    that every row keeps its number.
    """
    columns = checked_names(file, [str(name) for name in names])
    kept = [i for i, name in enumerate(columns) if name]
    records = [{columns[i]: row[i] if i < len(row) else "" for i in kept} for row in rows]
    while records and all(is_missing(cell) for cell in records[-1].values()):
        records.pop()
    return RawTable(file, tuple(columns[i] for i in kept), records)


def arrow_table_of(file: str, names: Sequence[Any], table: pa.Table) -> RawTable:
    """table_of for a table pyarrow parsed, kept as columns (ColumnRows): the same
    columns left out, the same trailing empty rows dropped."""
    columns = checked_names(file, [str(name) for name in names])
    kept = [i for i, name in enumerate(columns) if name]
    length = table.num_rows
    while length and all(is_missing(table.column(i)[length - 1].as_py()) for i in kept):
        length -= 1
    arrays = [table.column(i).slice(0, length) for i in kept]
    named = tuple(columns[i] for i in kept)
    return RawTable(file, named, ColumnRows(named, arrays, length))


def _undecodable(file: str, table: RawTable) -> InputError:
    """Where the first replacement character of a repaired text is: the bad bytes' cell."""
    if any(_REPLACED in name for name in table.columns):
        return InputError("the header row is not UTF-8 text", file)
    for number, row in enumerate(table.rows, start=1):
        for column in table.columns:
            if _REPLACED in row[column]:
                return InputError("is not UTF-8 text", file, number, column)
    return InputError("is not UTF-8 text", file)


def checked_names(file: str, names: list[str]) -> tuple[str, ...]:
    """Header names, trimmed like cells are; a name given twice is ambiguous (an empty
    one is not a name)."""
    columns = tuple(str(name).strip() for name in names)
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise InputError(f"column {name!r} appears twice in the header", file, column=name)
        seen.add(name)
    return columns


def _as_utf8(file: str, data: bytes) -> bytes:
    """The text as UTF-8 without a byte-order mark; UTF-16 and UTF-32 are recoded, NUL bytes
    refused."""
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            try:
                data = data[len(bom) :].decode(encoding).encode("utf-8")
            except UnicodeError:
                raise InputError(f"starts like {encoding.upper()} text but is not", file) from None
            break
    data = data.removeprefix(_UTF8_BOM)
    if b"\0" in data:  # binary junk, which pyarrow would split into odd rows
        if data[1::2].count(0) > len(data) // 4:
            raise InputError("looks like UTF-16 without a byte-order mark; save as UTF-8", file)
        raise InputError("holds NUL bytes; expected CSV text", file)
    return data


def _without_type_line(data: bytes) -> bytes | memoryview:
    """The text after PowerShell's #TYPE line (a view: a GB export is not copied)."""
    if not data.startswith(_TYPE_LINE):
        return data
    end = data.find(b"\n")
    return b"" if end < 0 else memoryview(data)[end + 1 :]
