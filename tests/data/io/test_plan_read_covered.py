"""A plan covers the clusters plan.json's `clusters` list names, and is read against those."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.errors import InputError
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.io.plan_read import covered_clusters, read_covered_plan
from data.io.write import write_plan
from data.plan import ClusterSummary, Plan, PlanSummary
from data.subset import cluster_subset


@pytest.fixture
def two() -> Inventory:
    nodes = [
        {"node": f"{c}{i}", "memory_mb": 8192, "logical_processors": 4, "cluster": c}
        for c in "ab"
        for i in (1, 2)
    ]
    vms = [{"vm": f"v{c}", "memory_mb": 1024, "vcpus": 1, "cluster": c} for c in "ab"]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))


def summary_of(*clusters: str) -> PlanSummary:
    rows = tuple(ClusterSummary(c, "optimal", 100, 100, 2, 0.1) for c in clusters)
    return PlanSummary("optimal", 1, "balance", 100, 100, 2, 0.1, "ab" * 32, rows)


def test_covered_clusters_named_by_plan_json(two: Inventory) -> None:
    content = {"clusters": [{"cluster": "b"}]}
    assert covered_clusters(content, two) == [1]


@pytest.mark.parametrize("content", [{}, {"clusters": []}])
def test_covered_clusters_all_when_none_listed(two: Inventory, content: dict) -> None:
    assert covered_clusters(content, two) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"clusters": [{"cluster": "c"}]}, "cluster 'c' is not in the inventory"),
        ({"clusters": ["a"]}, "expected a list of objects naming a cluster"),
    ],
)
def test_covered_clusters_bad_list_names_the_field(two: Inventory, content, message) -> None:
    with pytest.raises(InputError, match=message) as error:
        covered_clusters(content, two)
    assert error.value.line().startswith("plan.json, clusters: ")


def test_read_covered_plan_cuts_to_the_covered_clusters(two: Inventory, tmp_path: Path) -> None:
    cut = cluster_subset(two, [1]).inventory
    write_plan(tmp_path / "p", cut, Plan.from_lists([0], [[0, 1]]), summary_of("b"))
    covered = read_covered_plan(tmp_path / "p", two)
    assert covered.inventory.clusters == ("b",)
    assert covered.left_out == ("a",)
    assert covered.inventory.vm_names == ("vb",)
    assert covered.plan.owners.tolist() == [[0, 1]]


def test_read_covered_plan_whole_when_every_cluster_listed(two: Inventory, tmp_path: Path) -> None:
    plan = Plan.from_lists([0, 1], [[0, 1], [2, 3]])
    write_plan(tmp_path / "p", two, plan, summary_of("a", "b"))
    covered = read_covered_plan(tmp_path / "p", two)
    assert covered.inventory is two and covered.left_out == ()
    assert json.loads((tmp_path / "p" / "plan.json").read_text())["clusters"][1]["cluster"] == "b"
