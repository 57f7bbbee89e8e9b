"""Tiny instances against brute force written straight from MODEL.md's words.

The brute force enumerates owners lists (itertools.permutations of a group's
eligible nodes) for every failover group and evaluates each plan with the naive
loops below. To stay fast it searches node subsets by increasing size and prunes
a partial plan as soon as it breaks a rule; both are safe because loads only grow
as groups are added and a broken anti-affinity pair stays broken (a class's exemption
depends on its whole size, not on the groups placed so far).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, criteria, moves, utilisation_permille
from data.plan import Plan
from data.rules import Objective
from solver.params import Params
from solver.result import Status
from solver.solve import solve

Row = dict[str, Any]
PINNED = {"workers": 1, "seed": 0, "time_limit": 20.0, "tolerance": 1}
MAX_GROUPS = {0: 6, 1: 6, 2: 4}


def examples(share: float = 1.0) -> int:
    return max(3, round(settings.default.max_examples * share))


@dataclass(frozen=True)
class Tiny:
    nodes: list[Row]
    vms: list[Row]
    k: int
    luns: list[Row] | None = None
    grouping: tuple[tuple[int, ...], ...] | None = None  # set once LUNs are chosen

    @property
    def groups(self) -> list[list[int]]:
        """VMs naming one LUN form one group; a VM with no LUN is a group alone."""
        if self.grouping is not None:
            return [list(g) for g in self.grouping]
        named: dict[str, list[int]] = {}
        alone = []
        for v, vm in enumerate(self.vms):
            if vm["lun"]:
                named.setdefault(vm["lun"], []).append(v)
            else:
                alone.append([v])
        return [*named.values(), *alone]


@st.composite
def tiny_cases(
    draw: st.DrawFn,
    max_nodes: int = 4,
    max_groups: dict[int, int] = MAX_GROUPS,
    current: bool = False,
) -> Tiny:
    k = draw(st.sampled_from([0, 1, 1, 2]))
    use_res = draw(st.booleans())
    nodes = []
    fewest = draw(st.sampled_from([max(1, k), k + 1, k + 1, k + 1]))  # k nodes: impossible
    for i in range(draw(st.integers(min(fewest, max_nodes), max_nodes))):
        row: Row = {
            "node": f"n{i}",
            "memory_mb": draw(st.sampled_from([6144, 8192, 12288])),
            "reserve_mb": draw(st.sampled_from([0, 1024])),
            "logical_processors": draw(st.sampled_from([2, 4, 8])),
            "vcpu_per_lp": draw(st.sampled_from([1.0, 1.5, 4.0])),
            "vlan": draw(st.sampled_from([True, True, True, False])),
        }
        if use_res:
            row["res_iops"] = draw(st.sampled_from([150, 250]))
        nodes.append(row)
    vms: list[Row] = []
    for g in range(draw(st.integers(1, max_groups[k]))):
        size = draw(st.sampled_from([1, 1, 1, 2]))
        lun = f"L{g}" if size > 1 or draw(st.booleans()) else ""
        for _ in range(size):
            vm: Row = {
                "vm": f"v{len(vms)}",
                "memory_mb": draw(st.sampled_from([512, 1024, 2000, 3000, 4096])),
                "vcpus": draw(st.sampled_from([1, 1, 1, 2, 4])),
                "vlan": draw(st.sampled_from([False, False, False, False, True])),
                "anti_affinity": draw(st.sampled_from(["", "", "", "", "", "", "a", "b"])),
                "lun": lun,
                "node": draw(st.sampled_from(["", *(n["node"] for n in nodes)])) if current else "",
            }
            if use_res:
                vm["res_iops"] = draw(st.sampled_from([0, 40, 90]))
            vms.append(vm)
    return Tiny(nodes, vms, k)


# the naive evaluator --------------------------------------------------------------


def memory_cost(vm: Row) -> int:
    return vm["memory_mb"] + 32 + 8 * (math.ceil(vm["memory_mb"] / 1024) - 1)


def limits(node: Row) -> tuple[int, int, int]:
    cpu = math.floor(Fraction(repr(node["vcpu_per_lp"])) * node["logical_processors"])
    return node["memory_mb"] - node["reserve_mb"], cpu, node.get("res_iops", 0)


def eligible(case: Tiny, group: list[int]) -> list[int]:
    return [
        n
        for n, node in enumerate(case.nodes)
        if all(node["vlan"] or not case.vms[v]["vlan"] for v in group)
        and all(case.vms[v]["vcpus"] <= node["logical_processors"] for v in group)
    ]


def runs_on(owners: tuple[int, ...], failed: tuple[int, ...]) -> int:
    return next(n for n in owners if n not in failed)


def breaks_rules(case: Tiny, owners: dict[int, tuple[int, ...]]) -> bool:
    """Whether the (partial) plan, groups -> owners lists, breaks capacity under some
    failure set of at most k nodes, or anti-affinity as Windows applies it."""
    groups = case.groups
    caps = [limits(node) for node in case.nodes]
    for size in range(case.k + 1):
        for failed in itertools.combinations(range(len(case.nodes)), size):
            used = [[0, 0, 0] for _ in case.nodes]
            for g, listed in owners.items():
                n = runs_on(listed, failed)
                for v in groups[g]:
                    vm = case.vms[v]
                    used[n][0] += memory_cost(vm)
                    used[n][1] += vm["vcpus"]
                    used[n][2] += vm.get("res_iops", 0)
            for n in range(len(case.nodes)):
                if any(u > limit for u, limit in zip(used[n], caps[n], strict=True)):
                    return True
    return _breaks_anti_affinity(case, owners)


def _breaks_anti_affinity(case: Tiny, owners: dict[int, tuple[int, ...]]) -> bool:
    """Two VMs of a class in one group, or on one node under a failure set of at most k
    nodes that leaves at least as many nodes as the (whole) class has VMs."""
    groups, nodes = case.groups, len(case.nodes)
    for cls in ("a", "b"):
        size = sum(vm["anti_affinity"] == cls for vm in case.vms)
        placed = [g for g in owners for v in groups[g] if case.vms[v]["anti_affinity"] == cls]
        if len(placed) != len(set(placed)):
            return True
        for width in range(min(case.k, nodes - size) + 1):
            for failed in itertools.combinations(range(nodes), width):
                where = [runs_on(owners[g], failed) for g in placed]
                if len(where) != len(set(where)):
                    return True
    return False


def utilisation(case: Tiny, owners: dict[int, tuple[int, ...]]) -> int:
    worst = 0
    memory_limits = [limits(node)[0] for node in case.nodes]
    for size in range(case.k + 1):
        for failed in itertools.combinations(range(len(case.nodes)), size):
            for n in range(len(case.nodes)):
                if n in failed:
                    continue
                memory = sum(
                    memory_cost(case.vms[v])
                    for g, listed in owners.items()
                    if runs_on(listed, failed) == n
                    for v in case.groups[g]
                )
                worst = max(worst, math.ceil(Fraction(1000 * memory, memory_limits[n])))
    return worst


def search(case: Tiny, allowed: set[int]) -> dict[int, tuple[int, ...]] | None:
    """The first plan (depth first) whose owners all lie in `allowed`, or None."""
    groups = case.groups
    choices = [
        list(itertools.permutations(sorted(set(eligible(case, g)) & allowed), case.k + 1))
        for g in groups
    ]

    def extend(g: int, owners: dict[int, tuple[int, ...]]):
        if g == len(groups):
            return dict(owners)
        for listed in choices[g]:
            owners[g] = listed
            if not breaks_rules(case, owners):
                found = extend(g + 1, owners)
                if found is not None:
                    return found
            del owners[g]
        return None

    return extend(0, {})


def fewest_nodes(case: Tiny) -> tuple[int, dict[int, tuple[int, ...]]] | None:
    everything = set(range(len(case.nodes)))
    if search(case, everything) is None:
        return None
    for size in range(1, len(case.nodes) + 1):
        for subset in itertools.combinations(sorted(everything), size):
            found = search(case, set(subset))
            if found is not None:
                return size, found
    raise AssertionError("a plan on all nodes exists, so some subset has one")


def every_valid_plan(case: Tiny):
    groups = case.groups
    choices = [list(itertools.permutations(eligible(case, g), case.k + 1)) for g in groups]
    for combination in itertools.product(*choices):
        owners = dict(enumerate(combination))
        if not breaks_rules(case, owners):
            yield owners


def as_plan(
    case: Tiny, inventory, owners: dict[int, tuple[int, ...]], vm_lun: list[int] | None = None
) -> Plan:
    per_vm: list[tuple[int, ...]] = [()] * len(case.vms)
    for g, members in enumerate(case.groups):
        for v in members:
            per_vm[v] = owners[g]
    return Plan.from_lists(vm_lun or inventory.vm_lun.tolist(), per_vm)


def plan_moves(case: Tiny, owners: dict[int, tuple[int, ...]]) -> int:
    count = 0
    for g, members in enumerate(case.groups):
        for v in members:
            current = case.vms[v]["node"]
            count += bool(current) and current != case.nodes[owners[g][0]]["node"]
    return count


def solve_tiny(case: Tiny, inventory_of_case, objective: str, **params: Any):
    inventory = inventory_of_case({"nodes": case.nodes, "vms": case.vms, "luns": case.luns})
    chosen = PINNED | {"failures": case.k, "objective": objective} | params
    return inventory, solve(inventory, Params(**chosen))


# the properties ------------------------------------------------------------------


@settings(max_examples=examples(1.3))
@given(case=tiny_cases())
def test_brute_force_nodes_optimum_and_verdict(case: Tiny, inventory_of_case) -> None:
    inventory, result = solve_tiny(case, inventory_of_case, "nodes")
    best = fewest_nodes(case)
    if best is None:
        assert result.status is Status.INFEASIBLE
        assert result.reasons
        return
    size, owners = best
    witness = as_plan(case, inventory, owners)
    assert check_plan(inventory, witness, case.k) == []  # the evaluator agrees with the oracle
    assert witness.nodes_used() == size
    assert result.status is Status.OPTIMAL
    assert result.objective_value == size
    assert result.plan.nodes_used() == size


@settings(max_examples=examples(1.0))
@given(case=tiny_cases(max_nodes=3, max_groups={0: 4, 1: 4, 2: 3}, current=True))
def test_brute_force_balance_optimum_then_moves(case: Tiny, inventory_of_case) -> None:
    inventory, result = solve_tiny(case, inventory_of_case, "balance")
    plans = list(every_valid_plan(case))
    if not plans:
        assert result.status is Status.INFEASIBLE
        return
    best_u = min(utilisation(case, owners) for owners in plans)
    best_moves = min(plan_moves(case, o) for o in plans if utilisation(case, o) == best_u)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == best_u
    assert utilisation_permille(inventory, result.plan, case.k) == best_u
    assert moves(inventory, result.plan) == best_moves


@settings(max_examples=examples(1.0))
@given(case=tiny_cases(max_nodes=3, max_groups={0: 4, 1: 4, 2: 3}, current=True))
def test_brute_force_balance_with_tolerance_lexicographic(case: Tiny, inventory_of_case) -> None:
    # MODEL.md: U in steps of t, then moves, then U exactly, then U with no failure.
    t = 50
    inventory, result = solve_tiny(case, inventory_of_case, "balance", tolerance=t)
    plans = list(every_valid_plan(case))
    if not plans:
        assert result.status is Status.INFEASIBLE
        return

    def key(owners: dict[int, tuple[int, ...]]) -> tuple[int, int, int]:
        u = utilisation(case, owners)
        return (-(-u // t) * t, plan_moves(case, owners), u)

    best = min(key(owners) for owners in plans)
    assert result.status is Status.OPTIMAL
    assert result.objective_value == best[0]
    assert criteria(inventory, result.plan, case.k, Objective.BALANCE, t)[:3] == best


@settings(max_examples=examples(0.7))
@given(case=tiny_cases(max_nodes=3, max_groups={0: 4, 1: 4, 2: 3}))
def test_brute_force_nodes_then_utilisation(case: Tiny, inventory_of_case) -> None:
    inventory, result = solve_tiny(case, inventory_of_case, "nodes")
    plans = list(every_valid_plan(case))
    if not plans:
        assert result.status is Status.INFEASIBLE
        return
    named = [len({n for listed in o.values() for n in listed}) for o in plans]
    fewest = min(named)
    best_u = min(
        utilisation(case, o) for o, used in zip(plans, named, strict=True) if used == fewest
    )
    assert (result.status, result.objective_value) == (Status.OPTIMAL, fewest)
    assert utilisation_permille(inventory, result.plan, case.k) == best_u


@settings(max_examples=examples(0.7))
@given(case=tiny_cases(max_nodes=3, max_groups={0: 4, 1: 4, 2: 3}, current=True))
def test_brute_force_moves_optimum(case: Tiny, inventory_of_case) -> None:
    inventory, result = solve_tiny(case, inventory_of_case, "moves")
    counts = [plan_moves(case, owners) for owners in every_valid_plan(case)]
    if not counts:
        assert result.status is Status.INFEASIBLE
        return
    assert (result.status, result.objective_value) == (Status.OPTIMAL, min(counts))
    assert moves(inventory, result.plan) == min(counts)


# the planner's LUN choice ------------------------------------------------------------


@st.composite
def tiny_lun_cases(draw: st.DrawFn) -> Tiny:
    """A luns table of 1-3 LUNs (exclusive or CSV), 1-4 VMs, some free (empty lun)."""
    base = draw(tiny_cases(max_nodes=3, max_groups={0: 4, 1: 3, 2: 2}))
    luns = [
        {
            "lun": f"T{i}",
            "capacity_gb": draw(st.sampled_from([10.0, 25.5, 50.0])),
            "shared": draw(st.booleans()),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    vms = [
        vm
        | {
            "lun": draw(st.sampled_from(["", "", *(r["lun"] for r in luns)])),
            "disk_gb": draw(st.sampled_from([0.0, 5.0, 10.0, 20.0])),
        }
        for vm in base.vms[:4]
    ]
    return Tiny(base.nodes, vms, base.k, luns)


def lun_choices(case: Tiny):
    """(vm_lun, case with its failover groups) for every LUN choice of the free VMs
    that fits every LUN's capacity."""
    assert case.luns is not None
    names = [r["lun"] for r in case.luns]
    free = [v for v, vm in enumerate(case.vms) if not vm["lun"]]
    for picks in itertools.product(range(len(names)), repeat=len(free)):
        vm_lun = [names.index(vm["lun"]) if vm["lun"] else -1 for vm in case.vms]
        for v, lun in zip(free, picks, strict=True):
            vm_lun[v] = lun
        disk = [0] * len(names)
        for v, lun in enumerate(vm_lun):
            disk[lun] += math.ceil(Fraction(repr(case.vms[v]["disk_gb"])) * 1024)
        capacity = [math.floor(Fraction(repr(r["capacity_gb"])) * 1024) for r in case.luns]
        if any(d > c for d, c in zip(disk, capacity, strict=True)):
            continue
        groups = [
            tuple(v for v in range(len(case.vms)) if vm_lun[v] == lun)
            for lun, r in enumerate(case.luns)
            if not r["shared"]
        ]
        groups += [(v,) for v in range(len(case.vms)) if case.luns[vm_lun[v]]["shared"]]
        grouped = Tiny(case.nodes, case.vms, case.k, case.luns, tuple(g for g in groups if g))
        yield vm_lun, grouped


