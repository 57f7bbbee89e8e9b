"""The column-wise Hyper-V joins (names, ids and paths compared ignoring case, as Windows
does) against the row-by-row import: on names and paths with letters arrow's lowering and
Python's case folding treat apart, Unicode spaces, duplicates and empty cells, the
column-wise path gives the same rows, origins and report, or declines."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from data.errors import InputError
from data.imports.common import ImportOptions
from data.imports.hyperv.fast import fast_convert
from tests.data.imports.hyperv.test_fast import (
    OPTIONS,
    changed,
    changes,
    differences,
    oracle,
    same_or_declined,
    tables_of,
)

_PATHS = [
    "C:\\ClusterStorage\\Volume1\\Straße.vhdx",
    "c:\\clusterstorage\\volume1\\STRASSE.vhdx",
    "E:\\\u01c5.vhdx",
    "C:\\ClusterStorage\\\u212aelvin\\a.vhdx",
    " C:\\ClusterStorage\\Volume2\\b.vhdx\u00a0",
]
JOINS = {
    "get-vm.csv": {
        "VMName": ["Straße", "DC01", "\u01c5", "Kelvin\u212a", " WEB01 ", "\u00a0SQL01", "dc01"],
        "VMId": ["x-ß", "X-SS", "", "70A892CF-1AC7-5D3E-97B4-019CEC248F4C"],
        "Path": _PATHS,
    },
    "get-clustergroup.csv": {
        "Name": [
            "STRASSE",
            "Virtual Machine straße",
            "V\u0131rtual Machine DC02",
            "VIRTUAL MACHINE kelvink",
            "\u01c6",
            "DC01",
        ],
        "OwnerNode": ["HV01", "hv02.contoso.local", "\u0130hv03"],
        "AntiAffinityClassNames": ["Straße;STRASSE", "\u00a0A\u00a0"],
    },
    "get-vmharddiskdrive.csv": {
        "VMName": ["strasse", "KELVINK", "", "\u01c4", "dc01"],
        "VMId": ["", "X-SS", "x-ß"],
        "Path": _PATHS,
    },
    "get-vhd.csv": {"Path": _PATHS},
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=changes(JOINS), options=OPTIONS)
def test_fast_joins_give_the_rows_of_the_row_by_row_import(
    edits: list[Any], options: ImportOptions
) -> None:
    same_or_declined(tables_of(changed(edits)), options)


def test_fast_joins_fold_a_name_as_python_does() -> None:
    """A VM named with "ß" is the role and the disks that spell it "SS": read column-wise."""
    sheets = changed([])
    for file, column in (
        ("get-vm.csv", "VMName"),
        ("get-clustergroup.csv", "Name"),
        ("get-vmharddiskdrive.csv", "VMName"),
    ):
        for row in sheets[file][1]:
            if row[column] == "SQL01":
                row[column] = "Straße" if file == "get-vm.csv" else "STRASSE"
    tables = tables_of(sheets)
    fast = fast_convert(tables, ImportOptions())
    expected = oracle(tables, ImportOptions())
    assert fast is not None and not isinstance(expected, InputError)
    assert differences(fast[0], expected[0]) == [] and fast[1] == expected[1]
    vms = {row["vm"]: row for row in fast[0]["vms"].rows}
    assert vms["Straße"]["node"] == "hv01" and vms["Straße"]["disk_gb"] > 0
