"""Bad RVTools exports: every error names the sheet (or CSV file), the row and the column
as the user sees them, whether the importer or build_inventory finds it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from data.errors import InputError
from data.imports.common import ImportOptions
from data.imports.load import load_inventory

MAKE_WORKBOOK = Path(__file__).resolve().parents[3] / "fixtures" / "rvtools" / "make_workbook.py"
BOOK = "RVTools_export.xlsx sheet"


@pytest.fixture(scope="module")
def make() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rvtools_fixture", MAKE_WORKBOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def edited(make: ModuleType, sheet: str, key: str, column: str, value: Any) -> dict:
    """The fixture's sheets with one cell changed: in the first row whose first cell is key."""
    sheets = make.sheets()
    header, rows = sheets[sheet]
    row = next(r for r in rows if r[0] == key)
    row[header.index(column)] = value
    return sheets


def error_of(make: ModuleType, tmp_path: Path, sheets: dict, as_csv: bool = False) -> str:
    if as_csv:
        make.write_csvs(tmp_path, make.old_headers(sheets))
        source = tmp_path
    else:
        source = tmp_path / "RVTools_export.xlsx"
        make.write_workbook(source, sheets)
    with pytest.raises(InputError) as caught:
        load_inventory([source], options=ImportOptions(strict=True))
    return str(caught.value)


# sheet, the row's first cell, column, bad value; the error after "RVTools_export.xlsx sheet "
CASES = [
    (
        "vInfo",
        "dc02",
        "Memory",
        -4096,
        "vInfo row 2, Memory: '-4096' is not a non-negative number of MiB",
    ),
    ("vInfo", "sql01", "CPUs", "two", "vInfo row 3, CPUs: 'two' is not a non-negative number"),
    ("vInfo", "sql01", "CPUs", 2.5, "vInfo row 3, CPUs: '2.5' is not a positive integer"),
    (
        "vInfo",
        "web01",
        "Powerstate",
        "poweredUp",
        "vInfo row 13, Powerstate: 'poweredUp' is not poweredOn, poweredOff or suspended",
    ),
    (
        "vInfo",
        "app01",
        "Path",
        "[SAN Bronze 03] app01/app01.vmx",
        f"vInfo row 7, Path: datastore 'SAN Bronze 03' is not in {BOOK} vDatastore",
    ),
    ("vInfo", "dc02", "VM", "dc01", "vInfo row 2, VM: 'dc01' repeats row 1"),
    ("vInfo", "dc02", "Host", 9, "vInfo row 2, Host: node '9' is not in"),
    (
        "vInfo",
        "dc02",
        "Host",
        "esx09.corp.example.com",
        "vInfo row 2, Host: node 'esx09.corp.example.com' is not in",
    ),
    ("vInfo", "dc02", "Cluster", "Dev", "vInfo row 2, Cluster: cluster 'Dev' has no nodes"),
    (
        "vInfo",
        "test-web01",
        "Path",
        "[SAN Silver 02] test-web01/test-web01.vmx",
        "vInfo row 22, Cluster: 'Test': datastore 'SAN Silver 02' also holds VMs of cluster "
        "'Prod' (row 1)",
    ),
    (
        "vHost",
        "esx02.corp.example.com",
        "# Memory",
        "",
        "vHost row 2, # Memory: is empty; a number of MiB is required",
    ),
    (
        "vHost",
        "esx02.corp.example.com",
        "HT Active",
        "maybe",
        "vHost row 2, HT Active: 'maybe' is not a boolean",
    ),
    (
        "vHost",
        "esx02.corp.example.com",
        "Host",
        "esx01.corp.example.com",
        "vHost row 2, Host: 'esx01.corp.example.com' repeats row 1",
    ),
    (
        "vDisk",
        "dc01",
        "Capacity MiB",
        "80 GB",
        "vDisk row 1, Capacity MiB: '80 GB' is not a non-negative number of MiB",
    ),
    (
        "vDatastore",
        "SAN Gold 01",
        "Capacity MiB",
        0,
        "vDatastore row 1, Capacity MiB: '0.0' is not a positive number",
    ),
    (
        "vDatastore",
        "ISO library",
        "Name",
        "SAN Gold 01",
        f"vDatastore row 5, Name: 'SAN Gold 01' repeats {BOOK} vDatastore row 1",
    ),
]


@pytest.mark.parametrize(("sheet", "key", "column", "value", "expected"), CASES)
def test_rvtools_errors_name_sheet_row_and_column(
    make: ModuleType, tmp_path: Path, sheet: str, key: str, column: str, value: Any, expected: str
) -> None:
    message = error_of(make, tmp_path, edited(make, sheet, key, column, value))
    assert message.startswith(f"{BOOK} {expected}")


def test_rvtools_errors_in_an_older_csv_export_name_its_file(
    make: ModuleType, tmp_path: Path
) -> None:
    sheets = edited(make, "vInfo", "dc02", "Memory", -4096)
    message = error_of(make, tmp_path, sheets, as_csv=True)
    assert message == (
        "RVTools_tabvInfo.csv row 2, Memory: '-4096' is not a non-negative number of MiB"
    )
    sheets = edited(make, "vDatastore", "nfs-test", "Capacity MiB", "lots")
    message = error_of(make, tmp_path, sheets, as_csv=True)
    assert message.startswith("RVTools_tabvDatastore.csv row 3, Capacity MB: 'lots' is not")


def test_rvtools_sheet_missing_a_needed_column_is_an_error_not_ignored(
    make: ModuleType, tmp_path: Path
) -> None:
    sheets = make.sheets()
    header, rows = sheets["vInfo"]
    at = header.index("Template")
    sheets["vInfo"] = (header[:at] + header[at + 1 :], [r[:at] + r[at + 1 :] for r in rows])
    assert error_of(make, tmp_path, sheets) == (
        f"{BOOK} vInfo, Template: looks like RVTools' vInfo sheet, but column 'Template' is missing"
    )


def test_rvtools_vms_need_nodes(make: ModuleType, tmp_path: Path) -> None:
    sheets = {name: table for name, table in make.sheets().items() if name != "vHost"}
    assert "no nodes table" in error_of(make, tmp_path, sheets)


def test_rvtools_columns_differing_only_in_case_are_ambiguous(
    make: ModuleType, tmp_path: Path
) -> None:
    sheets = make.sheets()
    header, rows = sheets["vInfo"]
    sheets["vInfo"] = ([*header, "memory"], [[*r, 1] for r in rows])
    assert error_of(make, tmp_path, sheets) == (
        f"{BOOK} vInfo, memory: columns 'Memory' and 'memory' differ only in case; "
        "keep the one meant"
    )


def test_rvtools_vhost_with_a_header_and_no_rows_names_its_sheet(
    make: ModuleType, tmp_path: Path
) -> None:
    sheets = make.sheets()
    sheets["vHost"] = (sheets["vHost"][0], [])
    assert error_of(make, tmp_path, sheets) == f"{BOOK} vHost: no nodes: the table has no rows"


def test_rvtools_old_xls_workbook_is_read_as_a_workbook_not_as_text(tmp_path: Path) -> None:
    """Excel 97-2003 files (and password-protected xlsx) are OLE2 compound files."""
    path = tmp_path / "RVTools_export.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600)
    with pytest.raises(InputError, match=r"^RVTools_export.xls: cannot read as a workbook: "):
        load_inventory([path])
