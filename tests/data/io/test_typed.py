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

from data.errors import InputError
from data.io.build import build_inventory
from data.io.cells import coerce, is_missing
from data.io.columnar import write_csv_table
from data.io.csvtext import csv_table
from data.io.typed import fast_column
from data.io.write import write_csv, write_csv_cells
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
TRICKY += ["1e-400", "4.9e-324", "1e308", "1.7976931348623157e308", "+.5e+1"]
cells = st.one_of(
    st.sampled_from(TRICKY),
    st.integers(-5, 2**41).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)
values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2**41), st.floats(), st.sampled_from(TRICKY)
)


REFUSED = object()


def slow(spec: Column, raw: list[Any]) -> list[Any]:
    """cells.py's verdict on each cell: its value, or REFUSED."""
    out: list[Any] = []
    for cell in raw:
        if is_missing(cell):
            out.append(REFUSED if spec.required else spec.default)
            continue
        try:
            out.append(coerce(spec.kind, cell))
        except ValueError:
            out.append(REFUSED)
    return out


def same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (
        a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
    )


def check(spec: Column, array: pa.Array, raw: list[Any]) -> None:
    """Every refused cell is declined; every cell not declined has cells.py's value."""
    fast = fast_column(spec, pa.chunked_array([array]))
    if fast is None:
        return  # the whole column is left to cells.py
    values, declined = fast
    got = values.tolist() if hasattr(values, "tolist") else list(values)
    for cell, value, left, reference in zip(
        raw, got, declined.tolist(), slow(spec, raw), strict=True
    ):
        assert left or reference is not REFUSED, cell
        assert left or same(value, reference), cell


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
    fast = fast_column(spec, pa.chunked_array([pa.array(raw)]))
    assert fast is not None
    assert fast[0].tolist() == slow(spec, raw)
    assert not fast[1].any()


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
    write_csv_table(tmp_path / "fast.csv", table, write_csv_cells)
    write_csv(tmp_path / "rows.csv", names, [dict(zip(names, r, strict=True)) for r in rows])
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()


def test_write_csv_table_quoting_fallback_keeps_every_batch_in_order(tmp_path: Path) -> None:
    """One quoted cell sends a table of several batches to the row writer, a batch at a
    time (a million rows at once ran out of memory): the bytes are write_csv's."""
    names = [f'vm "{i}"' if i == 70_000 else f"vm-{i}" for i in range(140_001)]
    table = pa.table({"name": names, "memory_mb": list(range(len(names)))})
    write_csv_table(tmp_path / "fast.csv", table, write_csv_cells)
    rows = [{"name": n, "memory_mb": m} for m, n in enumerate(names)]
    write_csv(tmp_path / "rows.csv", ["name", "memory_mb"], rows)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()
    assert b'"vm ""70000"""' in (tmp_path / "fast.csv").read_bytes()  # the fallback ran


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
    values, declined = fast
    assert not declined.any()
    got = values.tolist() if hasattr(values, "tolist") else values
    assert all(same(a, b) for a, b in zip(got, slow(spec, raw), strict=True))


def test_build_inventory_types_declined_cells_one_by_one_in_row_order() -> None:
    nodes = csv_table("nodes.csv", b"node,memory_mb,logical_processors\nhv1,65536,16\n")
    good = b"vm,memory_mb,vcpus\na,+5,1\nb,4096.0,2\n"
    inventory = build_inventory(nodes, csv_table("vms.csv", good))
    assert inventory.vm_memory_mb.tolist() == [5, 4096]
    bad = b"vm,memory_mb,vcpus\na,+5,1\nb,1024,x\nc,-1,2\n"
    with pytest.raises(InputError) as error:
        build_inventory(nodes, csv_table("vms.csv", bad))
    assert str(error.value) == "vms.csv row 2, vcpus: 'x' is not a positive integer"
