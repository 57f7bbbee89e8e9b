"""Resolve names to indices and apply MODEL.md's cluster and LUN rules, column-wise.

build.py hands over typed columns (one list or array per column). Each rule is
checked over a whole column at once; where a row breaks one, the first such
row is handed to the same one-row function that words the error, so messages
name the file, row and column exactly as a row-by-row check would, and the
first error found is the one a row-by-row check would find first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from data.errors import InputError
from data.inventory import UNLIMITED, Inventory
from data.schema import CLASS_SEPARATOR, RESOURCE_PREFIX

Columns = Mapping[str, Any]  # a list or an array per column


def first_row(*bad: np.ndarray) -> int | None:
    """The first row index any of the masks marks, or None."""
    rows = [int(np.argmax(mask)) for mask in bad if mask.any()]
    return min(rows) if rows else None


def lookup(names: Sequence[str], index: Mapping[str, int]) -> np.ndarray:
    """Each name's index; -1 for an empty name, -2 for a name not in `index`."""
    codes = np.fromiter((index.get(name, -2) for name in names), np.int64, len(names))
    if (codes == -2).any():
        codes[np.array([name == "" for name in names], bool)] = -1
    return codes


class Builder:
    """One inventory from the typed columns of its tables (`files`: nodes, vms, luns)."""

    def __init__(
        self,
        files: tuple[str, str, str],
        tables: tuple[Columns, Columns, Columns | None],
        resources: tuple[str, ...],
        classes_known: bool,
    ) -> None:
        self.nodes_file, self.vms_file, self.luns_file = files
        self.nodes, self.vms, self.luns = tables
        self.resources = resources
        self.classes_known = classes_known

    def build(self) -> Inventory:
        self._check_nodes()
        clusters, vm_node = self._resolve_clusters_and_nodes()
        luns = self._luns_from_table() if self.luns is not None else self._luns_made_up()
        lun_names, lun_cluster, lun_capacity, lun_shared, lun_node, vm_lun = luns
        classes, vm_classes = self._classes()
        nodes, vms = self.nodes, self.vms
        return Inventory(
            clusters=clusters,
            resource_names=self.resources,
            class_names=classes,
            node_names=tuple(nodes["node"]),
            node_cluster=self.node_cluster,
            node_memory_mb=_ints(nodes["memory_mb"]),
            node_reserve_mb=_ints(nodes["reserve_mb"]),
            node_lps=_ints(nodes["logical_processors"]),
            node_vcpu_per_lp=np.asarray(nodes["vcpu_per_lp"], float),
            node_vlan=np.asarray(nodes["vlan"], bool),
            node_resources=self._matrix(nodes),
            vm_names=tuple(vms["vm"]),
            vm_cluster=self.vm_cluster,
            vm_memory_mb=_ints(vms["memory_mb"]),
            vm_vcpus=_ints(vms["vcpus"]),
            vm_disk_gb=np.asarray(vms["disk_gb"], float),
            vm_lun=vm_lun,
            vm_node=vm_node,
            vm_vlan=np.asarray(vms["vlan"], bool),
            vm_classes=vm_classes,
            vm_resources=self._matrix(vms),
            lun_names=lun_names,
            lun_cluster=lun_cluster,
            lun_capacity_gb=np.asarray(lun_capacity, float),
            lun_shared=np.asarray(lun_shared, bool),
            lun_node=lun_node,
            has_lun_table=self.luns is not None,
            classes_known=self.classes_known,
        )

    def _matrix(self, table: Columns) -> np.ndarray:
        rows = len(table["memory_mb"])
        columns = [_ints(table[RESOURCE_PREFIX + r]) for r in self.resources]
        return np.column_stack(columns) if columns else np.zeros((rows, 0), np.int64)

    def _check_nodes(self) -> None:
        names = self.nodes["node"]
        if not len(names):
            raise InputError("no nodes: the table has no rows", self.nodes_file)
        memory, reserve = _ints(self.nodes["memory_mb"]), _ints(self.nodes["reserve_mb"])
        semicolon = np.array([";" in name for name in names], bool)
        high = reserve >= memory
        i = first_row(semicolon, high)
        if i is None:
            return
        if semicolon[i]:
            raise InputError(f"{names[i]!r} contains ';'", self.nodes_file, i + 1, "node")
        raise InputError(
            f"{reserve[i]} is not below memory_mb ({memory[i]})",
            self.nodes_file,
            i + 1,
            "reserve_mb",
        )

    def _resolve_clusters_and_nodes(self) -> tuple[tuple[str, ...], np.ndarray]:
        """Index clusters and nodes (in table order) and resolve each VM's cluster and
        current node: the cluster names and each VM's node index."""
        clusters = tuple(dict.fromkeys(self.nodes["cluster"]))
        self.cluster_index = {name: i for i, name in enumerate(clusters)}
        self.node_index = {name: i for i, name in enumerate(self.nodes["node"])}
        self.node_cluster = lookup(self.nodes["cluster"], self.cluster_index)
        self.vm_cluster = self._clusters_of(self.vms["cluster"], self.vms_file)
        vm_node = self._node_refs(self.vms["node"], self.vm_cluster, self.vms_file)
        return clusters, vm_node

    def _clusters_of(self, names: Sequence[str], file: str) -> np.ndarray:
        codes = lookup(names, self.cluster_index)
        if len(self.cluster_index) == 1:
            codes[codes == -1] = 0
        i = first_row(codes < 0)
        if i is not None:
            self._cluster_of(names[i], file, i + 1)  # raises
        return codes

    def _cluster_of(self, name: str, file: str, row: int) -> int:
        if not name:
            if len(self.cluster_index) == 1:
                return 0
            raise InputError(
                "is empty; required when the nodes name more than one cluster", file, row, "cluster"
            )
        if name not in self.cluster_index:
            raise InputError(f"cluster {name!r} has no nodes", file, row, "cluster")
        return self.cluster_index[name]

    def _node_refs(self, names: Sequence[str], cluster: np.ndarray, file: str) -> np.ndarray:
        codes = lookup(names, self.node_index)
        known = codes >= 0
        elsewhere = np.zeros(len(codes), bool)
        elsewhere[known] = self.node_cluster[codes[known]] != cluster[known]
        i = first_row(codes == -2, elsewhere)
        if i is not None:
            self._node_ref(names[i], int(cluster[i]), file, i + 1)  # raises
        return codes

    def _node_ref(self, name: str, cluster: int, file: str, row: int) -> int:
        if not name:
            return -1
        if name not in self.node_index:
            raise InputError(f"node {name!r} is not in {self.nodes_file}", file, row, "node")
        n = self.node_index[name]
        if self.node_cluster[n] != cluster:
            raise InputError(f"node {name!r} belongs to another cluster", file, row, "node")
        return n

    def _luns_from_table(self) -> tuple:
        assert self.luns is not None
        names = tuple(self.luns["lun"])
        cluster = self._clusters_of(self.luns["cluster"], self.luns_file)
        owner = self._node_refs(self.luns["node"], cluster, self.luns_file)
        index = {name: i for i, name in enumerate(names)}
        vm_lun = lookup(self.vms["lun"], index)
        known = vm_lun >= 0
        elsewhere = np.zeros(len(vm_lun), bool)
        elsewhere[known] = cluster[vm_lun[known]] != self.vm_cluster[known]
        i = first_row(vm_lun == -2, elsewhere)
        if i is not None:
            lun = self.vms["lun"][i]
            known_lun = lun in index
            problem = "belongs to another cluster" if known_lun else f"is not in {self.luns_file}"
            raise InputError(f"LUN {lun!r} {problem}", self.vms_file, i + 1, "lun")
        capacity, shared = self.luns["capacity_gb"], self.luns["shared"]
        return names, cluster, capacity, shared, owner, vm_lun

    def _luns_made_up(self) -> tuple:
        """Without a luns table: VMs naming one LUN share it; others get their own."""
        luns, vms = self.vms["lun"], self.vms["vm"]
        named = {lun for lun in luns if lun}
        names = [lun or vm for lun, vm in zip(luns, vms, strict=True)]
        clash = np.array([not lun and vm in named for lun, vm in zip(luns, vms, strict=True)], bool)
        index: dict[str, int] = {}
        vm_lun = np.fromiter((index.setdefault(n, len(index)) for n in names), np.int64, len(names))
        _, first = np.unique(vm_lun, return_index=True)
        cluster = self.vm_cluster[first]
        i = first_row(clash, cluster[vm_lun] != self.vm_cluster)
        if i is not None:
            raise _made_up_lun_error(names[i], bool(clash[i]), self.vms_file, i + 1)
        n = len(index)
        return tuple(index), cluster, [UNLIMITED] * n, [False] * n, np.full(n, -1), vm_lun

    def _classes(self) -> tuple[tuple[str, ...], np.ndarray]:
        per_vm = {
            v: [c.strip() for c in cell.split(CLASS_SEPARATOR) if c.strip()]
            for v, cell in enumerate(self.vms["anti_affinity"])
            if cell
        }
        names = tuple(dict.fromkeys(c for classes in per_vm.values() for c in classes))
        index = {name: i for i, name in enumerate(names)}
        matrix = np.zeros((len(self.vms["vm"]), len(names)), bool)
        for v, classes in per_vm.items():
            matrix[v, [index[c] for c in classes]] = True
        return names, matrix


def _made_up_lun_error(name: str, clash: bool, file: str, row: int) -> InputError:
    if clash:
        return InputError(
            f"is empty, so the VM gets its own LUN {name!r}, but another VM names a LUN {name!r}",
            file,
            row,
            "lun",
        )
    return InputError(f"LUN {name!r} is named by VMs of different clusters", file, row, "lun")


def _ints(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).reshape(-1)
