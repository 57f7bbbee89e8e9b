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

    def booleans(self, column: str | None, default: bool = False) -> list[bool]:
        """Cells.boolean of every row: `default` where missing."""
        if column is None:
            return [default] * len(self)
        try:
            return [_WORDS[word.lower()] if word else default for word in self.texts(column)]
        except KeyError:
            raise Declined from None

    def given(self, column: str | None) -> np.ndarray:
        """Which rows have the cell (not Cells.missing)."""
        if column is None:
            return np.zeros(len(self), bool)
        return np.array([text != "" for text in self.texts(column)], bool)

    def numbers(self, column: str, missing: float | None = None) -> np.ndarray:
        """Cells.number of every row (any size a real export holds); with `missing`, that
        where the cell is missing (Cells.optional_number or 0)."""
        trimmed = pc.utf8_trim(self._strings(column), characters=_ASCII_SPACE)
        blank = np.asarray(pc.equal(trimmed, ""))
        shaped = np.asarray(pc.match_substring_regex(trimmed, _NUMBER))
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
