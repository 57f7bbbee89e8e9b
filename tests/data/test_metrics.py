"""Per-node figures: load with no failure, and each node's worst failure set."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from data.build import build_inventory, table
from data.inventory import Inventory
from data.metrics import NodeRow, node_report
from data.plan import Plan

# prod: h1, h2 (limit 15360 MiB, 8 vCPUs), h3 (limit 8192 MiB, floor(1.5 * 2) = 3 vCPUs);
# dr: h4, running nothing. VMs cost a 4152, b 2088, c 1056, d 3048 MiB with overhead.
NODES = [
    {"node": "h1", "memory_mb": 16384, "reserve_mb": 1024, "logical_processors": 4,
     "vcpu_per_lp": 2, "cluster": "prod"},
    {"node": "h2", "memory_mb": 16384, "reserve_mb": 1024, "logical_processors": 4,
     "vcpu_per_lp": 2, "cluster": "prod"},
    {"node": "h3", "memory_mb": 8192, "reserve_mb": 0, "logical_processors": 2,
     "vcpu_per_lp": 1.5, "cluster": "prod"},
    {"node": "h4", "memory_mb": 16384, "reserve_mb": 1024, "logical_processors": 4,
     "cluster": "dr"},
]  # fmt: skip
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
    owners=st.lists(st.lists(st.sampled_from([H1, H2, H3]), min_size=1, max_size=3), min_size=4,
                    max_size=4),
    failures=st.integers(0, 2),
)  # fmt: skip
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
