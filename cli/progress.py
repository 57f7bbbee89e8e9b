"""Progress on stderr while solving: elapsed time against the limit, objective, bound;
for a fleet, one bar over its clusters."""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from cli.common import is_terminal, stderr
from data.rules import Objective
from solver.result import ClusterResult
from solver.result import Progress as SolverProgress

LOG = logging.getLogger("solver.cpsat")  # solver/cpsat.py's log; named so OR-Tools stays unloaded

if TYPE_CHECKING:  # solver.progress loads OR-Tools, which `hvplace --help` must not wait for
    from solver.fanout import OnCluster
    from solver.progress import OnProgress


@contextmanager
def solver_log(shown: bool) -> Iterator[None]:
    """CP-SAT's search log (--verbose) on stderr, line by line, while solving."""
    if not shown:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = LOG.level
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    try:
        yield
    finally:
        LOG.removeHandler(handler)
        LOG.setLevel(level)


@contextmanager
def solve_progress(
    time_limit: float, objective: Objective, hidden: bool = False
) -> Iterator[OnProgress | None]:
    """A rich progress bar fed by the solver's callbacks; nothing when stderr is no terminal
    or when asked (--quiet, or --verbose, whose log is the progress)."""
    if hidden or not is_terminal():
        yield None
        return
    with _bar() as bar:
        task = bar.add_task("solving", total=time_limit, figures="")
        start, done = time.monotonic(), threading.Event()

        def tick() -> None:
            while not done.wait(0.2):
                bar.update(task, completed=min(time.monotonic() - start, time_limit))

        seen: dict[tuple[str, int], float] = {}

        def report(event: SolverProgress) -> None:
            phase = _phase_label(objective, event.phase)
            key = (event.cluster, event.phase)
            if not math.isnan(event.objective):  # bound-only events keep the last plan
                seen[key] = event.objective
            best = seen.get(key, math.nan)
            found = "none yet" if math.isnan(best) else f"{best:g}"
            figures = f"objective {found}  bound {event.bound:g}{phase}"
            bar.update(task, description=f"cluster {event.cluster}", figures=figures)

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield report
        finally:
            done.set()
            ticker.join()


def _phase_label(objective: Objective, phase: int) -> str:
    """After the first criterion, which one the figures are in (phase 2: moves, ...)."""
    names = objective.criteria
    return "" if phase == 1 else f" ({names[min(phase, len(names)) - 1]})"


@contextmanager
def fleet_progress(clusters: int, reused: int, hidden: bool = False) -> Iterator[OnCluster | None]:
    """One bar over the clusters of a fleet (reused ones count as done), advanced as
    each completes; nothing when stderr is no terminal or when asked."""
    if hidden or not is_terminal():
        yield None
        return
    with _bar(MofNCompleteColumn()) as bar:
        task = bar.add_task("clusters", total=clusters, completed=reused, figures="")

        def done(cluster: int, result: ClusterResult) -> None:
            figures = f"last: {result.cluster} {result.status} {result.objective_value}"
            bar.update(task, advance=1, figures=figures)

        yield done


def _bar(*counted: ProgressColumn) -> Progress:
    """What is done, the bar, `counted` (e.g. clusters m/n), the time, the figures."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        *counted,
        TimeElapsedColumn(),
        TextColumn("{task.fields[figures]}"),
    )
    return Progress(*columns, console=stderr(), transient=True)
