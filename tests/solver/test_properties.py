"""Properties of solve() on generated inventories, mutated plans and the corpus.

- Any small valid inventory: a plan passes the checker and its reported figure is
  the checker's; no plan means reasons, each a sentence.
- Synthetic fleets are feasible by construction: they always get a valid plan,
  never worse than their witness when proven optimal.
- Breaking a solved plan in one way is caught by the checker under that rule.
- tests/solver/corpus/*.json replay clean (see test_corpus_replays_clean).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, criteria
from data.check.loads import node_limits, vm_loads
from data.plan import NO_NODE, Plan
from data.rules import Objective, Rule
from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan
from solver.params import Params
from solver.result import Result, Status
from solver.solve import solve

Row = dict[str, Any]
CORPUS = Path(__file__).parent / "corpus"
PINNED = {"workers": 1, "seed": 0, "time_limit": 20.0}
CAPACITY_RULES = {Rule.MEMORY, Rule.CPU, Rule.RESOURCE}


def examples(share: float = 1.0) -> int:
    """A share of the loaded Hypothesis profile's max_examples (tests/conftest.py)."""
    return max(3, round(settings.default.max_examples * share))


# small valid inventories ----------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    """2-5 nodes in one or two clusters, 1-8 VMs, VLAN, vCPUs, anti-affinity, named
    LUNs or a luns table with free VMs, sometimes a res_iops column, k in 0..2.

    The result is a corpus case (JSON-ready), so a falsifying example can be saved
    as it is printed.
    """
    n_nodes = draw(st.integers(2, 5))
    split = draw(st.sampled_from([0, 0, 0, 2])) if n_nodes >= 4 else 0  # 0: one cluster
    clusters = ["c1"] if split == 0 else ["c1", "c2"]
    use_res = draw(st.booleans())
    nodes: list[Row] = []
    for i in range(n_nodes):
        row: Row = {
            "node": f"hv{i + 1}",
            "memory_mb": draw(st.sampled_from([6144, 8192, 12288, 16384, 32768])),
            "logical_processors": draw(st.sampled_from([2, 4, 8, 16])),
            "reserve_mb": draw(st.sampled_from([0, 1024, 2048])),
            "vcpu_per_lp": draw(st.sampled_from([1.5, 2.3, 8.0])),
            "vlan": draw(st.sampled_from([True, True, True, False])),
            "cluster": "c2" if split and i >= split else "c1",
        }
        if use_res:
            row["res_iops"] = draw(st.sampled_from([150, 300, 1000]))
        nodes.append(row)
    luns = _lun_rows(draw, clusters) if draw(st.booleans()) else None
    vms = [_vm_row(draw, v, nodes, clusters, luns, use_res) for v in range(draw(st.integers(1, 8)))]
    return {
        "k": draw(st.sampled_from([0, 1, 1, 2])),
        "objective": draw(st.sampled_from([o.value for o in Objective])),
        "nodes": nodes,
        "vms": vms,
        "luns": luns,
    }


def _lun_rows(draw: st.DrawFn, clusters: list[str]) -> list[Row]:
    return [
        {
            "lun": f"{c}-L{i + 1}",
            "cluster": c,
            "shared": draw(st.booleans()),
            "capacity_gb": draw(st.sampled_from([20.5, 50.0, 100.0, 400.0])),
        }
        for c in clusters
        for i in range(draw(st.integers(1, 3)))
    ]


def _vm_row(
    draw: st.DrawFn,
    v: int,
    nodes: list[Row],
    clusters: list[str],
    luns: list[Row] | None,
    use_res: bool,
) -> Row:
    cluster = draw(st.sampled_from(clusters))
    here = [n["node"] for n in nodes if n["cluster"] == cluster]
    if luns is None:
        lun_choices = ["", "", f"{cluster}-S1", f"{cluster}-S2"]
    else:
        lun_choices = ["", *(r["lun"] for r in luns if r["cluster"] == cluster)]
    row: Row = {
        "vm": f"vm{v + 1}",
        "memory_mb": draw(st.sampled_from([512, 1024, 2000, 3000, 4096, 6000])),
        "vcpus": draw(st.sampled_from([1, 1, 1, 2, 4])),
        "disk_gb": draw(st.sampled_from([0.0, 5.0, 10.5, 20.0, 30.0])),
        "vlan": draw(st.sampled_from([False, False, False, False, True])),
        "anti_affinity": draw(st.sampled_from(["", "", "", "", "", "a", "b", "a;b"])),
        "node": draw(st.sampled_from(["", *here])),
        "lun": draw(st.sampled_from(lun_choices)),
        "cluster": cluster,
    }
    if use_res:
        row["res_iops"] = draw(st.sampled_from([0, 50, 120]))
    return row


def assert_sound(inventory, result: Result, k: int, objective: str, tolerance: int = 10) -> None:
    """A plan passes the checker and scores what is reported; no plan has reasons."""
    assert result.status is not Status.UNKNOWN, "a tiny instance ran out of time"
    if result.status.has_plan:
        assert result.plan is not None
        assert result.plan.owners.shape == (inventory.n_vms, k + 1)
        assert [v.line() for v in check_plan(inventory, result.plan, k)] == []
        first = criteria(inventory, result.plan, k, Objective(objective), tolerance)[0]
        assert result.objective_value == first
        if result.status is Status.OPTIMAL:
            assert result.bound == result.objective_value
        return
    assert result.plan is None
    assert result.reasons
    for reason in result.reasons:
        assert isinstance(reason, str)
        assert reason == reason.strip() and "\n" not in reason
        assert len(reason.split()) >= 4, reason


def solve_case(case: dict[str, Any], inventory) -> Result:
    tolerance = case.get("tolerance", 10)
    params = Params(failures=case["k"], objective=case["objective"], tolerance=tolerance, **PINNED)
    return solve(inventory, params)


@settings(max_examples=examples(3.0))
@given(case=cases())
def test_properties_solved_plans_pass_check(case, inventory_of_case) -> None:
    inventory = inventory_of_case(case)
    result = solve_case(case, inventory)
    event(f"status: {result.status}")
    assert_sound(inventory, result, case["k"], case["objective"])


# synthetic fleets ----------------------------------------------------------------


@settings(max_examples=examples(1.0))
@given(
    seed=st.integers(0, 10_000),
    clusters=st.integers(1, 2),
    n_nodes=st.integers(3, 5),
    n_vms=st.integers(6, 15),
    luns=st.booleans(),
    tight=st.booleans(),
    objective=st.sampled_from(["balance", "moves", "nodes"]),
)
def test_properties_synthetic_fleets_always_solve(
    seed, clusters, n_nodes, n_vms, luns, tight, objective
) -> None:
    if objective == "nodes" and not tight:
        objective = "moves"  # packing roomy fleets can take the whole time limit
    fleet = generate_fleet(clusters, n_nodes, n_vms, seed, luns=luns, tight=tight)
    inventory = fleet_inventory(fleet)
    result = solve(inventory, Params(failures=1, objective=objective, **PINNED))
    assert result.status.has_plan
    assert_sound(inventory, result, 1, objective)
    if result.status is Status.OPTIMAL:
        witness = witness_plan(fleet, inventory)
        assert check_plan(inventory, witness, 1) == []
        assert result.objective_value <= criteria(inventory, witness, 1, Objective(objective))[0]


# mutated solver plans --------------------------------------------------------------

FLEET_SEEDS = (0, 1, 2)


@functools.cache
def solved_fleet(seed: int, tight: bool = False):
    """A two-cluster fleet with a luns table (exclusive LUNs of several VMs, CSVs,
    free VMs), solved once per test session."""
    fleet = generate_fleet(2, 4, 12, seed, luns=True, tight=tight)
    inventory = fleet_inventory(fleet)
    result = solve(inventory, Params(failures=1, objective="balance", **PINNED))
    assert result.status.has_plan
    assert check_plan(inventory, result.plan, 1) == []
    return inventory, result.plan


def group_of(inventory, plan: Plan, v: int) -> list[int]:
    """VM v and every VM that shares its exclusive LUN in the plan."""
    lun = int(plan.vm_lun[v])
    if inventory.lun_shared[lun]:
        return [v]
    return [int(w) for w in np.flatnonzero(plan.vm_lun == lun)]


def with_owners(plan: Plan, vms: list[int], owners: list[int]) -> Plan:
    listed = plan.owners.copy()
    listed[vms] = owners
    return Plan(plan.vm_lun, listed)


def rules_of(violations) -> set[Rule]:
    return {v.rule for v in violations}


@pytest.mark.parametrize("seed", FLEET_SEEDS)
def test_properties_vm_moved_to_other_cluster_is_owners(seed: int) -> None:
    inventory, plan = solved_fleet(seed)
    v = next(v for v in range(inventory.n_vms) if group_of(inventory, plan, v) == [v])
    other = [int(n) for n in np.flatnonzero(inventory.node_cluster != inventory.vm_cluster[v])]
    violations = check_plan(inventory, with_owners(plan, [v], other[:2]), 1)
    assert [(x.rule, x.subject) for x in violations] == [
        (Rule.OWNERS, f"vm {inventory.vm_names[v]!r}")
    ]


@pytest.mark.parametrize("seed", FLEET_SEEDS)
def test_properties_split_exclusive_lun_is_exclusivity(seed: int) -> None:
    inventory, plan = solved_fleet(seed)
    groups = [group_of(inventory, plan, v) for v in range(inventory.n_vms)]
    members = next(g for g in groups if len(g) >= 2)
    first, backup = (int(n) for n in plan.owners[members[0]])
    violations = check_plan(inventory, with_owners(plan, members[:1], [backup, first]), 1)
    lun = inventory.lun_names[plan.vm_lun[members[0]]]
    exclusivity = [x for x in violations if x.rule is Rule.LUN_EXCLUSIVITY]
    assert [x.subject for x in exclusivity] == [f"lun {lun!r}"]
    assert rules_of(violations) - {Rule.LUN_EXCLUSIVITY} <= CAPACITY_RULES


@pytest.mark.parametrize("seed", FLEET_SEEDS)
@pytest.mark.parametrize("mutation", ["drop", "repeat"])
def test_properties_broken_owners_list_is_owners(seed: int, mutation: str) -> None:
    inventory, plan = solved_fleet(seed)
    members = group_of(inventory, plan, 0)
    first = int(plan.owners[0, 0])
    owners = [first, NO_NODE] if mutation == "drop" else [first, first]
    violations = check_plan(inventory, with_owners(plan, members, owners), 1)
    assert rules_of(violations) == {Rule.OWNERS}
    assert {x.subject for x in violations} == {f"vm {inventory.vm_names[v]!r}" for v in members}


@pytest.mark.parametrize("seed", FLEET_SEEDS)
def test_properties_overload_after_failure_is_capacity(seed: int) -> None:
    """Send every group that runs on p to one standby b that cannot also hold them (a
    class mate on b then breaks anti-affinity under {p} too, as Windows would see it)."""
    inventory, plan = solved_fleet(seed, tight=True)
    memory, limit = vm_loads(inventory)[:, 0], node_limits(inventory)[:, 0]
    load = np.bincount(plan.vm_node, weights=memory, minlength=inventory.n_nodes)
    pairs = [
        (p, b)
        for p in range(inventory.n_nodes)
        for b in range(inventory.n_nodes)
        if p != b
        and inventory.node_cluster[p] == inventory.node_cluster[b]
        and load[p] + load[b] > limit[b]
        and inventory.eligible[plan.vm_node == p, b].all()
    ]
    assert pairs, "the tight fleet should have a pair of nodes that cannot merge"
    p, b = pairs[0]
    on_p = [int(v) for v in np.flatnonzero(plan.vm_node == p)]
    violations = check_plan(inventory, with_owners(plan, on_p, [p, b]), 1)
    assert rules_of(violations) <= CAPACITY_RULES | {Rule.ANTI_AFFINITY}
    assert {x.failed for x in violations} == {(inventory.node_names[p],)}
    assert (Rule.MEMORY, f"node {inventory.node_names[b]!r}") in {
        (x.rule, x.subject) for x in violations
    }


# the corpus ------------------------------------------------------------------------


def corpus_cases() -> list:
    params = []
    for path in sorted(CORPUS.glob("*.json")):
        case = json.loads(path.read_text())
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
        params.append(pytest.param(case, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("case", corpus_cases())
def test_corpus_replays_clean(case: dict[str, Any], inventory_of_case) -> None:
    """Replay tests/solver/corpus/*.json: cases that once failed, or edge cases.

    To add one: when a property above fails, Hypothesis prints the shrunk example as
    `case={...}` (a Python dict). Save it as tests/solver/corpus/<what-it-shows>.json:
        python -c 'import json,sys; print(json.dumps(eval(sys.stdin.read()), indent=1))' \\
            < pasted.txt > tests/solver/corpus/<name>.json
    and add "description" (what broke, in a sentence), "expect" ("plan" or
    "infeasible"), optionally "value" and "second" (the optima of the first and second
    criteria, checked when a plan is expected), "tolerance" (balance's, default 10)
    and, while a solver bug is open, "xfail" (the bug, in words;
    the test must then fail, and passes loudly once the bug is fixed). Keys: k,
    objective, nodes, vms, luns (null for no luns table), rows complete (no
    defaults are filled in).
    """
    inventory = inventory_of_case(case)
    result = solve_case(case, inventory)
    assert_sound(inventory, result, case["k"], case["objective"], case.get("tolerance", 10))
    if case["expect"] == "infeasible":
        assert result.status is Status.INFEASIBLE
    else:
        assert result.status is Status.OPTIMAL
        if "value" in case:
            assert result.objective_value == case["value"]
        if "second" in case:
            assert (
                criteria(
                    inventory,
                    result.plan,
                    case["k"],
                    Objective(case["objective"]),
                    case.get("tolerance", 10),
                )[1]
                == (case["second"])
            )
