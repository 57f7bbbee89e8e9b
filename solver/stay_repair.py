"""Stay put: the current placement kept where it fits, for balance's moves phase (k <= 1).

The other repairs place units one by one with their whole owners list, so the
failover load of the units placed first fills the room that later units need
to stay where they are: a cluster whose current placement is nearly right came
out with ~20 moves where 1 or 2 do (solver/moves_bound.py's floor). Here the
plan is built in the floor's own terms: on each node the fewest units leave
until the rest fit within U with no failure; the units that leave, and those
with no current node, take the primary that keeps every failure state
packable; then, for each failed node on its own (at k = 1 a unit's second
owner matters only when its first fails), its units are packed into the room
the survivors have left.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from data.inventory import IntArray
from solver.cpsat import stop_requested
from solver.greedy import GreedyPlan, _current_nodes
from solver.model import moves_of, no_failure_permille
from solver.moves_bound import failover_rooms, fewest_moves, limits
from solver.problem import MEMORY_ROW, ClusterProblem

EXTRA_SHED = 3  # units beyond the floor's that may leave before the repair gives up
HEAVY_SHARE = 0.25  # of the smallest node's room: a unit that heavy gets its room pinned


@dataclass(frozen=True)
class _Units:
    """What the repair asks of every unit, computed once: eligible nodes as a mask, and
    its anti-affinity classes that Windows keeps apart with 0 and with 1 node down;
    weights and eligible nodes also as Python ints, for the failover packing's inner
    loop (numpy's call overhead on 8 nodes was most of stay_put's time)."""

    problem: ClusterProblem
    eligible: np.ndarray  # units x nodes, bool
    held: tuple[tuple[frozenset[int], ...], tuple[frozenset[int], ...]]
    classes: tuple[frozenset[int], ...]
    weights: tuple[tuple[int, ...], ...] = ()
    eligible_nodes: tuple[tuple[int, ...], ...] = ()  # ascending

    @classmethod
    def of(cls, problem: ClusterProblem) -> _Units:
        eligible = np.zeros((len(problem.units), problem.n_nodes), dtype=bool)
        for u, unit in enumerate(problem.units):
            eligible[u, list(unit.eligible)] = True
        member_classes = problem.inventory.vm_classes
        members = [v for unit in problem.units for v in unit.members]
        sizes = member_classes[members].sum(axis=0)
        classes = tuple(
            frozenset(np.flatnonzero(member_classes[list(unit.members)].any(axis=0)).tolist())
            for unit in problem.units
        )
        held = tuple(
            tuple(frozenset(c for c in cs if sizes[c] <= problem.n_nodes - down) for cs in classes)
            for down in (0, 1)
        )
        weights = tuple(tuple(row) for row in problem.weight.tolist())
        nodes = tuple(tuple(np.flatnonzero(row).tolist()) for row in eligible)
        return cls(problem, eligible, (held[0], held[1]), classes, weights, nodes)


@dataclass
class _Loads:
    """Primary loads, and which anti-affinity classes each node runs with no failure."""

    units: _Units
    limit: IntArray  # rows x nodes
    room: IntArray  # rows x nodes: what primaries may take (limit less rooms kept free)
    primary: dict[int, int] = field(default_factory=dict)  # unit -> node
    load: IntArray = field(init=False)
    classes: list[set[int]] = field(init=False)
    hardest: int = 0  # the failed node whose state last did not pack: tried first

    def __post_init__(self) -> None:
        self.load = np.zeros_like(self.limit)
        self.classes = [set() for _ in range(self.limit.shape[1])]

    def put(self, u: int, n: int) -> None:
        self.primary[u] = n
        self.load[:, n] += self.units.problem.weight[u]
        self.classes[n] |= self.units.classes[u]

    def take_back(self, u: int) -> None:
        n = self.primary.pop(u)
        self.load[:, n] -= self.units.problem.weight[u]
        self.classes[n] = set().union(
            *(self.units.classes[x] for x, m in self.primary.items() if m == n)
        )

    def fitting(self, u: int) -> list[int]:
        """Nodes where unit u fits as a primary with no failure, the emptiest first."""
        weight = self.units.problem.weight[u]
        room = (self.load + weight[:, None] <= self.room).all(axis=0) & self.units.eligible[u]
        held = self.units.held[0][u]
        nodes = [int(n) for n in np.flatnonzero(room) if not self.classes[n] & held]
        share = self.load[MEMORY_ROW] / np.maximum(self.limit[MEMORY_ROW], 1)
        return sorted(nodes, key=lambda n: float(share[n]))


def stay_put(
    problem: ClusterProblem, stay_within: int, deadline: float = math.inf
) -> GreedyPlan | None:
    """A plan with U <= `stay_within` permille that keeps on their current node all the
    units but the fewest the floor's argument sends away, or None when the greedy
    gets stuck (or k > 1, or the planner chooses LUNs: other repairs serve those).
    Past `deadline` (time.monotonic()) no further attempt starts.

    Later attempts run heavy units where moves_bound.failover_rooms does and keep
    room for them on their backup node: a unit of half a node fails over only onto a
    node nearly empty with no failure, which stayers and movers filled otherwise.
    """
    if problem.failures > 1 or problem.lun_candidates or problem.n_nodes < 2:
        return None
    units, limit = _Units.of(problem), limits(problem, stay_within)
    fewest = fewest_moves(problem, stay_within)
    found: list[GreedyPlan] = []
    for pins in _pin_sets(problem, stay_within, limit):
        plan = _stay_put(units, limit, pins, deadline)
        if plan is not None:
            found.append(plan)
            if moves_of(problem, plan.owners) <= fewest:
                break  # the floor: no other attempt can beat it
    return min(found, key=lambda p: _score(problem, p)) if found else None


def _pin_sets(
    problem: ClusterProblem, stay_within: int, limit: IntArray
) -> list[dict[int, tuple[int, int]]]:
    """The units to pin, attempt by attempt: none; those whose failover forces moves;
    every unit heavier than HEAVY_SHARE of the smallest node's room."""
    rooms = failover_rooms(problem, stay_within)
    forced = {u: (p, b) for u, (extra, p, b) in rooms.items() if extra > 0}
    smallest = HEAVY_SHARE * int(limit[MEMORY_ROW].min())
    heavy = {u: (p, b) for u, (_, p, b) in rooms.items() if problem.weight[u, 0] > smallest}
    sets: list[dict[int, tuple[int, int]]] = [{}, forced, heavy]
    return [pins for i, pins in enumerate(sets) if not i or (pins and pins not in sets[:i])]


