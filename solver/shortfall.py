"""How far a cluster is from N+k: the fewest copies of its largest node any plan needs.

`plan` shows this beside a cluster that has no plan, so a user sees at once
whether one more node might do or ten are needed; `hvplace grow` finds the
exact purchase. Every figure is a necessary condition, so the count is a true
lower bound: with fewer copies added, no plan can exist. The largest node is
the one with the most memory, then logical processors (MODEL.md "Growth").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.inventory import IntArray
from solver.prechecks import describe_unit, nodes_cannot_help
from solver.problem import MEMORY_ROW, ClusterProblem


@dataclass(frozen=True)
class Shortfall:
    """One cluster's demand, what survives its k largest nodes failing, and the bound."""

    cluster: str
    nodes: int
    vms: int
    memory_demand_mb: int  # VM memory with overhead
    memory_left_mb: int  # the memory the nodes have left after the k largest fail
    like: str  # the node copies are counted in ("" when the cluster has none)
    more: int | None  # at least this many copies of `like` must be added; None: none helps
    why_none: tuple[str, ...] = ()  # when `more` is None: why no number of copies helps


def shortfall(problem: ClusterProblem) -> Shortfall:
    """The cluster's figures and the least number of copies of its largest node that
    the necessary conditions of a plan allow (0 when they hold as it is)."""
    vms = sum(len(unit.members) for unit in problem.units)
    demand = int(problem.weight[:, MEMORY_ROW].sum())
    left = _survivors(problem.capacity[MEMORY_ROW], problem.failures)
    figures = (problem.name, problem.n_nodes, vms, demand, left)
    if not vms:
        return Shortfall(*figures, _like_name(problem), 0)
    if not problem.n_nodes:
        return Shortfall(*figures, "", None, ("the cluster has no node to copy",))
    blocked = nodes_cannot_help(problem)
    if blocked:
        return Shortfall(*figures, _like_name(problem), None, tuple(blocked))
    like = largest_node(problem)
    bounds = [problem.failures + 1 - problem.n_nodes, 0]
    for bound in (_unit_bound, _counting_bound, _packing_bound):
        found = bound(problem, like)
        if isinstance(found, str):
            return Shortfall(*figures, _like_name(problem), None, (found,))
        bounds.append(found)
    return Shortfall(*figures, _like_name(problem), max(bounds))


def largest_node(problem: ClusterProblem) -> int:
    """The local index of the node with the most memory, then logical processors."""
    inventory, nodes = problem.inventory, problem.nodes
    keys = [
        (-int(inventory.node_memory_mb[g]), -int(inventory.node_lps[g]), n)
        for n, g in enumerate(nodes)
    ]
    return min(keys)[2]


def _like_name(problem: ClusterProblem) -> str:
    return problem.node_name(largest_node(problem)) if problem.n_nodes else ""


def _survivors(capacity: IntArray, failures: int, extra: int = 0, copies: int = 0) -> int:
    """Capacity left after the min(k, E-1) largest fail, with `copies` nodes of capacity
    `extra` added."""
    every = np.concatenate([capacity, np.full(copies, extra, dtype=np.int64)])
    failed = min(failures, max(len(every) - 1, 0))
    return int(np.sort(every)[::-1][failed:].sum())


def _unit_bound(problem: ClusterProblem, like: int) -> int | str:
    """Each group needs k+1 owners, each able to run it alone on every resource (fail the
    other k and it runs there): copies make up the owners the cluster lacks, if a copy
    can run the group at all."""
    k, need = problem.failures, 0
    for u, unit in enumerate(problem.units):
        if not unit.members:
            continue
        weight = problem.weight[u][:, None]
        fits = (problem.capacity >= weight).all(axis=0)
        holders = sum(1 for n in unit.eligible if fits[n])
        if holders >= k + 1:
            continue
        if like not in unit.eligible or not fits[like]:
            return (
                f"{describe_unit(problem, unit)} fits on {holders} node(s), N+{k} needs "
                f"{k + 1}, and a node like {problem.node_name(like)!r} cannot run it"
            )
        need = max(need, k + 1 - holders)
    return need


def _counting_bound(problem: ClusterProblem, like: int) -> int | str:
    """After the k largest nodes fail, the survivors hold every group at once, resource
    by resource; what survives only grows with each copy added, so the least count is
    found by bisection."""
    need = 0
    for row in range(problem.capacity.shape[0]):
        capacity, demand = problem.capacity[row], int(problem.weight[:, row].sum())
        extra = int(capacity[like])
        if _survivors(capacity, problem.failures) >= demand:
            continue
        if extra <= 0:
            label = problem.resource_labels[row]
            return f"a node like {problem.node_name(like)!r} has no {label} to add"
        low, high = 0, problem.failures + -(-demand // extra)  # high copies always suffice
        while low < high:
            middle = (low + high) // 2
            if _survivors(capacity, problem.failures, extra, middle) >= demand:
                high = middle
            else:
                low = middle + 1
        need = max(need, low)
    return need


def _packing_bound(problem: ClusterProblem, like: int) -> int:
    """After k failures the survivors pack every group, and no node (nor copy) is larger
    than the cluster's largest: at least the bin-packing bound of that size must
    survive, resource by resource."""
    need = 0
    for row in range(problem.capacity.shape[0]):
        largest = int(problem.capacity[row].max())  # the copies are no larger
        weights = problem.weight[:, row]
        weights = np.sort(weights[weights > 0])
        if largest > 0 and weights.size:
            bins = max(_martello_toth_l2(weights, largest), _cardinality(weights, largest))
            need = max(need, bins + problem.failures - problem.n_nodes)
    return need


def _martello_toth_l2(weights: IntArray, size: int) -> int:
    """Martello and Toth's L2 for items `weights` (sorted, ascending) in bins of `size`:
    for each alpha, items above size - alpha need a bin each, items above size / 2 too,
    and the items in [alpha, size / 2] fill what those leave."""
    prefix = np.concatenate([[0], np.cumsum(weights)])
    best = 0
    for alpha in np.unique(np.concatenate([[0], weights[2 * weights <= size]])):
        big = int(np.searchsorted(weights, size - alpha, side="right"))
        half = int(np.searchsorted(weights, size // 2, side="right"))
        small = int(np.searchsorted(weights, alpha, side="left"))
        j1, j2 = len(weights) - big, big - half
        room = j2 * size - int(prefix[big] - prefix[half])
        rest = int(prefix[half] - prefix[small]) - room
        best = max(best, j1 + j2 + max(0, -(-rest // size)))
    return best


def _cardinality(weights: IntArray, size: int) -> int:
    """Items of at least a weigh so much that a bin holds at most size // a of them."""
    best = 0
    for i, lightest in enumerate(weights):
        per_bin = size // int(lightest)
        if per_bin:
            best = max(best, -(-(len(weights) - i) // per_bin))
    return best
