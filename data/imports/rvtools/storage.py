"""Where RVTools' VMs are stored: vDisk's disks, and vDatastore's datastores as LUNs.

A VMware datastore (VMFS on a SAN LUN, NFS, vSAN, vVol) is open to every host of its
cluster at once. On Hyper-V that is a Cluster Shared Volume, not an NTFS LUN one node
owns: so each datastore the VMs use becomes a shared LUN, whose VMs are placed and fail
over one by one, and whose capacity still bounds the disks the plan puts on it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from data.imports.common import (
    CanonicalTable,
    Cells,
    ImportOptions,
    ImportReport,
    all_cells,
    column,
    few,
    files,
    gib_from_mib,
    plural,
    required_column,
)
from data.imports.rvtools.sheets import SourceVm
from data.io.build import RawTable

_BRACKETED = re.compile(r"\s*\[([^\]]+)\]")  # "[SAN Gold 01] sql01/sql01.vmx"


def datastore_in(path: str) -> str:
    """The datastore a VMware path names, or "" when it names none."""
    if path[:1] == "[":  # what the pattern finds, without it (a call per VM and disk)
        end = path.find("]")
        return path[1:end].strip() if end > 1 else ""
    match = _BRACKETED.match(path)
    return match.group(1).strip() if match else ""


@dataclass(frozen=True)
class Where:
    """A datastore as a source cell names it (errors point at that cell)."""

    name: str
    cells: Cells
    column: str


@dataclass
class Disks:
    """vDisk by VM: total capacity in MiB, and the datastores of its disks in sheet order."""

    mib: dict[str, float] = field(default_factory=dict)
    stores: dict[str, list[Where]] = field(default_factory=dict)


def disks_from(tables: Sequence[RawTable], report: ImportReport) -> Disks:
    disks, count = Disks(), 0
    for cells in all_cells(tables):
        table = cells.table
        name = cells.name(required_column(table, "VM"))
        capacity = required_column(table, "Capacity MiB", "Capacity MB")
        disks.mib[name] = disks.mib.get(name, 0.0) + cells.number(capacity, "MiB")
        found = disks.stores.setdefault(name, [])
        path = column(table, "Path", "Disk Path")
        store = datastore_in(cells.text(path))
        if path and store and all(w.name != store for w in found):
            found.append(Where(store, cells, path))
        count += 1
    report_disks(count, report)
    return disks


def report_disks(count: int, report: ImportReport) -> None:
    report.mapped.append(
        f"vDisk: {count} disks; a VM's provisioned size is the sum of its disks' Capacity MiB "
        "(a thin disk at the full size it may grow to)"
    )


@dataclass(frozen=True)
class _Store:
    """A vDatastore row and how its table spells the columns used."""

    cells: Cells
    name: str
    name_column: str
    capacity: str
    cluster: str | None
    type: str


def luns_from(
    vms: list[SourceVm],
    disks: Disks | None,
    tables: Sequence[RawTable],
    host_clusters: set[str],
    options: ImportOptions,
    report: ImportReport,
) -> CanonicalTable:
    """One shared LUN per datastore the VMs use (per datastore and cluster, when VMs of
    several clusters use it); each VM's lun is its datastore's.
    host_clusters: the clusters of vHost's hosts, when vHost gives the nodes."""
    stores = datastores(tables)
    users = _users(vms, disks, stores, tables)
    clusters = host_clusters | {str(vm.row["cluster"]) for vm in vms if vm.row["cluster"]}
    luns = CanonicalTable.of(tables)
    split: dict[str, list[str]] = {}
    for name, store in stores.items():
        if name in users:
            found = users[name]
            given = [str(vm.row["cluster"]) for vm in found]
            groups = by_cluster(given, host_clusters)
            if options.strict and len(groups) > 1:
                _mixed(name, found, groups)
            provisioned = [vm.provisioned_mib for vm in found]
            for at, lun in add_luns(luns, store, groups, provisioned, clusters).items():
                found[at].row["lun"] = lun
            if len(groups) > 1:
                split[name] = list(groups)
    report_luns(tables, stores, users, clusters, report)
    homeless = [str(vm.row["vm"]) for vm in vms if not vm.row.get("lun")]
    spread = [
        str(vm.row["vm"])
        for vm in vms
        if disks and len(disks.stores.get(str(vm.row["vm"]), [])) > 1
    ]
    report_vm_storage(homeless, spread, report)
    report_split(split, report)
    return luns


def _users(
    vms: list[SourceVm], disks: Disks | None, stores: dict[str, _Store], tables: Sequence[RawTable]
) -> dict[str, list[SourceVm]]:
    """The VMs of each datastore, in row order; each VM's lun set to its datastore."""
    users: dict[str, list[SourceVm]] = {}
    for vm in vms:
        where = _datastore_of(vm, disks)
        if where is None:
            continue
        if where.name not in stores:
            named = ", ".join(t.file for t in tables)
            raise where.cells.fail(where.column, f"datastore {where.name!r} is not in {named}")
        vm.row["lun"] = where.name
        vm.columns["lun"] = where.column if where.cells is vm.cells else None
        users.setdefault(where.name, []).append(vm)
    return users


def datastores(tables: Sequence[RawTable]) -> dict[str, _Store]:
    stores: dict[str, _Store] = {}
    for cells in all_cells(tables):
        table = cells.table
        name, kind = required_column(table, "Name"), required_column(table, "Type")
        capacity = required_column(table, "Capacity MiB", "Capacity MB")
        cluster = column(table, "Cluster name")
        store = _Store(cells, cells.name(name), name, capacity, cluster, cells.text(kind))
        if store.name in stores:
            first = stores[store.name].cells
            message = f"{store.name!r} repeats {first.table.file} row {first.row_number}"
            raise cells.fail(name, message)
        stores[store.name] = store
    return stores


