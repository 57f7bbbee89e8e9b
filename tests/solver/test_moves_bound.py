"""The floors of balance's later criteria against brute force: a floor above what some
valid plan reaches would make the solver stop on a plan that is not optimal."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, criteria
from data.plan import Plan
from data.rules import Objective
from solver.moves_bound import failover_rooms, fewest_moves, no_failure_floor
from solver.problem import cluster_problem


@st.composite
def small_cases(draw: st.DrawFn) -> dict[str, Any]:
    """2-3 nodes, 1-4 failover groups (some of two VMs on one LUN), current nodes."""
    k = draw(st.sampled_from([0, 1]))
    count = draw(st.integers(max(2, k + 1), 3))
    nodes = [
        {
            "node": f"hv{i}",
            "memory_mb": draw(st.sampled_from([6144, 8192, 12288])),
            "logical_processors": draw(st.sampled_from([1, 2, 4])),
            "vcpu_per_lp": draw(st.sampled_from([1.0, 2.0])),
            "vlan": draw(st.sampled_from([True, True, False])),
        }
        for i in range(count)
    ]
    vms = []
    for g in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.sampled_from([1, 1, 2]))):
            vms.append(
                {
                    "vm": f"v{len(vms)}",
                    "memory_mb": draw(st.sampled_from([512, 1024, 2000, 3000, 4096])),
                    "vcpus": draw(st.sampled_from([1, 1, 2])),
                    "vlan": draw(st.sampled_from([False, False, True])),
                    "lun": f"L{g}",
                    "node": draw(st.sampled_from(["", *(n["node"] for n in nodes)])),
                }
            )
    return {"nodes": nodes, "vms": vms, "k": k}


def every_plan(inventory, k: int):
    """(moves, U, U with no failure) of every plan the checker passes."""
    problem = cluster_problem(inventory, 0, k)
    choices = [
        list(itertools.permutations(unit.eligible, k + 1)) if unit.members else [()]
        for unit in problem.units
    ]
    for combination in itertools.product(*choices):
        answers = problem.per_vm([tuple(c) for c in combination], {})
        n = inventory.n_vms
        plan = Plan.from_lists([answers[v][0] for v in range(n)], [answers[v][1] for v in range(n)])
        if not check_plan(inventory, plan, k):
            yield criteria(inventory, plan, k, Objective.BALANCE, 1)[1:]


@settings(max_examples=60, deadline=None)
@given(case=small_cases())
def test_moves_bound_floors_never_above_a_valid_plan(case, inventory_of) -> None:
    inventory = inventory_of(case["nodes"], case["vms"])
    problem = cluster_problem(inventory, 0, case["k"])
    plans = list(every_plan(inventory, case["k"]))
    for cap in sorted({u for _, u, _ in plans}):
        within = [(m, nf) for m, u, nf in plans if u <= cap]
        assert fewest_moves(problem, cap) <= min(m for m, _ in within)
        for limit in sorted({m for m, _ in within}):
            best = min(nf for m, nf in within if m <= limit)
            assert no_failure_floor(problem, limit, cap) <= best


def test_moves_bound_counts_the_vms_an_overfull_node_must_shed(inventory_of) -> None:
    # Six VMs of 1056 MiB on hv1 (8192): within 520 permille it keeps 4260 MiB at most,
    # so at least two leave; the third node's emptiness cannot help.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    inventory = inventory_of(nodes, [{"vm": f"v{i}", "node": "hv1"} for i in range(6)])
    problem = cluster_problem(inventory, 0, 1)
    assert fewest_moves(problem, 520) == 2
    assert fewest_moves(problem, 800) == 0


def test_moves_bound_no_failure_floor_keeps_what_cannot_leave(inventory_of) -> None:
    # With two moves and U <= 520, hv1 sheds exactly two of its six: 4 x 1056 stay.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    inventory = inventory_of(nodes, [{"vm": f"v{i}", "node": "hv1"} for i in range(6)])
    problem = cluster_problem(inventory, 0, 1)
    assert no_failure_floor(problem, 2, 520) == -(-1000 * 4 * 1056 // 8192)


def big_on_one_node(inventory_of):
    """a (4056 MiB) on hv1, four VMs of 1056 on each of hv2 and hv3 (8192 MiB nodes)."""
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": "a", "memory_mb": 4000, "node": "hv1"}]
    vms += [{"vm": f"s{i}", "node": "hv2" if i < 4 else "hv3"} for i in range(8)]
    return inventory_of(nodes, vms)


def test_moves_bound_counts_the_room_a_heavy_failover_needs(inventory_of) -> None:
    # Within 800 permille (6553 MiB) every node fits its VMs, but when a's node fails
    # a lands beside what some other node runs: that node keeps 2497 MiB at most, so
    # two of its four VMs leave (or a moves, and its new node sheds as many).
    problem = cluster_problem(big_on_one_node(inventory_of), 0, 1)
    assert fewest_moves(problem, 800) == 2
    assert failover_rooms(problem, 800)[0] == (2, 0, 1)  # a stays on hv1, room on hv2
    assert fewest_moves(cluster_problem(big_on_one_node(inventory_of), 0, 0), 800) == 0


@st.composite
def heavy_cases(draw: st.DrawFn) -> dict[str, Any]:
    """k = 1, 3 nodes of two sizes, a heavy VM beside a few small ones: the failover
    floor's case (the small ones have one VM per LUN, so the brute force stays small)."""
    nodes = [
        {"node": f"hv{i}", "memory_mb": draw(st.sampled_from([8192, 12288]))} for i in range(3)
    ]
    names = ["", *(n["node"] for n in nodes)]
    vms = [
        {
            "vm": f"v{i}",
            "memory_mb": draw(st.sampled_from([3000, 4096, 5000] if i == 0 else [1024, 2000])),
            "node": draw(st.sampled_from(names)),
        }
        for i in range(draw(st.integers(2, 3)))  # 4 VMs: 1,296 plans per case, 75 s
    ]
    return {"nodes": nodes, "vms": vms, "k": 1}


@settings(max_examples=25, deadline=None)
@given(case=heavy_cases())
def test_moves_bound_failover_floor_never_above_a_valid_plan(case, inventory_of) -> None:
    inventory = inventory_of(case["nodes"], case["vms"])
    problem = cluster_problem(inventory, 0, 1)
    plans = list(every_plan(inventory, 1))
    for cap in sorted({u for _, u, _ in plans}):
        assert fewest_moves(problem, cap) <= min(m for m, u, _ in plans if u <= cap)
