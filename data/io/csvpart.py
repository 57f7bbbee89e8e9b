"""A CSV parsed only in the columns its importer reads (a million VMs' Get-VM export has
67 columns, of which the import reads about 15): the rest are parsed on first need,
from the file read again (`Part.reload`), and a file changed in between is an error."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import pyarrow as pa

from data.errors import InputError
from data.io.build import RawTable
from data.io.cells import is_missing
from data.io.colrows import ColumnRows, PartialRows
from data.io.csvparse import delimiter_of, header_names, last_row, parsed_text, string_options
from data.io.csvquotes import check_quotes_closed, count_quotes


@dataclass(frozen=True)
class Part:
    """Which columns to parse at first (`wanted` of the header's names: the names, None
    for all), and how to parse the whole table later (`reload`)."""

    wanted: Callable[[tuple[str, ...]], Collection[str] | None]
    reload: Callable[[], RawTable]


def parsed_in_part(file: str, body: bytes | memoryview, part: Part) -> RawTable | None:
    """The table with only the wanted columns parsed; None where the whole parse must
    decide (all wanted, or the quote check or the trailing empty rows need every cell)."""
    delimiter = delimiter_of(body)[0]
    names = header_names(file, body, delimiter)
    columns = [str(name).strip() for name in names]
    named = tuple(c for c in columns if c)
    if len(set(named)) < len(named):
        return None  # a name twice: the whole parse says so, after the errors before it
    wanted = part.wanted(named)
    kept = None if wanted is None else kept_columns(columns, named, wanted)
    quotes = 0 if kept is None else count_quotes(body)
    if kept is None or quotes % 2:  # all wanted, or a quote left open
        return None
    options = string_options(names, kept)
    table = parsed_text(file, body, delimiter, options)
    last = last_row(table)
    if last and all(is_missing(last[j]) for j, i in enumerate(kept) if columns[i]):
        return None  # maybe a trailing empty row: only every cell of it can say
    parsed = [columns[i] for i in kept]
    check_quotes_closed(file, body, parsed, last, table.num_rows, delimiter, quotes)
    return partial_table(file, table, columns, kept, part)


def kept_columns(
    columns: list[str], named: tuple[str, ...], wanted: Collection[str]
) -> list[int] | None:
    """The indices of the columns to parse at first (None: every one is wanted): the
    wanted ones and the last, into which a quote left open swallows the rest of a file."""
    folded = {name.casefold() for name in wanted}
    chosen = [i for i, c in enumerate(columns) if c and c.casefold() in folded]
    return None if len(chosen) == len(named) else sorted({*chosen, len(columns) - 1})


def partial_table(
    file: str, table: pa.Table, columns: list[str], kept: list[int], part: Part
) -> RawTable:
    """The RawTable of a table parsed in the `kept` columns: the rest come from `part`."""
    named = tuple(c for c in columns if c)
    arrays = {columns[i]: table.column(j) for j, i in enumerate(kept) if columns[i]}
    count = table.num_rows
    rows = PartialRows(named, arrays, count, lambda: _whole(part, named, count))
    return RawTable(file, named, rows)


def _whole(part: Part, names: tuple[str, ...], length: int) -> ColumnRows:
    """The reloaded table's rows: the same header and rows, or the file changed since."""
    table = part.reload()
    same = table.columns == names and len(table.rows) == length
    if not same or not isinstance(table.rows, ColumnRows):
        raise InputError("changed while it was being read; read it again", table.file)
    return table.rows
