"""What the Hyper-V importer's parts share: a canonical row being assembled from several
exports (so each value still knows its source file, row and column), and how PowerShell
writes a collection."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from data.imports.common import CanonicalTable, Cells, Origin, short
from data.io.build import RawTable

# Export-Csv writes a collection property as its .NET type name, not its items.
_TYPE_NAME = re.compile(r"System\.(Collections\.[\w.`\[\], ]+|[\w.]+\[\])")


@dataclass
class Pending:
    """A canonical row on its way: values joined in from other tables remember their row."""

    cells: Cells  # the row the canonical row stands for (a Get-VM or Get-VMHost row)
    row: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    elsewhere: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def set(self, column: str, value: Any, source: Cells, source_column: str | None) -> None:
        """Set a canonical value taken from `source_column` of the row `source`."""
        self.row[column] = value
        if source_column:
            self.columns[column] = source_column
        here = (self.cells.table.file, self.cells.row_number)
        there = (source.table.file, source.row_number)
        if there != here:
            self.elsewhere[column] = there
        else:
            self.elsewhere.pop(column, None)

    def origin(self) -> Origin:
        table = self.cells.table
        return Origin(table.file, self.cells.row_number, dict(self.columns), dict(self.elsewhere))


def is_type_name(value: str) -> bool:
    """Whether a cell holds a .NET collection's type name instead of its items."""
    return bool(_TYPE_NAME.fullmatch(value.strip()))


def canonical(rows: Sequence[Pending], sources: Sequence[RawTable]) -> CanonicalTable:
    table = CanonicalTable.of(sources)
    for pending in rows:
        table.add(pending.row, pending.origin())
    return table


def node_clusters(
    nodes: list[Pending], vm_clusters: Iterable[str]
) -> tuple[dict[str, str], str, list[str]]:
    """The cluster of each node (by short name); the one cluster named anywhere ("" if not
    one), which a node without a cluster is then in (so a VM role's Cluster needs no
    Get-ClusterNode); and the clusters named."""
    by_host = {short(n.row["node"]): n.row.get("cluster", "") for n in nodes}
    named = {c for c in by_host.values() if c} | set(vm_clusters)
    known = sorted(named - {""})
    single = known[0] if len(known) == 1 else ""
    for node in nodes:
        if single and not node.row.get("cluster"):
            node.row["cluster"] = single
    return by_host, single, known
