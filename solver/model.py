"""The CP-SAT model of one cluster: data -> variables -> constraint families -> objective."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from data.rules import Objective, Rule
from solver.anti_affinity import add_anti_affinity
from solver.bounds import lower_bound
from solver.build_clock import AFTER_ANTI_AFFINITY, AFTER_ASSIGNMENT, AFTER_CAPACITY, BuildClock
from solver.capacity import PERMILLE, CapacityVars, add_capacity, capacity_hint, load
from solver.luns import OnLun, add_luns
from solver.objectives import add_nodes_used, moves_expression
from solver.owners import OwnerVars, add_assignment, prefix_hint
from solver.params import in_steps
from solver.problem import MEMORY_ROW, ClusterProblem
from solver.switches import Switches
from solver.symmetry import add_symmetry_breaking, add_unit_ordering


@dataclass
class PlanModel:
    """The model with the handles needed to set objectives, hints and read answers."""

    model: cp_model.CpModel
    problem: ClusterProblem
    owners: OwnerVars
    on_lun: OnLun
    capacity: CapacityVars
    moves: cp_model.LinearExprT
    used: list[cp_model.IntVar] | None  # node_used[n], built for the nodes objective only
    switches: Switches
    extra: dict[str, cp_model.IntVar] = field(default_factory=dict)  # criteria built on demand
    tolerance: int = 1  # of extra["steps"], once built

    @property
    def utilisation(self) -> cp_model.IntVar:
        return self.capacity.utilisation

    @property
    def nodes_used(self) -> cp_model.LinearExprT | None:
        return sum(self.used) if self.used is not None else None

    def criteria(
        self, objective: Objective, tolerance: int = 1
    ) -> tuple[cp_model.LinearExprT, ...]:
        """The objective's criteria in lexicographic order (MODEL.md "Objectives")."""
        if objective is Objective.BALANCE:
            rounded = self.rounded_utilisation(tolerance)
            return (rounded, self.moves, self.utilisation, self.no_failure_utilisation())
        if objective is Objective.NODES:
            assert self.nodes_used is not None
            return (self.nodes_used, self.utilisation)
        return (self.moves, self.utilisation)

    def rounded_utilisation(self, tolerance: int) -> cp_model.LinearExprT:
        """U rounded up to a multiple of the tolerance: tolerance * steps, steps >= U / t."""
        if tolerance == 1:
            return self.utilisation
        if "steps" not in self.extra:
            top = -(-self._utilisation_top() // tolerance)
            steps = self.model.new_int_var(0, top, f"utilisation_steps[{tolerance}]")
            self.model.add(tolerance * steps >= self.utilisation)
            self.extra["steps"], self.tolerance = steps, tolerance
        return tolerance * self.extra["steps"]

    def _utilisation_top(self) -> int:
        return int(list(self.utilisation.proto.domain)[-1])  # the proto has no [-1]

    def no_failure_utilisation(self) -> cp_model.IntVar:
        """The highest utilisation with no node failed (balance's last criterion)."""
        if "no_failure" not in self.extra:
            top = self._utilisation_top()
            worst = self.model.new_int_var(0, top, "utilisation_no_failure")
            memory = self.capacity.shifted[0]
            for n in range(self.problem.n_nodes):
                cap = int(self.problem.capacity[0, n])
                self.model.add(PERMILLE * load(memory, n, ()) <= cap * worst)
            self.extra["no_failure"] = worst
        return self.extra["no_failure"]

    def add_hint(self, owners: list[tuple[int, ...]], luns: dict[int, int]) -> None:
        """Hint a complete solution from an owners list per unit and a LUN per free VM.

        Every variable gets a value, so CP-SAT can check the hint at once
        instead of searching for the values of the derived ones.
        """
        for u, listed in enumerate(owners):
            true = prefix_hint(listed)
            for key, literal in self.owners.prefix[u].items():
                self.model.add_hint(literal, key in true)
        for (v, lun), literal in self.on_lun.items():
            self.model.add_hint(literal, luns.get(v) == lun)
        for var, value in capacity_hint(self.problem, self.capacity, owners).items():
            self.model.add_hint(var, value)
        for name, var in self.extra.items():
            self.model.add_hint(var, self._extra_value(name, owners))
        if self.used is not None:
            named = named_nodes(self.problem, owners)
            for n, var in enumerate(self.used):
                self.model.add_hint(var, n in named)

    def _extra_value(self, name: str, owners: list[tuple[int, ...]]) -> int:
        if name == "steps":
            value = capacity_hint(self.problem, self.capacity, owners)[self.utilisation]
            return -(-value // self.tolerance)
        return no_failure_permille(self.problem, owners)


def build_model(
    problem: ClusterProblem,
    objective: Objective,
    disabled: frozenset[Rule] = frozenset(),
    scores_moves: bool = True,
    explain: bool = False,
    max_moves: int | None = None,
    deadline: float | None = None,
) -> PlanModel:
    """The whole model; `scores_moves` says whether this solve's criterion counts moves
    (or caps them), which limits the symmetry that may be broken; `explain` puts rule
    items behind enforcement literals (PlanModel.switches) to name the cause of an
    infeasibility; `max_moves` caps the moves (--max-moves). A build projected to end
    past `deadline` raises BuildOverrun (solver/build_clock.py)."""
    clock = BuildClock(deadline)
    model = cp_model.CpModel()
    model.name = f"hvplace[{problem.name}]"
    switches = Switches(model, enabled=explain)
    owners = add_assignment(model, problem)
    clock.check(AFTER_ASSIGNMENT)
    on_lun = add_luns(model, problem, owners, disabled, switches)
    capacity = add_capacity(model, problem, owners, disabled, switches)
    clock.check(AFTER_CAPACITY)
    if Rule.ANTI_AFFINITY not in disabled:
        add_anti_affinity(model, problem, owners, switches)
        clock.check(AFTER_ANTI_AFFINITY)
    used = add_nodes_used(model, problem, owners) if objective is Objective.NODES else None
    add_symmetry_breaking(model, problem, capacity.shifted[MEMORY_ROW], scores_moves, used)
    add_unit_ordering(model, problem, owners, keep_current=scores_moves)
    moves = moves_expression(problem, owners)
    plan_model = PlanModel(model, problem, owners, on_lun, capacity, moves, used, switches)
    if max_moves is not None:
        model.add(moves <= max_moves)
    if not disabled and not explain:
        add_lower_bounds(plan_model, objective)
    return plan_model


def add_lower_bounds(plan_model: PlanModel, objective: Objective) -> None:
    """Redundant: each criterion is at least its analytic bound (solver/bounds.py).

    CP-SAT's own bound misses the counting argument behind them at k = 2
    (399 against 509 permille on 8 nodes), so stating it proves more, sooner.
    Valid only with every rule on, which is when it is used.
    """
    model, problem = plan_model.model, plan_model.problem
    model.add(plan_model.utilisation >= lower_bound(problem, Objective.BALANCE))
    model.add(plan_model.moves >= lower_bound(problem, Objective.MOVES))
    if plan_model.nodes_used is not None and objective is Objective.NODES:
        model.add(plan_model.nodes_used >= lower_bound(problem, Objective.NODES))


def read_owners(plan_model: PlanModel, solver: cp_model.CpSolver) -> list[tuple[int, ...]]:
    """Each unit's owners list (local node indices) from a solved model."""
    lists = []
    for literals in plan_model.owners.prefix:
        by_prefix = {s: n for (s, n), lit in literals.items() if solver.boolean_value(lit)}
        listed: list[int] = []
        while tuple(sorted(listed)) in by_prefix:
            listed.append(by_prefix[tuple(sorted(listed))])
        lists.append(tuple(listed))
    return lists


def read_luns(plan_model: PlanModel, solver: cp_model.CpSolver) -> dict[int, int]:
    """The LUN chosen for each free VM."""
    return {v: lun for (v, lun), lit in plan_model.on_lun.items() if solver.boolean_value(lit)}


def criterion_value(
    plan_model: PlanModel, objective: Objective, owners: list[tuple[int, ...]], tolerance: int = 1
) -> int:
    """The first criterion of a plan given as owners lists, without solving."""
    problem = plan_model.problem
    if objective is Objective.BALANCE:
        values = capacity_hint(problem, plan_model.capacity, owners)
        return in_steps(values[plan_model.utilisation], tolerance)
    if objective is Objective.NODES:
        return len(named_nodes(problem, owners))
    return moves_of(problem, owners)


def moves_of(problem: ClusterProblem, owners: list[tuple[int, ...]]) -> int:
    """VMs with a current node that the owners lists run elsewhere."""
    local = problem.local_node
    current = problem.inventory.vm_node
    return sum(
        1
        for u, unit in enumerate(problem.units)
        for v in unit.members
        if current[v] >= 0 and local[int(current[v])] != owners[u][0]
    )


def named_nodes(problem: ClusterProblem, owners: list[tuple[int, ...]]) -> set[int]:
    """Nodes named in the owners list of a unit with VMs (an empty LUN's list is never
    written to a plan, so it does not count)."""
    return {n for u, listed in enumerate(owners) if problem.units[u].members for n in listed}


def no_failure_permille(problem: ClusterProblem, owners: list[tuple[int, ...]]) -> int:
    """The highest memory utilisation with no node failed, for owners lists per unit."""
    used = np.zeros(problem.n_nodes, dtype=np.int64)
    for u, listed in enumerate(owners):
        used[listed[0]] += int(problem.weight[u, 0])
    capacity = np.maximum(problem.capacity[0], 1)
    return int((-(-PERMILLE * used // capacity)).max(initial=0))
