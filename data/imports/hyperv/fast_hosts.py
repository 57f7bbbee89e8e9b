"""hosts.py and the Get-ClusterSharedVolume rows a column at a time (for fast.py): the
same Pending nodes, cluster members and CSVs, each placed at its row without reading the
row's other cells (a Get-VMHost row has fifty)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from data.imports.columns import Columns, Declined
from data.imports.common import MIB, Cells, ImportReport, column, required_column
from data.imports.hyperv.hosts import Hosts, Member, finish_hosts, report_hosts
from data.imports.hyperv.rows import Pending
from data.imports.hyperv.volumes import SharedRow, SharedVolume
from data.io.build import RawTable


def read_hosts(tables: Mapping[str, Sequence[RawTable]], report: ImportReport) -> Hosts:
    """hosts.read_hosts of one Get-VMHost table (and at most one Get-ClusterNode)."""
    table = tables["vmhost"][0]
    hosts = Columns(table)
    memory_column = required_column(table, "MemoryCapacity")
    memory = hosts.numbers(memory_column) // MIB
    if not (memory >= 1).all():
        raise Declined  # less than 1 MiB: an error, worded row by row
    name = required_column(table, "Name", "ComputerName")
    names = hosts.names(name)  # a host row without a name: an oddity, reported row by row
    processors = required_column(table, "LogicalProcessorCount")
    nodes = []
    for i, (node, lps, mib) in enumerate(
        zip(
            names,
            hosts.positive_ints(processors).tolist(),
            memory.astype(int).tolist(),
            strict=True,
        )
    ):
        pending = Pending(Cells(table, i + 1))
        pending.row.update(node=node, logical_processors=lps, memory_mb=mib)
        pending.columns.update(node=name, logical_processors=processors, memory_mb=memory_column)
        nodes.append(pending)
    report_hosts([table], column(table, "Name", "ComputerName"), nodes, report)
    members = tables.get("clusternode", ())
    return finish_hosts(nodes, _members(members[0]) if members else [], members, report)


def _members(table: RawTable) -> list[Member]:
    members = Columns(table)
    cluster = column(table, "Cluster")
    names = members.names(required_column(table, "Name"))
    states, clusters = members.texts(column(table, "State")), members.texts(cluster)
    return [
        Member(Cells(table, i + 1), name, state, in_cluster, cluster)
        for i, (name, state, in_cluster) in enumerate(zip(names, states, clusters, strict=True))
    ]


def shared_rows(tables: Sequence[RawTable]) -> list[SharedRow]:
    """volumes._shared_row of every Get-ClusterSharedVolume row."""
    if not tables:
        return []
    table = tables[0]
    volumes = Columns(table)
    owner = column(table, "OwnerNode")
    names = volumes.names(required_column(table, "Name"))
    friendly = volumes.texts(column(table, "FriendlyVolumeName"))
    owners, clusters = volumes.texts(owner), volumes.texts(column(table, "Cluster"))
    return [
        (SharedVolume(Cells(table, i + 1), name, node, owner), folder, cluster)
        for i, (name, folder, node, cluster) in enumerate(
            zip(names, friendly, owners, clusters, strict=True)
        )
    ]
