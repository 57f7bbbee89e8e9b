"""The catalog reader (strict, one line per error), the default catalog, bought nodes,
the period inventory and the cluster split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from data.errors import InputError
from data.growth.catalog import default_catalog
from data.growth.nodes import purchase_nodes, with_nodes, without_nodes
from data.growth.period import period_inventory
from data.growth.read import read_catalog
from data.growth.split import components, split_cluster
from data.inventory import Inventory
from data.io.build import build_inventory, table

GOOD = (
    "model,memory_mb,logical_processors,cost,cluster\n"
    "R650,262144,32,6000,\nR750,786432,64,14000,A\n"
)


def _inventory(resources: bool = False) -> Inventory:
    res = {"res_iops": 100} if resources else {}
    nodes = [
        {"node": "a1", "memory_mb": 65536, "logical_processors": 16, "cluster": "A", **res},
        {"node": "a2", "memory_mb": 131072, "logical_processors": 8, "cluster": "A", **res},
        {"node": "a3", "memory_mb": 131072, "logical_processors": 16, "cluster": "A", **res},
        {"node": "b1", "memory_mb": 32768, "logical_processors": 8, "cluster": "B", **res},
    ]
    vms = [
        {"vm": "v1", "memory_mb": 4096, "vcpus": 2, "cluster": "A", "node": "a1", **res},
        {"vm": "v2", "memory_mb": 4096, "vcpus": 2, "cluster": "B", "node": "b1", **res},
    ]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text(text)
    return path


def test_read_catalog_reads_models_with_node_defaults(tmp_path: Path) -> None:
    catalog, warnings = read_catalog(_write(tmp_path, GOOD), _inventory())
    assert [m.name for m in catalog.models] == ["R650", "R750"]
    assert catalog.models[0].reserve_mb == 2048 and catalog.models[0].vcpu_per_lp == 8.0
    assert [m.name for m in catalog.for_cluster("B")] == ["R650"]
    assert warnings == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("model,memory_mb,logical_processors\nR,1024,2\n", "catalog.csv, cost: required column"),
        (GOOD + "R650,1024,2,5,\n", "catalog.csv row 3, model: 'R650' repeats row 1"),
        ("model,memory_mb,logical_processors,cost\nR,1024,2,-5\n", "catalog.csv row 1, cost:"),
        ("model,memory_mb,logical_processors,cost\nR,abc,2,5\n", "catalog.csv row 1, memory_mb:"),
        ("model,memory_mb,logical_processors,cost\nR;S,1024,2,5\n", "catalog.csv row 1, model:"),
        (
            "model,memory_mb,logical_processors,cost,reserve_mb\nR,1024,2,5,2048\n",
            "catalog.csv row 1, reserve_mb:",
        ),
        (
            "model,memory_mb,logical_processors,cost,cluster\nR,9024,2,5,Z\n",
            "catalog.csv row 1, cluster: cluster 'Z' is not in the inventory",
        ),
        ("model,memory_mb,logical_processors,cost\n", "catalog.csv: no models"),
    ],
)
def test_read_catalog_bad_input_is_one_line(tmp_path: Path, text: str, line: str) -> None:
    with pytest.raises(InputError) as error:
        read_catalog(_write(tmp_path, text), _inventory())
    assert error.value.line().startswith(line)
    assert "\n" not in error.value.line()


def test_read_catalog_needs_the_vms_resources(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"catalog\.csv, res_iops: is missing"):
        read_catalog(_write(tmp_path, GOOD), _inventory(resources=True))


def test_default_catalog_copies_the_largest_node_of_each_cluster() -> None:
    catalog = default_catalog(_inventory())
    assert [(m.name, m.cluster, m.cost) for m in catalog.models] == [
        ("a3", "A", 1.0),  # most memory, then most logical processors
        ("b1", "B", 1.0),
    ]
    assert catalog.for_cluster("A")[0].memory_mb == 131072


def test_with_nodes_names_bought_nodes_per_cluster() -> None:
    inv = _inventory()
    model = default_catalog(inv).models[0]
    bought = purchase_nodes("A", [model], [2])
    assert [name for name, _ in bought] == ["A-a3-01", "A-a3-02"]
    grown = with_nodes(inv, 0, bought)
    assert grown.node_names[-2:] == ("A-a3-01", "A-a3-02")
    assert list(grown.node_cluster[-2:]) == [0, 0] and grown.n_vms == inv.n_vms


def test_period_inventory_validates_replaced_estate_through_build() -> None:
    inv = _inventory()
    bare = without_nodes(inv)
    assert bare.n_nodes == 0 and (bare.vm_node == -1).all()
    model = default_catalog(inv).models[0]
    grown = with_nodes(bare, 0, purchase_nodes("A", [model], [2]))
    period = period_inventory(grown, [0])  # B has no node: it is left out
    assert period.clusters == ("A",) and period.vm_names == ("v1",)
    assert period.node_names == ("A-a3-01", "A-a3-02")


def _split_inventory() -> Inventory:
    nodes = [{"node": f"n{i}", "memory_mb": 65536, "logical_processors": 8} for i in range(6)]
    vms = [
        {"vm": "s1", "memory_mb": 8192, "vcpus": 1, "lun": "L1"},
        {"vm": "s2", "memory_mb": 8192, "vcpus": 1, "lun": "L1"},
        {"vm": "d1", "memory_mb": 2048, "vcpus": 1, "anti_affinity": "dc", "node": "n5"},
        {"vm": "d2", "memory_mb": 2048, "vcpus": 1, "anti_affinity": "dc"},
        *({"vm": f"w{i}", "memory_mb": 4096, "vcpus": 1} for i in range(6)),
    ]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))


def test_split_cluster_keeps_luns_and_classes_whole() -> None:
    inv = _split_inventory()
    groups = sorted(sorted(inv.vm_names[v] for v in g) for g in components(inv, 0))
    assert ["s1", "s2"] in groups and ["d1", "d2"] in groups
    split = split_cluster(inv, 0, 2)
    assert split.clusters == ("cluster", "cluster-2")
    part = dict(zip(split.vm_names, split.vm_cluster, strict=True))
    assert part["s1"] == part["s2"] and part["d1"] == part["d2"]
    assert sorted(np.bincount(split.node_cluster).tolist()) == [3, 3]
    demand = [int(split.vm_cost_mb[split.vms_of(c)].sum()) for c in range(2)]
    assert max(demand) - min(demand) <= 8192 + 64  # the largest group decides the balance
    lun = split.lun_names.index("L1")
    assert split.lun_cluster[lun] == part["s1"]
