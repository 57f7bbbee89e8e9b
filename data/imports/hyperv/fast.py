"""The Hyper-V import a column at a time: what tables.py does row by row, for a million VMs.

Each table's few columns are picked once and typed whole (data/imports/columns.py);
the VMs are columns (frame.py), joined to roles (fast_roles.py) and disks by names,
ids and paths folded as Windows compares them, in arrow (columns.folded, positions),
so no Python string or dictionary entry is made per VM or disk. It gives
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
import pyarrow.compute as pc

from data.errors import InputError
from data.imports.columns import Columns, Declined, folded
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
from data.imports.hyperv.fast_roles import apply_roles
from data.imports.hyperv.frame import VmFrame, coded
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
        left_out |= set(vms.named(outside))
        vms = vms.take(~outside)
    apply_roles(vms, tables.get("clustergroup", ()), left_out, report)
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
    texts = cells.text_array(name)
    keys = folded(texts)
    if not pc.all(pc.not_equal(texts, "")).as_py() or pc.count_distinct(keys).as_py() < len(keys):
        raise Declined  # no name (an oddity), or renamed, or joined to the first of its name
    vms = VmFrame(table.file, np.arange(1, len(cells) + 1), {}, {})
    vms.values["vm"], vms.source["vm"] = texts, _same(name, len(cells))
    cpus = required_column(table, "ProcessorCount")
    vms.values["vcpus"], vms.source["vcpus"] = cells.positive_ints(cpus), _same(cpus, len(cells))
    dynamic = cells.booleans(column(table, "DynamicMemoryEnabled"))
    _set_memory(vms, cells, dynamic, options)
    _set_host(vms, cells)
    clustered = column(table, "IsClustered")
    vms.facts.update(
        key=keys,
        vm_id=folded(cells.text_array(column(table, "VMId", "Id"))),
        off=_off(cells, column(table, "State")),
        dynamic=dynamic,
        clustered=_optional_booleans(cells, clustered),
    )
    vms.config_column = column(table, "Path", "ConfigurationLocation")
    vms.facts["config_path"] = cells.text_array(vms.config_column)
    report.mapped.append(
        f"{files([table])}: {plural(len(vms), 'VM')}: {name} -> vm, ProcessorCount -> vcpus, "
        "ComputerName -> node, memory in bytes -> memory_mb in MiB (rounded up)"
    )
    report_memory([table], vms.named(dynamic), options, report)
    report_unclustered(vms.named(vms.facts["clustered"] == False), report)  # noqa: E712
    off = vms.facts["off"]
    report_powered(vms.named(off), options, report)
    if off.any() and not options.powered_off:
        return vms.take(~off), set(vms.named(off))
    return vms, set()


def _optional_booleans(cells: Columns, name: str | None) -> np.ndarray:
    """Cells.boolean where given, None where missing."""
    truth = cells.booleans(name).astype(object)
    truth[~cells.given(name)] = None
    return truth


def _off(cells: Columns, state: str | None) -> np.ndarray:
    """Which VMs are off or saved (by State, "Off-Critical" too)."""
    if state is None:
        return np.zeros(len(cells), bool)
    codes, states = cells.coded(state)
    off = [s.replace("-", "").casefold().startswith(_OFF_STATES) for s in states]
    return np.array(off, bool)[codes] if off else np.zeros(0, bool)


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
    if host is None:
        vms.facts["host"] = np.full(len(vms), "", object)
        return
    codes, distinct = cells.coded(host)  # hosts are few: each name shortened once
    nodes = np.array(distinct, object)[codes]
    given = np.flatnonzero(nodes != "")
    if len(given):
        vms.set("node", given, nodes[given], host)
    vms.facts["host"] = np.array([short(node) if node else "" for node in distinct], object)[codes]


def _name_clusters(nodes: list[Pending], vms: VmFrame) -> list[str]:
    """tables._name_clusters: a VM without a cluster is in its node's, or the only one."""
    clusters = vms.values.get("cluster", np.full(len(vms), None, object))
    codes, distinct = coded(clusters)
    by_host, single, known = node_clusters(nodes, (c or "" for c in distinct))
    alone = np.flatnonzero(~np.array([bool(c) for c in distinct], bool)[codes])
    if not len(alone):
        return known
    node = vms.values.get("node", np.full(len(vms), None, object))
    on, hosts = coded(node[alone])
    fill = np.array([by_host.get(short(str(n or ""))) or single for n in hosts], object)[on]
    filled = clusters.copy()
    filled[alone] = np.where(fill != "", fill, clusters[alone])
    if any(f is not None for f in filled.tolist()):
        vms.values["cluster"] = filled
    return known
