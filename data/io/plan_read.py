"""Read a plan directory back: placement.csv (checked against placement.parquet) and plan.json.

MODEL.md: placement.csv is what a person reads and may edit, placement.parquet is
its copy; a reader that finds the two disagree refuses the plan.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data.errors import InputError
from data.inventory import Inventory
from data.io.build import RawTable
from data.io.cells import coerce, is_missing
from data.io.read import read_table
from data.plan import Plan
from data.schema import OWNER_SEPARATOR, PLACEMENT_SCHEMA, PLAN_JSON, Kind
from data.subset import cluster_subset


@dataclass(frozen=True, eq=False)
class CoveredPlan:
    """A plan read against the clusters it covers (plan.json's `clusters` list): the
    inventory cut to those, the plan in its indices, and the clusters left out."""

    inventory: Inventory
    plan: Plan
    info: dict[str, Any]  # as read_plan gives it
    left_out: tuple[str, ...]  # clusters of the given inventory the plan does not cover


def read_covered_plan(directory: Path, inventory: Inventory) -> CoveredPlan:
    """read_plan against the clusters the plan covers: a plan made with `plan --cluster`
    says nothing of the other clusters, so their VMs are not missing from it, while a
    covered cluster's VM missing from the placement still is (the checker says so)."""
    covered = covered_clusters(_read_plan_json(directory / PLAN_JSON), inventory)
    if covered is None or len(covered) == len(inventory.clusters):
        plan, info = read_plan(directory, inventory)
        return CoveredPlan(inventory, plan, info, ())
    cut = cluster_subset(inventory, covered).inventory
    elsewhere = {
        name: inventory.clusters[inventory.vm_cluster[v]]
        for v, name in enumerate(inventory.vm_names)
    }
    plan, info = read_plan(directory, cut, elsewhere)
    left_out = tuple(c for c in inventory.clusters if c not in cut.clusters)
    return CoveredPlan(cut, plan, info, left_out)


def covered_clusters(content: Mapping[str, Any], inventory: Inventory) -> list[int] | None:
    """The indices of the clusters plan.json's `clusters` list names; None (every cluster)
    when it has no such list or an empty one (plans written by hand)."""
    listed = content.get("clusters")
    if not listed:
        return None
    if not isinstance(listed, list) or not all(
        isinstance(c, dict) and isinstance(c.get("cluster"), str) for c in listed
    ):
        message = "expected a list of objects naming a cluster"
        raise InputError(message, PLAN_JSON, column="clusters")
    names = [c["cluster"] for c in listed]
    unknown = [name for name in names if name not in inventory.clusters]
    if unknown:
        message = f"cluster {unknown[0]!r} is not in the inventory"
        raise InputError(message, PLAN_JSON, column="clusters")
    return [inventory.clusters.index(name) for name in names]


def read_plan(
    directory: Path, inventory: Inventory, elsewhere: Mapping[str, str] | None = None
) -> tuple[Plan, dict[str, Any]]:
    """A plan written by write_plan (or by hand), resolved against the inventory.

    placement.csv is the one a person edits, so it is the plan; placement.parquet
    is its copy, and a plan whose copies disagree is refused (InputError naming the
    first row that differs) rather than read one way by one command and another way
    by the next. Either file alone is read as it is. plan.json is {} when absent.
    A VM missing from the placement gets vm_lun -1 and no owners (the checker
    reports it). The returned dict is plan.json's content plus "node_column":
    the placement's node column as node indices per VM (-1 where empty or
    absent), so the caller can flag a node that is not the first owner.
    `elsewhere` (VM -> cluster) names the cluster of a VM the inventory was cut from.
    """
    raw = _placement(directory)
    for column in ("vm", "lun", "owners"):
        if column not in raw.columns:
            raise InputError(f"required column {column!r} is missing", raw.file, column=column)
    resolver = _Resolver(raw.file, inventory, elsewhere or {})
    for number, row in enumerate(raw.rows, start=1):
        resolver.add(number, row)
    info = _read_plan_json(directory / PLAN_JSON)
    info["node_column"] = resolver.node_column
    return Plan.from_lists(resolver.vm_lun, resolver.owners), info


def _placement(directory: Path) -> RawTable:
    """placement.csv checked against placement.parquet when both exist, else the one found."""
    csv_path, parquet_path = directory / "placement.csv", directory / "placement.parquet"
    if not csv_path.exists() and not parquet_path.exists():
        raise InputError(f"plan {directory} has no placement.parquet or placement.csv")
    if not parquet_path.exists():
        return read_table(csv_path)
    if not csv_path.exists():
        return read_table(parquet_path)
    edited, copy = read_table(csv_path), read_table(parquet_path)
    _same_placement(edited, copy)
    return edited


def _same_placement(edited: RawTable, copy: RawTable) -> None:
    """Raise naming the first row (then column, in schema order) where the two differ."""
    for number in range(1, max(len(edited.rows), len(copy.rows)) + 1):
        for column in PLACEMENT_SCHEMA.names:
            mine, other = _cell(edited, number, column), _cell(copy, number, column)
            if mine != other:
                message = (
                    f"{_shown(mine)} but {copy.file} has {_shown(other)}; the copies "
                    f"disagree: edit {edited.file} and delete {copy.file} (or rewrite both)"
                )
                raise InputError(message, edited.file, number, column)


def _cell(raw: RawTable, number: int, column: str) -> str | None:
    """A cell as trimmed text ("" when empty or no such column); None when no such row."""
    if number > len(raw.rows):
        return None
    value = raw.rows[number - 1].get(column)
    return "" if is_missing(value) else str(value).strip()


def _shown(text: str | None) -> str:
    return "no such row" if text is None else repr(text)


class _Resolver:
    """Turns placement rows into index lists, naming the file, row and column of a bad name."""

    def __init__(self, file: str, inventory: Inventory, elsewhere: Mapping[str, str]) -> None:
        self.file, self.elsewhere = file, elsewhere
        self.vms = {name: v for v, name in enumerate(inventory.vm_names)}
        self.luns = {name: lun for lun, name in enumerate(inventory.lun_names)}
        self.nodes = {name: n for n, name in enumerate(inventory.node_names)}
        self.vm_lun = [-1] * inventory.n_vms
        self.owners: list[list[int]] = [[] for _ in range(inventory.n_vms)]
        self.node_column = [-1] * inventory.n_vms
        self.row_of: dict[int, int] = {}

    def add(self, number: int, row: Mapping[str, Any]) -> None:
        name = self._text(number, row, "vm")
        if not name:
            raise InputError("is empty; a value is required", self.file, number, "vm")
        if name not in self.vms and name in self.elsewhere:
            message = (
                f"VM {name!r} is of cluster {self.elsewhere[name]!r}, which the plan does "
                f"not cover ({PLAN_JSON} lists the clusters it covers)"
            )
            raise InputError(message, self.file, number, "vm")
        v = self._index(self.vms, "VM", name, number, "vm")
        if v in self.row_of:
            raise InputError(f"VM {name!r} repeats row {self.row_of[v]}", self.file, number, "vm")
        self.row_of[v] = number
        lun = self._text(number, row, "lun")
        self.vm_lun[v] = self._index(self.luns, "LUN", lun, number, "lun") if lun else -1
        owners = self._text(number, row, "owners").split(OWNER_SEPARATOR)
        names = [owner.strip() for owner in owners if owner.strip()]
        self.owners[v] = [self._index(self.nodes, "node", n, number, "owners") for n in names]
        node = self._text(number, row, "node")
        self.node_column[v] = self._index(self.nodes, "node", node, number, "node") if node else -1

    def _text(self, number: int, row: Mapping[str, Any], column: str) -> str:
        raw = row.get(column)
        if is_missing(raw):
            return ""
        try:
            return str(coerce(Kind.TEXT, raw))
        except ValueError as error:
            raise InputError(str(error), self.file, number, column) from None

    def _index(self, index: dict[str, int], what: str, name: str, number: int, column: str) -> int:
        if name not in index:
            raise InputError(f"{what} {name!r} is not in the inventory", self.file, number, column)
        return index[name]


def _read_plan_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        content = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", path.name) from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InputError(f"not valid JSON at {where}: {error.msg}", path.name) from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}", path.name) from None
    if not isinstance(content, dict):
        raise InputError("expected a JSON object", path.name)
    return content