def _stay_put(
    units: _Units, limit: IntArray, pins: dict[int, tuple[int, int]], deadline: float
) -> GreedyPlan | None:
    """stay_put's greedy, with each pinned unit u -> (p, b) run on p and its weight kept
    free on b for the primaries."""
    problem = units.problem
    held = np.zeros((problem.n_nodes, *limit.shape), dtype=limit.dtype)  # p, rows, b
    for u, (p, b) in pins.items():
        held[p, :, b] += problem.weight[u]  # all of p's pinned units fail over together
    room = limit - held.max(axis=0)
    for shed in range(EXTRA_SHED + 1):  # more leave only when the floor's few cannot
        found: list[GreedyPlan] = []
        for best_fit, smallest in itertools.product((False, True), (True, False)):
            if time.monotonic() > deadline or stop_requested():
                break
            loads = _Loads(units, limit, room)
            for u, (p, _) in pins.items():
                if p in loads.fitting(u):  # else it moves
                    loads.put(u, p)
            stay_room = np.maximum(room - loads.load, 0)
            stayers = _stayers(problem, stay_room, smallest, set(pins))
            for u, n in _shed(problem, stayers, shed).items():
                if not loads.classes[n] & units.held[0][u]:  # else it moves
                    loads.put(u, n)
            owners = _with_movers(loads, best_fit)
            if owners is not None:
                found.append(GreedyPlan(owners, {}))
            if found and smallest is False:  # worst fit balances best: best fit if stuck
                break
        if found:
            return min(found, key=lambda p: _score(problem, p))
    return None


def _shed(problem: ClusterProblem, staying: dict[int, int], count: int) -> dict[int, int]:
    """The stayers less `count` more: each time the heaviest on the fullest node, which
    frees the most room for the failover of the others."""
    staying = dict(staying)
    capacity = np.maximum(problem.capacity[MEMORY_ROW], 1)
    for _ in range(count):
        load = np.zeros(problem.n_nodes)
        for u, n in staying.items():
            load[n] += problem.weight[u, MEMORY_ROW]
        fullest = int(np.argmax(load / capacity))
        on_it = [u for u, n in staying.items() if n == fullest]
        if not on_it:
            break
        del staying[max(on_it, key=lambda u: int(problem.weight[u, MEMORY_ROW]))]
    return staying


def _score(problem: ClusterProblem, plan: GreedyPlan) -> tuple[int, int]:
    return moves_of(problem, plan.owners), no_failure_permille(problem, plan.owners)


