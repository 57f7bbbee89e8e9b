"""First-fit-decreasing: the baseline every benchmark compares with, and the hint.

Units go most constrained first (fewest eligible nodes, anti-affinity, then
decreasing memory); each takes the first owners list (in lexicographic order of
local nodes) under which every node stays within its limits under every failure
set and anti-affinity holds ("first"), or the list that keeps the worst share
of any resource lowest ("balanced"). Free VMs then take the first LUN that fits,
or the best one when balanced, with its owners. The balanced variant ends with
a re-insertion local search. No backtracking: it can fail where a plan exists.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from solver.greedy_classes import ClassSets
from solver.problem import MEMORY_ROW, ClusterProblem, lun_room

MAX_CANDIDATES = 720  # owners lists scored per unit; more are sampled
_RUNNER_CELLS = 1 << 22  # sets x owners entries looked up at once


@dataclass(frozen=True)
class GreedyPlan:
    owners: list[tuple[int, ...]]  # per unit, local node indices
    luns: dict[int, int]  # free VM -> LUN


class _State:
    """Loads per resource, failure set and node, plus anti-affinity and LUN room."""

    def __init__(self, problem: ClusterProblem) -> None:
        self.problem = problem
        self.cap = problem.capacity.astype(float)
        self.prefer: dict[int, int] = {}  # unit -> local node its owners list should start at
        self.sets = problem.failure_sets()
        self.load = np.zeros((problem.capacity.shape[0], len(self.sets), problem.n_nodes))
        self.classes = ClassSets(problem)
        room = lun_room(problem.inventory)
        self.room = {int(lun): int(room[lun]) for lun in problem.luns}
        self._runners: dict[bytes, np.ndarray] = {}

    def runners(self, tuples: np.ndarray) -> np.ndarray:
        """runners[t, f]: where owners list t runs under failure set f (cached)."""
        key = tuples.tobytes()
        if key not in self._runners:
            self._runners[key] = self._compute_runners(tuples)
        return self._runners[key]

    def _compute_runners(self, tuples: np.ndarray) -> np.ndarray:
        """Each list's first owner alive under each set, a block of sets at a time (set
        by set with np.isin it took 2 s of a 5 s limit at 8 nodes, k = 2)."""
        out = np.empty((len(tuples), len(self.sets)), dtype=np.int64)
        rows = np.arange(len(tuples))[None, :]
        step = max(1, _RUNNER_CELLS // max(tuples.size, 1))
        for first in range(0, len(self.sets), step):
            down = np.zeros((min(step, len(self.sets) - first), self.problem.n_nodes), bool)
            for f, failed in enumerate(self.sets[first : first + step]):
                down[f, list(failed)] = True
            alive = ~down[:, tuples]  # sets x lists x owners
            out[:, first : first + len(down)] = tuples[rows, alive.argmax(axis=2)].T
        return out

    def scores(
        self, tuples: np.ndarray, weight: np.ndarray, classes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(fits[t], worst utilisation[t]) if the unit took owners list t."""
        run = self.runners(tuples)
        n_nodes = self.problem.n_nodes
        flat = np.arange(len(self.sets))[None, :] * n_nodes + run  # into load[r] flattened
        after = self.load.reshape(len(self.cap), -1).take(flat, axis=1) + weight[:, None, None]
        cap = self.cap.take(run, axis=1)  # resources x lists x sets, gathered once
        fits = np.all(after <= cap, axis=(0, 2))
        if classes.size:
            fits &= ~self.classes.clashes(tuples, classes)
        # every resource counts, so CPU or IOPS hot spots steer the choice too; the mean
        # breaks ties towards lists that leave room everywhere
        share = after / np.maximum(cap, 1)
        worst = share.max(axis=(0, 2)) + 0.01 * share.mean(axis=(0, 2))
        return fits, worst

    def take(
        self, listed: tuple[int, ...], weight: np.ndarray, classes: np.ndarray, sign: int = 1
    ) -> None:
        run = self.runners(np.array([listed]))[0]
        self.load[:, np.arange(len(self.sets)), run] += sign * weight[:, None]
        if classes.size:
            self.classes.take(listed, classes, sign)

    def worst(self) -> float:
        return float((self.load[MEMORY_ROW] / np.maximum(self.cap[MEMORY_ROW], 1)[None, :]).max())


