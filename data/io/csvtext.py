"""Parse CSV bytes into a RawTable, whoever wrote them: us, Excel or PowerShell.

Canonical tables and exports share this one parser, so they share its quirks
handling: a UTF-8 byte-order mark, UTF-16 text (Windows PowerShell 5.1's
`Out-File` and Excel's "Unicode text"), UTF-32 (`Export-Csv -Encoding UTF32`),
PowerShell's `#TYPE ...` first line, and `;` as the delimiter (`Export-Csv
-UseCulture`, Excel in many locales).
pyarrow does the CSV parsing itself; every cell reaches build.py as text.
Rows count from 1 at the first data row, whatever precedes the header.
`table_of` is shared with workbook sheets: columns without a name and the empty rows
Excel writes after the last value are left out there too.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv

from data.errors import InputError
from data.io.build import RawTable
from data.io.cells import is_missing
from data.io.colrows import ColumnRows, PartialRows

_UTF8_BOM = b"\xef\xbb\xbf"
_BOMS = {  # UTF-32's first: UTF-32-LE's mark starts like UTF-16-LE's
    b"\xff\xfe\x00\x00": "utf-32-le",
    b"\x00\x00\xfe\xff": "utf-32-be",
    b"\xff\xfe": "utf-16-le",
    b"\xfe\xff": "utf-16-be",
}
_TYPE_LINE = b"#TYPE"  # Export-Csv without -NoTypeInformation (Windows PowerShell 5.1)
_DELIMITERS = b",;\t"
_T = TypeVar("_T")
_REPLACED = "\ufffd"  # what the bad bytes became in a repaired copy
_BLOCK = 1 << 24  # bytes decoded, or quotes counted, at a time
_QUOTE = ord('"')


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
        table = _parsed_in_part(file, body, part)
        if table is not None:
            return table
    return _parsed(file, body)


@dataclass(frozen=True)
class Part:
    """Which columns to parse at first (`wanted` of the header's names: the names, None
    for all), and how to parse the whole table later (`reload`)."""

    wanted: Callable[[tuple[str, ...]], Collection[str] | None]
    reload: Callable[[], RawTable]


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


def _parsed_in_part(file: str, body: bytes | memoryview, part: Part) -> RawTable | None:
    """The table with only the wanted columns parsed; None where the whole parse must
    decide (all wanted, or the quote check or the trailing empty rows need every cell)."""
    delimiter = _delimiter(body)
    bad_rows: list[pv.InvalidRow] = []
    names = _guarded(file, bad_rows, lambda: _open(body, delimiter, None, bad_rows).schema.names)
    columns = [str(name).strip() for name in names]
    named = tuple(c for c in columns if c)
    if len(set(named)) < len(named):
        return None  # a name twice: the whole parse says so, after the errors before it
    wanted = part.wanted(named)
    if wanted is None:
        return None
    folded = {name.casefold() for name in wanted}
    chosen = [i for i, c in enumerate(columns) if c and c.casefold() in folded]
    quotes = _quotes(body) if len(chosen) < len(named) else 1
    if quotes % 2:  # every column wanted, or a quote left open: the whole parse
        return None
    # the last column too: a quote left open swallows the rest of the file into it
    kept = sorted({*chosen, len(names) - 1})
    options = pv.ConvertOptions(
        include_columns=[names[i] for i in kept],
        column_types={names[i]: pa.string() for i in kept},
        strings_can_be_null=False,
    )
    table = _guarded(file, bad_rows, lambda: _open(body, delimiter, options, bad_rows).read_all())
    count = table.num_rows
    last = tuple(table.column(j)[count - 1].as_py() for j in range(len(kept)) if count)
    if count and all(is_missing(last[j]) for j, i in enumerate(kept) if columns[i]):
        return None  # maybe a trailing empty row: only every cell of it can say
    parsed = [columns[i] for i in kept]
    _check_quotes_closed(file, body, parsed, last or None, count, delimiter, quotes)
    arrays = {columns[i]: table.column(j) for j, i in enumerate(kept) if columns[i]}
    rows = PartialRows(named, arrays, count, lambda: _whole(part, named, count))
    return RawTable(file, named, rows)


def _whole(part: Part, names: tuple[str, ...], length: int) -> ColumnRows:
    """The reloaded table's rows: the same header and rows, or the file changed since."""
    table = part.reload()
    same = table.columns == names and len(table.rows) == length
    if not same or not isinstance(table.rows, ColumnRows):
        raise InputError("changed while it was being read; read it again", table.file)
    return table.rows


