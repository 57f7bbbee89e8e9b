"""VM roles from Get-ClusterGroup: the node that owns each VM now, its anti-affinity
classes and its cluster.

A VM role is a group of GroupType VirtualMachine named after its VM ("Virtual Machine
<name>" on clusters built with 2008 R2). The cluster's OwnerNode is where the role runs
now, and wins over Get-VM's ComputerName (the two differ when a VM moved between the
exports). Export-Csv writes AntiAffinityClassNames, a collection, as its type name; the
classes then have to be exported as text (EXPORT_ROLES).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from data.imports.common import (
    Cells,
    ImportReport,
    all_cells,
    column,
    few,
    files,
    plural,
    required_column,
    short,
)
from data.imports.hyperv.rows import is_type_name
from data.imports.hyperv.vms import Vm
from data.io.build import RawTable
from data.schema import CLASS_SEPARATOR

EXPORT_ROLES = (
    "Get-ClusterGroup | Select-Object Cluster, Name, OwnerNode, State, GroupType, "
    "@{n='AntiAffinityClassNames'; e={$_.AntiAffinityClassNames -join ';'}} | "
    "Export-Csv get-clustergroup.csv -NoTypeInformation"
)
OLD_PREFIX = re.compile(r"^Virtual Machine ", re.IGNORECASE)  # 2008 R2 role names
_CLASS_SPLIT = re.compile(r"[;\r\n]+")
_T = TypeVar("_T")


@dataclass
class RoleTally:
    """What joining the roles found, for the report."""

    roles: int = 0
    other: list[str] = field(default_factory=list)  # groups that are no VM role
    unknown: list[str] = field(default_factory=list)  # roles with no Get-VM row
    moved: list[str] = field(default_factory=list)  # OwnerNode differs from ComputerName
    type_names: set[str] = field(default_factory=set)
    preferred: bool = False


def apply_roles(
    vms: list[Vm], tables: Sequence[RawTable], left_out: set[str], report: ImportReport
) -> None:
    """Set node, anti_affinity and cluster of the VMs that are cluster roles. When every
    table lists AntiAffinityClassNames as text, every VM gets an anti_affinity value (empty
    for none), so the inventory knows the classes and the apply script may set them."""
    if not tables:
        return
    by_name: dict[str, Vm] = {}
    for vm in vms:
        by_name.setdefault(vm.name.casefold(), vm)
    omitted = {name.casefold() for name in left_out}
    tally = RoleTally()
    for cells in all_cells(tables):
        _apply_role(cells, by_name, omitted, tally)
    if all(column(t, "AntiAffinityClassNames") for t in tables) and not tally.type_names:
        for vm in vms:  # the cluster's classes were read: a VM without one has none
            vm.row.setdefault("anti_affinity", "")
    report_roles(tables, tally, report)


def _apply_role(cells: Cells, by_name: dict[str, Vm], omitted: set[str], tally: RoleTally) -> None:
    table = cells.table
    name = cells.name(required_column(table, "Name"))
    kind = column(table, "GroupType")
    is_vm = kind is None or cells.text(kind).casefold() == "virtualmachine"
    vm = role_of(name, is_vm, by_name, omitted, tally)
    if vm is None:
        return
    tally.roles += 1
    tally.preferred |= column(table, "PreferredOwners") is not None
    _set_owner(vm, cells, tally)
    _set_classes(vm, cells, tally)
    cluster = column(table, "Cluster")
    if not cells.missing(cluster):
        vm.set("cluster", cells.text(cluster), cells, cluster)


def role_of(
    name: str, is_vm: bool, by_name: Mapping[str, _T], omitted: set[str], tally: RoleTally
) -> _T | None:
    """The VM (by case-folded name) a cluster group is the role of; None for a group that
    is no VM role, or whose VM has no Get-VM row (tallied, unless it was left out)."""
    if not is_vm:
        tally.other.append(name)
        return None
    vm_name = OLD_PREFIX.sub("", name)
    vm = by_name.get(vm_name.casefold())
    if vm is None and vm_name.casefold() not in omitted:
        tally.unknown.append(vm_name)
    return vm


def _set_owner(vm: Vm, cells: Cells, tally: RoleTally) -> None:
    owner = column(cells.table, "OwnerNode")
    if cells.missing(owner):
        return
    node = cells.text(owner)
    if vm.host and short(node) != vm.host:
        tally.moved.append(vm.name)
    vm.set("node", node, cells, owner)


def _set_classes(vm: Vm, cells: Cells, tally: RoleTally) -> None:
    source = column(cells.table, "AntiAffinityClassNames")
    classes = classes_of(cells.text(source), tally)
    if classes:
        vm.set("anti_affinity", classes, cells, source)


def classes_of(text: str, tally: RoleTally) -> str:
    """A role's anti-affinity classes as the canonical column holds them ('' for none);
    a .NET type name exported in place of the values is tallied for the report."""
    if not text:
        return ""
    if is_type_name(text):
        tally.type_names.add(text)
        return ""
    return class_names(text)


def class_names(text: str) -> str:
    """AntiAffinityClassNames exported as text (`;` or line breaks between names) as
    anti_affinity's value ("" for none)."""
    return CLASS_SEPARATOR.join(c.strip() for c in _CLASS_SPLIT.split(text) if c.strip())


def report_roles(tables: Sequence[RawTable], tally: RoleTally, report: ImportReport) -> None:
    report.mapped.append(
        f"{files(tables)}: {plural(tally.roles, 'VM role')}: OwnerNode -> node (wins over "
        "Get-VM's ComputerName), AntiAffinityClassNames -> anti_affinity, Cluster -> cluster"
    )
    if tally.moved:
        report.assumed.append(
            f"{plural(len(tally.moved), 'VM')} owned by another node than Get-VM's ComputerName "
            f"says ({few(tally.moved)}): the cluster's OwnerNode taken as current node"
        )
    if tally.other:
        report.dropped.append(
            f"{plural(len(tally.other), 'cluster group')} that are no VM role ({few(tally.other)})"
        )
    if tally.unknown:
        report.dropped.append(
            f"{plural(len(tally.unknown), 'VM role')} with no Get-VM row ({few(tally.unknown)}): "
            "memory and processors unknown, not planned"
        )
    if tally.type_names:
        report.dropped.append(
            f"AntiAffinityClassNames holds the type name {few(sorted(tally.type_names), 1)} "
            "instead of the class names (Export-Csv writes collections so): anti-affinity not "
            f"imported. Export it with: {EXPORT_ROLES}"
        )
    if tally.preferred:
        report.dropped.append(
            "PreferredOwners not used: the plan chooses each role's owners and failover order"
        )
