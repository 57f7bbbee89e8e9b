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

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "hyperv"


def edited(
    tmp_path: Path,
    name: str,
    cells: dict[tuple[int, str], str] | None = None,
    drop: str = "",
    extra_row: int = 0,
    remove: tuple[str, ...] = (),
) -> Path:
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
    out = io.StringIO()
    out.write(type_line + "\n")  # StringIO(text) would write over it
    writer = csv.DictWriter(
        out, header, quoting=csv.QUOTE_ALL, lineterminator="\r\n", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows(rows)
    (directory / name).write_text(out.getvalue())
    return directory


def error_of(path: Path, **options: object) -> str:
    with pytest.raises(InputError) as caught:
        strict = ImportOptions(**{"strict": True, **options})  # type: ignore[arg-type]
        build_imported(import_sources([path], None, strict))
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


def header_only(tmp_path: Path, name: str) -> Path:
    """The fixture set with one export cut down to its #TYPE line and header."""
    directory = edited(tmp_path, name)
    lines = (FIXTURES / name).read_text().splitlines(keepends=True)
    (directory / name).write_text("".join(lines[:2]))
    return directory


def test_hyperv_get_vmhost_without_rows_names_the_file(tmp_path: Path) -> None:
    path = header_only(tmp_path, "get-vmhost.csv")
    assert error_of(path) == "get-vmhost.csv: no nodes: the table has no rows"


def test_hyperv_get_vm_without_rows_gives_no_vms(tmp_path: Path) -> None:
    path = header_only(tmp_path, "get-vm.csv")
    assert build_imported(import_sources([path], None, ImportOptions())).n_vms == 0


def test_hyperv_get_clusternode_without_rows_is_reported_not_applied(tmp_path: Path) -> None:
    result = import_sources([header_only(tmp_path, "get-clusternode.csv")], None, ImportOptions())
    assert build_imported(result).n_nodes == 3
    assert "get-clusternode.csv: no rows; cluster membership not applied" in result.report.dropped


def test_hyperv_columns_differing_only_in_case_are_ambiguous(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv")
    text = (path / "get-vm.csv").read_text().replace('"MemoryMinimum"', '"memorystartup"')
    (path / "get-vm.csv").write_text(text)
    assert error_of(path) == (
        "get-vm.csv, MemoryStartup: columns 'memorystartup' and 'MemoryStartup' differ only "
        "in case; keep the one meant"
    )


def test_hyperv_empty_export_file_is_ignored_and_reported(tmp_path: Path) -> None:
    """Export-Csv writes an empty file when nothing was exported (a cluster without CSVs)."""
    path = edited(tmp_path, "get-vm.csv")
    (path / "get-clustersharedvolume.csv").write_bytes(b"")
    result = import_sources([path], None, ImportOptions())
    assert build_imported(result).n_vms == 13
    assert any(
        line.startswith("get-clustersharedvolume.csv: empty") for line in result.report.dropped
    )


def test_hyperv_empty_file_named_like_a_canonical_table_is_an_error(tmp_path: Path) -> None:
    path = edited(tmp_path, "get-vm.csv", remove=("get-vmhost.csv", "get-clusternode.csv"))
    (path / "nodes.csv").write_bytes(b"")
    assert error_of(path) == "nodes.csv: empty file; expected a header row"