def _quotes(body: bytes | memoryview) -> int:
    """How many quote characters the text holds, counted a block at a time by numpy."""
    codes = np.frombuffer(body, np.uint8)
    return sum(
        int(np.count_nonzero(codes[start : start + _BLOCK] == _QUOTE))
        for start in range(0, len(codes), _BLOCK)
    )


def _parsed(file: str, body: bytes | memoryview) -> RawTable:
    delimiter = _delimiter(body)
    bad_rows: list[pv.InvalidRow] = []
    names = _guarded(file, bad_rows, lambda: _open(body, delimiter, None, bad_rows).schema.names)
    types = {name: pa.string() for name in names}
    options = pv.ConvertOptions(column_types=types, strings_can_be_null=False)
    table = _guarded(file, bad_rows, lambda: _open(body, delimiter, options, bad_rows).read_all())
    count = table.num_rows
    last = tuple(table.column(i)[count - 1].as_py() for i in range(table.num_columns) if count)
    columns = [str(name).strip() for name in names]
    _check_quotes_closed(file, body, columns, last if count else None, count, delimiter)
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


def one_line(error: Exception) -> str:
    """A library's message on one line (errors are reported as one line)."""
    return " ".join(str(error).split())


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


def _delimiter(body: bytes | memoryview) -> str:
    """The delimiter the header row uses most, outside quotes: `,` unless `;` or tab wins."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for byte in body:
        if byte == ord('"'):
            quoted = not quoted
        elif not quoted and byte in (ord("\n"), ord("\r")):
            break
        elif not quoted and byte in counts:
            counts[byte] += 1
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ord(",")))
    return chr(best)


def _open(
    data: bytes | memoryview,
    delimiter: str,
    convert: pv.ConvertOptions | None,
    bad: list[pv.InvalidRow],
) -> pv.CSVStreamingReader:
    """A reader that notes pyarrow's bad rows: their numbers are not in every message."""

    def on_bad_row(row: pv.InvalidRow) -> str:
        bad.append(row)
        return "error"

    return pv.open_csv(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=pv.ReadOptions(use_threads=False),  # threads would lose row numbers
        parse_options=pv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_bad_row),
        convert_options=convert,
    )


def _guarded(file: str, bad_rows: list[pv.InvalidRow], call: Callable[[], _T]) -> _T:
    try:
        return call()
    except (pa.ArrowException, OSError) as error:
        if bad_rows:
            bad = bad_rows[0]
            row = bad.number - 1 if bad.number is not None else None  # pyarrow counts the header
            message = f"expected {bad.expected_columns} columns, got {bad.actual_columns}"
            raise InputError(message, file, row) from None
        raise InputError(f"cannot parse as CSV: {one_line(error)}", file) from None


def _check_quotes_closed(
    file: str,
    data: bytes | memoryview,
    columns: list[str],
    last: tuple[str, ...] | None,
    count: int,
    delimiter: str,
    quotes: int | None = None,
) -> None:
    """pyarrow takes a quote left open as running to the end of the file.

    That silently swallows the rest of a truncated file (leaving an odd number of quotes,
    or line breaks in the last row), so a quoted field still open at the end is an error,
    placed at the last row and at its cell that holds a line break (else its last cell).
    A quote inside an unquoted field (`19" rack`) is text, as Python's csv and Excel read
    it: only a quote that opens a field opens a quoted one.
    """
    if last is None:
        return
    broken = [i for i, cell in enumerate(last) if "\n" in cell or "\r" in cell]
    quotes = _quotes(data) if quotes is None else quotes
    suspect = quotes % 2 or broken  # what swallowed rows leave; else no scan
    if not suspect or not _quote_left_open(bytes(data), delimiter):
        return
    at = (broken or [len(columns) - 1])[-1]
    raise InputError("a quote opened here is never closed", file, count, columns[at])


def _quote_left_open(data: bytes, delimiter: str) -> bool:
    """Whether a quoted field runs to the end of the text (field by field; only called
    when the quotes do not pair up, so the common file costs one count)."""
    separator = re.compile(b"[" + re.escape(delimiter.encode()) + b"\r\n]")
    i, start = 0, True
    while i < len(data):
        if start and data[i] == ord('"'):
            i = _closing_quote(data, i + 1)
            if i < 0:
                return True
            start = False
            continue
        found = separator.search(data, i)
        if found is None:
            return False
        i, start = found.end(), True
    return False


def _closing_quote(data: bytes, i: int) -> int:
    """The index after the quote that closes a quoted field opened before i, or -1."""
    while True:
        end = data.find(b'"', i)
        if end < 0:
            return -1
        if data[end + 1 : end + 2] != b'"':  # "" is an escaped quote
            return end + 1
        i = end + 2
