"""Turning one raw cell (a CSV string or a Parquet value) into a checked value."""

import math
from typing import Any

from data.schema import Kind

MAX_NUMBER = 2**40  # far above any real host; keeps the solver's integer sums safe
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return False  # NaN is a value, and a bad one
    return isinstance(raw, str) and raw.strip() == ""


def coerce(kind: Kind, raw: Any) -> Any:
    """The checked value of a non-missing cell; ValueError says what was expected."""
    if kind in (Kind.NAME, Kind.TEXT):
        return _text(kind, raw)
    if kind is Kind.BOOL:
        return _boolean(raw)
    if kind in (Kind.POSITIVE_INT, Kind.NON_NEGATIVE_INT):
        value: int | float = _integer(raw, kind)
    else:
        value = _number(raw, kind)
    low_ok = value > 0 if kind in (Kind.POSITIVE_INT, Kind.POSITIVE_FLOAT) else value >= 0
    if not low_ok:
        raise ValueError(f"{shown(raw)} is not a {kind}")
    if value > MAX_NUMBER:
        raise ValueError(f"{shown(raw)} is too large (at most {MAX_NUMBER})")
    return value


def shown(raw: Any) -> str:
    """A cell as quoted in messages, cut at 40 characters."""
    text = str(raw)
    return repr(text[:40] + "…") if len(text) > 40 else repr(text)


def _text(kind: Kind, raw: Any) -> str:
    if not isinstance(raw, str):
        if isinstance(raw, bool | int | float):
            raw = str(raw)
        else:
            raise ValueError(f"{shown(raw)} is not text")
    text = raw.strip()
    if kind is Kind.NAME and not text:
        raise ValueError("is empty; a name is required")
    return text


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"{shown(raw)} is not a {Kind.BOOL}")


def _integer(raw: Any, kind: Kind) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"{shown(raw)} is not a {kind}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number) and number.is_integer() and "." in text:
            return int(number)  # "4096.0" from spreadsheets
    raise ValueError(f"{shown(raw)} is not a {kind}")


def _number(raw: Any, kind: Kind) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"{shown(raw)} is not a {kind}")
    try:
        value = float(raw.strip() if isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        raise ValueError(f"{shown(raw)} is not a {kind}") from None
    if not math.isfinite(value):
        raise ValueError(f"{shown(raw)} is not a finite {kind}")
    return value
