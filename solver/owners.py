"""Owners lists as paths through prefix sets: the core decision of the model.

Rule: every failover unit gets an owners list of exactly k+1 distinct eligible
nodes; under failure set F it runs on its first owner not in F.

`prefix[u][S, n]` is true when the first |S| owners of unit u are the set S
(in some order) and owner number |S| is node n. Exactly one owner comes first,
and every prefix set S is left by as many paths as enter it (flow
conservation), so the true literals trace exactly one ordered list. The
payoff: unit u runs on n under F exactly when prefix[u][S, n] holds for some
S within F, so every load is a plain sum of literals with no products.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.problem import ClusterProblem

Prefix = tuple[int, ...]  # a sorted tuple of local node indices


@dataclass
class OwnerVars:
    prefix: list[dict[tuple[Prefix, int], cp_model.IntVar]]  # per unit

    def runs_on(self, u: int, n: int) -> cp_model.IntVar | None:
        """The literal "unit u runs on node n when no node has failed"."""
        return self.prefix[u].get(((), n))

    def at_position(self, u: int, j: int, n: int) -> list[cp_model.IntVar]:
        """Literals whose sum is 1 exactly when node n is owner number j of unit u."""
        return [lit for (s, m), lit in self.prefix[u].items() if m == n and len(s) == j]

    def named(self, u: int, n: int) -> list[cp_model.IntVar]:
        """Literals whose sum is 1 exactly when n is anywhere in u's owners list."""
        return [lit for (_, m), lit in self.prefix[u].items() if m == n]


def add_assignment(model: cp_model.CpModel, problem: ClusterProblem) -> OwnerVars:
    """Create the prefix literals of every unit and tie them into one path each."""
    k = problem.failures
    prefix = []
    for u, unit in enumerate(problem.units):
        literals = _prefix_literals(model, problem, u, unit.eligible, k)
        model.add_exactly_one(lit for (s, _), lit in literals.items() if not s)
        for size in range(1, k + 1):
            for subset in itertools.combinations(unit.eligible, size):
                leaving = [literals[subset, n] for n in unit.eligible if n not in subset]
                entering = [literals[_without(subset, m), m] for m in subset]
                model.add(sum(leaving) == sum(entering))
        prefix.append(literals)
    return OwnerVars(prefix)


def _prefix_literals(
    model: cp_model.CpModel, problem: ClusterProblem, u: int, eligible: tuple[int, ...], k: int
) -> dict[tuple[Prefix, int], cp_model.IntVar]:
    literals = {}
    for size in range(k + 1):
        for subset in itertools.combinations(eligible, size):
            before = ",".join(problem.node_name(m) for m in subset)
            for n in eligible:
                if n not in subset:
                    name = f"owner[u{u}|{before}>{problem.node_name(n)}]"
                    literals[subset, n] = model.new_bool_var(name)
    return literals


def _without(subset: Prefix, m: int) -> Prefix:
    return tuple(x for x in subset if x != m)


def prefix_hint(owners: tuple[int, ...]) -> set[tuple[Prefix, int]]:
    """The prefix literals that are true for an owners list (local node indices)."""
    return {(tuple(sorted(owners[:j])), owners[j]) for j in range(len(owners))}
