"""Which rows the checker's one-by-one rules need to look at: a numpy pass over a fleet.

The per-VM rules (LUN choice, owners, node fit) and LUN exclusivity are written
row by row, so each message names its VM or LUN. At a million VMs that loop is
minutes, and on a valid plan it finds nothing. So a vectorised test first marks
the rows that could break a rule; the row-by-row rules run on those alone and
say what is wrong. A row passed over here meets every condition of those rules.
"""

from __future__ import annotations

import math

import numpy as np

from data.check.loads import exact_decimal
from data.inventory import BoolArray, IntArray, Inventory
from data.plan import Plan


def suspect_vms(inventory: Inventory, plan: Plan, failures: int) -> IntArray:
    """VMs whose LUN, owners list or owners' fit may break a rule."""
    n_vms = inventory.n_vms
    lun, owners = plan.vm_lun, plan.owners
    if owners.shape[1] != failures + 1 or inventory.n_nodes == 0 or inventory.n_luns == 0:
        return np.arange(n_vms, dtype=np.int64)
    lun_ok = (lun >= 0) & (lun < inventory.n_luns)
    safe_lun = np.where(lun_ok, lun, 0)
    fixed = inventory.vm_lun
    lun_ok &= inventory.lun_cluster[safe_lun] == inventory.vm_cluster
    lun_ok &= (fixed < 0) | (lun == fixed)
    return np.flatnonzero(~(lun_ok & _owners_ok(inventory, owners)))


def _owners_ok(inventory: Inventory, owners: IntArray) -> BoolArray:
    """k+1 distinct nodes of the VM's cluster, each with VLAN if needed and enough LPs."""
    in_range = (owners >= 0) & (owners < inventory.n_nodes)
    safe = np.where(in_range, owners, 0)
    ok = in_range.all(axis=1)
    ok &= (inventory.node_cluster[safe] == inventory.vm_cluster[:, None]).all(axis=1)
    ordered = np.sort(owners, axis=1)
    ok &= (ordered[:, 1:] != ordered[:, :-1]).all(axis=1)
    ok &= (~inventory.vm_vlan[:, None] | inventory.node_vlan[safe]).all(axis=1)
    ok &= (inventory.node_lps[safe] >= inventory.vm_vcpus[:, None]).all(axis=1)
    return ok


def suspect_lun_vms(inventory: Inventory, plan: Plan) -> IntArray:
    """The VMs of the exclusive LUNs whose VMs do not all share one owners list."""
    lun = plan.vm_lun
    valid = (lun >= 0) & (lun < inventory.n_luns)
    on_exclusive = np.flatnonzero(valid)
    on_exclusive = on_exclusive[~inventory.lun_shared[lun[on_exclusive]]]
    order = on_exclusive[np.argsort(lun[on_exclusive], kind="stable")]
    if not order.size:
        return order
    rows, luns = plan.owners[order], lun[order]
    first_of = np.flatnonzero(np.r_[True, luns[1:] != luns[:-1]])
    first = rows[first_of[np.searchsorted(first_of, np.arange(len(order)), side="right") - 1]]
    differs = np.unique(luns[(rows != first).any(axis=1)])
    return np.sort(order[np.isin(luns, differs)])


def disk_mib(inventory: Inventory) -> IntArray:
    """ceil(disk_gb * 1024) per VM in exact decimals, worked out once per distinct size."""
    sizes, index = np.unique(inventory.vm_disk_gb, return_inverse=True)
    mib = [math.ceil(exact_decimal(d) * 1024) for d in sizes]
    return np.asarray(mib, dtype=np.int64)[index.reshape(-1)]
