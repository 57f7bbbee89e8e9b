"""Progress reports while a cluster is solved: each better plan and bound, as they come.

The CLI draws them (cli/progress.py); the solver only calls `on_progress`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.greedy import GreedyPlan
from solver.model import PlanModel, criterion_value
from solver.params import Params
from solver.problem import ClusterProblem
from solver.result import Progress

OnProgress = Callable[[Progress], None]


class ProgressCallback(cp_model.CpSolverSolutionCallback):
    """Reports each better plan, and each better bound between plans."""

    def __init__(self, report: Callable[[float, float, float], None]) -> None:
        super().__init__()
        self.report = report
        self.objective = math.nan
        self.start = time.monotonic()

    def on_solution_callback(self) -> None:
        self.objective = self.objective_value
        self.report(self.objective, self.best_objective_bound, self.wall_time)

    def on_bound(self, bound: float) -> None:
        self.report(self.objective, bound, time.monotonic() - self.start)


def reporter(
    problem: ClusterProblem, phase: int, on_progress: OnProgress | None = None
) -> ProgressCallback | None:
    """A CP-SAT callback reporting `phase` of `problem`'s solve, or None when nobody listens."""
    if on_progress is None:
        return None
    return ProgressCallback(lambda o, b, s: on_progress(Progress(problem.name, phase, o, b, s)))


def report_greedy(
    plan_model: PlanModel,
    params: Params,
    greedy: GreedyPlan,
    start: float,
    on_progress: OnProgress,
) -> None:
    """Show the greedy plan's score at once: presolving a large model takes seconds."""
    value = criterion_value(plan_model, params.objective, greedy.owners, params.tolerance)
    on_progress(Progress(plan_model.problem.name, 1, value, 0.0, time.monotonic() - start))