def first_fit_decreasing(
    problem: ClusterProblem,
    balanced: bool = False,
    deadline: float = math.inf,
    stay_within: int | None = None,
) -> GreedyPlan | None:
    """A plan by greedy placement, or None when the greedy gets stuck.

    Past `deadline` (time.monotonic()) the local search stops where it is. With
    `stay_within` (permille) it is a repair of the current placement: memory is
    held to that utilisation under every failure set, and a unit keeps its current
    node whenever some owners list starting there fits (few moves, for `balance`).
    """
    if stay_within is None:
        return _first_fit(problem, balanced, deadline, None, False)
    # staying units first keeps more of them, but can leave no room for the movers
    found = _first_fit(problem, balanced, deadline, stay_within, True)
    return found or _first_fit(problem, balanced, deadline, stay_within, False)


def _first_fit(
    problem: ClusterProblem,
    balanced: bool,
    deadline: float,
    stay_within: int | None,
    staying_first: bool,
) -> GreedyPlan | None:
    state = _State(problem)
    if stay_within is not None:
        state.cap[0] = np.floor(problem.capacity[0] * stay_within / 1000)
        state.prefer = _current_nodes(problem)
    owners: list[tuple[int, ...] | None] = [None] * len(problem.units)
    order = sorted(range(len(problem.units)), key=lambda u: _difficulty(problem, u))
    fixed = [u for u in order if problem.units[u].members and not problem.units[u].free]
    if staying_first:  # a repair: first every unit that can stay, then the others
        fixed = _place_staying(state, problem, owners, fixed, balanced)
    for u in fixed:
        listed = _place(state, problem, u, _all_tuples(problem, u), balanced)
        if listed is None:
            return None
        owners[u] = listed
    luns = _place_free_vms(
        state, problem, owners, [u for u in order if problem.units[u].free], balanced
    )
    if luns is None:
        return None
    k = problem.failures
    final = [
        o if o is not None else tuple(problem.units[u].eligible[: k + 1])
        for u, o in enumerate(owners)
    ]
    if balanced:
        _reinsert(state, problem, final, _movable(problem, order, luns), deadline)
    return GreedyPlan(final, luns)


def _place_staying(
    state: _State, problem: ClusterProblem, owners: list, units: list[int], balanced: bool
) -> list[int]:
    """Place each unit that fits on its current node there; return the others, in order."""
    for u in units:
        if u in state.prefer:
            tuples = _all_tuples(problem, u, sample=False)
            tuples = tuples[tuples[:, 0] == state.prefer[u]]
            owners[u] = _place(state, problem, u, tuples, balanced) if len(tuples) else None
    return [u for u in units if owners[u] is None]


def _current_nodes(problem: ClusterProblem) -> dict[int, int]:
    """unit -> the local node most of its VMs run on now (units with none known left out)."""
    local = {int(g): n for n, g in enumerate(problem.nodes)}
    current = problem.inventory.vm_node
    out = {}
    for u, unit in enumerate(problem.units):
        known = [local[int(current[v])] for v in unit.members if current[v] >= 0]
        if known:
            out[u] = max(sorted(set(known)), key=known.count)
    return out


def _movable(problem: ClusterProblem, order: list[int], luns: dict[int, int]) -> list[int]:
    """Units the local search may move alone: not tied to a free VM that joined them."""
    joined = {lun for lun in luns.values() if not problem.inventory.lun_shared[lun]}
    movable = []
    for u in order:
        unit = problem.units[u]
        if not unit.members:
            continue
        if unit.free and not problem.inventory.lun_shared[luns[unit.members[0]]]:
            continue
        if not unit.free and unit.lun in joined:
            continue
        movable.append(u)
    return movable


def _reinsert(
    state: _State,
    problem: ClusterProblem,
    owners: list[tuple[int, ...]],
    units: list[int],
    deadline: float,
    rounds: int = 4,
) -> None:
    """Local search: take each unit out and put it back where the worst load is lowest.

    A unit goes back to its old owners list when nothing better fits, so every
    step keeps the plan feasible and the worst utilisation never rises.
    """
    for _ in range(rounds):
        before = state.worst()
        for u in units:
            if time.monotonic() > deadline:
                return
            weight, classes = problem.weight[u].astype(float), _classes(problem, u)
            state.take(owners[u], weight, classes, sign=-1)
            listed = _place(state, problem, u, _all_tuples(problem, u), balanced=True)
            if listed is None:  # cannot happen: the old list still fits
                state.take(owners[u], weight, classes)
                continue
            owners[u] = listed
        if state.worst() >= before:
            return


def _place(
    state: _State, problem: ClusterProblem, u: int, tuples: np.ndarray, balanced: bool
) -> tuple[int, ...] | None:
    """Choose the unit's owners list and put its load on the state."""
    chosen = _choose(state, problem, u, tuples, balanced)
    if chosen is None:
        return None
    state.take(chosen[0], problem.weight[u].astype(float), _classes(problem, u))
    return chosen[0]


