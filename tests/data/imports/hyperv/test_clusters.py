"""Cluster exports in the Hyper-V importer: which hosts are nodes, which cluster each
node, VM and LUN is in, anti-affinity classes, and what Export-Csv does to collections."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

from data.imports.common import ImportOptions
from data.imports.load import Imported, build_imported, import_sources
from data.inventory import Inventory

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "hyperv"
Rows = list[dict[str, str]]


def exports(tmp_path: Path, edits: dict[str, Callable[[Rows], Rows]]) -> Path:
    """The fixture set with some files' rows edited (header and #TYPE line kept)."""
    directory = tmp_path / "exports"
    shutil.copytree(FIXTURES, directory)
    for name, edit in edits.items():
        type_line, body = (FIXTURES / name).read_text().split("\n", 1)
        reader = csv.DictReader(io.StringIO(body))
        out = io.StringIO()
        out.write(type_line + "\n")  # StringIO(text) would write over it
        writer = csv.DictWriter(
            out, list(reader.fieldnames or ()), quoting=csv.QUOTE_ALL, lineterminator="\r\n"
        )
        writer.writeheader()
        writer.writerows(edit(list(reader)))
        (directory / name).write_text(out.getvalue())
    return directory


def imported(path: Path) -> Imported:
    return import_sources([path], None, ImportOptions())


def text(result: Imported) -> str:
    return "\n".join(result.report.mapped + result.report.assumed + result.report.dropped)


def lun_of(inv: Inventory, vm: str) -> str:
    return inv.lun_names[inv.vm_lun[inv.vm_names.index(vm)]]


def test_hyperv_host_outside_the_cluster_is_left_out_with_its_vms(tmp_path: Path) -> None:
    def add_hv04(rows: Rows) -> Rows:
        return [*rows, rows[0] | {"Name": "HV04", "ComputerName": "HV04"}]

    def add_vm_on_hv04(rows: Rows) -> Rows:
        return [*rows, rows[11] | {"VMName": "TEST01", "Name": "TEST01", "ComputerName": "HV04"}]

    result = imported(exports(tmp_path, {"get-vmhost.csv": add_hv04, "get-vm.csv": add_vm_on_hv04}))
    inv = build_imported(result)
    assert inv.node_names == ("hv01", "hv02", "hv03") and "TEST01" not in inv.vm_names
    assert "1 Get-VMHost host not in Get-ClusterNode ('HV04')" in text(result)


def test_hyperv_cluster_node_without_get_vmhost_row_is_reported(tmp_path: Path) -> None:
    def add_hv05(rows: Rows) -> Rows:
        return [*rows, rows[0] | {"Name": "hv05", "NodeName": "hv05", "State": "Down"}]

    result = imported(exports(tmp_path, {"get-clusternode.csv": add_hv05}))
    assert build_imported(result).node_names == ("hv01", "hv02", "hv03")
    assert "1 cluster node without a Get-VMHost row ('hv05'): size unknown" in text(result)


def test_hyperv_paused_node_is_kept_and_reported(tmp_path: Path) -> None:
    def pause_hv03(rows: Rows) -> Rows:
        return [r | {"State": "Paused"} if r["Name"] == "hv03" else r for r in rows]

    result = imported(exports(tmp_path, {"get-clusternode.csv": pause_hv03}))
    assert "hv03" in build_imported(result).node_names
    assert "1 node not Up (hv03 (Paused)): still planned" in text(result)


def test_hyperv_two_clusters_keep_their_volumes_apart(tmp_path: Path) -> None:
    """Each cluster has its own C:\\ClusterStorage\\Volume1: LUN names say whose."""

    def hv03_in_clu_test(rows: Rows) -> Rows:
        column = "Name" if "NodeWeight" in rows[0] else "OwnerNode"
        return [r | {"Cluster": "CLU-TEST"} if r[column] == "hv03" else r for r in rows]

    edits = {"get-clusternode.csv": hv03_in_clu_test, "get-clustergroup.csv": hv03_in_clu_test}
    inv = build_imported(imported(exports(tmp_path, edits)))
    assert inv.clusters == ("CLU-PROD", "CLU-TEST")
    assert lun_of(inv, "DC01") == "CLU-PROD/Cluster Disk 2"
    assert lun_of(inv, "WEB01") == "CLU-TEST/Volume1"  # hv03's CSV is not in the CSV export
    assert lun_of(inv, "FS01") == "CLU-TEST/G:"
    assert lun_of(inv, "LOCAL01") == "HV03:C:"  # local storage names its host already
    local01 = inv.vm_names.index("LOCAL01")  # no role: in its node's cluster
    assert inv.clusters[inv.vm_cluster[local01]] == "CLU-TEST"


def test_hyperv_one_cluster_name_reaches_nodes_without_get_clusternode(tmp_path: Path) -> None:
    directory = exports(tmp_path, {})
    (directory / "get-clusternode.csv").unlink()
    inv = build_imported(imported(directory))
    assert inv.clusters == ("CLU-PROD",) and inv.node_names == ("HV01", "HV02", "HV03")


def test_hyperv_anti_affinity_written_as_a_type_name_is_dropped_with_advice(
    tmp_path: Path,
) -> None:
    def as_export_csv_writes_it(rows: Rows) -> Rows:
        collection = "System.Collections.Specialized.StringCollection"
        return [r | {"AntiAffinityClassNames": collection} for r in rows]

    result = imported(exports(tmp_path, {"get-clustergroup.csv": as_export_csv_writes_it}))
    assert build_imported(result).class_names == ()
    dropped = "\n".join(result.report.dropped)
    assert "'System.Collections.Specialized.StringCollection'" in dropped
    assert "@{n='AntiAffinityClassNames'; e={$_.AntiAffinityClassNames -join ';'}}" in dropped


def test_hyperv_anti_affinity_classes_are_split_and_joined_with_semicolons(
    tmp_path: Path,
) -> None:
    def two_classes(rows: Rows) -> Rows:
        classes = {"DC01": "DomainControllers; Tier0", "SQL01": "Tier0"}
        return [r | {"AntiAffinityClassNames": classes.get(r["Name"], "")} for r in rows]

    inv = build_imported(imported(exports(tmp_path, {"get-clustergroup.csv": two_classes})))
    assert inv.class_names == ("DomainControllers", "Tier0")
    dc01, sql01 = inv.vm_names.index("DC01"), inv.vm_names.index("SQL01")
    assert inv.vm_classes[dc01].tolist() == [True, True]
    assert inv.vm_classes[sql01].tolist() == [False, True]
