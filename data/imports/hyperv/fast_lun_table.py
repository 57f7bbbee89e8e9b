"""luns._table a column at a time (for fast_luns.py): a row per LUN in use, then one per VM
on none (its own LUN, named after it), as columns; each row's origin made only when an
error asks for it (a million VMs make tens of thousands of LUNs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.canonical_table import LazyOrigins
from data.imports.common import CanonicalTable, ImportReport, Origin
from data.imports.hyperv.frame import VmFrame
from data.imports.hyperv.luns import report_lun_table
from data.imports.hyperv.volumes import SharedVolume, Volume


@dataclass(frozen=True)
class Grouped:
    """LUN i's VMs are ordered[starts[i]:starts[i + 1]], the first of them first[i]."""

    first: np.ndarray
    ordered: np.ndarray
    starts: np.ndarray


@dataclass(frozen=True)
class LunsInUse:
    """The LUNs the VMs are on, in order of their first VM, and the row naming each."""

    grouped: Grouped
    volume: list[Volume]
    name: list[str]
    csv: list[SharedVolume | None]
    file: list[str]
    row: np.ndarray
    column: list[str | None]


def lun_table(
    vms: VmFrame, luns: LunsInUse, nodes: np.ndarray, report: ImportReport
) -> CanonicalTable:
    """luns._table: the LUNs' rows, then the rows of the VMs on none."""
    gb = vms.values.get("disk_gb", np.zeros(len(vms)))
    mib = np.round(np.where(gb == None, 0, gb).astype(float) * 1024).astype(np.int64)  # noqa: E711
    clusters = vms.values.get("cluster", np.full(len(vms), None, object))
    first, starts = luns.grouped.first, luns.grouped.starts
    used = np.add.reduceat(mib[luns.grouped.ordered], starts[:-1]) if len(first) else mib[:0]
    node = _nodes(luns, nodes)
    lun_of = vms.values["lun"]
    alone = np.flatnonzero(lun_of == None)  # noqa: E711
    own = vms.named(alone)  # a VM on no volume: a LUN of its own, named after it
    for v, name in zip(alone.tolist(), own, strict=True):
        lun_of[v] = name
    columns = {
        "lun": [*luns.name, *own],
        "capacity_gb": _capacity_gb(np.concatenate([used, mib[alone]])),
        "shared": [v.shared for v in luns.volume] + [False] * len(alone),
        "node": node + nodes[alone].tolist(),
        "cluster": [c or None for c in clusters[np.concatenate([first, alone])].tolist()],
    }
    origins = _Origins(vms, luns, node, alone)
    table = CanonicalTable.columnar(
        [], columns, LazyOrigins(len(origins), origins.make, origins.files())
    )
    report_lun_table(len(table), report)
    return table


def _capacity_gb(mib: np.ndarray) -> list[float]:
    """luns._capacity_gb: the VMs' disks in whole GiB, at least 1."""
    return np.maximum(1, -(-mib // 1024)).astype(float).tolist()


def _nodes(luns: LunsInUse, nodes: np.ndarray) -> list[str | None]:
    """luns._set_owner: a CSV's owner; for an exclusive LUN the node all its VMs run on."""
    single = _single_nodes(luns.grouped, nodes)
    return [
        csv.owner if csv is not None and csv.owner else (one if not volume.shared else None)
        for csv, volume, one in zip(luns.csv, luns.volume, single, strict=True)
    ]


def _single_nodes(grouped: Grouped, nodes: np.ndarray) -> list[str | None]:
    """The one node all of a LUN's VMs run on (None: several, or a VM on none)."""
    if not len(grouped.first):
        return []
    encoded = pc.dictionary_encode(pa.array(nodes.tolist(), pa.string()))
    codes = encoded.indices.to_numpy().astype(np.int64)[grouped.ordered]
    names = encoded.dictionary.to_pylist()
    low = np.minimum.reduceat(codes, grouped.starts[:-1])
    high = np.maximum.reduceat(codes, grouped.starts[:-1])
    return [names[a] if a == b and names[a] else None for a, b in zip(low, high, strict=True)]


@dataclass(frozen=True)
class _Origins:
    """luns._table's Origin of each row, made when asked for."""

    vms: VmFrame
    luns: LunsInUse
    node: list[str | None]
    alone: np.ndarray

    def __len__(self) -> int:
        return len(self.luns.name) + len(self.alone)

    def files(self) -> set[str]:
        return set(self.luns.file) | ({self.vms.file} if len(self.alone) else set())

    def make(self, i: int) -> Origin:
        luns = self.luns
        if i >= len(luns.name):
            return Origin(self.vms.file, int(self.vms.row[self.alone[i - len(luns.name)]]))
        column = luns.column[i]
        columns = {"lun": column} if column else {}
        elsewhere: dict[str, tuple[str, int | None]] = {}
        source = (luns.file[i], int(luns.row[i]))
        csv = luns.csv[i]
        if csv is not None and csv.owner:
            if csv.owner_column:
                columns["node"] = csv.owner_column
            elsewhere["node"] = (csv.cells.table.file, csv.cells.row_number)
        elif self.node[i] is not None:
            origin = self.vms.origin(int(luns.grouped.first[i]))
            if origin.columns.get("node"):
                columns["node"] = origin.columns["node"]
            if (origin.file, origin.row) != source:
                elsewhere["node"] = (origin.file, origin.row)
            if "node" in origin.elsewhere:
                elsewhere["node"] = origin.elsewhere["node"]
        return Origin(source[0], source[1], columns, elsewhere)