def _choose(
    state: _State, problem: ClusterProblem, u: int, tuples: np.ndarray, balanced: bool
) -> tuple[tuple[int, ...], float] | None:
    """The first fitting owners list, or the best one when balanced, with its score."""
    if not len(tuples):
        return None
    fits, worst = state.scores(tuples, problem.weight[u].astype(float), _classes(problem, u))
    if not fits.any():
        if len(tuples) == MAX_CANDIDATES:  # a sample: look at every list before giving up
            return _choose(state, problem, u, _all_tuples(problem, u, sample=False), balanced)
        return None
    stay = fits & (tuples[:, 0] == state.prefer.get(u, -1))
    if stay.any():
        fits = stay
    pick = int(np.flatnonzero(fits)[np.argmin(worst[fits])]) if balanced else int(fits.argmax())
    return tuple(int(n) for n in tuples[pick]), float(worst[pick])


def _place_free_vms(
    state: _State, problem: ClusterProblem, owners: list, free_units: list[int], balanced: bool
) -> dict[int, int] | None:
    """Each free VM takes the first LUN it fits on, or the best one when balanced."""
    unit_of_lun = problem.unit_of_lun()
    luns: dict[int, int] = {}
    for u in free_units:
        v = problem.units[u].members[0]
        best = _best_lun(state, problem, u, owners, unit_of_lun, balanced)
        if best is None:
            return None
        lun, listed = best
        state.take(listed, problem.weight[u].astype(float), _classes(problem, u))
        owners[u] = listed
        if lun in unit_of_lun:
            owners[unit_of_lun[lun]] = listed
        luns[v] = lun
        state.room[lun] -= int(problem.inventory.vm_disk_mib[v])
    return luns


def _best_lun(
    state: _State,
    problem: ClusterProblem,
    u: int,
    owners: list[tuple[int, ...] | None],
    unit_of_lun: dict[int, int],
    balanced: bool,
) -> tuple[int, tuple[int, ...]] | None:
    v = problem.units[u].members[0]
    disk = int(problem.inventory.vm_disk_mib[v])
    best: tuple[float, int, tuple[int, ...]] | None = None
    for lun in problem.lun_candidates[v]:
        if state.room[lun] < disk:
            continue
        group = unit_of_lun.get(lun)
        tuples = _all_tuples(problem, u)
        if group is not None:
            tuples = _joinable(problem, u, group, owners[group], tuples)
        chosen = _choose(state, problem, u, tuples, balanced)
        if chosen is not None and (best is None or chosen[1] < best[0]):
            best = (chosen[1], lun, chosen[0])
            if not balanced:
                break
    return None if best is None else (best[1], best[2])


def _joinable(
    problem: ClusterProblem,
    u: int,
    group: int,
    current: tuple[int, ...] | None,
    tuples: np.ndarray,
) -> np.ndarray:
    if current is not None:
        return np.array([current]) if _tuple_allowed(problem, u, current) else tuples[:0]
    allowed = set(problem.units[group].eligible)
    keep = [all(int(n) in allowed for n in t) for t in tuples]
    return tuples[np.array(keep, dtype=bool)] if len(tuples) else tuples


def _tuple_allowed(problem: ClusterProblem, u: int, listed: tuple[int, ...]) -> bool:
    return set(listed) <= set(problem.units[u].eligible)


def _all_tuples(problem: ClusterProblem, u: int, sample: bool = True) -> np.ndarray:
    """The unit's owners lists; past MAX_CANDIDATES, one of four fixed samples of them."""
    tuples = _permutations(problem.units[u].eligible, problem.failures + 1)
    if sample and len(tuples) > MAX_CANDIDATES:
        pick = np.random.default_rng(u % 4).choice(len(tuples), MAX_CANDIDATES, replace=False)
        return tuples[np.sort(pick)]
    return tuples


@functools.lru_cache(maxsize=64)
def _permutations(eligible: tuple[int, ...], width: int) -> np.ndarray:
    tuples = list(itertools.permutations(eligible, width))
    array = np.array(tuples, dtype=np.int64).reshape(len(tuples), width)
    array.flags.writeable = False
    return array


def _classes(problem: ClusterProblem, u: int) -> np.ndarray:
    members = list(problem.units[u].members)
    return np.flatnonzero(problem.inventory.vm_classes[members].any(axis=0))


def _difficulty(problem: ClusterProblem, u: int) -> tuple[int, int, int]:
    """Most constrained first: fewest eligible nodes, anti-affinity, then largest memory."""
    unit = problem.units[u]
    constrained = int(problem.inventory.vm_classes[list(unit.members)].any()) if unit.members else 0
    return (len(unit.eligible), -constrained, -int(problem.weight[u, MEMORY_ROW]))
