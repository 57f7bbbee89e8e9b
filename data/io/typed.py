"""Checking and converting a whole column at once: the fast path of build.py's typing.

Each function here either returns the column's checked values or None, which
means "some cell needs a closer look"; build.py then types the table cell by
cell (cells.py), which finds the first bad cell and says what is wrong with it
in exactly the words it always has. So this module never words an error: it
only accepts what cells.py would accept, with the same value, and declines the
rest (a "+5", a "4096.0", a Unicode space) rather than deciding it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.io.cells import MAX_NUMBER
from data.schema import Column, Kind

_ASCII_SPACE = " \t\n\r\x0b\x0c"
_INTEGER = r"^-?[0-9]{1,17}$"  # what int() reads alike; longer numbers take the slow path
_DECIMAL = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"
_TRUE, _FALSE = ["true", "1", "yes"], ["false", "0", "no"]

Values = list[Any] | np.ndarray


def fast_column(spec: Column, array: pa.ChunkedArray) -> Values | None:
    """The checked values of one column (its default where a cell is missing), or None
    when some cell must be looked at by cells.py."""
    combined = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if pa.types.is_large_string(combined.type):
        combined = combined.cast(pa.string())
    if spec.kind in (Kind.NAME, Kind.TEXT):
        return _text(spec, combined)
    if pa.types.is_string(combined.type):
        trimmed = pc.utf8_trim(combined, characters=_ASCII_SPACE)
        return _from_text(spec, trimmed, pc.equal(trimmed, "").fill_null(True))
    missing = np.asarray(combined.is_null())
    if spec.required and missing.any():
        return None
    if spec.kind is Kind.BOOL:
        return _bools(spec, combined, missing)
    return _numbers(spec, combined, missing)


def _filled(mask: pa.Array, value: bool) -> np.ndarray:
    return np.asarray(mask.fill_null(value), dtype=bool)


def _text(spec: Column, array: pa.Array) -> Values | None:
    if not pa.types.is_string(array.type):
        return None  # cells.py turns numbers into text, refuses the rest
    cells = array.fill_null("") if array.null_count else array
    values = [s.strip() for s in cells.to_pylist()]
    if "" in values:  # missing cells (empty, or blank)
        if spec.required:
            return None
        values = [s or spec.default for s in values]
    return values


def _from_text(spec: Column, trimmed: pa.Array, blank: pa.Array) -> Values | None:
    missing = np.asarray(blank, dtype=bool)
    if spec.required and missing.any():
        return None
    if spec.kind is Kind.BOOL:
        word = pc.ascii_lower(trimmed)
        true = _filled(pc.is_in(word, pa.array(_TRUE)), False)
        false = _filled(pc.is_in(word, pa.array(_FALSE)), False)
        if not (true | false | missing).all():
            return None
        return np.where(missing, bool(spec.default), true)
    integer = spec.kind in (Kind.POSITIVE_INT, Kind.NON_NEGATIVE_INT)
    shape = pc.match_substring_regex(trimmed, _INTEGER if integer else _DECIMAL)
    if not (_filled(shape, False) | missing).all():
        return None
    text = pc.if_else(blank, "0", trimmed)
    return _numbers(spec, pc.cast(text, pa.int64() if integer else pa.float64()), missing)


def _bools(spec: Column, array: pa.Array, missing: np.ndarray) -> Values | None:
    if pa.types.is_boolean(array.type):
        values = np.asarray(array.fill_null(False), dtype=bool)
    elif pa.types.is_integer(array.type):
        values = np.asarray(array.fill_null(0), dtype=np.int64)
        if not np.isin(values, (0, 1)).all():
            return None
        values = values.astype(bool)
    else:
        return None
    return np.where(missing, bool(spec.default), values)


def _numbers(spec: Column, array: pa.Array, missing: np.ndarray) -> Values | None:
    integer = spec.kind in (Kind.POSITIVE_INT, Kind.NON_NEGATIVE_INT)
    if pa.types.is_boolean(array.type) or not (
        pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
    ):
        return None
    if integer and not pa.types.is_integer(array.type):
        return None  # cells.py takes whole floats; rare enough to leave to it
    values = np.asarray(array.fill_null(0)).astype(np.int64 if integer else np.float64)
    given = values[~missing]
    positive = spec.kind in (Kind.POSITIVE_INT, Kind.POSITIVE_FLOAT)
    if not np.isfinite(given).all() or not (given > 0 if positive else given >= 0).all():
        return None
    if (given > MAX_NUMBER).any():
        return None
    if missing.any():
        values = np.where(missing, np.asarray(spec.default, values.dtype), values)
    return values
