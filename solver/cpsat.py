"""The one place a CpSolver is made: parameters from Params, status in our words."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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

# The caller's stop token, seen by every CP-SAT run of one solve() without being
# threaded through each model family's phases (see stopping_on).
_STOP: ContextVar[threading.Event | None] = ContextVar("hvplace_stop", default=None)
_POLL_SECONDS = 0.05


@contextmanager
def stopping_on(stop: threading.Event | None) -> Iterator[None]:
    """Every run_cpsat inside the block ends its search soon after `stop` is set."""
    token = _STOP.set(stop)
    try:
        yield
    finally:
        _STOP.reset(token)


def stop_requested() -> bool:
    """Whether the stop token of stopping_on is set: for loops that run between searches."""
    stop = _STOP.get()
    return stop is not None and stop.is_set()


def run_cpsat(
    model: cp_model.CpModel,
    params: Params,
    seconds: float,
    callback: Any = None,
    gap: float = 0.0,
    workers: int | None = None,
    light_presolve: bool = False,
) -> tuple[cp_model.CpSolver, Status]:
    """Solve `model` for at most `seconds`; values may be read only if the status has a plan.

    `callback` may report solutions (a CpSolverSolutionCallback) and, through an
    `on_bound` method, bound improvements. `workers` overrides params.workers
    (0 there means one per core). Once the stop token is set the search ends as
    at its time limit, with the best plan found so far. `light_presolve` skips
    probing and repeats presolve once: for a model hinted with a whole plan whose
    search is short (a later phase), where full presolve took most of the time.
    """
    stop = _STOP.get()
    solver = cp_model.CpSolver()
    stopped = stop is not None and stop.is_set()
    solver.parameters.max_time_in_seconds = 0.0 if stopped else max(seconds, 0.01)
    solver.parameters.relative_gap_limit = gap
    solver.parameters.num_workers = workers or params.workers or os.cpu_count() or 1
    solver.parameters.random_seed = params.seed
    if light_presolve:
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_presolve_iterations = 1
    solver.parameters.log_search_progress = params.log
    if params.log:  # CP-SAT would write to fd 1, into the results on stdout
        solver.parameters.log_to_stdout = False
        solver.log_callback = LOG.info
    # CP-SAT's own Ctrl+C handler would end this one search and let the run go on
    solver.parameters.catch_sigint_signal = False
    if callback is not None:
        solver.best_bound_callback = callback.on_bound
    with _watching(solver, stop):
        code = solver.solve(model, callback)
    if code == cp_model.MODEL_INVALID:
        raise RuntimeError(f"CP-SAT rejected the model {model.name!r}: {model.validate()}")
    return solver, _STATUS[code]


@contextmanager
def _watching(solver: cp_model.CpSolver, stop: threading.Event | None) -> Iterator[None]:
    """A thread that stops the search once `stop` is set (solve() holds the main thread)."""
    if stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        # stop_search before solve() has started is lost, so it is repeated until done
        while not done.wait(_POLL_SECONDS):
            if stop.is_set():
                solver.stop_search()

    watcher = threading.Thread(target=watch, name="hvplace-stop-search", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
