"""The column-wise RVTools import (rvtools/fast.py) against the row-by-row one (its
oracle): on real-shaped exports (the fixture vCenter with random changes of the kinds
real exports hold: states, templates, VMs without memory, paths naming other or no
datastores, disks moved between VMs, DRS rules), it gives the same canonical rows,
origins and report, or declines; and it declines nothing plain."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.errors import InputError
from data.imports.common import Contribution, DiskMeasure, ImportOptions, ImportReport
from data.imports.rvtools.fast import fast_convert
from data.imports.rvtools.tables import KINDS, convert_by_rows
from data.io.build import RawTable
from tests.data.imports.hyperv.test_fast import differences as row_differences
from tests.data.imports.hyperv.test_fast import recognised_tables

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "rvtools"
USED = ("vInfo", "vHost", "vDisk", "vDatastore")
RULES = ("Cluster rule(s)", "Cluster rule name(s)")
Sheets = dict[str, tuple[list[str], list[dict[str, str]]]]


def fixture(folder: str = "csv") -> Sheets:
    sheets = {}
    for name in USED:
        text = (FIXTURES / folder / f"RVTools_tab{name}.csv").read_text(encoding="utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        sheets[name] = (list(reader.fieldnames or ()), list(reader))
    return sheets


def tables_of(sheets: Sheets) -> dict[str, list[RawTable]]:
    return recognised_tables(sheets, KINDS, lambda name: f"RVTools_tab{name}.csv")


# Changes real exports hold: (sheet, column, value), applied to row i of the sheet.
PLAIN = {
    "vInfo": {
        "Powerstate": ["poweredOn", "poweredOff", "suspended", "PoweredOff", ""],
        "Template": ["True", "False", "", " true "],
        "Memory": ["0", "", "8192", " 4096 ", "0.0"],
        "CPUs": ["1", "16", " 4 "],
        "Path": [
            "",
            "[SAN Gold 01] x/x.vmx",
            "[nfs-test] y/y.vmx",
            "no datastore named",
            "[ SAN Silver 02 ] z.vmx",
            "[SAN Gold 01] café/x.vmx",  # not ASCII: Python strips, as Cells does
            "\x1c[nfs-test]\u2003",
            "[]",
        ],
        "Host": ["", "esx01.corp.example.com", "ESX02", "esx99.corp.example.com"],
        "Cluster": ["Prod", "Test", "", "Elsewhere"],
        "In Use MiB": ["", "0", "1234.5", "99999999"],
        "Provisioned MiB": ["", "0", "4096"],
        RULES[1]: ["", "sql-apart", "web-apart, sql-apart", "keep; web-apart", "a;b"],
        RULES[0]: ["", "Anti-affinity", "antiaffinity, affinity", "ClusterVmHostRuleInfo", "?"],
    },
    "vDisk": {
        "VM": ["dc01", "sql01", "web01", "nobody", " web02\u00a0"],
        "Path": ["", "[SAN Gold 01] a.vmdk", "[nfs-test] b.vmdk", "plain.vmdk", "[nfs-test]ü"],
        "Capacity MiB": ["0", "1024", "1.5", "2097152"],
    },
    "vDatastore": {"Cluster name": ["", "Prod", "Test", "DSC-Prod"]},
    "vHost": {"Cluster": ["Prod", "Test", ""], "HT Active": ["True", "False"]},
}
# Oddities and bad cells, which the row-by-row path reports or refuses.
ODD = {
    "vInfo": {
        "VM": ["dc01", "DC01", ""],
        "Memory": ["lots", "-1", "2.5"],
        "CPUs": ["0", "x", ""],
        "Powerstate": ["weird"],
        "Template": ["maybe"],
        "Path": ["[nowhere] a.vmx"],
    },
    "vDisk": {"VM": [""], "Capacity MiB": ["", "x"], "Path": ["[nowhere] b.vmdk"]},
    "vHost": {"Host": [""], "# Cores": ["0"]},
}


def changes(table: dict[str, dict[str, list[str]]]) -> st.SearchStrategy[list[Any]]:
    """Edits drawn evenly over every (sheet, column, value) listed."""
    every = [(s, (c, v)) for s, columns in table.items() for c, vs in columns.items() for v in vs]
    change = st.tuples(st.sampled_from(every), st.integers(0, 40))
    return st.lists(change.map(lambda e: (*e[0], e[1])), max_size=12)


def changed(edits: list[Any], folder: str = "csv") -> Sheets:
    sheets = fixture(folder)
    for sheet, (col, value), i in edits:
        header, rows = sheets[sheet]
        if col not in header:  # the DRS rule columns: only some exports have them
            header.append(col)
            for row in rows:
                row[col] = ""
        rows[i % len(rows)][col] = value
    return sheets


OPTIONS = st.builds(
    ImportOptions,
    templates=st.booleans(),
    powered_off=st.booleans(),
    strict=st.booleans(),
    disk=st.sampled_from(list(DiskMeasure)),
)


def differences(fast: Contribution, rows: Contribution) -> list[str]:
    """What differs between two contributions: tables, sources, rows, types, origins, and
    the order of the columns build.py is given."""
    found = row_differences(fast, rows)
    for name, table in fast.items():
        columns, expected = table.raw(name, ()).columns, rows[name].raw(name, ()).columns
        if name in rows and columns != expected:
            found.append(f"{name} columns {columns} != {expected}")
    return found


def oracle(tables: dict[str, list[RawTable]], options: ImportOptions) -> Any:
    report = ImportReport()
    try:
        return convert_by_rows(tables, options, report), report
    except InputError as error:
        return error


@pytest.mark.parametrize("folder", ["csv", "csv-mb"])
def test_fast_convert_reads_the_fixture_column_wise(folder: str) -> None:
    tables = tables_of(fixture(folder))
    fast = fast_convert(tables, ImportOptions())
    expected = oracle(tables, ImportOptions())
    assert fast is not None
    assert differences(fast[0], expected[0]) == []
    assert fast[1] == expected[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=changes(PLAIN), options=OPTIONS)
def test_fast_convert_gives_the_rows_of_the_row_by_row_import(
    edits: list[Any], options: ImportOptions
) -> None:
    tables = tables_of(changed(edits))
    fast = fast_convert(tables, options)
    expected = oracle(tables, options)
    refused = isinstance(expected, InputError)
    # plain changes may still make an error (strict: a datastore of two clusters)
    assert fast is not None or refused
    assert fast is None or not refused, expected
    assert fast is None or differences(fast[0], expected[0]) == []
    assert fast is None or fast[1] == expected[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=changes(PLAIN), odd=changes(ODD).filter(bool), options=OPTIONS)
def test_fast_convert_declines_what_it_does_not_plainly_accept(
    edits: list[Any], odd: list[Any], options: ImportOptions
) -> None:
    tables = tables_of(changed(edits + odd))
    fast = fast_convert(tables, options)
    expected = oracle(tables, options)
    refused = isinstance(expected, InputError)
    assert fast is None or not refused  # an error is the row-by-row path's to word
    assert fast is None or refused or differences(fast[0], expected[0]) == []
    assert fast is None or refused or fast[1] == expected[1]
