"""Per-node figures: load with no failure, and each node's worst failure set."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import utilisation_permille
from data.check.metrics import Load, NodeRow, node_loads, node_report, permille
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.plan import Plan

# prod: h1, h2 (limit 15360 MiB, 8 vCPUs), h3 (limit 8192 MiB, floor(1.5 * 2) = 3 vCPUs);
# dr: h4, running nothing. VMs cost a 4152, b 2088, c 1056, d 3048 MiB with overhead.
NODES = [
    {
        "node": "h1",
        "memory_mb": 16384,
        "reserve_mb": 1024,
        "logical_processors": 4,
        "vcpu_per_lp": 2,
        "cluster": "prod",
    },
    {
        "node": "h2",
        "memory_mb": 16384,
        "reserve_mb": 1024,
        "logical_processors": 4,
        "vcpu_per_lp": 2,
        "cluster": "prod",
    },
    {
        "node": "h3",
        "memory_mb": 8192,
        "reserve_mb": 0,
        "logical_processors": 2,
        "vcpu_per_lp": 1.5,
        "cluster": "prod",
    },
    {
        "node": "h4",
        "memory_mb": 16384,
        "reserve_mb": 1024,
        "logical_processors": 4,
        "cluster": "dr",
    },
]
VMS = [
    {"vm": "a", "memory_mb": 4096, "vcpus": 2, "cluster": "prod"},
    {"vm": "b", "memory_mb": 2048, "vcpus": 1, "cluster": "prod"},
    {"vm": "c", "memory_mb": 1024, "vcpus": 1, "cluster": "prod"},
    {"vm": "d", "memory_mb": 3000, "vcpus": 2, "cluster": "prod"},
]
H1, H2, H3 = 0, 1, 2
OWNERS = [[H1, H2], [H1, H3], [H2, H3], [H3, H1]]


def fleet() -> Inventory:
    return build_inventory(table("nodes.csv", NODES), table("vms.csv", VMS))


def test_node_report_gives_load_with_no_failure_and_worst_failure() -> None:
    report = node_report(fleet(), Plan.from_lists([0, 1, 2, 3], OWNERS), 1)
    assert report == [
        # h1 runs a, b: 6240 MiB (406.25 -> 407); after h3 fails also d: 9288 (604.7 -> 605).
        NodeRow("h1", "prod", 2, 6240, 9120, 3, 8, 407, 605, ("h3",)),
        # h2 runs c: 1056 (68.75 -> 69); after h1 fails also a: 5208 (339.1 -> 340).
        NodeRow("h2", "prod", 1, 1056, 14304, 1, 8, 69, 340, ("h1",)),
        # h3 runs d: 3048 (372.1 -> 373); after h1 fails also b: 5136 (627.0 -> 627).
        NodeRow("h3", "prod", 1, 3048, 5144, 2, 3, 373, 627, ("h1",)),
        # h4 runs nothing under any set: the tie goes to the first set, no failure.
        NodeRow("h4", "dr", 0, 0, 15360, 0, 32, 0, 0, ()),
    ]


def test_node_report_breaks_ties_towards_smaller_failure_set() -> None:
    report = node_report(fleet(), Plan.from_lists([0, 1, 2, 3], OWNERS), 2)
    # h1 reaches 605 under {h3} and again under {h2, h3}: the smaller set is named.
    assert (report[H1].worst_permille, report[H1].worst_failed) == (605, ("h3",))
    # h3 after h1 and h2 fail runs b, c and d: 6192 MiB (755.9 -> 756).
    assert (report[H3].worst_permille, report[H3].worst_failed) == (756, ("h1", "h2"))


def test_node_report_shows_overload_as_negative_free_memory() -> None:
    crowded = Plan.from_lists([0, 1, 2, 3], [[H3, H1], [H3, H1], [H3, H1], [H3, H1]])
    h3 = node_report(fleet(), crowded, 0)[H3]
    # 4152 + 2088 + 1056 + 3048 = 10344 MiB on a limit of 8192.
    assert (h3.vms, h3.memory_used_mb, h3.memory_free_mb, h3.vcpus) == (4, 10344, -2152, 6)
    assert (h3.utilisation_permille, h3.worst_permille, h3.worst_failed) == (1263, 1263, ())


@settings(max_examples=50, deadline=None)
@given(
    owners=st.lists(
        st.lists(st.sampled_from([H1, H2, H3]), min_size=1, max_size=3), min_size=4, max_size=4
    ),
    failures=st.integers(0, 2),
)
def test_node_report_worst_agrees_with_brute_force(owners: list[list[int]], failures: int) -> None:
    report = node_report(fleet(), Plan.from_lists([0, 1, 2, 3], owners), failures)
    cost = [4152, 2088, 1056, 3048]
    limit = [15360, 15360, 8192]
    sets = [f for size in range(failures + 1) for f in itertools.combinations([H1, H2, H3], size)]
    for n in (H1, H2, H3):
        best: int = -1
        best_set: tuple[int, ...] = ()
        for failed in sets:
            used = 0
            for v in range(4):
                alive = [o for o in owners[v] if o not in failed]
                if alive and alive[0] == n:
                    used += cost[v]
            permille = (1000 * used + limit[n] - 1) // limit[n]
            if permille > best:
                best, best_set = permille, failed
        names = tuple(NODES[f]["node"] for f in best_set)
        assert (report[n].worst_permille, report[n].worst_failed) == (best, names)


# node_loads: every resource, now and at its worst -------------------------------------


# res_iops on prod nodes 1000, 1000, 300; VMs a..d use 400, 300, 200, 100.
def fleet_with_iops() -> Inventory:
    nodes = [
        {**row, "res_iops": iops} for row, iops in zip(NODES, (1000, 1000, 300, 0), strict=True)
    ]
    vms = [{**row, "res_iops": iops} for row, iops in zip(VMS, (400, 300, 200, 100), strict=True)]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))


def test_node_loads_gives_each_resource_now_and_worst() -> None:
    loads = node_loads(fleet_with_iops(), Plan.from_lists([0, 1, 2, 3], OWNERS), 1)
    h1 = loads[H1]
    # h1 runs a, b; after h3 fails also d. After h2 fails also... nothing (c goes to h3).
    assert h1.memory == Load(6240, 15360, 9288, ("h3",))
    assert h1.vcpus == Load(3, 8, 5, ("h3",))
    assert h1.resources == {"res_iops": Load(700, 1000, 800, ("h3",))}
    assert h1.failover_reserve_mb == 15360 - 6240
    h3 = loads[H3]  # runs d; after h1 fails also b: iops 100 + 300 over a capacity of 300
    assert h3.resources["res_iops"] == Load(100, 300, 400, ("h1",))
    h4 = loads[3]
    assert (h4.cluster, h4.vms, h4.memory.worst) == ("dr", 0, 0)
    assert h4.resources["res_iops"].capacity == 0


def test_node_report_is_the_memory_and_vcpu_part_of_node_loads() -> None:
    plan = Plan.from_lists([0, 1, 2, 3], OWNERS)
    for row, loads in zip(node_report(fleet(), plan, 2), node_loads(fleet(), plan, 2), strict=True):
        assert (row.memory_used_mb, row.memory_free_mb) == (
            loads.memory.used,
            loads.failover_reserve_mb,
        )
        assert (row.vcpus, row.vcpu_capacity) == (loads.vcpus.used, loads.vcpus.capacity)
        assert row.worst_failed == loads.memory.worst_failed


def test_node_report_names_the_set_with_most_memory_when_permille_ties() -> None:
    """x (1032 MiB) fails over from n2, y (1042 MiB) from n3: both give n1 68 permille of
    15360, but losing n3 loads it more, so n3 is the worst set, not the first to reach 68."""
    nodes = [
        {"node": n, "memory_mb": 16384, "reserve_mb": 1024, "logical_processors": 4}
        for n in ("n1", "n2", "n3")
    ]
    vms = [{"vm": "x", "memory_mb": 1000, "vcpus": 1}, {"vm": "y", "memory_mb": 1010, "vcpus": 1}]
    inv = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    plan = Plan.from_lists([0, 1], [[1, 0], [2, 0]])
    n1 = node_report(inv, plan, 1)[0]
    assert (n1.worst_permille, n1.worst_failed) == (68, ("n3",))
    assert node_loads(inv, plan, 1)[0].memory.worst == 1042


@settings(max_examples=50, deadline=None)
@given(
    owners=st.lists(
        st.lists(st.sampled_from([H1, H2, H3]), min_size=1, max_size=3), min_size=4, max_size=4
    ),
    failures=st.integers(0, 2),
)
def test_node_loads_worst_agrees_with_brute_force(owners: list[list[int]], failures: int) -> None:
    loads = node_loads(fleet_with_iops(), Plan.from_lists([0, 1, 2, 3], owners), failures)
    cost = {"memory": [4152, 2088, 1056, 3048], "vcpus": [2, 1, 1, 2], "iops": [400, 300, 200, 100]}
    sets = [f for size in range(failures + 1) for f in itertools.combinations([H1, H2, H3], size)]
    for n in (H1, H2, H3):
        got = {
            "memory": loads[n].memory,
            "vcpus": loads[n].vcpus,
            "iops": loads[n].resources["res_iops"],
        }
        for column, per_vm in cost.items():
            best, best_set = -1, ()
            for failed in sets:
                runs = [v for v in range(4) if [o for o in owners[v] if o not in failed][:1] == [n]]
                used = sum(per_vm[v] for v in runs)
                if used > best:
                    best, best_set = used, failed
            names = tuple(NODES[f]["node"] for f in best_set)
            assert (got[column].worst, got[column].worst_failed) == (best, names), column


@settings(max_examples=50, deadline=None)
@given(
    owners=st.lists(
        st.lists(st.sampled_from([H1, H2, H3]), min_size=1, max_size=3), min_size=4, max_size=4
    ),
    failures=st.integers(0, 2),
)
def test_node_loads_worst_permille_is_the_checkers_utilisation(
    owners: list[list[int]], failures: int
) -> None:
    """The report's highest worst_memory_permille is MODEL.md's U, as check.py computes it."""
    plan = Plan.from_lists([0, 1, 2, 3], owners)
    loads = node_loads(fleet(), plan, failures)
    highest = max(permille(n.memory.worst, n.memory.capacity) for n in loads)
    assert highest == utilisation_permille(fleet(), plan, failures)


def test_node_report_counts_moves_in_and_out() -> None:
    # a and c name h2 as their current node, d names h3, b none: a moves h2 -> h1 and
    # c stays; d stays; b is never a move. So h1 takes in one, h2 gives out one.
    vms = [dict(vm) for vm in VMS]
    vms[0]["node"], vms[2]["node"], vms[3]["node"] = "h2", "h2", "h3"
    inventory = build_inventory(table("nodes.csv", NODES), table("vms.csv", vms))
    report = node_report(inventory, Plan.from_lists([0, 1, 2, 3], OWNERS), 1)
    assert [(r.node, r.moves_in, r.moves_out) for r in report] == [
        ("h1", 1, 0),
        ("h2", 0, 1),
        ("h3", 0, 0),
        ("h4", 0, 0),
    ]