def _datastore_of(vm: SourceVm, disks: Disks | None) -> Where | None:
    """The datastore of the VM's configuration file, else of its first disk."""
    if vm.path and (name := datastore_in(vm.path)):
        return Where(name, vm.cells, vm.columns.get("lun") or "Path")
    found = disks.stores.get(str(vm.row["vm"]), []) if disks else []
    return found[0] if found else None


def add_luns(
    luns: CanonicalTable,
    store: _Store,
    groups: dict[str, list[int]],
    provisioned: Sequence[float],
    clusters: set[str],
) -> dict[int, str]:
    """A datastore's cluster: the one its 'Cluster name' names, else that of its VMs. Used
    by several clusters, it is one LUN per cluster, `<datastore>@<cluster>`, its capacity
    split by what each cluster's VMs are provisioned (a LUN serves one failover cluster).
    `groups` and the result (the VMs given a split LUN's name) hold positions in the
    datastore's VMs, `provisioned` their MiB."""
    capacity_mib = store.cells.number(store.capacity, "MiB")
    if len(groups) == 1:
        named = store.cells.text(store.cluster)
        known = named in clusters
        cluster = named if known else next(iter(groups))
        row = {
            "lun": store.name,
            "capacity_gb": gib_from_mib(capacity_mib),
            "shared": True,
            "cluster": cluster,
        }
        origin = store.cells.origin(
            lun=store.name_column,
            capacity_gb=store.capacity,
            cluster=store.cluster if known else None,
        )
        luns.add(row, origin)
        return {}
    weights = {c: max(1.0, sum(provisioned[at] for at in members)) for c, members in groups.items()}
    total = sum(weights.values())
    renamed: dict[int, str] = {}
    for cluster, members in groups.items():
        name = f"{store.name}@{cluster}"
        share = gib_from_mib(capacity_mib * weights[cluster] / total)
        row = {"lun": name, "capacity_gb": share, "shared": True, "cluster": cluster}
        luns.add(row, store.cells.origin(lun=store.name_column))
        renamed.update(dict.fromkeys(members, name))
    return renamed


def by_cluster(clusters: Sequence[str], host_clusters: set[str]) -> dict[str, list[int]]:
    """A datastore's VMs (their clusters given in row order) by cluster, as positions. A VM
    of a cluster no host is in goes with the first VM's cluster and is left to
    build_inventory, which says just that."""
    known = [not host_clusters or c in host_clusters for c in clusters]
    first = next((at for at, k in enumerate(known) if k), 0)
    groups: dict[str, list[int]] = {clusters[first]: []}
    for at, cluster in enumerate(clusters):
        if known[at]:
            groups.setdefault(cluster, []).append(at)
    groups[clusters[first]] += [at for at, k in enumerate(known) if not k]
    return groups


def _mixed(datastore: str, vms: list[SourceVm], groups: dict[str, list[int]]) -> None:
    """Strict: a datastore of VMs of several clusters is an error at the first VM of the
    second cluster."""
    first, *others = groups.values()
    vm, there = vms[min(at for members in others for at in members)], vms[first[0]]
    raise vm.cells.fail(
        vm.columns.get("cluster") or "Cluster",
        f"{vm.row['cluster']!r}: datastore {datastore!r} also holds VMs of cluster "
        f"{there.row['cluster']!r} (row {there.cells.row_number}); a LUN serves one "
        "cluster, so import each cluster's VMs separately",
    )


def report_split(split: dict[str, list[str]], report: ImportReport) -> None:
    if not split:
        return
    shown = few(f"{name} ({', '.join(clusters)})" for name, clusters in split.items())
    report.assumed.append(
        f"datastores used by VMs of several clusters: {plural(len(split), 'datastore')} "
        f"({shown}): one shared LUN per datastore and cluster, named '<datastore>@<cluster>', "
        "its capacity split by what each cluster's VMs are provisioned"
    )


def report_luns(
    tables: Sequence[RawTable],
    stores: dict[str, _Store],
    users: Collection[str],
    clusters: set[str],
    report: ImportReport,
) -> None:
    """The datastores that became LUNs (`users`: those holding a planned VM)."""
    types = Counter(stores[name].type or "no type" for name in users)
    shown = ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
    report.mapped.append(
        f"{files(tables)}: {len(users)} datastores holding VMs ({shown}) -> luns (lun = Name, "
        "capacity_gb = Capacity MiB / 1024, shared = true); a VM's lun is the datastore "
        "in brackets in its vInfo Path, else in its first vDisk Path"
    )
    report.assumed.append(
        "a datastore is open to all hosts of its cluster, like a Cluster Shared Volume: "
        "each is a shared LUN, whose VMs are placed and fail over one by one"
    )
    unused = [name for name in stores if name not in users]
    if unused:
        report.dropped.append(f"datastores holding no planned VM: {len(unused)} ({few(unused)})")
    named = {stores[name].cells.text(stores[name].cluster) for name in users}
    pods = sorted(name for name in named if name and name not in clusters)
    if pods:
        report.assumed.append(
            f"vDatastore 'Cluster name' ({few(pods)}) is a datastore cluster, not a "
            "host cluster: those datastores belong to the cluster of their VMs"
        )


def report_vm_storage(homeless: list[str], spread: list[str], report: ImportReport) -> None:
    """VMs naming no datastore, and VMs with disks on several."""
    if homeless:
        report.assumed.append(
            f"VMs naming no datastore: {len(homeless)} ({few(homeless)}); the "
            "planner puts each on a LUN of its cluster"
        )
    if spread:
        report.assumed.append(
            f"VMs with disks on several datastores: {len(spread)} ({few(spread)}); "
            "each is planned on the datastore of its configuration file, with all its disks"
        )