def _with_movers(loads: _Loads, best_fit: bool) -> list[tuple[int, ...]] | None:
    """The owners lists once the units without a primary have one: each on the emptiest
    node it fits, or, when the failure states then do not pack, placed with care."""
    problem = loads.units.problem
    movers = [u for u, unit in enumerate(problem.units) if unit.members and u not in loads.primary]
    movers.sort(key=lambda u: (len(problem.units[u].eligible), -int(problem.weight[u, 0])))
    for careful in (False, True):
        for u in movers:
            if not _place_mover(loads, u, careful):
                return None
        owners = _failover_orders(loads, best_fit)
        if owners is not None or not problem.failures:
            return owners
        for u in movers:
            loads.take_back(u)
    return None


def _place_mover(loads: _Loads, u: int, careful: bool) -> bool:
    """Give unit u the emptiest primary it fits, or (`careful`) the emptiest after which
    every failure state still packs; False when it fits nowhere (`careful`: nowhere
    that packs)."""
    fitting = loads.fitting(u)
    if not fitting:
        return False
    chosen = fitting[0]
    for n in fitting if careful else ():
        loads.put(u, n)
        packs = _failover_orders(loads, False) is not None
        loads.take_back(u)
        if packs:
            chosen = n
            break
    loads.put(u, chosen)
    return True


def _failover_orders(loads: _Loads, best_fit: bool) -> list[tuple[int, ...]] | None:
    """Each unit's owners list: its primary, then (k = 1) a node with room for it when
    the primary fails, the heaviest first; None when some failure state does not pack."""
    units = loads.units
    problem = units.problem
    k = problem.failures
    owners = [tuple(unit.eligible[: k + 1]) for unit in problem.units]
    on_node: dict[int, list[int]] = {}
    for u, n in loads.primary.items():
        owners[u] = (n,)
        on_node.setdefault(n, []).append(u)
    limit, base = loads.limit.tolist(), loads.load.tolist()
    first = loads.hardest
    for failed in [first, *(n for n in range(problem.n_nodes) if n != first)] if k else ():
        on_failed = sorted(on_node.get(failed, ()), key=lambda u: -units.weights[u][MEMORY_ROW])
        load = [list(row) for row in base]
        classes = list(loads.classes)  # a node's set is replaced, never changed in place
        for u in on_failed:
            backup = _backup(units, u, failed, (load, limit), classes, best_fit)
            if backup is None:
                loads.hardest = failed
                return None
            owners[u] = (failed, backup)
            for row, weight in zip(load, units.weights[u], strict=True):
                row[backup] += weight
            classes[backup] = classes[backup] | units.classes[u]
    return owners


def _backup(
    units: _Units,
    u: int,
    failed: int,
    state: tuple[list[list[int]], list[list[int]]],
    classes: list[set[int]],
    best_fit: bool,
) -> int | None:
    """The survivor with room for unit u when `failed` fails (`state`: load and limit,
    rows x nodes): the most memory room left after it (or the least, `best_fit`), the
    lowest index on a tie, or None."""
    load, limit = state
    weight, held = units.weights[u], units.held[1][u]
    best, best_left = None, 0.0
    for n in units.eligible_nodes[u]:
        if n == failed or classes[n] & held:
            continue
        if any(row[n] + w > top[n] for row, w, top in zip(load, weight, limit, strict=True)):
            continue
        top = limit[MEMORY_ROW][n]
        left = (top - load[MEMORY_ROW][n]) / max(top, 1)
        if best is None or (left < best_left if best_fit else left > best_left):
            best, best_left = n, left
    return best


def _stayers(
    problem: ClusterProblem, limit: IntArray, smallest: bool, placed: set[int]
) -> dict[int, int]:
    """unit -> its current node, for the units that stay: on each node units leave, the
    heaviest in the resource most over its limit, until the rest fit with no failure;
    then (`smallest`) each one leaving is swapped for the lightest that still does."""
    by_node: dict[int, list[int]] = {}
    for u, n in _current_nodes(problem).items():
        if n in problem.units[u].eligible and u not in placed:
            by_node.setdefault(n, []).append(u)
    staying: dict[int, int] = {}
    weight = problem.weight
    for n, units in by_node.items():
        kept, gone = list(units), []
        while (excess := weight[kept].sum(axis=0) - limit[:, n]).max(initial=0) > 0:
            row = int(np.argmax(excess / np.maximum(limit[:, n], 1)))
            gone.append(max(kept, key=lambda u: int(weight[u, row])))
            kept.remove(gone[-1])
        for i in range(len(gone) if smallest else 0):
            lighter = sorted(kept, key=lambda u: int(weight[u, MEMORY_ROW]))
            for u in lighter:
                swapped = [*kept, gone[i]]
                swapped.remove(u)
                if (
                    weight[u, MEMORY_ROW] < weight[gone[i], MEMORY_ROW]
                    and (weight[swapped].sum(axis=0) <= limit[:, n]).all()
                ):
                    kept, gone[i] = swapped, u
                    break
        staying.update(dict.fromkeys(kept, n))
    return staying
