"""storage.py's vDisk sums and datastore assignment a column at a time (for fast.py): one
dictionary from VM names to their disks, and each VM's datastore found with the same
rules, without a Cells object per disk or VM. vDatastore (a row per datastore) is
read row by row, as storage.py reads it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.columns import Columns, Declined
from data.imports.common import (
    CanonicalTable,
    ImportOptions,
    ImportReport,
    column,
    required_column,
)
from data.imports.hyperv.frame import VmFrame
from data.imports.rvtools import arrow_text
from data.imports.rvtools.storage import (
    add_luns,
    by_cluster,
    datastores,
    report_disks,
    report_luns,
    report_split,
    report_vm_storage,
)
from data.io.build import RawTable


@dataclass
class FastDisks:
    """vDisk by VM (a VM's code: its name's place in `names`): total MiB, the first
    datastore its disks name (a code into `stores`, -1 none), and whether they name
    several."""

    names: pa.Array
    mib: np.ndarray
    first: np.ndarray
    stores: list[str]
    spread: np.ndarray

    def codes(self, names: pa.Array) -> np.ndarray:
        """Each VM's code, -1 for a VM with no disk."""
        found = pc.index_in(names, value_set=self.names).fill_null(-1)
        return found.to_numpy(zero_copy_only=False).astype(np.int64)

    def mib_of(self, codes: np.ndarray) -> np.ndarray:
        """storage.Disks.mib.get(name, 0.0) of each VM."""
        mib, given = np.zeros(len(codes)), codes >= 0
        mib[given] = self.mib[codes[given]]
        return mib


def read_disks(table: RawTable, report: ImportReport) -> FastDisks:
    """storage.disks_from of one vDisk table."""
    cells = Columns(table)
    disk_names = arrow_text.names(table, required_column(table, "VM"))
    capacity = cells.numbers(required_column(table, "Capacity MiB", "Capacity MB"))
    distinct = pc.unique(disk_names)  # in the order of first appearance, as a dict's keys
    codes = pc.index_in(disk_names, value_set=distinct).to_numpy().astype(np.int64)
    # bincount adds each VM's disks in row order, from 0.0: the sums disks_from makes
    mib = np.bincount(codes, weights=capacity, minlength=len(distinct))
    first, spread = np.full(len(distinct), -1, np.int64), np.zeros(len(distinct), bool)
    path = column(table, "Path", "Disk Path")
    stores: list[str] = []
    if path:
        store, stores = arrow_text.datastores(arrow_text.trimmed(table, path))
        named = np.flatnonzero(store >= 0)
        owner = codes[named]
        vms, at = np.unique(owner, return_index=True)  # each VM's first disk naming one
        first[vms] = store[named[at]]
        spread[owner[store[named] != first[owner]]] = True
    report_disks(len(disk_names), report)
    return FastDisks(distinct, mib, first, stores, spread)


def assign_luns(
    vms: VmFrame,
    disks: FastDisks | None,
    tables: Sequence[RawTable],
    host_clusters: set[str],
    options: ImportOptions,
    report: ImportReport,
) -> CanonicalTable:
    """storage.luns_from: one shared LUN per datastore the VMs use; each VM's lun is its
    datastore's (split per cluster where VMs of several clusters use it)."""
    stores = datastores(tables)
    lun, users = _datastore_of(vms, disks)
    if not set(users) <= set(stores):
        raise Declined  # a datastore vDatastore does not list: an error, worded row by row
    cluster = vms.values["cluster"]
    clusters = host_clusters | {str(c) for c in set(cluster.tolist()) if c}
    luns = CanonicalTable.of(tables)
    split: dict[str, list[str]] = {}
    provisioned = vms.facts["provisioned"]
    for name, store in stores.items():
        if name in users:
            found = users[name]
            groups = by_cluster(cluster[found].tolist(), host_clusters)
            if options.strict and len(groups) > 1:
                raise Declined  # an error, worded row by row
            renamed = add_luns(luns, store, groups, provisioned[found].tolist(), clusters)
            for at, split_name in renamed.items():
                lun[found[at]] = split_name
            if len(groups) > 1:
                split[name] = list(groups)
    report_luns(tables, stores, users, clusters, report)
    given = np.flatnonzero(lun != "")
    vms.set("lun", given, lun[given], None)
    spread = [] if disks is None else _spread(vms, disks)
    report_vm_storage(vms.names[lun == ""].tolist(), spread, report)
    report_split(split, report)
    return luns


def _datastore_of(
    vms: VmFrame, disks: FastDisks | None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each VM's datastore ("" none: that of its configuration file, else of its first
    disk), and the VMs of each datastore in row order. A datastore taken from vDisk is no
    cell of the VM's row: its lun's origin then names no column, as storage.py's."""
    n = len(vms)
    own, names = vms.facts["store"], list(vms.facts["stores"])
    code = own.copy()
    if disks is not None:
        disk_code = vms.facts["disk_code"]
        from_disk = (own < 0) & (disk_code >= 0)
        from_disk[from_disk] = disks.first[disk_code[from_disk]] >= 0
        code[from_disk] = disks.first[disk_code[from_disk]] + len(names)
        names += disks.stores
        if "lun" in vms.source:
            vms.source["lun"][from_disk] = None
    shown = np.array([*names, ""], object)
    lun = shown[np.where(code >= 0, code, len(names))]
    order = np.argsort(code, kind="stable")  # each datastore's VMs in row order
    starts = np.flatnonzero(np.diff(code[order], prepend=-2))
    users: dict[str, list[np.ndarray]] = {}
    for start, end in zip(starts.tolist(), [*starts[1:].tolist(), n], strict=True):
        if code[order[start]] >= 0:
            users.setdefault(str(lun[order[start]]), []).append(order[start:end])
    return lun, {name: np.sort(np.concatenate(parts)) for name, parts in users.items()}


def _spread(vms: VmFrame, disks: FastDisks) -> list[str]:
    codes = vms.facts["disk_code"]
    spread = codes >= 0
    spread[spread] = disks.spread[codes[spread]]
    return vms.names[spread].tolist()
