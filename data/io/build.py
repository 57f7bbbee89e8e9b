"""Validate raw rows and build the Inventory (the "validate -> build" half of reading).

Readers hand over `RawTable`s whose cells are CSV strings or Parquet values;
tests and the synthetic generator hand over typed values. Both are checked the
same way here, so every error names the file, the row and the column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from data.errors import InputError
from data.inventory import UNLIMITED, Inventory
from data.io.cells import coerce, is_missing
from data.schema import (
    CLASS_SEPARATOR,
    LUNS,
    NODES,
    RESOURCE_PREFIX,
    VMS,
    Column,
    Kind,
)


@dataclass(frozen=True)
class RawTable:
    """One input table as read: its file name (for messages), columns and rows."""

    file: str
    columns: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]


@dataclass
class BuildReport:
    """What building noticed but did not reject (shown to the user as warnings)."""

    warnings: list[str] = field(default_factory=list)


def table(file: str, rows: Sequence[Mapping[str, Any]]) -> RawTable:
    """A RawTable from typed rows (tests, synthetic fleets): columns from all rows."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return RawTable(file, tuple(columns), rows)


def build_inventory(
    nodes: RawTable,
    vms: RawTable,
    luns: RawTable | None = None,
    report: BuildReport | None = None,
) -> Inventory:
    """Check every cell and every cross-reference, then build the Inventory."""
    report = report if report is not None else BuildReport()
    resources = _resource_columns(nodes, vms, report)
    node_rows = _typed_rows(nodes, NODES, resources, report, resource_default=None)
    vm_rows = _typed_rows(vms, VMS, resources, report, resource_default=0)
    lun_rows = _typed_rows(luns, LUNS, (), report) if luns is not None else None
    return _Builder(nodes, vms, luns, node_rows, vm_rows, lun_rows, resources).build()


def _resource_columns(nodes: RawTable, vms: RawTable, report: BuildReport) -> tuple[str, ...]:
    node_res = [c for c in nodes.columns if c.startswith(RESOURCE_PREFIX)]
    vm_res = [c for c in vms.columns if c.startswith(RESOURCE_PREFIX)]
    for column in vm_res:
        if column not in node_res:
            raise InputError(
                f"no nodes column {column} gives the nodes' capacity", vms.file, column=column
            )
    for column in node_res:
        if column not in vm_res:
            report.warnings.append(f"{nodes.file}: {column} is unused (no VM column {column})")
    return tuple(c.removeprefix(RESOURCE_PREFIX) for c in node_res if c in vm_res)


def _typed_rows(
    raw: RawTable,
    columns: tuple[Column, ...],
    resources: tuple[str, ...],
    report: BuildReport,
    resource_default: int | None = 0,
) -> list[dict[str, Any]]:
    known = {c.name for c in columns} | {RESOURCE_PREFIX + r for r in resources}
    for name in raw.columns:
        if name not in known and not name.startswith(RESOURCE_PREFIX):
            report.warnings.append(f"{raw.file}: unknown column {name!r} ignored")
    for c in columns:
        if c.required and c.name not in raw.columns:
            raise InputError(f"required column {c.name!r} is missing", raw.file, column=c.name)
    specs = list(columns) + [
        Column(
            RESOURCE_PREFIX + r, Kind.NON_NEGATIVE_INT, resource_default is None, resource_default
        )
        for r in resources
    ]
    rows = [_typed_row(raw.file, i + 1, row, specs) for i, row in enumerate(raw.rows)]
    for c in specs:
        if c.unique:
            _check_unique(raw.file, c.name, [row[c.name] for row in rows])
    return rows


def _typed_row(file: str, number: int, row: Mapping[str, Any], specs: list[Column]) -> dict:
    typed: dict[str, Any] = {}
    for c in specs:
        raw = row.get(c.name)
        if is_missing(raw):
            if c.required:
                raise InputError("is empty; a value is required", file, number, c.name)
            typed[c.name] = c.default
            continue
        try:
            typed[c.name] = coerce(c.kind, raw)
        except ValueError as error:
            raise InputError(str(error), file, number, c.name) from None
    return typed


