"""The Hyper-V importer on a hand-written CLU-PROD export set (tests/fixtures/hyperv, as
Windows PowerShell 5.1 writes it), and on variants made from it: PowerShell 7, UTF-16,
`-UseCulture`, per-host files, options, and exports missing or adding columns."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from data.imports.common import DiskMeasure, DynamicMemory, ImportOptions
from data.imports.load import Imported, build_imported, import_sources
from data.inventory import Inventory

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "hyperv"
GiB = 1024**3
Rows = list[dict[str, str]]


def read_export(name: str) -> tuple[str, list[str], Rows]:
    """A fixture file's #TYPE line, header and rows."""
    type_line, body = (FIXTURES / name).read_text().split("\n", 1)
    reader = csv.DictReader(io.StringIO(body))
    return type_line.rstrip("\r"), list(reader.fieldnames or ()), list(reader)


def write_export(
    path: Path,
    header: list[str],
    rows: Rows,
    *,
    type_line: str | None = None,
    delimiter: str = ",",
    encoding: str = "ascii",
) -> None:
    """A CSV as Export-Csv writes it: every value quoted, CRLF line ends."""
    out = io.StringIO()
    if type_line:
        out.write(type_line + "\r\n")
    writer = csv.DictWriter(
        out,
        header,
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL,
        lineterminator="\r\n",
        extrasaction="ignore",
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


Edit = Callable[[list[str], Rows], tuple[list[str], Rows]]


def exports(tmp_path: Path, edits: dict[str, Edit | None] | None = None) -> Path:
    """The fixture set copied to tmp_path, a file edited (header, rows) or left out (None)."""
    directory = tmp_path / "exports"
    shutil.copytree(FIXTURES, directory)
    for name, edit in (edits or {}).items():
        if edit is None:
            (directory / name).unlink()
            continue
        type_line, header, rows = read_export(name)
        header, rows = edit(header, rows)
        write_export(directory / name, header, rows, type_line=type_line)
    return directory


def imported(path: Path, **options: Any) -> Imported:
    """Imported with the provisioned disk sizes these tests were written for (the default,
    --disk used, is test_hyperv_disk_used_is_filesize_by_default's)."""
    chosen = {"disk": DiskMeasure.PROVISIONED, **options}
    return import_sources([path], None, ImportOptions(**chosen))


def load(path: Path, **options: Any) -> Inventory:
    return build_imported(imported(path, **options))


def vm(inv: Inventory, name: str) -> dict[str, Any]:
    v = inv.vm_names.index(name)
    lun = int(inv.vm_lun[v])
    return {
        "memory_mb": int(inv.vm_memory_mb[v]),
        "vcpus": int(inv.vm_vcpus[v]),
        "node": inv.node_names[inv.vm_node[v]] if inv.vm_node[v] >= 0 else "",
        "lun": inv.lun_names[lun],
        "shared": bool(inv.lun_shared[lun]),
        "disk_gb": float(inv.vm_disk_gb[v]),
        "classes": [c for i, c in enumerate(inv.class_names) if inv.vm_classes[v, i]],
    }


def report_text(result: Imported) -> str:
    r = result.report
    return "\n".join(r.mapped + r.assumed + r.dropped)


def rows_where(rows: Rows, column: str, value: str) -> Rows:
    return [row for row in rows if row[column] == value]


def test_hyperv_disk_used_is_filesize_by_default() -> None:
    result = import_sources([FIXTURES], None, ImportOptions())
    used, provisioned = build_imported(result), load(FIXTURES)
    dc01 = used.vm_names.index("DC01")
    assert used.vm_disk_gb[dc01] < provisioned.vm_disk_gb[provisioned.vm_names.index("DC01")]
    assert "--disk used: disk_gb is FileSize" in report_text(result)


def test_hyperv_fixture_builds_the_cluster_it_describes() -> None:
    inv = build_imported(imported(FIXTURES))
    assert inv.clusters == ("CLU-PROD",)
    assert inv.node_names == ("hv01", "hv02", "hv03")  # the cluster's spelling
    assert inv.node_memory_mb.tolist() == [98304, 98304, 98303]  # bytes floored to MiB
    assert inv.node_lps.tolist() == [32, 32, 32]
    assert len(inv.vm_names) == 13 and "OLDVM01" not in inv.vm_names
    assert vm(inv, "DC01") == {
        "memory_mb": 4096,
        "vcpus": 2,
        "node": "hv01",
        "lun": "Cluster Disk 2",
        "shared": True,
        "disk_gb": 60.0,
        "classes": ["DomainControllers"],
    }
    assert vm(inv, "DC02")["classes"] == ["DomainControllers"]
    assert vm(inv, "SQL01") | {"classes": None} == {
        "memory_mb": 32768,
        "vcpus": 8,
        "node": "hv01",
        "lun": "E:",
        "shared": False,
        "disk_gb": 480.0,
        "classes": None,
    }
    assert vm(inv, "APP01")["lun"] == vm(inv, "APP02")["lun"] == "F:"
    assert vm(inv, "app'01; x")["lun"] == "Cluster Disk 2"
    assert vm(inv, "PRINT01")["node"] == "hv01"  # 2008 R2 role name "Virtual Machine PRINT01"


def test_hyperv_fixture_applies_the_documented_rules() -> None:
    inv = load(FIXTURES)
    assert vm(inv, "WEB01")["memory_mb"] == 2048  # dynamic memory: MemoryStartup
    assert vm(inv, "APP02")["memory_mb"] == 8192  # off: MemoryAssigned is 0
    assert vm(inv, "WEB02")["node"] == "hv01"  # OwnerNode wins over ComputerName HV03
    assert vm(inv, "LOCAL01") | {"classes": None} == {
        "memory_mb": 4096,
        "vcpus": 2,
        "node": "hv03",
        "lun": "HV03:C:",
        "shared": False,
        "disk_gb": 40.0,
        "classes": None,
    }
    assert vm(inv, "FS01")["lun"] == "G:" and vm(inv, "FS01")["disk_gb"] == 60 + 2048
    assert vm(inv, "LEGACY01")["disk_gb"] == 127.0  # its pass-through disk is not sized
    assert vm(inv, "LEGACY01")["lun"] == "Cluster Disk 3"  # the IDE disk comes first
    luns = dict(zip(inv.lun_names, inv.lun_capacity_gb.tolist(), strict=True))
    assert luns == {
        "Cluster Disk 2": 250,
        "E:": 480,
        "F:": 200,
        "Cluster Disk 3": 767,
        "G:": 2108,
        "HV03:C:": 40,
    }
    owners = [inv.node_names[n] for n in inv.lun_node]
    assert owners == ["hv01", "hv01", "hv02", "hv02", "hv03", "hv03"]


def test_hyperv_report_says_what_was_mapped_assumed_and_dropped() -> None:
    result = imported(FIXTURES)
    assumed, dropped = "\n".join(result.report.assumed), "\n".join(result.report.dropped)
    assert "reserve_mb 2048 MiB" in assumed and "vcpu_per_lp 8" in assumed
    assert "'WEB01') planned at MemoryStartup" in assumed
    assert "2 VMs off or saved ('APP02', 'PRINT01')" in assumed
    assert "IsClustered False: 'LOCAL01'" in assumed
    assert "provisioned Size" in assumed and "FileSize" in assumed
    assert "'LOCAL01'): they cannot fail over" in assumed
    assert "several volumes ('FS01')" in assumed
    assert "pass-through disk ('LEGACY01')" in assumed
    assert "no volume sizes" in assumed
    assert "1 VM owned by another node" in assumed and "'WEB02'" in assumed
    assert "'Available Storage', 'Cluster Group', 'FS-HA'" in dropped
    assert "1 VM role with no Get-VM row ('OLDVM01')" in dropped
    assert "PreferredOwners not used" in dropped
    assert result.formats == ["hyperv"]


def _reencoded(tmp_path: Path, *, type_line: bool, delimiter: str, encoding: str) -> Path:
    directory = tmp_path / "variant"
    directory.mkdir()
    for path in FIXTURES.iterdir():
        line, header, rows = read_export(path.name)
        write_export(
            directory / path.name,
            header,
            rows,
            type_line=line if type_line else None,
            delimiter=delimiter,
            encoding=encoding,
        )
    return directory


@pytest.mark.parametrize(
    ("type_line", "delimiter", "encoding"),
    [
        (False, ",", "utf-8"),  # PowerShell 7: no #TYPE line, UTF-8 without BOM
        (True, ",", "utf-16"),  # 5.1 -Encoding Unicode / Out-File: UTF-16 LE with BOM
        (True, ";", "ascii"),  # -UseCulture in a locale whose list separator is ';'
        (True, ",", "utf-8-sig"),  # 5.1 -Encoding UTF8: with BOM
        (False, "\t", "utf-8"),  # -Delimiter "`t"
    ],
    ids=["ps7", "utf16-le", "use-culture", "utf8-bom", "tab"],
)
def test_hyperv_every_encoding_and_delimiter_gives_an_equal_inventory(
    tmp_path: Path, type_line: bool, delimiter: str, encoding: str
) -> None:
    variant = _reencoded(tmp_path, type_line=type_line, delimiter=delimiter, encoding=encoding)
    assert load(variant).equals(load(FIXTURES))


def test_hyperv_get_vm_exported_per_host_is_concatenated(tmp_path: Path) -> None:
    directory = exports(tmp_path, {"get-vm.csv": None})
    type_line, header, rows = read_export("get-vm.csv")
    for host in ("HV01", "HV02", "HV03"):
        write_export(
            directory / f"get-vm-{host.lower()}.csv",
            header,
            rows_where(rows, "ComputerName", host),
            type_line=type_line,
        )
    split, whole = load(directory), load(FIXTURES)
    assert sorted(split.vm_names) == sorted(whole.vm_names)
    assert all(vm(split, name) == vm(whole, name) for name in whole.vm_names)


def test_hyperv_powered_off_false_leaves_off_and_saved_vms_out() -> None:
    result = imported(FIXTURES, powered_off=False)
    inv = build_imported(result)
    assert "APP02" not in inv.vm_names and "PRINT01" not in inv.vm_names
    assert "2 VMs off or saved ('APP02', 'PRINT01'): --no-powered-off" in result.report.dropped
    assert "('OLDVM01')" in report_text(result) and "'APP02')" not in "\n".join(
        line for line in result.report.dropped if "no Get-VM row" in line
    )


@pytest.mark.parametrize(
    ("choice", "memory_mb"),
    [(DynamicMemory.STARTUP, 2048), (DynamicMemory.ASSIGNED, 3584), (DynamicMemory.MAXIMUM, 8192)],
)
def test_hyperv_dynamic_memory_option_picks_the_figure(
    choice: DynamicMemory, memory_mb: int
) -> None:
    inv = load(FIXTURES, dynamic_memory=choice)
    assert vm(inv, "WEB01")["memory_mb"] == memory_mb
    assert vm(inv, "DC01")["memory_mb"] == 4096  # static VMs: always MemoryStartup


def test_hyperv_assigned_memory_of_an_off_dynamic_vm_is_its_startup(tmp_path: Path) -> None:
    def web01_off(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        for row in rows_where(rows, "VMName", "WEB01"):
            row.update(State="Off", MemoryAssigned="0")
        return header, rows

    directory = exports(tmp_path, {"get-vm.csv": web01_off})
    assert vm(load(directory, dynamic_memory=DynamicMemory.ASSIGNED), "WEB01")["memory_mb"] == 2048


def test_hyperv_missing_dynamic_memory_column_means_static(tmp_path: Path) -> None:
    """Export-Csv takes its columns from the first object: a property it lacks is gone."""
    directory = exports(
        tmp_path, {"get-vm.csv": lambda h, r: ([c for c in h if c != "DynamicMemoryEnabled"], r)}
    )
    result = imported(directory, dynamic_memory=DynamicMemory.MAXIMUM)
    assert vm(build_imported(result), "WEB01")["memory_mb"] == 2048
    assert "no DynamicMemoryEnabled column" in report_text(result)


def test_hyperv_no_shared_volume_means_no_luns_table(tmp_path: Path) -> None:
    keep = {"SQL01", "APP01", "APP02"}
    only = {
        name: (lambda h, r, c=column: (h, [row for row in r if row[c] in keep]))
        for name, column in (
            ("get-vm.csv", "VMName"),
            ("get-vmharddiskdrive.csv", "VMName"),
            ("get-clustergroup.csv", "Name"),
        )
    }
    inv = load(exports(tmp_path, {**only, "get-clustersharedvolume.csv": None}))
    assert not inv.has_lun_table
    assert inv.lun_names == ("E:", "F:")  # APP01 and APP02 share the exclusive F:
    assert inv.vm_lun.tolist() == [0, 1, 1]


def test_hyperv_get_vhd_with_vm_names_stands_in_for_the_drive_list(tmp_path: Path) -> None:
    _, _, drives = read_export("get-vmharddiskdrive.csv")
    name_of = {d["Path"].casefold(): d["VMName"] for d in drives}

    def with_vm_names(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        return ["VMName", *header], [r | {"VMName": name_of[r["Path"].casefold()]} for r in rows]

    edits = {"get-vhd.csv": with_vm_names, "get-vmharddiskdrive.csv": None}
    inv, whole = load(exports(tmp_path, edits)), load(FIXTURES)
    for name in ("DC02", "SQL01", "FS01", "LOCAL01", "app'01; x"):
        assert vm(inv, name) == vm(whole, name)


def test_hyperv_without_disks_the_configuration_path_gives_the_lun(tmp_path: Path) -> None:
    result = imported(exports(tmp_path, {"get-vmharddiskdrive.csv": None, "get-vhd.csv": None}))
    inv = build_imported(result)
    assert vm(inv, "SQL01")["lun"] == "E:" and vm(inv, "SQL01")["disk_gb"] == 0
    assert vm(inv, "DC01")["lun"] == "Cluster Disk 2"
    assert vm(inv, "FS01")["lun"] == "G:"
    assert "on the volume of its configuration (Get-VM Path)" in report_text(result)


def test_hyperv_cluster_shared_volumes_keep_their_folder_name_without_friendly_names(
    tmp_path: Path,
) -> None:
    def raw(header: list[str], rows: Rows) -> tuple[list[str], Rows]:
        info = "System.Collections.Generic.List`1[ClusterSharedVolumeInfo]"
        header = [c if c != "FriendlyVolumeName" else "SharedVolumeInfo" for c in header]
        return header, [r | {"SharedVolumeInfo": info} for r in rows]

    result = imported(exports(tmp_path, {"get-clustersharedvolume.csv": raw}))
    inv = build_imported(result)
    assert vm(inv, "DC01")["lun"] == "Volume1" and vm(inv, "DC01")["shared"]
    assert "FriendlyVolumeName'; e={$_.SharedVolumeInfo.FriendlyVolumeName}" in report_text(result)


def test_hyperv_checkpoint_lists_are_not_vms(tmp_path: Path) -> None:
    directory = exports(tmp_path)
    type_line, header, rows = read_export("get-vm.csv")
    checkpoints = [r | {"SnapshotType": "Standard"} for r in rows[:2]]
    write_export(
        directory / "get-vmsnapshot.csv",
        [*header, "SnapshotType"],
        checkpoints,
        type_line=type_line,
    )
    result = imported(directory)
    assert build_imported(result).equals(load(FIXTURES))
    ignored = "get-vmsnapshot.csv: checkpoints (Get-VMSnapshot), not VMs; ignored"
    assert ignored in report_text(result)


def test_hyperv_with_get_clustergroup_knows_the_classes(tmp_path: Path) -> None:
    """Even when no role has a class, the cluster was asked: every VM has none."""
    no_classes = {
        "get-clustergroup.csv": lambda h, r: (
            h,
            [{**row, "AntiAffinityClassNames": ""} for row in r],
        )
    }
    inv = load(exports(tmp_path, no_classes))
    assert inv.classes_known and inv.class_names == ()


def test_hyperv_without_get_clustergroup_does_not_know_the_classes(tmp_path: Path) -> None:
    inv = load(exports(tmp_path, {"get-clustergroup.csv": None}))
    assert not inv.classes_known


def test_hyperv_classes_as_type_names_are_not_known(tmp_path: Path) -> None:
    type_names = {
        "get-clustergroup.csv": lambda h, r: (
            h,
            [
                {**row, "AntiAffinityClassNames": "System.Collections.Specialized.StringCollection"}
                for row in r
            ],
        )
    }
    inv = load(exports(tmp_path, type_names))
    assert not inv.classes_known
