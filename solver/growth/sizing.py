"""The cheapest purchase that gives one cluster an N+k plan, and how sure we are of it.

Purchases (a count per catalog model) are enumerated in increasing cost. One
that breaks a counting condition (counting.py) has no plan and is skipped; the
first that meets them all gives the lower bound. Each candidate is then tested:
the pre-checks, the greedy first-fit-decreasing, and on small clusters a short
CP-SAT solve, which can also prove a candidate has no plan (the bound then
rises). The first candidate with a plan is the answer: proven minimal when no
cheaper candidate was left unproven.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from data.growth.catalog import Model
from data.growth.nodes import purchase_nodes, with_nodes
from data.inventory import Inventory
from data.rules import Objective, Rule
from solver.greedy import GreedyPlan, first_fit_decreasing
from solver.growth.counting import Counting, counting
from solver.growth.trim import Witness, trimmed
from solver.large import LargePlan, large_plan
from solver.large_result import exact_model_is_quick
from solver.params import Params
from solver.prechecks import impossibility_reasons
from solver.problem import ClusterProblem, cluster_problem
from solver.result import Status
from solver.solve import solve_cluster

CPSAT_SECONDS = 5.0  # per candidate of a small cluster
LARGE_SECONDS = 2.0  # the large-cluster heuristic's try per candidate
# CP-SAT runs on a large cluster: none, as building its model alone takes ~20 s at 700
# VMs and 23 nodes, time the greedy spends better on the next candidates
LARGE_TRIES = 0
MAX_CANDIDATES = 20_000  # purchases enumerated per cluster
_CAPACITY_RULES = frozenset((Rule.MEMORY, Rule.CPU, Rule.RESOURCE))  # what buying changes


class Outcome(StrEnum):
    PROVEN = "proven"  # the cost equals the lower bound
    GAP = "gap"  # a purchase, not proven cheapest
    IMPOSSIBLE = "impossible"  # no purchase can help (reasons say why)
    TOO_LARGE = "too large"  # every purchase within the node limit fails: split
    UNKNOWN = "unknown"  # time ran out before a purchase was found


@dataclass(frozen=True, eq=False)
class Sizing:
    cluster: str
    outcome: Outcome
    models: tuple[Model, ...]
    counts: tuple[int, ...] = ()  # per model
    cost: float = 0.0
    cost_bound: float = 0.0
    nodes_bound: int = 0  # nodes (current + bought) of the cheapest counting-valid purchase
    reasons: tuple[str, ...] = ()
    inventory: Inventory | None = None  # the whole inventory with this cluster's purchase
    witness: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    tried: int = 0  # candidates tested for a plan

    @property
    def bought(self) -> int:
        return sum(self.counts)

    @property
    def purchase(self) -> list[tuple[Model, int]]:
        """(model, count) of each model bought at least once."""
        return [(m, n) for m, n in zip(self.models, self.counts, strict=False) if n]


def size_cluster(
    inventory: Inventory,
    cluster: int,
    models: Sequence[Model],
    params: Params,
    max_nodes: int,
    deadline: float,
) -> Sizing:
    """The cheapest purchase of `models` for `cluster` with at most `max_nodes` nodes."""
    name, models = inventory.clusters[cluster], tuple(models)
    base = cluster_problem(inventory, cluster, params.failures)
    count = counting(base, models)
    reasons = count.unhelpable() or _fixed_reasons(inventory, cluster, count, params.failures)
    if reasons:
        return Sizing(name, Outcome.IMPOSSIBLE, models, reasons=tuple(reasons))
    search = _Search(inventory, cluster, count, params, deadline)
    return search.run(max_nodes - base.n_nodes)


def _fixed_reasons(inventory: Inventory, cluster: int, count: Counting, failures: int) -> list[str]:
    """What no purchase changes (a LUN too small, a class fixed on one LUN): the pre-checks
    on the cluster with k+1 more nodes of every model that may hold each group."""
    generous = [failures + 1 + count.problem.n_nodes] * len(count.models)
    if not count.models:
        return []
    grown = with_nodes(inventory, cluster, purchase_nodes("?", count.models, generous))
    problem = cluster_problem(grown, cluster, failures)
    return impossibility_reasons(problem, _CAPACITY_RULES)


def purchases(costs: Sequence[float], most: int) -> Iterator[tuple[float, tuple[int, ...]]]:
    """Every count vector with at most `most` nodes, cheapest first (fewer nodes first on
    ties). Each vector is reached once: a child raises a coordinate at or after the last
    raised one."""
    start = (0,) * len(costs)
    heap: list[tuple[float, int, tuple[int, ...], int]] = [(0.0, 0, start, 0)]
    while heap:
        cost, total, counts, last = heapq.heappop(heap)
        yield cost, counts
        if total >= most:
            continue
        for i in range(last, len(costs)):
            child = (*counts[:i], counts[i] + 1, *counts[i + 1 :])
            heapq.heappush(heap, (cost + costs[i], total + 1, child, i))


class _Search:
    """Candidates in cost order until one has a plan (or the time or node limit ends it)."""

    def __init__(
        self, inventory: Inventory, cluster: int, count: Counting, params: Params, deadline: float
    ) -> None:
        self.inventory, self.cluster, self.count = inventory, cluster, count
        self.params, self.deadline = params, deadline
        self.name = inventory.clusters[cluster]
        self.large_tries = 0

    def run(self, most: int) -> Sizing:
        bound: float | None = None  # cost of the cheapest candidate not proven impossible
        nodes_bound, tried, models = 0, 0, self.count.models
        if most < 0:  # over the limit already
            return self._ended(Outcome.TOO_LARGE, bound, nodes_bound, tried)
        for n, (cost, counts) in enumerate(purchases([m.cost for m in models], most)):
            if n >= MAX_CANDIDATES or time.monotonic() > self.deadline:
                return self._ended(Outcome.UNKNOWN, bound, nodes_bound, tried)
            if not self.count.allows(counts):
                continue
            nodes_bound = nodes_bound or self.count.problem.n_nodes + sum(counts)
            tried += 1
            _, status, witness = self._test(counts)
            if status is Status.INFEASIBLE:
                continue
            bound = cost if bound is None else bound
            if witness is not None:
                return self._answer(counts, witness, bound, nodes_bound, tried)
        if not models:  # nothing to buy, and the current nodes have no plan
            return self._nothing_to_buy(tried)
        return self._ended(Outcome.TOO_LARGE, bound, nodes_bound, tried)

    def _answer(
        self, counts: tuple[int, ...], witness: Witness, bound: float, nodes: int, tried: int
    ) -> Sizing:
        """The purchase a plan was found with, less the bought nodes the plan leaves
        unused (trim.py): never below the bound, which no feasible purchase beats."""
        models = self.count.models
        counts, witness = trimmed(self.name, models, counts, witness)
        bought = purchase_nodes(self.name, models, counts)
        grown = with_nodes(self.inventory, self.cluster, bought)
        cost = sum(m.cost * n for m, n in zip(models, counts, strict=True))
        outcome = Outcome.PROVEN if cost <= bound else Outcome.GAP
        return Sizing(
            self.name,
            outcome,
            models,
            counts,
            cost,
            bound,
            nodes,
            inventory=grown,
            witness=witness,
            tried=tried,
        )

    def _nothing_to_buy(self, tried: int) -> Sizing:
        why = impossibility_reasons(self.count.problem, frozenset()) or [
            "its current nodes have no N+k plan"
        ]
        reason = f"{'; '.join(why)}, and the catalog has no model for cluster {self.name!r}"
        return Sizing(self.name, Outcome.IMPOSSIBLE, (), reasons=(reason,), tried=tried)

    def _ended(self, outcome: Outcome, bound: float | None, nodes: int, tried: int) -> Sizing:
        why = (
            "no purchase found within the time limit"
            if outcome is Outcome.UNKNOWN
            else "every purchase within --max-cluster-nodes fails"
        )
        return Sizing(
            self.name,
            outcome,
            self.count.models,
            cost_bound=bound or 0.0,
            nodes_bound=nodes,
            reasons=(why,),
            tried=tried,
        )

    def _test(self, counts: tuple[int, ...]) -> tuple[Inventory, Status, dict | None]:
        """The grown inventory, whether it has a plan (INFEASIBLE: proven not), a plan."""
        bought = purchase_nodes(self.name, self.count.models, counts)
        grown = with_nodes(self.inventory, self.cluster, bought)
        problem = cluster_problem(grown, self.cluster, self.params.failures)
        if impossibility_reasons(problem, frozenset()):
            return grown, Status.INFEASIBLE, None
        for balanced in (False, True):
            found = first_fit_decreasing(problem, balanced, deadline=time.monotonic() + 1.0)
            if found is not None:
                return grown, Status.FEASIBLE, _greedy_witness(problem, found)
        spread = large_plan(problem, Objective.BALANCE, time.monotonic() + LARGE_SECONDS)
        if spread is not None:  # spreads failover load evenly: fills tight clusters
            return grown, Status.FEASIBLE, _greedy_witness(problem, spread)
        if not exact_model_is_quick(problem):  # CP-SAT on at most LARGE_TRIES of these
            self.large_tries += 1
            if self.large_tries > LARGE_TRIES:
                return grown, Status.UNKNOWN, None
        return self._cpsat(grown, problem)

    def _cpsat(
        self, grown: Inventory, problem: ClusterProblem
    ) -> tuple[Inventory, Status, dict | None]:
        left = self.deadline - time.monotonic()
        left = min(CPSAT_SECONDS, left) if exact_model_is_quick(problem) else left / 3
        if left <= 0.1:
            return grown, Status.UNKNOWN, None
        params = replace(self.params, objective=Objective.NODES, gap=0.99, hint=False)
        result = solve_cluster(problem, params, left)
        if not result.status.has_plan:
            return grown, result.status, None
        names = grown.node_names
        witness = {
            grown.vm_names[v]: (grown.lun_names[result.luns[v]], tuple(names[n] for n in listed))
            for v, listed in result.owners.items()
        }
        return grown, Status.FEASIBLE, witness


def _greedy_witness(problem: ClusterProblem, found: GreedyPlan | LargePlan) -> dict:
    """vm name -> (LUN name, owner names): a plan that survives renumbering."""
    inv = problem.inventory
    return {
        inv.vm_names[v]: (inv.lun_names[lun], tuple(inv.node_names[n] for n in listed))
        for v, (lun, listed) in problem.per_vm(found.owners, found.luns).items()
    }
