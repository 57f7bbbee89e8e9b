"""The column-wise Azure Migrate import (azure_migrate_fast.py) against the row-by-row
one (its oracle): on the fixture's servers with random changes of the kinds real
exports hold, the same vms table, origins and report, or it declines; and it declines
nothing plain."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import InputError
from data.imports.azure_migrate import servers_by_rows
from data.imports.azure_migrate_fast import fast_servers
from data.imports.canonical_table import CanonicalTable
from data.imports.common import ImportOptions, ImportReport
from data.io.build import RawTable
from data.io.csvtext import csv_table
from tests.data.imports.rvtools.test_fast import differences

SERVERS = Path(__file__).resolve().parents[2] / "fixtures" / "azure-migrate" / "servers.csv"
PLAIN = {
    "*Memory (In MB)": ["0", "", "8192", " 4096 ", "0.0"],
    "*Cores": ["1", "16", " 4 "],
    "Disk 1 size (In GB)": ["", "0", "127", "1.5"],
    "Disk 2 size (In GB)": ["", "512", "0.25"],
    "*Server Name": [" srv-{i} ", "café-{i}\u00a0"],  # {i}: the row's, so still unique
}
ODD = {
    "*Server Name": ["web-01", "WEB-01", ""],
    "*Memory (In MB)": ["lots", "-1", "2.5"],
    "*Cores": ["0", "x", ""],
    "Disk 1 size (In GB)": ["big", "-3"],
}


def table_of(edits: list[Any], drop_disks: bool) -> RawTable:
    reader = csv.DictReader(io.StringIO(SERVERS.read_text(encoding="utf-8")))
    header, rows = list(reader.fieldnames or ()), list(reader)
    if drop_disks:
        header = [c for c in header if not c.startswith("Disk ")]
    for (col, value), i in edits:
        rows[i % len(rows)][col] = value.format(i=i % len(rows))
    out = io.StringIO()
    writer = csv.DictWriter(out, header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return csv_table("servers.csv", out.getvalue().encode("utf-8"))


def changes(table: dict[str, list[str]]) -> st.SearchStrategy[list[Any]]:
    every = [(c, v) for c, values in table.items() for v in values]
    return st.lists(st.tuples(st.sampled_from(every), st.integers(0, 20)), max_size=8)


OPTIONS = st.builds(ImportOptions, strict=st.booleans())


def oracle(table: RawTable, options: ImportOptions) -> Any:
    report = ImportReport()
    try:
        return servers_by_rows([table], options, report), report
    except InputError as error:
        return error


def same(fast: CanonicalTable, rows: CanonicalTable) -> bool:
    return differences({"vms": fast}, {"vms": rows}) == []


@settings(max_examples=150, deadline=None)
@given(edits=changes(PLAIN), drop_disks=st.booleans(), options=OPTIONS)
def test_fast_servers_gives_the_rows_of_the_row_by_row_import(
    edits: list[Any], drop_disks: bool, options: ImportOptions
) -> None:
    table = table_of(edits, drop_disks)
    fast = fast_servers([table], options)
    expected = oracle(table, options)
    refused = isinstance(expected, InputError)  # strict: a server without memory
    assert fast is not None or refused
    assert fast is None or not refused, expected
    assert fast is None or same(fast[0], expected[0])
    assert fast is None or fast[1] == expected[1]


@settings(max_examples=100, deadline=None)
@given(edits=changes(PLAIN), odd=changes(ODD).filter(bool), options=OPTIONS)
def test_fast_servers_declines_what_it_does_not_plainly_accept(
    edits: list[Any], odd: list[Any], options: ImportOptions
) -> None:
    table = table_of(edits + odd, False)
    fast = fast_servers([table], options)
    expected = oracle(table, options)
    refused = isinstance(expected, InputError)
    assert fast is None or not refused  # an error is the row-by-row path's to word
    assert fast is None or refused or same(fast[0], expected[0])
    assert fast is None or refused or fast[1] == expected[1]


def test_fast_servers_reads_the_fixture_column_wise() -> None:
    table = table_of([], False)
    fast = fast_servers([table], ImportOptions())
    expected = oracle(table, ImportOptions())
    assert fast is not None
    assert same(fast[0], expected[0]) and fast[1] == expected[1]
