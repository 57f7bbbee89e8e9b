"""stay_put: plans the checker passes, within the utilisation asked, few moves."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, moves, utilisation_permille
from data.plan import Plan
from solver.moves_bound import fewest_moves
from solver.problem import cluster_problem
from solver.stay_repair import stay_put


def as_plan(problem, greedy) -> Plan:
    answers = problem.per_vm(greedy.owners, greedy.luns)
    n = problem.inventory.n_vms
    return Plan.from_lists([answers[v][0] for v in range(n)], [answers[v][1] for v in range(n)])


def repaired_within(inventory, cap: int) -> tuple[Plan, int]:
    """stay_put's plan at k = 1 (it must find one, valid, within `cap`) and the floor."""
    problem = cluster_problem(inventory, 0, 1)
    repair = stay_put(problem, cap)
    assert repair is not None
    plan = as_plan(problem, repair)
    assert check_plan(inventory, plan, 1) == []
    assert utilisation_permille(inventory, plan, 1) <= cap
    return plan, fewest_moves(problem, cap)


def test_stay_put_sheds_only_the_floor(inventory_of) -> None:
    # Six VMs on hv1; within 520 permille two must leave (the floor), and no more do.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    inventory = inventory_of(nodes, [{"vm": f"v{i}", "node": "hv1"} for i in range(6)])
    plan, floor = repaired_within(inventory, 520)
    assert moves(inventory, plan) == floor == 2


def test_stay_put_keeps_anti_affinity_apart(inventory_of) -> None:
    # a and b share a class and both run on hv1 now: one of them has to leave.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": v, "node": "hv1", "anti_affinity": "sql"} for v in ("a", "b")]
    inventory = inventory_of(nodes, vms)
    problem = cluster_problem(inventory, 0, 1)
    repair = stay_put(problem, 900)
    assert repair is not None
    plan = as_plan(problem, repair)
    assert check_plan(inventory, plan, 1) == []
    assert moves(inventory, plan) == 1


@st.composite
def crowded_cases(draw: st.DrawFn):
    count = draw(st.integers(2, 4))
    nodes = [
        {"node": f"hv{i}", "memory_mb": draw(st.sampled_from([8192, 16384]))} for i in range(count)
    ]
    vms = [
        {
            "vm": f"v{i}",
            "memory_mb": draw(st.sampled_from([512, 1024, 2048, 3000])),
            "vcpus": draw(st.sampled_from([1, 2])),
            "node": draw(st.sampled_from(["", *(n["node"] for n in nodes)])),
            "anti_affinity": draw(st.sampled_from(["", "", "", "a"])),
        }
        for i in range(draw(st.integers(1, 8)))
    ]
    return nodes, vms, draw(st.sampled_from([0, 1])), draw(st.sampled_from([500, 700, 900]))


@settings(max_examples=80, deadline=None)
@given(case=crowded_cases())
def test_stay_put_plans_pass_the_checker(case, inventory_of) -> None:
    nodes, vms, k, cap = case
    inventory = inventory_of(nodes, vms)
    problem = cluster_problem(inventory, 0, k)
    repair = stay_put(problem, cap)
    assume(repair is not None)  # the greedy may get stuck; then other repairs serve
    plan = as_plan(problem, repair)
    assert check_plan(inventory, plan, k) == []
    assert utilisation_permille(inventory, plan, k) <= cap
    assert moves(inventory, plan) >= fewest_moves(problem, cap)


def test_stay_put_keeps_room_for_a_heavy_failover(inventory_of) -> None:
    # a (4056 MiB) on hv1 fails over beside the four VMs of hv2 or hv3 only if two of
    # them leave (moves_bound's failover floor): the plain greedy sheds from the
    # fullest node until stuck; keeping a's room on hv2 free moves exactly two.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": "a", "memory_mb": 4000, "node": "hv1"}]
    vms += [{"vm": f"s{i}", "node": "hv2" if i < 4 else "hv3"} for i in range(8)]
    inventory = inventory_of(nodes, vms)
    plan, floor = repaired_within(inventory, 800)
    assert moves(inventory, plan) == floor == 2