def _check_unique(file: str, column: str, values: list[Any]) -> None:
    first_row: dict[Any, int] = {}
    for i, value in enumerate(values):
        if value in first_row:
            raise InputError(f"{value!r} repeats row {first_row[value]}", file, i + 1, column)
        first_row[value] = i + 1


class _Builder:
    """Resolves names to indices and applies MODEL.md's cluster and LUN rules."""

    def __init__(
        self,
        nodes: RawTable,
        vms: RawTable,
        luns: RawTable | None,
        node_rows: list[dict],
        vm_rows: list[dict],
        lun_rows: list[dict] | None,
        resources: tuple[str, ...],
    ) -> None:
        self.nodes_file, self.vms_file = nodes.file, vms.file
        self.luns_file = luns.file if luns is not None else ""
        self.node_rows, self.vm_rows, self.lun_rows = node_rows, vm_rows, lun_rows
        self.resources = resources
        self.classes_known = _classes_given(vms)

    def build(self) -> Inventory:
        self._check_nodes()
        clusters, vm_node = self._resolve_clusters_and_nodes()
        luns = self._luns_from_table() if self.lun_rows is not None else self._luns_made_up()
        lun_names, lun_cluster, lun_capacity, lun_shared, lun_node, vm_lun = luns
        classes, vm_classes = self._classes()
        res = [RESOURCE_PREFIX + r for r in self.resources]
        return Inventory(
            clusters=clusters,
            resource_names=self.resources,
            class_names=classes,
            node_names=tuple(r["node"] for r in self.node_rows),
            node_cluster=_ints(self.node_cluster),
            node_memory_mb=_ints(r["memory_mb"] for r in self.node_rows),
            node_reserve_mb=_ints(r["reserve_mb"] for r in self.node_rows),
            node_lps=_ints(r["logical_processors"] for r in self.node_rows),
            node_vcpu_per_lp=np.array([r["vcpu_per_lp"] for r in self.node_rows], float),
            node_vlan=np.array([r["vlan"] for r in self.node_rows], bool),
            node_resources=_matrix(self.node_rows, res),
            vm_names=tuple(r["vm"] for r in self.vm_rows),
            vm_cluster=_ints(self.vm_cluster),
            vm_memory_mb=_ints(r["memory_mb"] for r in self.vm_rows),
            vm_vcpus=_ints(r["vcpus"] for r in self.vm_rows),
            vm_disk_gb=np.array([r["disk_gb"] for r in self.vm_rows], float),
            vm_lun=_ints(vm_lun),
            vm_node=_ints(vm_node),
            vm_vlan=np.array([r["vlan"] for r in self.vm_rows], bool),
            vm_classes=vm_classes,
            vm_resources=_matrix(self.vm_rows, res),
            lun_names=lun_names,
            lun_cluster=_ints(lun_cluster),
            lun_capacity_gb=np.array(lun_capacity, float),
            lun_shared=np.array(lun_shared, bool),
            lun_node=_ints(lun_node),
            has_lun_table=self.lun_rows is not None,
            classes_known=self.classes_known,
        )

    def _resolve_clusters_and_nodes(self) -> tuple[tuple[str, ...], list[int]]:
        """Index clusters and nodes (in table order) and resolve each VM's cluster and
        current node: the cluster names and each VM's node index."""
        clusters = tuple(dict.fromkeys(r["cluster"] for r in self.node_rows))
        self.cluster_index = {name: i for i, name in enumerate(clusters)}
        self.node_index = {r["node"]: i for i, r in enumerate(self.node_rows)}
        self.node_cluster = [self.cluster_index[r["cluster"]] for r in self.node_rows]
        self.vm_cluster = [
            self._cluster_of(r["cluster"], self.vms_file, i + 1) for i, r in enumerate(self.vm_rows)
        ]
        vm_node = [
            self._node_ref(r["node"], self.vm_cluster[i], self.vms_file, i + 1)
            for i, r in enumerate(self.vm_rows)
        ]
        return clusters, vm_node

    def _check_nodes(self) -> None:
        if not self.node_rows:
            raise InputError("no nodes: the table has no rows", self.nodes_file)
        for i, r in enumerate(self.node_rows):
            if ";" in r["node"]:
                raise InputError(f"{r['node']!r} contains ';'", self.nodes_file, i + 1, "node")
            if r["reserve_mb"] >= r["memory_mb"]:
                raise InputError(
                    f"{r['reserve_mb']} is not below memory_mb ({r['memory_mb']})",
                    self.nodes_file,
                    i + 1,
                    "reserve_mb",
                )

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
        assert self.lun_rows is not None
        names = tuple(r["lun"] for r in self.lun_rows)
        cluster = [
            self._cluster_of(r["cluster"], self.luns_file, i + 1)
            for i, r in enumerate(self.lun_rows)
        ]
        owner = [
            self._node_ref(r["node"], cluster[i], self.luns_file, i + 1)
            for i, r in enumerate(self.lun_rows)
        ]
        index = {name: i for i, name in enumerate(names)}
        vm_lun = []
        for i, r in enumerate(self.vm_rows):
            if not r["lun"]:
                vm_lun.append(-1)
                continue
            if r["lun"] not in index:
                raise InputError(
                    f"LUN {r['lun']!r} is not in {self.luns_file}", self.vms_file, i + 1, "lun"
                )
            lun = index[r["lun"]]
            if cluster[lun] != self.vm_cluster[i]:
                raise InputError(
                    f"LUN {r['lun']!r} belongs to another cluster", self.vms_file, i + 1, "lun"
                )
            vm_lun.append(lun)
        capacity = [r["capacity_gb"] for r in self.lun_rows]
        shared = [r["shared"] for r in self.lun_rows]
        return names, cluster, capacity, shared, owner, vm_lun

    def _luns_made_up(self) -> tuple:
        """Without a luns table: VMs naming one LUN share it; others get their own."""
        named = {r["lun"] for r in self.vm_rows if r["lun"]}
        index: dict[str, int] = {}
        cluster: list[int] = []
        vm_lun = []
        for i, r in enumerate(self.vm_rows):
            name = r["lun"] or r["vm"]
            if not r["lun"] and name in named:
                raise InputError(
                    f"is empty, so the VM gets its own LUN {name!r}, but another VM names "
                    f"a LUN {name!r}",
                    self.vms_file,
                    i + 1,
                    "lun",
                )
            vm_cluster = self.vm_cluster[i]
            if name not in index:
                index[name] = len(index)
                cluster.append(vm_cluster)
            elif cluster[index[name]] != vm_cluster:
                raise InputError(
                    f"LUN {name!r} is named by VMs of different clusters",
                    self.vms_file,
                    i + 1,
                    "lun",
                )
            vm_lun.append(index[name])
        n = len(index)
        return tuple(index), cluster, [UNLIMITED] * n, [False] * n, [-1] * n, vm_lun

    def _classes(self) -> tuple[tuple[str, ...], np.ndarray]:
        per_vm = [
            [c.strip() for c in r["anti_affinity"].split(CLASS_SEPARATOR) if c.strip()]
            for r in self.vm_rows
        ]
        names = tuple(dict.fromkeys(c for classes in per_vm for c in classes))
        index = {name: i for i, name in enumerate(names)}
        matrix = np.zeros((len(self.vm_rows), len(names)), bool)
        for v, classes in enumerate(per_vm):
            matrix[v, [index[c] for c in classes]] = True
        return names, matrix


def _classes_given(vms: RawTable) -> bool:
    """Whether the table says which classes VMs have: an anti_affinity column (empty
    cells: none) that is not None throughout (None is how a writer says "not known")."""
    if "anti_affinity" not in vms.columns:
        return False
    return not vms.rows or any(row.get("anti_affinity") is not None for row in vms.rows)


def _ints(values: Any) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _matrix(rows: list[dict], columns: list[str]) -> np.ndarray:
    return np.array([[r[c] for c in columns] for r in rows], dtype=np.int64).reshape(
        len(rows), len(columns)
    )
