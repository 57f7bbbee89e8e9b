"""The Hyper-V import a column at a time: what tables.py does row by row, for a million VMs.

Each table's few columns are picked once and typed whole (data/imports/columns.py);
the VMs are columns (frame.py), joined to roles and disks by dictionaries. It gives
the very tables and report the row-by-row path gives, for exports it plainly accepts:
CSV or Parquet, one table of each kind, no oddity (a VM without memory, a name given
twice or in two cases, a host row without a name, a role or disk of two VMs) and no
bad cell. Anything else raises Declined (or the InputError of a small table read
row by row here too), and tables.py reads the export row by row, which words each
error and reports each oddity as it always has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from data.errors import InputError
from data.imports.columns import Columns, Declined
from data.imports.common import (
    Contribution,
    DynamicMemory,
    ImportOptions,
    ImportReport,
    column,
    files,
    plural,
    required_column,
    short,
)
from data.imports.hyperv.fast_disks import attach_disks
from data.imports.hyperv.fast_hosts import read_hosts
from data.imports.hyperv.fast_luns import assign_luns
from data.imports.hyperv.frame import VmFrame
from data.imports.hyperv.roles import RoleTally, classes_of, report_roles, role_of
from data.imports.hyperv.rows import Pending, canonical, node_clusters
from data.imports.hyperv.vms import report_memory, report_powered, report_unclustered
from data.io.build import RawTable

_OFF_STATES = ("off", "saved", "fastsaved")
_KINDS = ("vm", "vmhost", "clusternode", "clustergroup", "harddisk", "vhd", "sharedvolume")


def fast_convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions
) -> tuple[Contribution, ImportReport] | None:
    """The contribution and report, or None when the export is to be read row by row."""
    if set(tables) - set(_KINDS) or not tables.get("vm") or not tables.get("vmhost"):
        return None
    if any(len(found) > 1 for found in tables.values()):
        return None
    report = ImportReport()
    try:
        return _convert(tables, options, report), report
    except (Declined, InputError):  # the row-by-row path raises it where it always has
        return None


def _convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    """tables.convert's steps, in its order (so the report's lines come in its order)."""
    hosts = read_hosts(tables, report)
    vms, left_out = _read_vms(tables["vm"][0], options, report)
    if hosts.outside:
        outside = np.isin(vms.facts["host"], list(hosts.outside))
        left_out |= set(vms.names[outside].tolist())
        vms = vms.take(~outside)
    _apply_roles(vms, tables.get("clustergroup", ()), left_out, report)
    disks = attach_disks(vms, tables.get("harddisk", ()), tables.get("vhd", ()), options, report)
    clusters = _name_clusters(hosts.nodes, vms)
    contribution = {"nodes": canonical(hosts.nodes, tables["vmhost"])}
    shared = tables.get("sharedvolume", ())
    luns = assign_luns(vms, disks, shared, len(clusters) > 1, report)
    contribution["vms"] = vms.table([t.file for t in tables["vm"]])
    if luns is not None:
        contribution["luns"] = luns
    return contribution


def _read_vms(
    table: RawTable, options: ImportOptions, report: ImportReport
) -> tuple[VmFrame, set[str]]:
    """vms.read_vms: the VMs to plan, and the names of those left out."""
    cells = Columns(table)
    if not len(cells):
        raise Declined  # nothing to read fast
    name = required_column(table, "VMName", "Name")
    names = cells.names(name)
    if len(set(n.casefold() for n in names)) < len(names):
        raise Declined  # renamed, or joined to the first of its name
    vms = VmFrame(table.file, np.arange(1, len(cells) + 1), {}, {})
    everyone = np.arange(len(cells))
    vms.set("vm", everyone, names, name)
    cpus = required_column(table, "ProcessorCount")
    vms.values["vcpus"], vms.source["vcpus"] = cells.positive_ints(cpus), _same(cpus, len(cells))
    dynamic = np.array(cells.booleans(column(table, "DynamicMemoryEnabled")), bool)
    _set_memory(vms, cells, dynamic, options)
    _set_host(vms, cells)
    state = [s.replace("-", "").casefold() for s in cells.texts(column(table, "State"))]
    clustered = column(table, "IsClustered")
    vms.facts.update(
        vm_id=np.array(cells.texts(column(table, "VMId", "Id")), object),
        off=np.array([s.startswith(_OFF_STATES) for s in state], bool),
        dynamic=dynamic,
        clustered=np.array(
            [
                b if g else None
                for b, g in zip(cells.booleans(clustered), cells.given(clustered), strict=True)
            ],
            object,
        ),
    )
    vms.config_column = column(table, "Path", "ConfigurationLocation")
    vms.facts["config_path"] = np.array(cells.texts(vms.config_column), object)
    report.mapped.append(
        f"{files([table])}: {plural(len(vms), 'VM')}: {name} -> vm, ProcessorCount -> vcpus, "
        "ComputerName -> node, memory in bytes -> memory_mb in MiB (rounded up)"
    )
    report_memory([table], vms.names[dynamic].tolist(), options, report)
    report_unclustered(vms.names[vms.facts["clustered"] == False].tolist(), report)  # noqa: E712
    off = vms.facts["off"]
    report_powered(vms.names[off].tolist(), options, report)
    if off.any() and not options.powered_off:
        return vms.take(~off), set(vms.names[off].tolist())
    return vms, set()


def _same(value: str, n: int) -> np.ndarray:
    return np.full(n, value, object)


def _set_memory(vms: VmFrame, cells: Columns, dynamic: np.ndarray, options: ImportOptions) -> None:
    """vms._memory for every VM: startup, unless a dynamic VM is planned at what it holds
    now (startup when that is 0) or at its maximum."""
    startup = required_column(cells.table, "MemoryStartup")
    bytes_at_start = cells.numbers(startup)
    if not (bytes_at_start > 0).all():
        raise Declined  # a VM without memory: dropped and reported row by row
    memory = np.ceil(bytes_at_start / 2**20)
    source = _same(startup, len(cells))
    choice = options.dynamic_memory
    if dynamic.any() and choice is not DynamicMemory.STARTUP:
        wanted = "MemoryAssigned" if choice is DynamicMemory.ASSIGNED else "MemoryMaximum"
        other = column(cells.table, wanted)
        if other is None:
            raise Declined
        chosen_bytes = cells.numbers(other)
        chosen = dynamic & ((chosen_bytes > 0) | (choice is DynamicMemory.MAXIMUM))
        memory = np.where(chosen, np.ceil(chosen_bytes / 2**20), memory)
        source[chosen] = other
    vms.values["memory_mb"], vms.source["memory_mb"] = memory.astype(np.int64), source


def _set_host(vms: VmFrame, cells: Columns) -> None:
    """node from ComputerName where given, and each VM's host (short, for joins)."""
    host = column(cells.table, "ComputerName")
    nodes = cells.texts(host)
    given = np.flatnonzero(cells.given(host))
    if len(given):
        assert host is not None
        vms.set("node", given, np.array(nodes, object)[given], host)
    shorts = {node: short(node) if node else "" for node in set(nodes)}  # hosts are few
    vms.facts["host"] = np.array([shorts[node] for node in nodes], object)


