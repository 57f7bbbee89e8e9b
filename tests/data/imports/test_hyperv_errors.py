"""Bad Hyper-V exports: every error names the export's file, row and column, in the
export's own terms (bytes, property names), also when build_inventory finds it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from data.errors import InputError
from data.imports.common import DynamicMemory, ImportOptions
from data.imports.load import build_imported, import_sources

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hyperv"


def edited(tmp_path: Path, name: str, cells: dict[tuple[int, str], str] | None = None,
           drop: str = "", extra_row: int = 0, remove: tuple[str, ...] = ()) -> Path:  # fmt: skip
    """The fixture set with one file edited: cells set by (row, column), a column dropped,
    a row repeated at the end, and some files removed."""
    directory = tmp_path / "exports"
    shutil.copytree(FIXTURES, directory)
    for gone in remove:
        (directory / gone).unlink()
    type_line, body = (FIXTURES / name).read_text().split("\n", 1)
    reader = csv.DictReader(io.StringIO(body))
    header = [c for c in reader.fieldnames or () if c != drop]
    rows = list(reader)
    for (row, column), value in (cells or {}).items():
        rows[row - 1][column] = value
    if extra_row:
        rows.append(dict(rows[extra_row - 1]))
    out = io.StringIO(type_line + "\n")
    writer = csv.DictWriter(out, header, quoting=csv.QUOTE_ALL, lineterminator="\r\n",
                            extrasaction="ignore")  # fmt: skip
    writer.writeheader()
    writer.writerows(rows)
    (directory / name).write_text(out.getvalue())
    return directory


def error_of(path: Path, **options: object) -> str:
    with pytest.raises(InputError) as caught:
        build_imported(import_sources([path], None, ImportOptions(**options)))  # type: ignore[arg-type]
    return str(caught.value)


def test_hyperv_error_names_a_bad_byte_count(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", {(3, "MemoryStartup"): "-1"})
    assert (
        error_of(path)
        == "get-vm.csv row 3, MemoryStartup: '-1' is not a non-negative number of bytes"
    )


def test_hyperv_error_names_a_bad_vhd_size(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vhd.csv", {(2, "Size"): "60 GB"})
    assert (
        error_of(path) == "get-vhd.csv row 2, Size: '60 GB' is not a non-negative number of bytes"
    )


def test_hyperv_error_names_a_bad_host_memory(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vmhost.csv", {(2, "MemoryCapacity"): "1000"})
    assert error_of(path) == "get-vmhost.csv row 2, MemoryCapacity: '1000' bytes is less than 1 MiB"


def test_hyperv_error_names_a_vm_without_processors(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", {(1, "ProcessorCount"): "0"})
    assert error_of(path) == "get-vm.csv row 1, ProcessorCount: '0' is not a positive integer"


def test_hyperv_unknown_host_is_named_where_get_vm_gives_it(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", {(12, "ComputerName"): "HV9"})  # LOCAL01, no role
    assert error_of(path) == "get-vm.csv row 12, ComputerName: node 'HV9' is not in get-vmhost.csv"


def test_hyperv_unknown_owner_node_is_named_in_the_cluster_export(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-clustergroup.csv", {(10, "OwnerNode"): "hv9"})  # FS01
    assert error_of(path) == (
        "get-clustergroup.csv row 10, OwnerNode: node 'hv9' is not in get-vmhost.csv"
    )


def test_hyperv_duplicated_vm_names_both_rows(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", extra_row=1)
    assert error_of(path) == "get-vm.csv row 14, VMName: 'DC01' repeats row 1"


def test_hyperv_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", drop="ProcessorCount")
    assert (
        error_of(path) == "get-vm.csv, ProcessorCount: required column 'ProcessorCount' is missing"
    )


def test_hyperv_maximum_memory_needs_its_column(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", drop="MemoryMaximum")
    assert error_of(path, dynamic_memory=DynamicMemory.MAXIMUM).startswith(
        "get-vm.csv, MemoryMaximum: required column 'MemoryMaximum' is missing"
    )
    options = ImportOptions(dynamic_memory=DynamicMemory.STARTUP)
    assert build_imported(import_sources([path], None, options)).n_vms == 13  # not needed


def test_hyperv_cluster_nodes_without_get_vmhost_ask_for_it(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", remove=("get-vmhost.csv",))
    message = error_of(path)
    assert message.startswith("get-clusternode.csv: Get-ClusterNode names the nodes but not")
    assert "Get-VMHost -ComputerName (Get-ClusterNode) | Export-Csv get-vmhost.csv" in message


def test_hyperv_cluster_groups_without_get_vm_ask_for_it(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vmhost.csv", remove=("get-vm.csv",))
    message = error_of(path)
    assert message.startswith("get-clustergroup.csv: Get-ClusterGroup names the VM roles")
    assert "Get-VM -ComputerName (Get-ClusterNode) | Export-Csv get-vm.csv" in message
