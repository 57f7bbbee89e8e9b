"""The column-wise Hyper-V import (fast.py) against the row-by-row one (its oracle): on
real-shaped exports (the CLU-PROD fixture with random changes of the kinds real exports
hold), it gives the same canonical rows, origins and report, or declines; and it
declines nothing plain."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.errors import InputError
from data.imports.common import (
    Contribution,
    DiskMeasure,
    DynamicMemory,
    ImportOptions,
    ImportReport,
)
from data.imports.hyperv.fast import fast_convert
from data.imports.hyperv.tables import KINDS, convert_by_rows
from data.io.build import RawTable
from data.io.csvtext import csv_table

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "hyperv"
FILES = sorted(p.name for p in FIXTURES.glob("*.csv"))
Sheets = dict[str, tuple[list[str], list[dict[str, str]]]]


def fixture() -> Sheets:
    sheets = {}
    for name in FILES:
        body = (FIXTURES / name).read_text().split("\n", 1)[1]
        reader = csv.DictReader(io.StringIO(body))
        sheets[name] = (list(reader.fieldnames or ()), list(reader))
    return sheets


def tables_of(sheets: Sheets) -> dict[str, list[RawTable]]:
    return recognised_tables(sheets, KINDS, lambda name: name)


def recognised_tables(
    sheets: Sheets, kinds: Sequence[Any], file_of: Callable[[str], str]
) -> dict[str, list[RawTable]]:
    """Each sheet written as Export-Csv does (every cell quoted, CRLF), parsed, and keyed
    by the kind (of `kinds`) that recognises it, the most specific first."""
    tables = {}
    for name, (header, rows) in sheets.items():
        out = io.StringIO()
        writer = csv.DictWriter(out, header, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        table = csv_table(file_of(name), out.getvalue().encode("utf-8"))
        kind = max((k for k in kinds if k.matches(table)), key=lambda k: len(k.columns))
        tables[kind.name] = [table]
    return tables


# Changes real exports hold: (file, column, value), applied to row i of the file.
PLAIN = {
    "get-vm.csv": {
        "State": ["Running", "Off", "Saved", "Off-Critical", "Paused", ""],
        "DynamicMemoryEnabled": ["True", "False", "", " true "],
        "MemoryAssigned": ["0", "2147483648", "68719476736"],
        "MemoryMaximum": ["1099511627776", "4294967296", "0"],
        "IsClustered": ["True", "False", ""],
        "ComputerName": ["HV01", "hv02", "HV03.contoso.local", "", "HV09"],
        "Path": ["", "C:\\ClusterStorage\\Volume2\\x", "\\\\fs\\vms\\x", "D:\\VMs\\x"],
        "ProcessorCount": ["1", "16", " 4 "],
    },
    "get-clustergroup.csv": {
        "OwnerNode": ["hv01", "HV02", "hv03", "", "hv09"],
        "AntiAffinityClassNames": [
            "",
            "A",
            "A;B",
            " B \n C ",
            "System.Collections.Specialized.StringCollection",
        ],
        "GroupType": ["VirtualMachine", "FileServer", "virtualmachine"],
        "Cluster": ["CLU-PROD", "CLU-TEST", ""],
    },
    "get-vmharddiskdrive.csv": {
        "Path": [
            "C:\\ClusterStorage\\Volume1\\a.vhdx",
            "c:\\clusterstorage\\VOLUME2\\b.vhdx",
            "\\\\?\\UNC\\fs\\vms\\c.vhdx",
            "E:\\d.vhdx",
            "C:\\Local\\e.vhdx",
            "",
            "Disk 3 100.00 GB Bus 0 Lun 1 Target 0",
        ],
        "DiskNumber": ["", "3"],
        "ControllerType": ["IDE", "SCSI", "scsi", ""],
        "ControllerNumber": ["0", "1", ""],
        "ControllerLocation": ["0", "2", "63"],
        "VMId": ["", "00000000-0000-0000-0000-000000000000"],
    },
    "get-vhd.csv": {
        "FileSize": ["", "0", "1073741824", "1099511627776"],
        "Size": ["1073741824", "2199023255552", "107374182400"],
    },
    "get-clusternode.csv": {
        "Cluster": ["CLU-PROD", "CLU-TEST", ""],
        "State": ["Up", "Down", "Paused"],
    },
    "get-clustersharedvolume.csv": {
        "FriendlyVolumeName": ["C:\\ClusterStorage\\Volume1", "C:\\ClusterStorage\\Volume3", ""],
        "OwnerNode": ["hv01", "hv03", ""],
        "Cluster": ["CLU-PROD", "CLU-TEST", ""],
    },
}
# Oddities and bad cells, which the row-by-row path reports or refuses.
ODD = {
    "get-vm.csv": {
        "VMName": ["DC01", "dc02", ""],
        "MemoryStartup": ["0", "", "lots", "+4294967296", "4294967296.5"],
        "ProcessorCount": ["0", "two", "2.5"],
        "DynamicMemoryEnabled": ["maybe"],
    },
    "get-vmhost.csv": {"Name": [""], "MemoryCapacity": ["1", "x"]},
    "get-clustergroup.csv": {"Name": ["DC01", "Virtual Machine DC02", ""]},
    "get-vhd.csv": {"Path": [""], "Size": ["", "-1"]},
    "get-vmharddiskdrive.csv": {"ControllerNumber": ["x"]},
}


def changes(table: dict[str, dict[str, list[str]]]) -> st.SearchStrategy[list[Any]]:
    change = st.sampled_from(sorted(table)).flatmap(
        lambda file: st.tuples(
            st.just(file),
            st.sampled_from(sorted(table[file])).flatmap(
                lambda col: st.tuples(st.just(col), st.sampled_from(table[file][col]))
            ),
            st.integers(0, 30),
        )
    )
    return st.lists(change, max_size=8)


def changed(edits: list[Any]) -> Sheets:
    sheets = fixture()
    for file, (col, value), i in edits:
        rows = sheets[file][1]
        rows[i % len(rows)][col] = value
    return sheets


OPTIONS = st.builds(
    ImportOptions,
    powered_off=st.booleans(),
    dynamic_memory=st.sampled_from(list(DynamicMemory)),
    strict=st.booleans(),
    disk=st.sampled_from(list(DiskMeasure)),
)


def differences(fast: Contribution, rows: Contribution) -> list[str]:
    """What differs between two contributions: tables, sources, rows, types, origins."""
    if set(fast) != set(rows):
        return [f"tables {sorted(fast)} != {sorted(rows)}"]
    found = []
    for name, table in fast.items():
        oracle = rows[name]
        types = [{k: type(v) for k, v in row.items()} for row in table.rows]
        if table.sources != oracle.sources:
            found.append(f"{name} sources {table.sources} != {oracle.sources}")
        if table.rows != oracle.rows:
            found.append(f"{name} rows {table.rows} != {oracle.rows}")
        elif types != [{k: type(v) for k, v in row.items()} for row in oracle.rows]:
            found.append(f"{name} types")
        if list(table.origins) != list(oracle.origins):
            found.append(f"{name} origins {list(table.origins)} != {list(oracle.origins)}")
    return found


def oracle(tables: dict[str, list[RawTable]], options: ImportOptions) -> Any:
    report = ImportReport()
    try:
        return convert_by_rows(tables, options, report), report
    except InputError as error:
        return error


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=changes(PLAIN), options=OPTIONS)
def test_fast_convert_gives_the_rows_of_the_row_by_row_import(
    edits: list[Any], options: ImportOptions
) -> None:
    tables = tables_of(changed(edits))
    fast = fast_convert(tables, options)
    expected = oracle(tables, options)
    assert fast is not None  # nothing here is odd: read column-wise
    assert not isinstance(expected, InputError), expected
    assert differences(fast[0], expected[0]) == []
    assert fast[1] == expected[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=changes(PLAIN), odd=changes(ODD).filter(bool), options=OPTIONS)
def test_fast_convert_declines_what_it_does_not_plainly_accept(
    edits: list[Any], odd: list[Any], options: ImportOptions
) -> None:
    same_or_declined(tables_of(changed(edits + odd)), options)


def same_or_declined(tables: dict[str, list[RawTable]], options: ImportOptions) -> None:
    """The column-wise path declines, or gives the row-by-row path's rows and report."""
    fast = fast_convert(tables, options)
    expected = oracle(tables, options)
    refused = isinstance(expected, InputError)
    assert fast is None or not refused  # an error is the row-by-row path's to word
    assert fast is None or refused or differences(fast[0], expected[0]) == []
    assert fast is None or refused or fast[1] == expected[1]
