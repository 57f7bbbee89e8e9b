"""Nodes from Get-VMHost (memory, processors), with cluster membership from Get-ClusterNode.

Get-ClusterNode knows which hosts form the cluster and its name, but nothing of their
size, so it only ever refines Get-VMHost rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from data.errors import InputError
from data.imports.common import (
    MIB,
    Cells,
    ImportOptions,
    ImportReport,
    all_cells,
    column,
    few,
    files,
    plural,
    required_column,
    short,
)
from data.imports.hyperv.rows import Pending
from data.imports.oddities import report_nameless_hosts
from data.io.build import RawTable
from data.schema import NODES

_DEFAULTS = {c.name: c.default for c in NODES}
ADD_VMHOST = "Get-VMHost -ComputerName (Get-ClusterNode) | Export-Csv get-vmhost.csv"


@dataclass(frozen=True)
class Member:
    """A Get-ClusterNode row: the cluster's spelling of a node's name, its state, cluster."""

    cells: Cells
    name: str
    state: str
    cluster: str
    cluster_column: str | None


@dataclass
class Hosts:
    """The nodes, and the short names of hosts left out for not being cluster members."""

    nodes: list[Pending]
    outside: set[str]


def read_hosts(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Hosts | None:
    """Nodes from Get-VMHost, or None when it is not given (a nodes.csv may stand in). A
    row with an empty Name is skipped unless the import is strict."""
    vmhosts, members = tables.get("vmhost", ()), tables.get("clusternode", ())
    if members and not vmhosts:
        raise InputError(
            "Get-ClusterNode names the nodes but not their memory or processors; add a "
            f"Get-VMHost export ({ADD_VMHOST}), or give a nodes.csv instead of this file",
            files(members),
        )
    if not vmhosts:
        return None
    name = column(vmhosts[0], "Name", "ComputerName")
    rows = list(all_cells(vmhosts))
    nameless = [
        c for c in rows if not options.strict and c.missing(column(c.table, "Name", "ComputerName"))
    ]
    nodes = [_node(cells) for cells in rows if cells not in nameless]
    report_nameless_hosts([c.row_number for c in nameless], files(vmhosts), report)
    report_hosts(vmhosts, name, nodes, report)
    listed = [_member(cells) for cells in all_cells(members)]
    return finish_hosts(nodes, listed, members, report)


def report_hosts(
    vmhosts: Sequence[RawTable], name: str | None, nodes: list[Pending], report: ImportReport
) -> None:
    report.mapped.append(
        f"{files(vmhosts)}: {plural(len(nodes), 'node')}: {name} -> node, LogicalProcessorCount "
        "-> logical_processors, MemoryCapacity (bytes) -> memory_mb (MiB, rounded down)"
    )
    report.assumed.append(
        f"nodes: reserve_mb {_DEFAULTS['reserve_mb']} MiB for the parent partition and "
        f"vcpu_per_lp {_DEFAULTS['vcpu_per_lp']:g} (MODEL.md's defaults; the exports do not "
        "say): give a nodes.csv to change them"
    )


def finish_hosts(
    nodes: list[Pending], listed: list[Member], members: Sequence[RawTable], report: ImportReport
) -> Hosts:
    """The nodes that are cluster members (all, without Get-ClusterNode rows)."""
    if not listed:
        if members:
            report.dropped.append(f"{files(members)}: no rows; cluster membership not applied")
        return Hosts(nodes, set())
    return Hosts(*_members_only(nodes, listed, members, report))


def _node(cells: Cells) -> Pending:
    table = cells.table
    name = required_column(table, "Name", "ComputerName")
    processors = required_column(table, "LogicalProcessorCount")
    memory = required_column(table, "MemoryCapacity")
    memory_mb = int(cells.number(memory, "bytes") // MIB)  # a host has no more than it has
    if memory_mb < 1:
        raise cells.fail(memory, f"{cells.row.get(memory)!r} bytes is less than 1 MiB")
    node = Pending(cells)
    node.set("node", cells.name(name), cells, name)
    node.set("logical_processors", cells.positive_int(processors), cells, processors)
    node.set("memory_mb", memory_mb, cells, memory)
    return node


def _member(cells: Cells) -> Member:
    table = cells.table
    cluster = column(table, "Cluster")
    state = cells.text(column(table, "State"))
    return Member(
        cells, cells.name(required_column(table, "Name")), state, cells.text(cluster), cluster
    )


def _members_only(
    nodes: list[Pending], members: list[Member], tables: Sequence[RawTable], report: ImportReport
) -> tuple[list[Pending], set[str]]:
    """Keep the hosts that are cluster nodes, spelled as the cluster spells them."""
    by_short = {short(m.name): m for m in members}
    kept = [n for n in nodes if short(n.row["node"]) in by_short]
    outside = {short(n.row["node"]) for n in nodes} - set(by_short)
    for node in kept:
        member = by_short[short(node.row["node"])]
        node.row["node"] = member.name
        if member.cluster:
            node.set("cluster", member.cluster, member.cells, member.cluster_column)
    report.mapped.append(f"{files(tables)}: cluster membership and Cluster -> cluster of the nodes")
    if outside:
        names = [n.row["node"] for n in nodes if short(n.row["node"]) in outside]
        report.dropped.append(
            f"{plural(len(names), 'Get-VMHost host')} not in Get-ClusterNode ({few(names)}): "
            "not cluster nodes, left out with their VMs"
        )
    _report_members(members, {short(n.row["node"]) for n in kept}, report)
    return kept, outside


def _report_members(members: list[Member], sized: set[str], report: ImportReport) -> None:
    unsized = [m.name for m in members if short(m.name) not in sized]
    if unsized:
        report.dropped.append(
            f"{plural(len(unsized), 'cluster node')} without a Get-VMHost row ({few(unsized)}): "
            "size unknown, not planned"
        )
    resting = [
        f"{m.name} ({m.state})"
        for m in members
        if m.state and m.state.casefold() != "up" and short(m.name) in sized
    ]
    if resting:
        report.assumed.append(
            f"{plural(len(resting), 'node')} not Up ({', '.join(resting[:3])}): still planned "
            "as capacity, as they will be back; take them out of the Get-VMHost export otherwise"
        )
