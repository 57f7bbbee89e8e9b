"""A source table's cells typed a whole column at a time, as `Cells` types them one by one.

The column-wise importers (hyperv/fast.py) read a million rows this way. Each
function here accepts only what `Cells` plainly accepts, with the same value, and
raises `Declined` for anything else (a bad cell, an empty name, a Unicode space, a
column of numbers where text was expected): the importer then reads the whole export
row by row instead, which words the first error exactly as it always has. So nothing
here words an error.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.io.build import RawTable
from data.io.colrows import ColumnRows

_ASCII_SPACE = " \t\n\r\x0b\x0c"
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_MAX_SOURCE_NUMBER = 2**62  # as common.Cells.number
_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class Declined(Exception):
    """The column-wise path does not plainly accept this export: read it row by row."""


class Columns:
    """One source table read column-wise: `len(self)` rows, each column typed whole."""

    def __init__(self, table: RawTable) -> None:
        if not isinstance(table.rows, ColumnRows):
            raise Declined  # a workbook's sheet: rows of Python values
        self.table, self.rows = table, table.rows

    def __len__(self) -> int:
        return len(self.rows)

    def _strings(self, column: str) -> pa.Array:
        array = self.rows.column(column)
        combined = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
        if pa.types.is_large_string(combined.type):
            combined = combined.cast(pa.string())
        if not pa.types.is_string(combined.type) or combined.null_count:
            raise Declined  # Parquet's typed or null cells: Cells decides those
        return combined

    def text_array(self, column: str | None) -> pa.Array:
        """Cells.text of every row as one arrow string array (no Python string per row)."""
        if column is None:
            return pa.array([""], pa.string()).take(np.zeros(len(self), np.int64))
        return stripped(self._strings(column))

    def texts(self, column: str | None) -> list[str]:
        """Cells.text of every row: the cell trimmed, "" when missing."""
        if column is None:
            return [""] * len(self)
        # each distinct cell trimmed once, and shared: most columns repeat a few values
        encoded = pc.dictionary_encode(self._strings(column))
        distinct = [cell.strip() for cell in encoded.dictionary.to_pylist()]
        return [distinct[i] for i in encoded.indices.to_numpy().tolist()]

    def names(self, column: str) -> list[str]:
        """Cells.name of every row: never empty."""
        values = self.texts(column)
        if "" in values:
            raise Declined
        return values

    def booleans(self, column: str | None, default: bool = False) -> np.ndarray:
        """Cells.boolean of every row: `default` where missing."""
        if column is None:
            return np.full(len(self), default, bool)
        codes, words = self.coded(column)
        try:
            truth = [_WORDS[word.lower()] if word else default for word in words]
        except KeyError:
            raise Declined from None
        return np.array(truth, bool)[codes] if truth else np.zeros(0, bool)

    def coded(self, column: str) -> tuple[np.ndarray, list[str]]:
        """Each row's index into the column's distinct trimmed cells, and those cells (for
        columns of few distinct values: a state, a host, a class)."""
        encoded = pc.dictionary_encode(self.text_array(column))
        return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()

    def given(self, column: str | None) -> np.ndarray:
        """Which rows have the cell (not Cells.missing)."""
        if column is None:
            return np.zeros(len(self), bool)
        return np.asarray(pc.not_equal(self.text_array(column), ""), bool)

    def numbers(self, column: str, missing: float | None = None) -> np.ndarray:
        """Cells.number of every row (any size a real export holds); with `missing`, that
        where the cell is missing (Cells.optional_number or 0)."""
        trimmed = pc.utf8_trim(self._strings(column), characters=_ASCII_SPACE)
        blank = np.asarray(pc.equal(trimmed, ""))
        shaped = np.asarray(pc.ascii_is_decimal(trimmed), bool)  # bytes, counts: most cells
        if not shaped.all():
            shaped = np.asarray(pc.match_substring_regex(trimmed, _NUMBER), bool)
        if not (shaped | (blank & (missing is not None))).all():
            raise Declined  # a missing number, a Unicode space, or no number
        try:
            values = np.asarray(pc.cast(pc.if_else(blank, "0", trimmed), pa.float64()))
        except pa.ArrowInvalid:
            raise Declined from None
        if not (np.isfinite(values) & (values >= 0) & (values <= _MAX_SOURCE_NUMBER)).all():
            raise Declined
        return np.where(blank, missing or 0.0, values) if blank.any() else values

    def positive_ints(self, column: str) -> np.ndarray:
        """Cells.positive_int of every row."""
        values = self.numbers(column)
        if not ((values > 0) & (values == np.floor(values))).all():
            raise Declined
        return values.astype(np.int64)


_PY_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # the ASCII characters str.isspace() holds


def stripped(strings: pa.Array) -> pa.Array:
    """str.strip() of each cell: ASCII cells trimmed by arrow, the others by Python (whose
    whitespace holds Unicode spaces too)."""
    trimmed = pc.utf8_trim(strings, characters=_PY_SPACE)
    other = pc.invert(pc.string_is_ascii(strings))
    if not pc.any(other).as_py():  # the cells as they are when none changed: no copy kept
        return strings if pc.all(pc.equal(trimmed, strings)).as_py() is not False else trimmed
    cells = [cell.strip() for cell in strings.filter(other).to_pylist()]
    return pc.replace_with_mask(trimmed, other, pa.array(cells, pa.string()))


def folded(strings: pa.Array) -> pa.Array:
    """str.casefold() of each cell: ASCII cells lowered by arrow, the others by Python (whose
    folding of non-ASCII letters, "ß" -> "ss", arrow's lowering does not share)."""
    lowered = pc.ascii_lower(strings)
    other = pc.invert(pc.string_is_ascii(strings))
    if not pc.any(other).as_py():
        return lowered
    cells = [cell.casefold() for cell in strings.filter(other).to_pylist()]
    return pc.replace_with_mask(lowered, other, pa.array(cells, pa.string()))


def positions(keys: pa.Array, table: pa.Array, last: bool = False) -> np.ndarray:
    """The index in `table` of each key's first (`last`: last) equal entry; -1 for none:
    a dictionary lookup (setdefault, or plain assignment) without the dictionary."""
    if last:
        found = pc.index_in(keys, value_set=table[::-1])
        at = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        return np.where(at >= 0, len(table) - 1 - at, -1)
    found = pc.fill_null(pc.index_in(keys, value_set=table), -1)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)
