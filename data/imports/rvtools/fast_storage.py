"""storage.py's vDisk sums and datastore assignment a column at a time (for fast.py): one
dictionary from VM names to their disks, and each VM's datastore found with the same
rules, without a Cells object per disk or VM. vDatastore (a row per datastore) is
read row by row, as storage.py reads it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data.imports.columns import Columns, Declined
from data.imports.common import (
    CanonicalTable,
    ImportOptions,
    ImportReport,
    column,
    required_column,
)
from data.imports.hyperv.frame import VmFrame
from data.imports.rvtools.storage import (
    add_luns,
    by_cluster,
    datastore_in,
    datastores,
    report_disks,
    report_luns,
    report_split,
    report_vm_storage,
)
from data.io.build import RawTable


@dataclass
class FastDisks:
    """vDisk by VM (`index`: a VM name's code): total MiB, first datastore, and whether
    its disks are on several datastores."""

    index: dict[str, int]
    mib: np.ndarray
    first: list[str]  # "" where no disk names a datastore
    spread: np.ndarray

    def codes(self, names: list[str]) -> np.ndarray:
        """Each VM's code, -1 for a VM with no disk."""
        get = self.index.get
        return np.fromiter((get(name, -1) for name in names), np.int64, len(names))

    def mib_of(self, codes: np.ndarray) -> np.ndarray:
        """storage.Disks.mib.get(name, 0.0) of each VM."""
        mib, given = np.zeros(len(codes)), codes >= 0
        mib[given] = self.mib[codes[given]]
        return mib


def read_disks(table: RawTable, report: ImportReport) -> FastDisks:
    """storage.disks_from of one vDisk table."""
    cells = Columns(table)
    names = cells.names(required_column(table, "VM"))
    capacity = cells.numbers(required_column(table, "Capacity MiB", "Capacity MB"))
    index: dict[str, int] = {}
    add = index.setdefault
    codes = np.fromiter((add(name, len(index)) for name in names), np.int64, len(names))
    # bincount adds each VM's disks in row order, from 0.0: the sums disks_from makes
    mib = np.bincount(codes, weights=capacity, minlength=len(index))
    first, spread = [""] * len(index), np.zeros(len(index), bool)
    path = column(table, "Path", "Disk Path")
    if path:
        for code, store in zip(codes.tolist(), map(datastore_in, cells.texts(path)), strict=True):
            if store and not first[code]:
                first[code] = store
            elif store and store != first[code]:
                spread[code] = True
    report_disks(len(names), report)
    return FastDisks(index, mib, first, spread)


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
    paths = vms.facts["path"].tolist() if "path" in vms.facts else None
    codes = vms.facts["disk_code"].tolist()
    lun = np.full(len(vms), "", object)
    users: dict[str, list[int]] = {}
    from_disk = []
    for i in range(len(vms)):
        name = datastore_in(paths[i]) if paths and paths[i] else ""
        if not name and codes[i] >= 0 and disks is not None:
            name = disks.first[codes[i]]
            from_disk.append(i)
        if name:
            lun[i] = name
            users.setdefault(name, []).append(i)
    if "lun" in vms.source and from_disk:
        taken = np.array(from_disk, np.int64)
        vms.source["lun"][taken[lun[taken] != ""]] = None
    return lun, {name: np.array(found, np.int64) for name, found in users.items()}


def _spread(vms: VmFrame, disks: FastDisks) -> list[str]:
    codes = vms.facts["disk_code"]
    spread = codes >= 0
    spread[spread] = disks.spread[codes[spread]]
    return vms.names[spread].tolist()
