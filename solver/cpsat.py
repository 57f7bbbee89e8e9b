"""The one place a CpSolver is made: parameters from Params, status in our words."""

from __future__ import annotations

import logging
import os
from typing import Any

from ortools.sat.python import cp_model

from solver.params import Params
from solver.result import Status

_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.UNKNOWN: Status.UNKNOWN,
}
# CP-SAT's search log (Params.log), one record per line: the CLI decides where it goes
LOG = logging.getLogger(__name__)


def run_cpsat(
    model: cp_model.CpModel,
    params: Params,
    seconds: float,
    callback: Any = None,
    gap: float = 0.0,
    workers: int | None = None,
) -> tuple[cp_model.CpSolver, Status]:
    """Solve `model` for at most `seconds`; values may be read only if the status has a plan.

    `callback` may report solutions (a CpSolverSolutionCallback) and, through an
    `on_bound` method, bound improvements. `workers` overrides params.workers
    (0 there means one per core).
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.relative_gap_limit = gap
    solver.parameters.num_workers = workers or params.workers or os.cpu_count() or 1
    solver.parameters.random_seed = params.seed
    solver.parameters.log_search_progress = params.log
    if params.log:  # CP-SAT would write to fd 1, into the results on stdout
        solver.parameters.log_to_stdout = False
        solver.log_callback = LOG.info
    if callback is not None:
        solver.best_bound_callback = callback.on_bound
    code = solver.solve(model, callback)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model {model.name!r}: {model.validate()}")
    return solver, _STATUS[code]
