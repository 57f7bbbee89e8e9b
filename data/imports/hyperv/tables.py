r"""Hyper-V PowerShell `Export-Csv` files (Windows PowerShell 5.1 and PowerShell 7) as the
canonical nodes, vms and luns tables.

Each table is recognised by property names PowerShell always writes (its file name does
not matter), and tables of one kind (Get-VM run per host) are concatenated:
- Get-VMHost -> nodes: Name, LogicalProcessorCount, MemoryCapacity (bytes -> MiB, down).
- Get-ClusterNode: which hosts are cluster nodes, and their Cluster. It has no sizes, so
  it needs Get-VMHost. Nodes Down or Paused are still planned (reported).
- Get-VM -> vms: VMName, ProcessorCount, ComputerName (current host), memory in bytes
  -> MiB rounded up: MemoryStartup (MemoryAssigned is 0 while a VM is off); dynamic
  memory as ImportOptions.dynamic_memory says. Off and saved VMs are planned unless
  ImportOptions.powered_off is False; VMs not clustered are planned and reported.
- Get-ClusterGroup: VM roles (GroupType VirtualMachine): OwnerNode (wins over Get-VM),
  AntiAffinityClassNames, Cluster. It has no sizes, so it needs Get-VM.
- Get-VMHardDiskDrive and Get-VHD, joined by path: disk_gb (FileSize, or Size as
  ImportOptions.disk says) and the VM's LUN, the volume of its first disk
  (hyperv_luns): C:\ClusterStorage\<folder> a CSV and \\server\share an SMB share
  (shared), E: a clustered disk (exclusive). Local storage (C:, or any drive of a VM
  not clustered) is an exclusive LUN per host, `HV01:C:`: its VMs still use the
  host's memory, so they are planned, and reported as not HA.
- Get-ClusterSharedVolume: the CSVs' names and owner nodes.
What was mapped, assumed and dropped is said in the ImportReport.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from data.errors import InputError
from data.imports.common import (
    Contribution,
    Format,
    ImportOptions,
    ImportReport,
    TableKind,
    column,
    files,
    short,
)
from data.imports.hyperv.disks import attach_disks
from data.imports.hyperv.fast import fast_convert
from data.imports.hyperv.hosts import Hosts, read_hosts
from data.imports.hyperv.luns import assign_luns
from data.imports.hyperv.roles import apply_roles
from data.imports.hyperv.rows import Pending, canonical, node_clusters
from data.imports.hyperv.vms import Vm, read_vms
from data.io.build import RawTable

NAME = "hyperv"
_VHD_DRIVE = ("VMName", "ControllerType", "ControllerNumber", "ControllerLocation", "Path")
# Two columns each is enough to tell them apart; the rest are checked by name when read,
# so a column missing from an export is an error naming it rather than an unknown file.
KINDS = (
    TableKind(NAME, "vm", ("VMName", "MemoryStartup")),
    TableKind(NAME, "vm", ("VMName", "ProcessorCount")),
    TableKind(NAME, "vm", ("Name", "MemoryStartup", "ProcessorCount")),
    TableKind(NAME, "vmhost", ("LogicalProcessorCount", "MemoryCapacity")),
    TableKind(NAME, "vmhost", ("LogicalProcessorCount", "VirtualMachinePath")),
    TableKind(NAME, "vmhost", ("MemoryCapacity", "VirtualMachinePath")),
    TableKind(NAME, "clusternode", ("Name", "State", "NodeWeight")),
    TableKind(NAME, "clusternode", ("Name", "State", "DynamicWeight")),
    TableKind(NAME, "clusternode", ("Name", "State", "NodeInstanceId")),
    TableKind(NAME, "clustergroup", ("Name", "OwnerNode", "GroupType")),
    TableKind(NAME, "clustergroup", ("Name", "OwnerNode", "AntiAffinityClassNames")),
    TableKind(NAME, "harddisk", _VHD_DRIVE),
    TableKind(NAME, "vhd", ("Path", "VhdFormat", "VhdType", "Size")),
    TableKind(NAME, "sharedvolume", ("Name", "OwnerNode", "SharedVolumeInfo")),
    TableKind(NAME, "sharedvolume", ("Name", "OwnerNode", "FriendlyVolumeName")),
)
ADD_VM = "Get-VM -ComputerName (Get-ClusterNode) | Export-Csv get-vm.csv -NoTypeInformation"


def convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """The canonical tables these exports give (nodes and vms each only when given)."""
    tables = {kind: _without_checkpoints(kind, found, report) for kind, found in tables.items()}
    if tables.get("clustergroup") and not tables.get("vm"):
        raise InputError(
            "Get-ClusterGroup names the VM roles but not their memory or processors; "
            f"add a Get-VM export ({ADD_VM})",
            files(tables["clustergroup"]),
        )
    fast = fast_convert(tables, options)
    if fast is not None:  # read a column at a time: the same tables and report
        contribution, said = fast
        report.mapped += said.mapped
        report.assumed += said.assumed
        report.dropped += said.dropped
        return contribution
    return convert_by_rows(tables, options, report)


def convert_by_rows(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """convert, a row at a time (the way of exports fast.py declines, and its oracle)."""
    hosts = read_hosts(tables, options, report)
    vms = _vms(tables, hosts, options, report) if tables.get("vm") else None
    if vms is None:
        _unused(tables, report)
    nodes = hosts.nodes if hosts else []
    clusters = _name_clusters(nodes, vms or [])
    contribution: Contribution = {}
    if hosts:
        contribution["nodes"] = canonical(nodes, tables["vmhost"])
    if vms is not None:
        luns = assign_luns(vms, tables.get("sharedvolume", ()), len(clusters) > 1, report)
        contribution["vms"] = canonical(vms, tables["vm"])
        if luns is not None:
            contribution["luns"] = luns
    return contribution


def _vms(
    tables: Mapping[str, Sequence[RawTable]],
    hosts: Hosts | None,
    options: ImportOptions,
    report: ImportReport,
) -> list[Vm]:
    vms, left_out = read_vms(tables["vm"], options, report)
    if hosts is not None and hosts.outside:
        left_out |= {vm.name for vm in vms if vm.host in hosts.outside}
        vms = [vm for vm in vms if vm.host not in hosts.outside]
    apply_roles(vms, tables.get("clustergroup", ()), left_out, report)
    attach_disks(vms, tables.get("harddisk", ()), tables.get("vhd", ()), options, report)
    return vms


def _without_checkpoints(
    kind: str, found: Sequence[RawTable], report: ImportReport
) -> list[RawTable]:
    """Get-VMSnapshot writes the columns of Get-VM; its rows are checkpoints, not VMs."""
    if kind != "vm":
        return list(found)
    checkpoints = [t for t in found if column(t, "SnapshotType") is not None]
    for table in checkpoints:
        report.dropped.append(f"{table.file}: checkpoints (Get-VMSnapshot), not VMs; ignored")
    return [t for t in found if t not in checkpoints]


def _unused(tables: Mapping[str, Sequence[RawTable]], report: ImportReport) -> None:
    for kind in ("harddisk", "vhd", "sharedvolume"):
        if tables.get(kind):
            report.dropped.append(f"{files(tables[kind])}: no Get-VM export to apply it to")


def _name_clusters(nodes: list[Pending], vms: list[Vm]) -> list[str]:
    """The clusters named anywhere; a VM without one is in its node's, and when only one
    cluster is named, everything is in it."""
    by_host, single, known = node_clusters(nodes, (vm.row.get("cluster", "") for vm in vms))
    for vm in vms:
        cluster = by_host.get(short(str(vm.row.get("node", "")))) or single
        if cluster and not vm.row.get("cluster"):
            vm.row["cluster"] = cluster
    return known


# The columns fast.py reads of the tables with a row per VM or disk (a real Get-VM
# export has 67): a CSV of these kinds is parsed in only these at first.
READS = {
    "vm": (
        *("VMName", "Name", "VMId", "Id", "ProcessorCount", "State", "IsClustered"),
        *("MemoryStartup", "MemoryAssigned", "MemoryMaximum", "DynamicMemoryEnabled"),
        *("ComputerName", "Path", "ConfigurationLocation"),
    ),
    "clustergroup": ("Name", "GroupType", "OwnerNode", "AntiAffinityClassNames", "Cluster"),
    "harddisk": (
        *("Path", "DiskNumber", "ControllerType", "ControllerNumber", "ControllerLocation"),
        *("VMId", "VMName"),
    ),
    "vhd": ("Path", "Size", "FileSize", "VMName"),
}
FORMAT = Format(NAME, "Hyper-V PowerShell Export-Csv", KINDS, convert, READS)
