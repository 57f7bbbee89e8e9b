"""Each VM's LUN (the volume of its first disk), and the luns table when one is needed.

MODEL.md gives a VM one LUN: a VM with disks on several volumes is planned on the
volume of its first disk (IDE before SCSI, then by controller number and location),
with all its disks' size. Without disk information the volume of its configuration
(Get-VM Path) is used, else none (its own LUN).

Without a luns table MODEL.md makes every named LUN exclusive, which a Cluster Shared
Volume or SMB share is not; so as soon as one VM is on shared storage a luns table is
written. The exports carry no volume sizes: a volume's capacity_gb is what its VMs'
disks are provisioned (whole GiB, at least 1), so no VM is planned onto another volume.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from data.imports.common import CanonicalTable, Cells, ImportReport, column, few, plural
from data.imports.hyperv.rows import Pending
from data.imports.hyperv.vms import Vm
from data.imports.hyperv.volumes import (
    SharedVolume,
    Volume,
    read_shared_volumes,
    shared_volume,
    volume_of,
)
from data.io.build import RawTable


@dataclass
class _Lun:
    """A volume in use: the VMs on it and where it was first named."""

    volume: Volume
    name: str
    first: Vm
    source: Cells
    source_column: str | None
    csv: SharedVolume | None  # its Get-ClusterSharedVolume row
    vms: list[Vm] = field(default_factory=list)


@dataclass
class LunTally:
    several: list[str] = field(default_factory=list)  # disks on more than one volume
    by_config: list[str] = field(default_factory=list)  # volume from Get-VM's Path
    none: list[str] = field(default_factory=list)  # no volume known


def assign_luns(
    vms: list[Vm],
    shared_tables: Sequence[RawTable],
    several_clusters: bool,
    report: ImportReport,
) -> CanonicalTable | None:
    """Set each VM's lun; the luns table, or None when every volume is exclusive."""
    shared = read_shared_volumes(shared_tables, report)
    luns: dict[tuple[str, str], _Lun] = {}  # by cluster (when several) and volume
    tally = LunTally()
    for vm in vms:
        found = _volume(vm, tally)
        if found is None:
            tally.none.append(vm.name)
            continue
        volume, source, source_column = found
        cluster = str(vm.row.get("cluster", "")) if several_clusters else ""
        lun = luns.get((cluster, volume.key))
        if lun is None:
            csv = shared_volume(shared, cluster, volume) if volume.shared else None
            name = lun_name(volume, csv, cluster)
            lun = luns[cluster, volume.key] = _Lun(volume, name, vm, source, source_column, csv)
        lun.vms.append(vm)
        vm.set("lun", lun.name, source, source_column)
    local = [vm.name for lun in luns.values() if lun.volume.local for vm in lun.vms]
    report_luns(local, tally, report)
    if not any(lun.volume.shared for lun in luns.values()):
        return None
    return _table(list(luns.values()), [vm for vm in vms if "lun" not in vm.row], report)


def _volume(vm: Vm, tally: LunTally) -> tuple[Volume, Cells, str | None] | None:
    host = str(vm.row.get("node", ""))
    on_disks = [(volume_of(d.path, host, vm.clustered), d) for d in vm.disks if not d.passthrough]
    found = [(volume, disk) for volume, disk in on_disks if volume is not None]
    if found:
        first, disk = found[0]
        if any(other.key != first.key for other, _ in found):
            tally.several.append(vm.name)
        return first, disk.source, disk.source_column
    configured = volume_of(vm.config_path, host, vm.clustered)
    if configured is None:
        return None
    tally.by_config.append(vm.name)
    return configured, vm.cells, column(vm.cells.table, "Path", "ConfigurationLocation")


def lun_name(volume: Volume, csv: SharedVolume | None, cluster: str) -> str:
    """The CSV's own name when Get-ClusterSharedVolume matched it; the cluster in front
    when there are several (each has its own C:\\ClusterStorage\\Volume1 and E:)."""
    name = csv.name if csv is not None else volume.name
    return f"{cluster}/{name}" if cluster and not volume.local else name


