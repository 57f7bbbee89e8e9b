"""Per-node figures: load with no failure, and each node's worst failure set."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, utilisation_permille
from data.check.loads import memory_permille
from data.check.metrics import (
    Load,
    NodeLoads,
    node_loads,
    node_moves,
    permille,
    single_failure_memory,
)
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.names import natural_key, node_order
from data.plan import Plan
from data.rules import Rule

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


class Row:
    """The figures the plan table shows of one node, read from node_loads."""

    def __init__(self, loads: NodeLoads) -> None:
        memory = loads.memory
        self.vms, self.vcpus = loads.vms, loads.vcpus.used
        self.memory_used_mb, self.memory_free_mb = memory.used, loads.failover_reserve_mb
        self.utilisation_permille = permille(memory.used, memory.capacity)
        self.worst_permille = permille(memory.worst, memory.capacity)
        self.worst_failed = memory.worst_failed


def node_report(inventory: Inventory, plan: Plan, failures: int) -> list[Row]:
    return [Row(n) for n in node_loads(inventory, plan, failures)]


def test_node_loads_breaks_ties_towards_smaller_failure_set() -> None:
    report = node_report(fleet(), Plan.from_lists([0, 1, 2, 3], OWNERS), 2)
    # h1 reaches 605 under {h3} and again under {h2, h3}: the smaller set is named.
    assert (report[H1].worst_permille, report[H1].worst_failed) == (605, ("h3",))
    # h3 after h1 and h2 fail runs b, c and d: 6192 MiB (755.9 -> 756).
    assert (report[H3].worst_permille, report[H3].worst_failed) == (756, ("h1", "h2"))


def test_node_loads_shows_overload_as_negative_free_memory() -> None:
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
def test_node_loads_worst_memory_set_agrees_with_brute_force(
    owners: list[list[int]], failures: int
) -> None:
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


def test_node_loads_names_the_set_with_most_memory_when_permille_ties() -> None:
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


# natural order, headroom and the single-failure heat map (the report) -----------------


def test_natural_key_puts_hv2_before_hv10() -> None:
    names = ["hv10", "HV3", "hv2", "hv1a", "hv1", "db", "hv02"]
    assert sorted(names, key=natural_key) == ["db", "hv1", "hv1a", "hv02", "hv2", "HV3", "hv10"]


def test_node_order_sorts_by_cluster_then_node() -> None:
    pairs = [("c10", "a"), ("c2", "hv10"), ("c2", "hv9")]
    assert sorted(pairs, key=lambda p: node_order(*p)) == [
        ("c2", "hv9"),
        ("c2", "hv10"),
        ("c10", "a"),
    ]


def test_node_loads_headroom_used_taken_on_left() -> None:
    h1 = node_loads(fleet(), Plan.from_lists([0, 1, 2, 3], OWNERS), 1)[H1]
    # h1 runs a + b = 6240 MiB; worst when h3 fails: + d = 9288; limit 15360
    assert (h1.memory.used, h1.taken_on_mb, h1.left_mb) == (6240, 3048, 15360 - 9288)


@given(st.lists(st.permutations([H1, H2, H3]).map(lambda p: list(p[:2])), min_size=4, max_size=4))
@settings(max_examples=30, deadline=None)
def test_single_failure_memory_is_the_checkers_load_under_that_failure(
    owners: list[list[int]],
) -> None:
    inv, plan = fleet(), Plan.from_lists([0, 1, 2, 3], owners)
    heat = single_failure_memory(inv, plan)
    limits = inv.node_memory_mb - inv.node_reserve_mb
    checked = {failed: per_node for _, failed, per_node in memory_permille(inv, plan, 1) if failed}
    for f in (H1, H2, H3):
        assert heat[f][f] == 0  # a failed node runs nothing
        assert [permille(int(heat[f][n]), int(limits[n])) for n in (H1, H2, H3)] == [
            int(checked[(f,)][n]) for n in (H1, H2, H3)
        ]


def test_single_failure_memory_matches_the_checkers_overload_figures() -> None:
    """Nodes too small for anything: the checker names every survivor's memory under {f}."""
    tiny = [{**node, "memory_mb": 1025, "reserve_mb": 1024} for node in NODES]
    inv = build_inventory(table("nodes.csv", tiny), table("vms.csv", VMS))
    plan = Plan.from_lists([0, 1, 2, 3], OWNERS)
    heat = single_failure_memory(inv, plan)
    reported = {
        (v.failed, v.subject): v.detail
        for v in check_plan(inv, plan, 1)
        if v.rule is Rule.MEMORY and len(v.failed) == 1
    }
    expected = {
        ((inv.node_names[f],), f"node {inv.node_names[n]!r}"): f"{heat[f][n]} MiB used > 1 MiB"
        for f in (H1, H2, H3)
        for n in (H1, H2, H3)
        if n != f and heat[f][n] > 1
    }
    assert reported == expected and len(expected) >= 4


def test_node_moves_counts_moves_in_and_out() -> None:
    # a and c name h2 as their current node, d names h3, b none: a moves h2 -> h1 and
    # c stays; d stays; b is never a move. So h1 takes in one, h2 gives out one.
    vms = [dict(vm) for vm in VMS]
    vms[0]["node"], vms[2]["node"], vms[3]["node"] = "h2", "h2", "h3"
    inventory = build_inventory(table("nodes.csv", NODES), table("vms.csv", vms))
    moves_in, moves_out = node_moves(inventory, Plan.from_lists([0, 1, 2, 3], OWNERS))
    assert list(inventory.node_names) == ["h1", "h2", "h3", "h4"]
    assert (moves_in.tolist(), moves_out.tolist()) == ([1, 0, 0, 0], [0, 1, 0, 0])