def _apply_roles(
    vms: VmFrame, tables: Sequence[RawTable], left_out: set[str], report: ImportReport
) -> None:
    """roles.apply_roles: node, anti_affinity and cluster of the VMs that are roles."""
    if not tables:
        return
    table = tables[0]
    cells = Columns(table)
    by_name = {name.casefold(): i for i, name in enumerate(vms.names.tolist())}
    omitted = {name.casefold() for name in left_out}
    tally = RoleTally()
    matched = _matched_roles(cells, by_name, omitted, tally)
    rows, at = np.array(list(matched), np.int64), np.array(list(matched.values()), np.int64)
    if len(np.unique(at)) < len(at):
        raise Declined  # a VM with two roles: the later one wins, row by row
    tally.roles = len(at)
    tally.preferred = bool(len(at)) and column(table, "PreferredOwners") is not None
    _set_owners(vms, cells, rows, at, tally)
    _set_classes(vms, cells, rows, at, tally)
    cluster = column(table, "Cluster")
    clusters = np.array(cells.texts(cluster), object)[rows]
    given = cells.given(cluster)[rows]
    if given.any():
        vms.set("cluster", at[given], clusters[given], cluster, (table.file, rows[given] + 1))
    if column(table, "AntiAffinityClassNames") and not tally.type_names:
        classes = vms.values.setdefault("anti_affinity", np.full(len(vms), None, object))
        classes[classes == None] = ""  # noqa: E711 (the cluster's classes were read)
    report_roles(tables, tally, report)


def _matched_roles(
    cells: Columns, by_name: dict[str, int], omitted: set[str], tally: RoleTally
) -> dict[int, int]:
    """The VM of each role row that is one (row index -> VM index); the rest tallied."""
    table = cells.table
    names = cells.names(required_column(table, "Name"))
    kinds = cells.texts(column(table, "GroupType"))
    typed = column(table, "GroupType") is not None
    matched: dict[int, int] = {}
    for row, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        is_vm = not typed or kind.casefold() == "virtualmachine"
        vm = role_of(name, is_vm, by_name, omitted, tally)
        if vm is not None:
            matched[row] = vm
    return matched


def _set_owners(
    vms: VmFrame, cells: Columns, rows: np.ndarray, at: np.ndarray, tally: RoleTally
) -> None:
    owner = column(cells.table, "OwnerNode")
    given = cells.given(owner)[rows]
    if not given.any():
        return
    rows, at = rows[given], at[given]
    nodes = np.array(cells.texts(owner), object)[rows]
    hosts = vms.facts["host"][at]
    for vm, node, host in zip(at.tolist(), nodes.tolist(), hosts.tolist(), strict=True):
        if host and short(node) != host:
            tally.moved.append(vms.names[vm])
    vms.set("node", at, nodes, owner, (cells.table.file, rows + 1))


def _set_classes(
    vms: VmFrame, cells: Columns, rows: np.ndarray, at: np.ndarray, tally: RoleTally
) -> None:
    source = column(cells.table, "AntiAffinityClassNames")
    texts = np.array(cells.texts(source), object)[rows]
    kept: list[int] = []
    joined: list[str] = []
    for i, text in enumerate(texts.tolist()):
        classes = classes_of(text, tally)
        if classes:
            kept.append(i)
            joined.append(classes)
    if kept:
        where = np.array(kept, np.int64)
        vms.set("anti_affinity", at[where], joined, source, (cells.table.file, rows[where] + 1))


def _name_clusters(nodes: list[Pending], vms: VmFrame) -> list[str]:
    """tables._name_clusters: a VM without a cluster is in its node's, or the only one."""
    clusters = vms.values.get("cluster", np.full(len(vms), None, object))
    by_host, single, known = node_clusters(nodes, (c or "" for c in clusters.tolist()))
    node = vms.values.get("node", np.full(len(vms), None, object))
    filled = [
        c or by_host.get(short(str(n or ""))) or single or c
        for c, n in zip(clusters.tolist(), node.tolist(), strict=True)
    ]
    if any(f is not None for f in filled):
        vms.values["cluster"] = np.array(filled, object)
    return known
