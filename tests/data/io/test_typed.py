"""The column-wise fast path of reading (typed.py) and writing (columnar.py) against the
cell-by-cell code it stands in for."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.io.cells import coerce, is_missing
from data.io.columnar import write_csv_table
from data.io.typed import fast_column
from data.io.write import write_csv
from data.schema import Column, Kind

SPECS = [
    Column("a", kind, required, default)
    for kind, default in [
        (Kind.NAME, "dflt"),
        (Kind.TEXT, ""),
        (Kind.POSITIVE_INT, 7),
        (Kind.NON_NEGATIVE_INT, 0),
        (Kind.POSITIVE_FLOAT, 8.0),
        (Kind.NON_NEGATIVE_FLOAT, 0.0),
        (Kind.BOOL, True),
    ]
    for required in (False, True)
]
TRICKY = ["", " ", "\u00a0", "+5", "-0", "0", "4096.0", "1_000", "1e400", "nan", "inf", "-inf"]
TRICKY += ["yes", "No", " TRUE ", "1", "x", ".5", "5.", "2.3", "1e-3", "\t12\t", "0x10", "٣"]
TRICKY += [str(2**40), str(2**40 + 1), "99999999999999999999", "-3", "a;b", ' q"uote ']
cells = st.one_of(
    st.sampled_from(TRICKY),
    st.integers(-5, 2**41).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)
values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2**41), st.floats(), st.sampled_from(TRICKY)
)


def slow(spec: Column, raw: list[Any]) -> list[Any] | None:
    """cells.py's verdict on each cell: the values, or None if some cell is refused."""
    out = []
    for cell in raw:
        if is_missing(cell):
            if spec.required:
                return None
            out.append(spec.default)
            continue
        try:
            out.append(coerce(spec.kind, cell))
        except ValueError:
            return None
    return out


def same(fast: Any, reference: list[Any]) -> bool:
    got = list(fast.tolist() if hasattr(fast, "tolist") else fast)
    pairs = zip(got, reference, strict=True)
    return all(
        type(a) is type(b) and (a == b or (math.isnan(a) and math.isnan(b))) for a, b in pairs
    )


def check(spec: Column, array: pa.Array, raw: list[Any]) -> None:
    fast = fast_column(spec, pa.chunked_array([array]))
    reference = slow(spec, raw)
    if reference is None:
        assert fast is None  # only cells.py words a refusal
    else:
        assert fast is None or same(fast, reference)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.kind}-{s.required}")
@settings(max_examples=60, deadline=None)
@given(raw=st.lists(cells, max_size=8))
def test_fast_column_of_csv_text_accepts_only_what_cells_accept(
    spec: Column, raw: list[str]
) -> None:
    check(spec, pa.array(raw, pa.string()), raw)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.kind}-{s.required}")
@settings(max_examples=60, deadline=None)
@given(raw=st.lists(values, max_size=8), kind=st.sampled_from(["int", "float", "bool", "str"]))
def test_fast_column_of_parquet_values_accepts_only_what_cells_accept(
    spec: Column, raw: list[Any], kind: str
) -> None:
    wanted = {"int": int, "float": float, "bool": bool, "str": str}[kind]
    typed = [v for v in raw if v is None or type(v) is wanted]
    check(spec, pa.array(typed), typed)


def test_fast_column_reads_plain_csv_numbers_alike() -> None:
    spec = Column("disk_gb", Kind.NON_NEGATIVE_FLOAT, default=0.0)
    raw = ["0.1", "133.0", " 2.3", "", "1e3", "7"]
    assert fast_column(spec, pa.chunked_array([pa.array(raw)])).tolist() == slow(spec, raw)


texts = st.text(alphabet=st.sampled_from('ab ,;"\r\n\t\u00e9'), max_size=5)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(texts, st.integers(0, 9), st.floats(0, 1e9), st.booleans())))
def test_write_csv_table_writes_the_bytes_of_write_csv(tmp_path: Path, rows: list[tuple]) -> None:
    names = ["text", "int", "float", "bool"]
    columns = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
    types = [pa.string(), pa.int64(), pa.float64(), pa.bool_()]
    table = pa.table([pa.array(c, t) for c, t in zip(columns, types, strict=True)], names=names)
    # both files are rewritten whole for every example
    write_csv_table(tmp_path / "fast.csv", table, write_csv)
    write_csv(tmp_path / "rows.csv", names, [dict(zip(names, r, strict=True)) for r in rows])
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()


CLEAN = {
    Kind.NAME: ["hv1", " hv2 ", "x"],
    Kind.TEXT: ["", "lun-1", " a;b "],
    Kind.POSITIVE_INT: ["4096", " 1", "007"],
    Kind.NON_NEGATIVE_INT: ["0", "12", ""],
    Kind.POSITIVE_FLOAT: ["2.3", "8", "1e-3"],
    Kind.NON_NEGATIVE_FLOAT: ["0", "133.0", ""],
    Kind.BOOL: ["true", "No", " YES ", ""],
}


@pytest.mark.parametrize("kind", list(CLEAN))
def test_fast_column_takes_clean_cells_itself(kind: Kind) -> None:
    defaults = {Kind.NAME: "d", Kind.TEXT: "", Kind.BOOL: True}
    spec = Column("a", kind, False, defaults.get(kind, 1.0 if "number" in kind else 1))
    raw = CLEAN[kind]
    fast = fast_column(spec, pa.chunked_array([pa.array(raw)]))
    assert fast is not None
    assert same(fast, slow(spec, raw) or [])
