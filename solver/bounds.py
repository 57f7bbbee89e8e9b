"""Analytic lower bounds on the first criterion: what no plan can beat, without search.

They let benchmarks judge a plan where CP-SAT proves nothing: a ratio
objective / lower bound near 1 means the plan is close to optimal. Every bound
below holds for every plan that meets MODEL.md's rules, so it is also a bound
on the optimum. A cluster with no VMs has the bound 0.
"""

from __future__ import annotations

import numpy as np

from data.inventory import IntArray, Inventory
from data.rules import PERMILLE, Objective
from solver.packing_bounds import packing_lower_bound
from solver.packing_lp import packing_lp_bound
from solver.problem import MEMORY_ROW, ClusterProblem, cluster_problem


def lower_bound(problem: ClusterProblem, objective: Objective) -> int:
    """A value of `objective`'s first criterion that no plan of the cluster can beat."""
    if not any(unit.members for unit in problem.units):
        return 0
    if objective is Objective.BALANCE:
        return max(_survivors_bound(problem), _largest_unit_bound(problem))
    if objective is Objective.NODES:
        return _nodes_bound(problem)
    return _moves_bound(problem)


def inventory_lower_bound(inventory: Inventory, objective: Objective, failures: int) -> int:
    """The bound of the whole inventory, combined over clusters as solve.py combines
    objectives (Objective.combine)."""
    objective = Objective(objective)
    return objective.combine(
        lower_bound(cluster_problem(inventory, c, failures), objective)
        for c in range(len(inventory.clusters))
    )


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _survivors_bound(problem: ClusterProblem) -> int:
    """U >= ceil(1000 * D / sum of the capacities left after the k largest fail).

    Valid: under any failure set F of min(k, E-1) nodes the survivors run all the
    memory demand D, so the most loaded of them in relative terms has
    load_n / cap_n >= D / sum_{n not in F} cap_n (a maximum of ratios is at least
    the ratio of the sums), and U rounds that node's permille up. The largest
    right-hand side over all F comes from failing the k largest capacities.
    """
    demand = int(problem.weight[:, MEMORY_ROW].sum())
    return _ceil_div(PERMILLE * demand, max(survivor_capacity(problem, MEMORY_ROW), 1))


def survivor_capacity(problem: ClusterProblem, row: int) -> int:
    """Capacity of resource `row` left after the min(k, E-1) largest nodes fail: the
    most any failure set of that size can leave, so the whole demand must fit in it."""
    failed = min(problem.failures, max(problem.n_nodes - 1, 0))
    return _room(problem.capacity[row], problem.n_nodes, failed)


def _largest_unit_bound(problem: ClusterProblem) -> int:
    """U >= max over units of ceil(1000 * w_u / c_u), c_u the (k+1)-th largest memory
    capacity among the nodes the unit may run on.

    Valid: a unit has k+1 distinct eligible owners, and failing the k others makes
    it run on any one of them, so it runs at some point on its smallest owner,
    whose capacity is at most the (k+1)-th largest eligible one. (This is at least
    the simpler bound with the largest eligible capacity.)
    """
    best = 0
    for u, unit in enumerate(problem.units):
        if not unit.members or not unit.eligible:
            continue
        capacity = np.sort(problem.capacity[MEMORY_ROW, list(unit.eligible)])[::-1]
        smallest_owner = int(capacity[min(problem.failures, len(capacity) - 1)])
        best = max(best, _ceil_div(PERMILLE * int(problem.weight[u, MEMORY_ROW]), smallest_owner))
    return best


def _nodes_bound(problem: ClusterProblem) -> int:
    """The best of the N+k counting bound and k + a bin-packing bound of the units.

    The packing bound (solver/packing_bounds.py: L1, Martello-Toth L2 per resource,
    units pairwise too big to share a node) is valid here because a plan naming m
    nodes, with k of them failed, runs every unit whole on its m-k survivors: that
    is a packing of the units into m-k nodes, so m-k is at least the bound. Past E
    no plan exists; E is returned (CP-SAT then proves it). At k = 0 a packing-shaped
    cluster also gets the column-generation bound (solver/packing_lp.py), whose
    relaxation is the same packing.
    """
    weights = problem.weight[[bool(unit.members) for unit in problem.units]]
    packing = problem.failures + packing_lower_bound(weights, problem.capacity.T)
    packing = max(packing, packing_lp_bound(problem))  # k = 0 packings only
    return min(problem.n_nodes, max(_counting_bound(problem), packing))


def _counting_bound(problem: ClusterProblem) -> int:
    """The least m >= k+1 such that, for every resource, the m largest capacities minus
    the k largest of them hold the cluster's whole demand.

    Valid: a plan naming m nodes runs everything on them; failing its k largest
    leaves its other m-k to carry all demand, and the i-th largest capacity of any m
    nodes is at most the i-th largest of the cluster, so those m-k hold at most
    the cluster's (k+1)-th to m-th largest capacities. Owners lists name k+1
    distinct nodes, hence m >= k+1. With no such m no plan exists; E is returned.
    """
    k, nodes = problem.failures, problem.n_nodes
    demand = problem.weight.sum(axis=0)
    for m in range(k + 1, nodes + 1):
        if all(_room(problem.capacity[row], m, k) >= demand[row] for row in range(len(demand))):
            return m
    return nodes


def _room(capacity: IntArray, m: int, k: int) -> int:
    ordered = np.sort(capacity)[::-1]
    return int(ordered[k:m].sum())


def _moves_bound(problem: ClusterProblem) -> int:
    """Sum over units of the members with a current node minus the most of them that
    share one eligible node.

    Valid: all VMs of a unit run on its first owner, one eligible node, so at most
    the members already there stay; every other member with a current node moves
    (including those whose current node cannot run them).
    """
    inventory, local = problem.inventory, problem.local_node
    total = 0
    for unit in problem.units:
        current = [
            local[int(inventory.vm_node[v])] for v in unit.members if inventory.vm_node[v] >= 0
        ]
        stay = max((current.count(n) for n in unit.eligible), default=0)
        total += len(current) - stay
    return total
