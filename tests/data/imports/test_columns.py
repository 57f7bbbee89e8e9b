"""The column-wise text kernels of data/imports/columns.py against the Python they stand in
for: str.strip, str.casefold and a dictionary lookup, on cells with Unicode spaces, letters
that fold apart from their lower case, duplicates and empty cells."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from data.imports.columns import folded, positions, stripped

# ASCII and the characters where arrow and Python differ: Unicode spaces (str.strip),
# letters whose case folding is not their lower case (sharp s -> "ss", the Kelvin sign,
# dotted and dotless i, long s, final sigma, the "fi" ligature, titlecase DZ), and the
# ASCII separators str.isspace() counts as space.
_ODD = (0xDF, 0x1E9E, 0x212A, 0x130, 0x131, 0x17F, 0x3A3, 0x3C2, 0x3C3, 0xFB01, 0x1C5, 0x1C4)
PARTS = st.sampled_from(
    [*"aAzZ09 .-\\:", "\t", "\r\n", "\x1c", "\x1f", "\x7f", "\xa0", "\u2003", "\u3000"]
    + [chr(code) for code in _ODD]
    + ["DC01", "dc01", "Stra\xdfe", "STRASSE"]
)
CELLS = st.lists(st.lists(PARTS, max_size=5).map("".join), max_size=12)


@settings(max_examples=300, deadline=None)
@given(CELLS)
def test_stripped_is_str_strip(cells: list[str]) -> None:
    assert stripped(pa.array(cells, pa.string())).to_pylist() == [c.strip() for c in cells]


@settings(max_examples=300, deadline=None)
@given(CELLS)
def test_folded_is_str_casefold(cells: list[str]) -> None:
    assert folded(pa.array(cells, pa.string())).to_pylist() == [c.casefold() for c in cells]


@settings(max_examples=300, deadline=None)
@given(keys=CELLS, table=CELLS)
def test_positions_is_a_dictionary_lookup(keys: list[str], table: list[str]) -> None:
    first: dict[str, int] = {}
    for i, cell in enumerate(table):
        first.setdefault(cell, i)
    last = {cell: i for i, cell in enumerate(table)}
    found = pa.array(keys, pa.string()), pa.array(table, pa.string())
    assert positions(*found).tolist() == [first.get(k, -1) for k in keys]
    assert positions(*found, last=True).tolist() == [last.get(k, -1) for k in keys]


def test_folded_joins_names_python_folds_together() -> None:
    names = pa.array(["STRASSE", "straße", "Kelvin\u212a"], pa.string())
    assert positions(folded(pa.array(["Straße", "kelvink"])), folded(names)).tolist() == [0, 2]
