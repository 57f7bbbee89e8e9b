"""dumps_indented writes exactly json.dumps(indent=2, ensure_ascii=False)'s text."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.export.indented import dumps_indented

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=400)
@given(VALUES)
def test_dumps_indented_is_json_dumps_indent_2(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_dumps_indented_keeps_names_and_escapes_like_json() -> None:
    value = {"vm": 'sql-ü"\n', "owners": ["hv1", "hv2"], "moved": False, "n": math.inf}
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert dumps_indented({"a": [], "b": {}}) == '{\n  "a": [],\n  "b": {}\n}'


def test_dumps_indented_refuses_what_json_cannot_encode() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"when": object()})
    with pytest.raises(TypeError):
        dumps_indented({1: "x"})
