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
from dataclasses import dataclass, field

import numpy as np

from data.inventory import IntArray
from solver.greedy import GreedyPlan, _current_nodes
from solver.moves_bound import limits
from solver.problem import MEMORY_ROW, ClusterProblem


@dataclass
class _Loads:
    """Primary loads, and which anti-affinity classes each node runs with no failure."""

    problem: ClusterProblem
    limit: IntArray  # rows x nodes
    primary: dict[int, int] = field(default_factory=dict)  # unit -> node
    load: IntArray = field(init=False)
    classes: list[set[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.load = np.zeros_like(self.limit)
        self.classes = [set() for _ in range(self.problem.n_nodes)]

    def put(self, u: int, n: int) -> None:
        self.primary[u] = n
        self.load[:, n] += self.problem.weight[u]
        self.classes[n] |= _unit_classes(self.problem, u)

    def fits(self, u: int, n: int) -> bool:
        room = (self.load[:, n] + self.problem.weight[u] <= self.limit[:, n]).all()
        return bool(room) and not (self.classes[n] & _held(self.problem, u, 0))


def stay_put(problem: ClusterProblem, stay_within: int) -> GreedyPlan | None:
    """A plan with U <= `stay_within` permille that keeps on their current node all the
    units but the fewest the floor's argument sends away, or None when the greedy
    gets stuck (or k > 1, or the planner chooses LUNs: other repairs serve those)."""
    if problem.failures > 1 or problem.lun_candidates or problem.n_nodes < 2:
        return None
    limit = limits(problem, stay_within)
    for smallest, best_fit in itertools.product((True, False), (False, True)):
        loads = _Loads(problem, limit)
        for u, n in _stayers(problem, limit, smallest).items():
            if not loads.classes[n] & _held(problem, u, 0):  # else it moves
                loads.put(u, n)
        if _place_movers(loads) and (owners := _failover_orders(loads, best_fit)) is not None:
            return GreedyPlan(owners, {})
    return None


def _stayers(problem: ClusterProblem, limit: IntArray, smallest: bool) -> dict[int, int]:
    """unit -> its current node, for the units that stay: on each node units leave, the
    heaviest in the resource most over its limit, until the rest fit with no failure;
    then (`smallest`) each one leaving is swapped for the lightest that still does."""
    by_node: dict[int, list[int]] = {}
    for u, n in _current_nodes(problem).items():
        if n in problem.units[u].eligible:
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
                if weight[u, MEMORY_ROW] < weight[gone[i], MEMORY_ROW] and (
                    weight[swapped].sum(axis=0) <= limit[:, n]
                ).all():
                    kept, gone[i] = swapped, u
                    break
        staying.update(dict.fromkeys(kept, n))
    return staying


def _place_movers(loads: _Loads) -> bool:
    """Give each unit without a primary the one, among those it fits, after which every
    failure state still packs, the emptiest first; False when one has nowhere to go."""
    problem = loads.problem
    movers = [u for u, unit in enumerate(problem.units) if unit.members and u not in loads.primary]
    movers.sort(key=lambda u: (len(problem.units[u].eligible), -int(problem.weight[u, 0])))
    for u in movers:
        fitting = [n for n in problem.units[u].eligible if loads.fits(u, n)]
        if not fitting:
            return False
        share = loads.load[MEMORY_ROW] / np.maximum(loads.limit[MEMORY_ROW], 1)
        fitting.sort(key=lambda n: float(share[n]))
        chosen = fitting[0]
        for n in fitting if problem.failures else ():
            loads.put(u, n)
            packs = _failover_orders(loads, False) is not None
            _take_back(loads, u, n)
            if packs:
                chosen = n
                break
        loads.put(u, chosen)
    return True


def _take_back(loads: _Loads, u: int, n: int) -> None:
    del loads.primary[u]
    loads.load[:, n] -= loads.problem.weight[u]
    loads.classes[n] = set().union(
        *(_unit_classes(loads.problem, x) for x, m in loads.primary.items() if m == n)
    )


def _failover_orders(loads: _Loads, best_fit: bool) -> list[tuple[int, ...]] | None:
    """Each unit's owners list: its primary, then (k = 1) a node with room for it when
    the primary fails, the heaviest first; None when some failure state does not pack."""
    problem = loads.problem
    owners: list[tuple[int, ...]] = [
        tuple(problem.units[u].eligible[: problem.failures + 1]) for u in range(len(problem.units))
    ]
    for u, n in loads.primary.items():
        owners[u] = (n,)
    for failed in range(problem.n_nodes) if problem.failures else ():
        on_failed = [u for u, n in loads.primary.items() if n == failed]
        on_failed.sort(key=lambda u: -int(problem.weight[u, MEMORY_ROW]))
        load = loads.load.copy()
        classes = [set(c) for c in loads.classes]
        for u in on_failed:
            backup = _backup(loads, u, failed, load, classes, best_fit)
            if backup is None:
                return None
            owners[u] = (failed, backup)
            load[:, backup] += problem.weight[u]
            classes[backup] |= _unit_classes(problem, u)
    return owners


def _backup(
    loads: _Loads, u: int, failed: int, load: IntArray, classes: list[set[int]], best_fit: bool
) -> int | None:
    """The survivor with room for unit u when `failed` fails: the most room left after it
    (or the least, `best_fit`), or None."""
    problem = loads.problem
    weight, limit = problem.weight[u], loads.limit
    held = _held(problem, u, 1)
    options = [
        n
        for n in problem.units[u].eligible
        if n != failed and (load[:, n] + weight <= limit[:, n]).all() and not classes[n] & held
    ]
    if not options:
        return None
    left = [(limit[MEMORY_ROW, n] - load[MEMORY_ROW, n]) / max(limit[MEMORY_ROW, n], 1) for n in options]
    pick = int(np.argmin(left)) if best_fit else int(np.argmax(left))
    return options[pick]


def _unit_classes(problem: ClusterProblem, u: int) -> set[int]:
    members = list(problem.units[u].members)
    return set(np.flatnonzero(problem.inventory.vm_classes[members].any(axis=0)).tolist())


def _held(problem: ClusterProblem, u: int, failed: int) -> set[int]:
    """The unit's classes that Windows keeps apart with `failed` nodes down: those with at
    most E - failed VMs in the cluster (MODEL.md)."""
    classes = _unit_classes(problem, u)
    if not classes:
        return classes
    members = [v for unit in problem.units for v in unit.members]
    sizes = problem.inventory.vm_classes[members].sum(axis=0)
    return {c for c in classes if sizes[c] <= problem.n_nodes - failed}
