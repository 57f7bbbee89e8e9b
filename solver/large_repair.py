"""Anti-affinity repair for the large-cluster path, where a class cannot have disjoint
owners lists (it has more VMs than m / (k+1) nodes could keep apart).

Rule (MODEL.md): under every failure set F of at most k nodes, a class with at
most E - |F| VMs runs on pairwise different nodes. The repair takes each member
of a clashing class out in turn and puts it back on the owners list that makes
the fewest clashes and still fits every node under every failure set (its old
list is always a candidate, so a step never adds a clash or an overload).
"""

from __future__ import annotations

import itertools

import numpy as np

from data.inventory import IntArray
from solver.failover import FailoverLoads
from solver.large_groups import Group, class_sizes
from solver.problem import ClusterProblem

MAX_LISTS = 3000  # candidate owners lists scored per member; more are sampled
ROUNDS = 4


def held_sets(problem: ClusterProblem, size: int, m: int) -> list[tuple[int, ...]]:
    """Failure sets of the m chosen nodes under which a class of `size` VMs is held."""
    top = min(problem.failures, m - 1, problem.n_nodes - size)
    return [f for s in range(top + 1) for f in itertools.combinations(range(m), s)]


def runs(lists: IntArray, failed: tuple[int, ...]) -> IntArray:
    """Where each owners list (rows) runs under `failed`."""
    alive = ~np.isin(lists, failed)
    return lists[np.arange(len(lists)), alive.argmax(axis=1)]


def clashes(lists: IntArray, sets: list[tuple[int, ...]]) -> int:
    """Members sharing a node with another, summed over the failure sets."""
    return sum(len(lists) - len(np.unique(runs(lists, failed))) for failed in sets)


def repair_classes(
    problem: ClusterProblem,
    groups: list[Group],
    owners: list[tuple[int, ...]],
    loads: FailoverLoads,
    allowed: dict[tuple[int, ...], np.ndarray],
) -> bool:
    """Re-place members of clashing classes in `owners` and `loads`; True when none clash."""
    sizes, m = class_sizes(problem), loads.capacity.shape[0]
    members = {
        int(c): [g for g, gr in enumerate(groups) if c in gr.classes] for c in range(len(sizes))
    }
    sets = {c: held_sets(problem, int(sizes[c]), m) for c in members if sizes[c] >= 2}
    rng = np.random.default_rng(0)
    for _ in range(ROUNDS):
        bad = [c for c in sets if clashes(np.array([owners[g] for g in members[c]]), sets[c])]
        if not bad:
            return True
        for g in dict.fromkeys(g for c in bad for g in members[c]):
            group = groups[g]
            loads.add(owners[g], group.weight, sign=-1)
            candidates = _candidates(allowed[group.eligible], owners[g], problem.failures, rng)
            score = sum(
                (
                    _clash_score(candidates, g, members[c], owners, sets[c])
                    for c in group.classes
                    if c in sets
                ),
                np.zeros(len(candidates), dtype=np.int64),
            )
            owners[g] = _first_fitting(
                loads, candidates[np.argsort(score, kind="stable")], group.weight
            )
            loads.add(owners[g], group.weight)
    return False


def _candidates(
    allowed: np.ndarray, current: tuple[int, ...], k: int, rng: np.random.Generator
) -> IntArray:
    """The current list first, then every (or a sample of) list of allowed nodes."""
    nodes = np.flatnonzero(allowed)
    lists = list(itertools.islice(itertools.permutations(nodes.tolist(), k + 1), 50 * MAX_LISTS))
    if len(lists) > MAX_LISTS:
        lists = [lists[i] for i in rng.choice(len(lists), MAX_LISTS, replace=False)]
    return np.array([current, *lists], dtype=np.int64)


def _clash_score(
    candidates: IntArray,
    g: int,
    members: list[int],
    owners: list[tuple[int, ...]],
    sets: list[tuple[int, ...]],
) -> IntArray:
    """Per candidate list of member g, the failure sets where it meets another member."""
    others = np.array([owners[o] for o in members if o != g], dtype=np.int64)
    score = np.zeros(len(candidates), dtype=np.int64)
    if not len(others):
        return score
    for failed in sets:
        score += np.isin(runs(candidates, failed), runs(others, failed))
    return score


def _first_fitting(loads: FailoverLoads, ordered: IntArray, weight: IntArray) -> tuple[int, ...]:
    """The first list under which every owner can carry the group (the current list,
    somewhere in `ordered`, always can)."""
    for listed in ordered:
        fits = all(
            (
                loads.peak(tuple(int(n) for n in listed[:j]))[listed[j]] + weight
                <= loads.capacity[listed[j]]
            ).all()
            for j in range(len(listed))
        )
        if fits:
            return tuple(int(n) for n in listed)
    raise AssertionError("the current owners list always fits")  # pragma: no cover
