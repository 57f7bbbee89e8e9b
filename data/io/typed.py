"""Checking and converting a whole column at once: the fast path of build.py's typing.

Each function here returns the column's checked values and a mask of the
cells it declined (a "+5", a "4096.0", a Unicode space, a bad cell): build.py
hands exactly those to cells.py, which decides each and words the first
error as it always has. So this module never words an error: it only accepts
what cells.py would accept, with the same value. None means the whole column
is of a type left to cells.py (rare: numbers in a text column, say).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.io.cells import MAX_NUMBER
from data.schema import Column, Kind

_ASCII_SPACE = " \t\n\r\x0b\x0c"
_INTEGER = r"^-?[0-9]{1,17}$"  # what int() reads alike; longer numbers go to cells.py
_DECIMAL = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"
_TRUE, _FALSE = ["true", "1", "yes"], ["false", "0", "no"]

Values = list[Any] | np.ndarray
Typed = tuple[Values, np.ndarray]  # the values, and the cells declined (left to cells.py)


def fast_column(spec: Column, array: pa.ChunkedArray) -> Typed | None:
    """The checked values of one column (its default where a cell is missing; any value
    where a cell is declined) and the declined cells, or None for the whole column."""
    combined = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if pa.types.is_large_string(combined.type):
        combined = combined.cast(pa.string())
    if spec.kind in (Kind.NAME, Kind.TEXT):
        return _text(spec, combined)
    if pa.types.is_string(combined.type):
        trimmed = pc.utf8_trim(combined, characters=_ASCII_SPACE)
        return _from_text(spec, trimmed, pc.equal(trimmed, "").fill_null(True))
    missing = np.asarray(combined.is_null())
    if spec.kind is Kind.BOOL:
        return _bools(spec, combined, missing)
    return _numbers(spec, combined, missing, np.zeros(len(missing), bool))


def _filled(mask: pa.Array, value: bool) -> np.ndarray:
    return np.asarray(mask.fill_null(value), dtype=bool)


def _text(spec: Column, array: pa.Array) -> Typed | None:
    if not pa.types.is_string(array.type):
        return None  # cells.py turns numbers into text, refuses the rest
    cells = array.fill_null("") if array.null_count else array
    values = [s.strip() for s in cells.to_pylist()]
    declined = np.zeros(len(values), bool)
    if "" in values:  # missing cells (empty, or blank)
        if spec.required:
            declined = np.fromiter((not v for v in values), bool, len(values))
        else:
            values = [v or spec.default for v in values]
    return values, declined


def _from_text(spec: Column, trimmed: pa.Array, blank: pa.Array) -> Typed | None:
    missing = np.asarray(blank, dtype=bool)
    if spec.kind is Kind.BOOL:
        word = pc.ascii_lower(trimmed)
        true = _filled(pc.is_in(word, pa.array(_TRUE)), False)
        false = _filled(pc.is_in(word, pa.array(_FALSE)), False)
        declined = ~(true | false | missing) | (missing & spec.required)
        return np.where(missing, bool(spec.default), true), declined
    integer = spec.kind in (Kind.POSITIVE_INT, Kind.NON_NEGATIVE_INT)
    shaped = pc.match_substring_regex(trimmed, _INTEGER if integer else _DECIMAL).fill_null(False)
    left_out = pc.or_(blank, pc.invert(shaped))
    try:
        number = pc.cast(
            pc.if_else(left_out, "0", trimmed), pa.int64() if integer else pa.float64()
        )
    except pa.ArrowInvalid:
        return None
    return _numbers(spec, number, missing, ~np.asarray(shaped, bool) & ~missing)


def _bools(spec: Column, array: pa.Array, missing: np.ndarray) -> Typed | None:
    declined = missing & spec.required
    if pa.types.is_boolean(array.type):
        values = np.asarray(array.fill_null(False), dtype=bool)
    elif pa.types.is_integer(array.type):
        numbers = np.asarray(array.fill_null(0), dtype=np.int64)
        declined = declined | ~np.isin(numbers, (0, 1))
        values = numbers == 1
    else:
        return None
    return np.where(missing, bool(spec.default), values), declined


def _numbers(
    spec: Column, array: pa.Array, missing: np.ndarray, declined: np.ndarray
) -> Typed | None:
    integer = spec.kind in (Kind.POSITIVE_INT, Kind.NON_NEGATIVE_INT)
    if pa.types.is_boolean(array.type) or not (
        pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
    ):
        return None
    if integer and not pa.types.is_integer(array.type):
        return None  # cells.py takes whole floats; rare enough to leave to it
    values = np.asarray(array.fill_null(0)).astype(np.int64 if integer else np.float64)
    positive = spec.kind in (Kind.POSITIVE_INT, Kind.POSITIVE_FLOAT)
    with np.errstate(invalid="ignore"):
        fine = np.isfinite(values) & (values > 0 if positive else values >= 0)
        fine &= values <= MAX_NUMBER
    declined = declined | (~fine & ~missing) | (missing & spec.required)
    if missing.any():
        values = np.where(missing, np.asarray(spec.default or 0, values.dtype), values)
    return values, declined
