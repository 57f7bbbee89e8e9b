"""Proven floors for balance's later criteria, given the criteria already held.

Under `balance` the moves phase minimises moves with U held at the first
phase's value. CP-SAT's own bound there is weak (its LP sees little of why a
VM must leave), so --gap could never end that phase, and each cluster spent
its whole share. The floors below are simple counting arguments over the
current placement; each holds for every plan that meets MODEL.md's rules with
every rule on, so a plan that meets one is proven optimal for that criterion.

The argument: a VM that keeps its current node n makes its whole failover
group run on n with no node failed. So on every node, the groups that stay
there must fit together within the node's limits (memory within U), and the
members of the groups that do not fit must move.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from data.inventory import IntArray
from data.rules import PERMILLE
from solver.bounds import lower_bound
from solver.params import Objective
from solver.problem import MEMORY_ROW, ClusterProblem


@dataclass(frozen=True)
class Part:
    """The members of one unit that run on one node now: if they stay, the whole unit
    runs there (`weight`), and if they do not, `cost` VMs move."""

    weight: IntArray  # the unit's weight per resource row
    cost: int


def fewest_moves(problem: ClusterProblem, utilisation: int) -> int:
    """No plan with U <= `utilisation` permille moves fewer VMs than this."""
    parts, forced = _parts_by_node(problem)
    limit = limits(problem, utilisation)
    total = forced
    for n, staying in parts.items():
        total += max(_cover(staying, row, int(limit[row, n])) for row in range(len(limit)))
    return max(total, lower_bound(problem, Objective.MOVES))


def no_failure_floor(problem: ClusterProblem, moves: int) -> int:
    """No plan moving at most `moves` VMs has a lower highest utilisation with no node
    failed than this (permille): a node keeps all its parts but the `moves` heaviest
    in memory, and the whole demand spread over all nodes is a floor as well."""
    parts, _ = _parts_by_node(problem)
    capacity = problem.capacity[MEMORY_ROW]
    demand = int(problem.weight[[bool(u.members) for u in problem.units], MEMORY_ROW].sum())
    best = _ceil_div(PERMILLE * demand, max(int(capacity.sum()), 1))
    for n, staying in parts.items():
        heavy = sorted((int(p.weight[MEMORY_ROW]) for p in staying), reverse=True)
        kept = sum(heavy[moves:])
        best = max(best, _ceil_div(PERMILLE * kept, max(int(capacity[n]), 1)))
    return best


def _parts_by_node(problem: ClusterProblem) -> tuple[dict[int, list[Part]], int]:
    """The parts that could stay, by current node, and the VMs that must move anyway
    (their current node may not run their unit)."""
    inventory, local = problem.inventory, problem.local_node
    parts: dict[int, list[Part]] = {}
    forced = 0
    for u, unit in enumerate(problem.units):
        here: dict[int, int] = {}
        for v in unit.members:
            if inventory.vm_node[v] >= 0:
                n = local[int(inventory.vm_node[v])]
                here[n] = here.get(n, 0) + 1
        for n, count in here.items():
            if n in unit.eligible:
                parts.setdefault(n, []).append(Part(problem.weight[u], count))
            else:
                forced += count
    return parts, forced


def limits(problem: ClusterProblem, utilisation: int) -> IntArray:
    """limits[row, n]: what node n may carry with no failure: memory within U
    (1000 * load <= U * cap, as U rounds up), every other resource its capacity."""
    limit = problem.capacity.copy()
    limit[MEMORY_ROW] = limit[MEMORY_ROW] * utilisation // PERMILLE
    return limit


def _cover(parts: list[Part], row: int, limit: int) -> int:
    """The fewest VMs whose parts, taken off the node, bring resource `row` within
    `limit`: the fractional cover (heaviest per VM first) rounded up, which no whole
    choice of parts can beat."""
    excess = sum(int(p.weight[row]) for p in parts) - limit
    if excess <= 0:
        return 0
    cost = 0
    ratio = sorted(parts, key=lambda p: Fraction(int(p.weight[row]), p.cost), reverse=True)
    for part in ratio:
        weight = int(part.weight[row])
        if weight >= excess:
            return cost + _ceil_div(part.cost * excess, weight)
        excess -= weight
        cost += part.cost
    return cost  # unreachable with limit >= 0: taking every part off leaves nothing


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)

