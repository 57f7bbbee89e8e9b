"""The bundled example inventories: they load by name and have the figures they promise."""

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from data.check.checker import check_plan
from data.errors import InputError
from data.examples import EXAMPLES, example_path
from data.inventory import Inventory
from data.io.plan_read import read_plan
from data.io.read import read_inventory
from data.plan import Plan

# An N+1 plan for four-node (the solver's, k = 1), kept as the witness; it also keeps
# every anti-affinity class apart under each single failure, as MODEL.md asks.
FOUR_NODE_PLAN = """vm,lun,owners
DC01,LUN-INFRA01,HV14;HV13
DHCP01,LUN-INFRA01,HV14;HV13
CA01,LUN-INFRA01,HV14;HV13
DC02,LUN-INFRA02,HV12;HV13
DHCP02,LUN-INFRA02,HV12;HV13
WSUS01,LUN-INFRA02,HV12;HV13
SQL01,LUN-SQL01,HV11;HV12
SSRS01,LUN-SQL01,HV11;HV12
SQL02,LUN-SQL02,HV13;HV12
SSIS01,LUN-SQL02,HV13;HV12
APP01,LUN-APP01,HV14;HV12
APP02,LUN-APP01,HV14;HV12
APP03,LUN-APP01,HV14;HV12
EXCH01,CSV01,HV14;HV11
EXCH02,CSV02,HV13;HV11
FS01,CSV01,HV13;HV14
MON01,CSV02,HV12;HV13
BACKUP01,CSV02,HV14;HV13
WEB01,CSV01,HV11;HV13
WEB02,CSV01,HV12;HV13
RDS01,CSV01,HV13;HV11
RDS02,CSV01,HV12;HV11
PRINT01,CSV01,HV12;HV13
SCVMM01,CSV01,HV14;HV12
"""


def load(name: str) -> Inventory:
    inventory, warnings = read_inventory(example_path(name))
    assert warnings == []
    return inventory


def test_examples_are_exactly_the_bundled_directories() -> None:
    root = Path(str(resources.files("data.examples")))
    bundled = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert bundled == set(EXAMPLES) == {"two-node", "four-node", "no-n1"}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_path_loads_a_valid_inventory(name: str) -> None:
    inventory = load(name)
    assert example_path(name).name == name
    assert inventory.n_vms >= 8
    assert inventory.eligible.any(axis=1).all()  # every VM fits some node's rules


def test_example_path_unknown_name_lists_the_examples() -> None:
    with pytest.raises(InputError) as caught:
        example_path("three-node")
    assert str(caught.value) == (
        "unknown example 'three-node'; the examples are two-node, four-node, no-n1"
    )


def test_two_node_fits_on_one_node_with_margin() -> None:
    inventory = load("two-node")
    assert (inventory.n_nodes, inventory.n_vms, inventory.n_luns) == (2, 12, 12)
    assert not inventory.has_lun_table
    assert inventory.lun_names == inventory.vm_names  # one LUN per VM
    assert int(inventory.vm_cost_mb.sum()) == 105552
    assert inventory.vm_cost_mb.sum() <= 0.85 * inventory.node_capacity_mb.min()
    assert inventory.vm_vcpus.sum() <= inventory.node_vcpu_capacity.min()
    dc = inventory.class_names.index("dc")
    assert [inventory.vm_names[v] for v in np.flatnonzero(inventory.vm_classes[:, dc])] == [
        "DC01",
        "DC02",
    ]
    owners = [[0, 1] if name != "DC02" else [1, 0] for name in inventory.vm_names]
    witness = Plan.from_lists(list(range(inventory.n_vms)), owners)
    assert check_plan(inventory, witness, 1) == []


def test_four_node_is_comfortably_n_plus_1(tmp_path: Path) -> None:
    inventory = load("four-node")
    assert (inventory.n_nodes, inventory.n_vms, inventory.n_luns) == (4, 24, 7)
    assert inventory.node_vlan.tolist() == [True, True, True, False]
    assert inventory.resource_names == ("iops",)
    assert int(inventory.vm_cost_mb.sum()) == 429888
    assert inventory.vm_cost_mb.sum() <= 0.55 * inventory.node_capacity_mb.sum()
    shared = [inventory.lun_names[lun] for lun in np.flatnonzero(inventory.lun_shared)]
    assert shared == ["CSV01", "CSV02"]
    assert int((inventory.vm_lun < 0).sum()) == 6  # the planner chooses their LUN
    (tmp_path / "placement.csv").write_text(FOUR_NODE_PLAN)
    witness, _ = read_plan(tmp_path, inventory)
    assert check_plan(inventory, witness, 1) == []


def test_four_node_exclusive_luns_have_room_and_no_class_twice() -> None:
    inventory = load("four-node")
    for lun in np.flatnonzero(~inventory.lun_shared):
        on_lun = inventory.vm_lun == lun
        assert 2 <= on_lun.sum() <= 4
        assert inventory.lun_capacity_gb[lun] >= 1.3 * inventory.vm_disk_gb[on_lun].sum()
        assert inventory.vm_cost_mb[on_lun].sum() <= 0.5 * inventory.node_capacity_mb.min()
        assert inventory.vm_classes[on_lun].sum(axis=0).max(initial=0) <= 1


def test_no_n1_fits_two_nodes_but_not_one() -> None:
    inventory = load("no-n1")
    capacity = inventory.node_capacity_mb
    assert capacity.tolist() == [63488, 63488]
    assert int(inventory.vm_cost_mb.sum()) == 95136
    assert inventory.vm_cost_mb.max() <= capacity.min()
    assert capacity.max() < inventory.vm_cost_mb.sum() <= capacity.sum()
