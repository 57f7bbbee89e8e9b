"""The checker's numpy pre-pass: a valid plan has no suspect rows, a broken row is one."""

from __future__ import annotations

import numpy as np

from data.check.checker import check_plan
from data.check.suspects import disk_mib, suspect_lun_vms, suspect_vms
from data.plan import Plan
from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan

FLEET = generate_fleet(3, 4, 12, seed=5, luns=True)
INVENTORY = fleet_inventory(FLEET)
WITNESS = witness_plan(FLEET, INVENTORY)


def test_suspects_of_the_witness_are_none() -> None:
    assert check_plan(INVENTORY, WITNESS, 1) == []
    assert suspect_vms(INVENTORY, WITNESS, 1).tolist() == []
    assert suspect_lun_vms(INVENTORY, WITNESS).tolist() == []


def test_suspects_name_the_vm_given_a_node_of_another_cluster() -> None:
    owners = WITNESS.owners.copy()
    other = int(np.flatnonzero(INVENTORY.node_cluster != INVENTORY.vm_cluster[0])[0])
    owners[0, 1] = other
    plan = Plan(WITNESS.vm_lun, owners)
    assert suspect_vms(INVENTORY, plan, 1).tolist() == [0]
    assert "owners" in {str(v.rule) for v in check_plan(INVENTORY, plan, 1)}


def test_suspects_are_every_vm_when_the_owners_width_is_not_k_plus_1() -> None:
    assert len(suspect_vms(INVENTORY, WITNESS, 2)) == INVENTORY.n_vms


def test_suspect_lun_vms_are_the_vms_of_a_split_lun() -> None:
    shared = np.flatnonzero(~INVENTORY.lun_shared[WITNESS.vm_lun])
    lun = WITNESS.vm_lun[shared]
    values, counts = np.unique(lun, return_counts=True)
    split = int(values[counts > 1][0])
    members = np.flatnonzero(WITNESS.vm_lun == split)
    owners = WITNESS.owners.copy()
    owners[members[0]] = owners[members[0]][::-1]
    assert suspect_lun_vms(INVENTORY, Plan(WITNESS.vm_lun, owners)).tolist() == members.tolist()


def test_disk_mib_rounds_up_exact_decimals() -> None:
    expected = [-(-round(d * 1000) * 1024 // 1000) for d in INVENTORY.vm_disk_gb]
    assert disk_mib(INVENTORY).tolist() == expected


def test_per_cluster_counts_agree_with_one_cluster_at_a_time() -> None:
    from data.check.checker import moves, nodes_used, per_cluster_counts

    owners = WITNESS.owners.copy()
    owners[0] = owners[0][::-1]  # a move, where the VM names its node
    plan = Plan(WITNESS.vm_lun, owners)
    used, made = per_cluster_counts(INVENTORY, plan)
    clusters = range(len(INVENTORY.clusters))
    assert used.tolist() == [nodes_used(INVENTORY, plan, c) for c in clusters]
    assert made.tolist() == [moves(INVENTORY, plan, c) for c in clusters]
    assert sum(made) == moves(INVENTORY, plan) > 0
