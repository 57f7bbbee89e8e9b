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
    total = forced + sum(_node_cover(staying, limit[:, n]) for n, staying in parts.items())
    return max(total, lower_bound(problem, Objective.MOVES))


def no_failure_floor(problem: ClusterProblem, moves: int, utilisation: int) -> int:
    """No plan with U <= `utilisation` moving at most `moves` VMs has a lower highest
    utilisation with no node failed than this (permille).

    Every node n must shed at least its cover (fewest_moves's argument), so it can
    shed at most its own cover plus what `moves` leaves beyond all the covers; each
    part shed costs a move at least, so n keeps all its parts but that many of the
    heaviest. The whole demand spread over all nodes is a floor as well.
    """
    parts, forced = _parts_by_node(problem)
    limit = limits(problem, utilisation)
    covers = {n: _node_cover(staying, limit[:, n]) for n, staying in parts.items()}
    spare = max(0, moves - forced - sum(covers.values()))  # below 0 no plan exists
    capacity = problem.capacity[MEMORY_ROW]
    demand = int(problem.weight[[bool(u.members) for u in problem.units], MEMORY_ROW].sum())
    best = _ceil_div(PERMILLE * demand, max(int(capacity.sum()), 1))
    kept = {n: 0 for n in range(problem.n_nodes)}
    for n, staying in parts.items():
        heavy = sorted((int(p.weight[MEMORY_ROW]) for p in staying), reverse=True)
        kept[n] = sum(heavy[covers[n] + spare :])
        best = max(best, _ceil_div(PERMILLE * kept[n], max(int(capacity[n]), 1)))
    return max(best, _newcomers_floor(problem, kept))


def _newcomers_floor(problem: ClusterProblem, kept: dict[int, int]) -> int:
    """A unit no VM of which runs anywhere now lands on some node beside what that node
    keeps at least: on the eligible node where that is lightest, at best."""
    current = problem.inventory.vm_node
    capacity = problem.capacity[MEMORY_ROW]
    best = 0
    for u, unit in enumerate(problem.units):
        if unit.members and unit.eligible and (current[list(unit.members)] < 0).all():
            weight = int(problem.weight[u, MEMORY_ROW])
            landing = min(
                _ceil_div(PERMILLE * (kept[n] + weight), max(int(capacity[n]), 1))
                for n in unit.eligible
            )
            best = max(best, landing)
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


def _node_cover(parts: list[Part], limit: IntArray) -> int:
    """The fewest VMs that must leave a node for its stayers to fit `limit` (per row)."""
    return max(_cover(parts, row, int(limit[row])) for row in range(len(limit)))


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