@settings(max_examples=examples(1.3))
@given(case=tiny_lun_cases())
def test_brute_force_lun_choice_nodes_optimum(case: Tiny, inventory_of_case) -> None:
    inventory, result = solve_tiny(case, inventory_of_case, "nodes")
    best = None
    for vm_lun, grouped in lun_choices(case):
        found = fewest_nodes(grouped)
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], as_plan(grouped, inventory, found[1], vm_lun))
    if best is None:
        assert result.status is Status.INFEASIBLE
        assert result.reasons
        return
    size, witness = best
    assert check_plan(inventory, witness, case.k) == []
    assert (result.status, result.objective_value) == (Status.OPTIMAL, size)


@st.composite
def tiny_lun_cases_with_current(draw: st.DrawFn) -> Tiny:
    """Like tiny_lun_cases, at most 3 VMs, k <= 1, VMs with current nodes."""
    case = draw(tiny_lun_cases())
    k = min(case.k, 1)
    nodes = case.nodes if len(case.nodes) > k else [*case.nodes, {**case.nodes[0], "node": "nx"}]
    names = ["", *(n["node"] for n in nodes)]
    vms = [vm | {"node": draw(st.sampled_from(names))} for vm in case.vms[:3]]
    return Tiny(nodes, vms, k, case.luns)


@settings(max_examples=examples(0.7))
@given(case=tiny_lun_cases_with_current(), objective=st.sampled_from(["balance", "moves"]))
def test_brute_force_lun_choice_balance_and_moves(case: Tiny, objective, inventory_of_case):
    inventory, result = solve_tiny(case, inventory_of_case, objective)
    score = utilisation if objective == "balance" else plan_moves
    values = [
        score(grouped, owners)
        for _, grouped in lun_choices(case)
        for owners in every_valid_plan(grouped)
    ]
    if not values:
        assert result.status is Status.INFEASIBLE
        return
    assert (result.status, result.objective_value) == (Status.OPTIMAL, min(values))
    if objective == "balance":
        assert utilisation_permille(inventory, result.plan, case.k) == min(values)
    else:
        assert moves(inventory, result.plan) == min(values)
