"""data.subset: an inventory cut to some clusters keeps every value, and its plan maps
back to the whole inventory's indices."""

from __future__ import annotations

import numpy as np

from data.check.checker import check_plan
from data.subset import cluster_subset
from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan


def test_subset_keeps_the_rows_of_its_clusters_and_maps_back() -> None:
    fleet = generate_fleet(3, 4, 20, seed=5, luns=True, failures=1)
    whole = fleet_inventory(fleet)
    cut = cluster_subset(whole, [2, 0])
    assert cut.inventory.clusters == (whole.clusters[0], whole.clusters[2])
    assert cut.inventory.vm_names == tuple(whole.vm_names[v] for v in cut.vms)
    assert set(cut.inventory.node_names) == {
        whole.node_names[n] for n in np.flatnonzero(whole.node_cluster != 1)
    }
    names = whole.node_names
    for v, w in enumerate(cut.vms):
        node = cut.inventory.vm_node[v]
        assert (node < 0) == (whole.vm_node[w] < 0)
        assert node < 0 or cut.inventory.node_names[node] == names[whole.vm_node[w]]
    plan = witness_plan(fleet, whole)
    sub_plan = witness_plan(fleet, cut.inventory)
    assert check_plan(cut.inventory, sub_plan, 1) == []
    back = cut.plan_in_whole(sub_plan, whole)
    assert np.array_equal(back.owners[cut.vms], plan.owners[cut.vms])
    assert np.array_equal(back.vm_lun[cut.vms], plan.vm_lun[cut.vms])
    outside = np.setdiff1d(np.arange(whole.n_vms), cut.vms)
    assert outside.size > 0 and (back.owners[outside] == -1).all()


def test_empty_subset_is_an_empty_inventory() -> None:
    whole = fleet_inventory(generate_fleet(1, 3, 5, seed=1))
    cut = cluster_subset(whole, [])
    assert cut.inventory.n_vms == 0 and cut.inventory.n_nodes == 0
