"""Enforcement literals that let CP-SAT name the rules behind an infeasibility.

When a cluster is proven infeasible, the model is built once more with every
capacity row, anti-affinity class and LUN capacity behind a literal, and
solved with all literals assumed true. CP-SAT's sufficient assumptions then
form a (small, not always minimal) set of rule items that cannot hold
together, which explain.py turns into a sentence.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

Key = tuple  # ("capacity", label, node) | ("failure", failed) | ("anti-affinity", class) | ...


class Switches:
    """Hands out one literal per rule item; a no-op unless `enabled`."""

    def __init__(self, model: cp_model.CpModel, enabled: bool) -> None:
        self.model, self.enabled = model, enabled
        self.literals: dict[Key, cp_model.IntVar] = {}

    def guard(self, constraint: cp_model.Constraint, *keys: Key) -> None:
        if self.enabled and keys:
            constraint.only_enforce_if([self.literal(key) for key in keys])

    def literal(self, key: Key) -> cp_model.IntVar:
        if key not in self.literals:
            self.literals[key] = self.model.new_bool_var(f"rule{key}")
        return self.literals[key]
