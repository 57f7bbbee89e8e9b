"""Today's placement against the plan: load before, the moves and their downtime."""

from __future__ import annotations

from data.check.before_after import memory_before, restart_mb
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.moves import Move
from data.plan import Plan

# hv1, hv2, hv10; exclusive LUN "sql" holds db1 + db2 (on hv1 today), web1 and web2 sit
# on the shared CSV "csv1" (hv2 today), app has no current node.
NODES = [{"node": n, "memory_mb": 65536, "logical_processors": 16} for n in ("hv1", "hv2", "hv10")]
VMS = [
    {"vm": "db1", "memory_mb": 8192, "vcpus": 2, "lun": "sql", "node": "hv1"},
    {"vm": "db2", "memory_mb": 4096, "vcpus": 2, "lun": "sql", "node": "hv1"},
    {"vm": "web1", "memory_mb": 2048, "vcpus": 1, "lun": "csv1", "node": "hv2"},
    {"vm": "web2", "memory_mb": 2048, "vcpus": 1, "lun": "csv1", "node": "hv2"},
    {"vm": "app", "memory_mb": 1024, "vcpus": 1, "lun": "sql2"},
]
LUNS = [
    {"lun": "sql", "capacity_gb": 100},
    {"lun": "sql2", "capacity_gb": 100},
    {"lun": "csv1", "capacity_gb": 100, "shared": True},
]


def fleet() -> Inventory:
    return build_inventory(
        table("nodes.csv", NODES), table("vms.csv", VMS), table("luns.csv", LUNS)
    )


def _plan(inv: Inventory, where: dict[str, str]) -> Plan:
    lun = {name: i for i, name in enumerate(inv.lun_names)}
    node = {name: n for n, name in enumerate(inv.node_names)}
    vm_lun = [lun[VMS[v]["lun"]] for v in range(inv.n_vms)]
    return Plan.from_lists(vm_lun, [[node[where[name]]] for name in inv.vm_names])


def test_memory_before_counts_vms_on_their_current_node() -> None:
    # db1 8192 + 32 + 56, db2 4096 + 32 + 24 on hv1; web1, web2 2048 + 32 + 8 on hv2
    assert memory_before(fleet()).tolist() == [8280 + 4152, 2 * 2088, 0]


def test_restart_mb_is_quick_memory_and_zero_when_live() -> None:
    inv = fleet()
    db = tuple(sorted((inv.vm_names.index("db1"), inv.vm_names.index("db2"))))
    hv1, hv2 = inv.node_names.index("hv1"), inv.node_names.index("hv2")
    quick = Move(1, "sql", db, hv1, hv2, live=False)
    live = Move(2, "web2", (inv.vm_names.index("web2"),), hv2, hv1, live=True)
    assert (restart_mb(inv, quick), restart_mb(inv, live)) == (8192 + 4096, 0)
