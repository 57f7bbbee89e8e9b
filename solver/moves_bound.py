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

HEAVY_UNITS = 16  # units whose failover room _failover_floor weighs, the heaviest first


@dataclass(frozen=True)
class Part:
    """The members of one unit that run on one node now: if they stay, the whole unit
    runs there (`weight`), and if they do not, `cost` VMs move."""

    weight: IntArray  # the unit's weight per resource row
    cost: int
    unit: int = -1


def fewest_moves(problem: ClusterProblem, utilisation: int) -> int:
    """No plan with U <= `utilisation` permille moves fewer VMs than this."""
    parts, forced = _parts_by_node(problem)
    limit = limits(problem, utilisation)
    covers = {n: _node_cover(staying, limit[:, n]) for n, staying in parts.items()}
    failover = _failover_floor(problem, parts, limit, covers)
    return max(forced + sum(covers.values()) + failover, lower_bound(problem, Objective.MOVES))


def _failover_floor(
    problem: ClusterProblem, parts: dict[int, list[Part]], limit: IntArray, covers: dict[int, int]
) -> int:
    """The moves beyond the covers that one heavy unit's failover forces (k >= 1).

    Unit u runs on some node p with no failure and, when p fails, on its second owner
    b != p, beside everything b runs with no failure: so the stayers of p and of b
    must each fit beside u. The least such extra over the pairs (p, b), for the
    heaviest units (any unit's figure is a floor, so the largest is one too).
    """
    rooms = _failover_rooms(problem, parts, limit, covers)
    return max((extra for extra, _, _ in rooms.values()), default=0)


def failover_rooms(problem: ClusterProblem, utilisation: int) -> dict[int, tuple[int, int, int]]:
    """unit -> (extra, p, b) for the heaviest units: the node to run on and the one to
    keep room on that force the fewest moves, and how many beyond the covers
    (solver.stay_repair keeps that room free)."""
    parts, _ = _parts_by_node(problem)
    limit = limits(problem, utilisation)
    covers = {n: _node_cover(staying, limit[:, n]) for n, staying in parts.items()}
    return _failover_rooms(problem, parts, limit, covers)


def _failover_rooms(
    problem: ClusterProblem, parts: dict[int, list[Part]], limit: IntArray, covers: dict[int, int]
) -> dict[int, tuple[int, int, int]]:
    """unit -> (extra moves, p, b) for the heaviest units (see _failover_floor)."""
    if problem.failures < 1 or problem.n_nodes < 2:
        return {}
    memory = problem.weight[:, MEMORY_ROW]
    heavy = sorted(range(len(problem.units)), key=lambda u: -int(memory[u]))[:HEAVY_UNITS]
    rooms = {u: _unit_failover(problem, u, parts, limit, covers) for u in heavy}
    return {u: room for u, room in rooms.items() if room is not None}


def _unit_failover(
    problem: ClusterProblem,
    u: int,
    parts: dict[int, list[Part]],
    limit: IntArray,
    covers: dict[int, int],
) -> tuple[int, int, int] | None:
    """fewest_moves's covers raised by unit u holding room on two distinct nodes: the
    extra moves and the pair (p, b) that needs the fewest; None if no pair fits u."""
    unit, weight = problem.units[u], problem.weight[u]
    if not unit.members:
        return None
    own = {n: sum(p.cost for p in staying if p.unit == u) for n, staying in parts.items()}
    others = {n: [p for p in staying if p.unit != u] for n, staying in parts.items()}
    without = {n: _node_cover(others[n], limit[:, n]) if own[n] else covers[n] for n in parts}
    extra: dict[int, int] = {}  # node -> added cover when it holds room for u
    for n in unit.eligible:
        reduced = limit[:, n] - weight
        if (reduced >= 0).all():
            extra[n] = _node_cover(others.get(n, []), reduced) - without.get(n, 0)
    if len(extra) < 2:
        return None  # no plan exists at this U: any figure is a floor, none is needed
    leaving = sum(own.values())  # u's members on eligible nodes: all but p's move
    backups = sorted(extra, key=lambda n: extra[n])[:2]
    runs, p, b = min(
        (leaving - own.get(p, 0) + extra[p] + extra[b], p, b)
        for p in extra
        for b in backups
        if b != p
    )
    return runs + sum(without.values()) - sum(covers.values()), p, b


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
                parts.setdefault(n, []).append(Part(problem.weight[u], count, u))
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