def _table(luns: list[_Lun], alone: list[Vm], report: ImportReport) -> CanonicalTable:
    table = CanonicalTable()
    for lun in luns:
        row = Pending(lun.source)
        row.set("lun", lun.name, lun.source, lun.source_column)
        row.row["capacity_gb"] = _capacity_gb(lun.vms)
        row.row["shared"] = lun.volume.shared
        _set_owner(row, lun)
        table.add(row.row, row.origin())
    for vm in alone:  # MODEL.md: an empty lun with a luns table would let the planner choose
        vm.row["lun"] = vm.name
        row = Pending(
            vm.cells,
            {
                "lun": vm.name,
                "capacity_gb": _capacity_gb([vm]),
                "shared": False,
                "node": vm.row.get("node", ""),
            },
        )
        _copy_cluster(row, vm)
        table.add(row.row, row.origin())
    report_lun_table(len(table), report)
    return table


def report_lun_table(count: int, report: ImportReport) -> None:
    report.assumed.append(
        f"luns table of {plural(count, 'LUN')}, as VMs are on shared volumes: the "
        "exports give no volume sizes, so each capacity_gb is the provisioned size of its VMs' "
        "disks (whole GiB, at least 1) and no VM is planned onto another volume"
    )


def _capacity_gb(vms: list[Vm]) -> float:
    mib = sum(round(float(vm.row.get("disk_gb", 0)) * 1024) for vm in vms)
    return float(max(1, math.ceil(mib / 1024)))


def _set_owner(row: Pending, lun: _Lun) -> None:
    """The CSV's owner node; for an exclusive LUN, the node its VMs run on."""
    _copy_cluster(row, lun.first)
    if lun.csv is not None and lun.csv.owner:
        row.set("node", lun.csv.owner, lun.csv.cells, lun.csv.owner_column)
        return
    nodes = {str(vm.row.get("node", "")) for vm in lun.vms}
    if not lun.volume.shared and len(nodes) == 1 and "" not in nodes:
        row.set("node", nodes.pop(), lun.first.cells, lun.first.columns.get("node"))
        if "node" in lun.first.elsewhere:
            row.elsewhere["node"] = lun.first.elsewhere["node"]


def _copy_cluster(row: Pending, vm: Vm) -> None:
    if vm.row.get("cluster"):
        row.row["cluster"] = vm.row["cluster"]


def report_luns(local: list[str], tally: LunTally, report: ImportReport) -> None:
    report.mapped.append(
        "lun: the volume of a VM's first disk (IDE before SCSI), else of its configuration: "
        "C:\\ClusterStorage\\<folder> a Cluster Shared Volume, \\\\server\\share an SMB 3 share "
        "(both shared), another drive letter a clustered disk (exclusive LUN 'E:')"
    )
    if local:
        report.assumed.append(
            f"{plural(len(local), 'VM')} on local storage of their host ({few(local)}): they "
            "cannot fail over; each host's drive is one exclusive LUN named like 'HV01:C:', so a "
            "plan that moves them moves their storage too"
        )
    if tally.several:
        report.assumed.append(
            f"{plural(len(tally.several), 'VM')} with disks on several volumes "
            f"({few(tally.several)}): planned on the volume of the first disk, with all disks' "
            "size (MODEL.md gives a VM one LUN)"
        )
    if tally.by_config:
        report.assumed.append(
            f"{plural(len(tally.by_config), 'VM')} without virtual disk information "
            f"({few(tally.by_config)}): each on the volume of its configuration (Get-VM Path)"
        )
    if tally.none:
        report.assumed.append(
            f"{plural(len(tally.none), 'VM')} with no disk or configuration path "
            f"({few(tally.none)}): each on a LUN of its own"
        )
