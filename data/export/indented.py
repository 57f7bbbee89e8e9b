"""json.dumps(value, indent=2, ensure_ascii=False), the same text, several times faster.

The standard library encodes with its C encoder only when there is no indent; an
indented document (`plan --format json`, `export --format json`) goes through its
pure-Python generators, one yield per token: 3 s of a 100,000-VM plan's 5 s show.
This writes the same text by appending to one list, with strings still escaped by
the standard library's C function. It knows the JSON types alone (dict with str
keys, list, tuple, str, int, float, bool, None) and raises TypeError for anything
else, as json.dumps does without a `default`.
"""

from __future__ import annotations

import json.encoder
from typing import Any

_string = json.encoder.encode_basestring  # ensure_ascii=False's escaping (C when available)
_STEP = "  "


def dumps_indented(value: Any) -> str:
    """The text json.dumps(value, indent=2, ensure_ascii=False) gives."""
    out: list[str] = []
    _encode(value, "", out)
    return "".join(out)


def _encode(value: Any, pad: str, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, dict):
        _encode_dict(value, pad, out)
    elif isinstance(value, list | tuple):
        _encode_list(value, pad, out)
    else:
        out.append(_scalar(value))


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return json.encoder.JSONEncoder().encode(value)  # repr, or NaN / Infinity
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encode_dict(value: dict[Any, Any], pad: str, out: list[str]) -> None:
    if not value:
        out.append("{}")
        return
    inner = pad + _STEP
    first = True
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"keys must be str here, not {type(key).__name__}")
        head = _KEYS.get((key, inner)) or _key(key, inner)
        out.append("{\n" + head[2:] if first else head)
        first = False
        if isinstance(item, str):  # the common cases, inline
            out.append(_string(item))
        elif item is True or item is False:
            out.append("true" if item else "false")
        else:
            _encode(item, inner, out)
    out.append("\n" + pad + "}")


_KEYS: dict[tuple[str, str], str] = {}  # (key, indent) -> its text after the first


def _key(key: str, inner: str) -> str:
    """',\n<indent>"key": ', remembered (up to a bound): a document's rows repeat a few keys."""
    text = ",\n" + inner + _string(key) + ": "
    if len(_KEYS) < 4096:
        _KEYS[key, inner] = text
    return text


def _encode_list(value: list[Any] | tuple[Any, ...], pad: str, out: list[str]) -> None:
    if not value:
        out.append("[]")
        return
    inner = pad + _STEP
    if all(isinstance(item, str) for item in value):  # owners lists: one join
        comma = ",\n" + inner
        out.append("[\n" + inner + comma.join(map(_string, value)) + "\n" + pad + "]")
        return
    separator = "[\n" + inner
    for item in value:
        out.append(separator)
        _encode(item, inner, out)
        separator = ",\n" + inner
    out.append("\n" + pad + "]")
