"""One method on one inventory in its own forked process: its peak memory is its own,
an address-space cap keeps it from starving the machine, and one that overshoots its
time limit badly is killed instead of stalling the suite. The worker certifies the
plan with data.check.checker before it answers, so only figures pass back."""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np
from methods import METHODS, Outcome

from data.check.checker import check_plan, nodes_used, utilisation_permille
from data.inventory import Inventory
from data.plan import NO_NODE, Plan
from data.rules import Objective
from data.subset import cluster_subset

GUARD_FACTOR, GUARD_SLACK = 2.0, 60.0  # a run is killed after 2 x limit + 60 s
MEMORY_CAP_MB = 3072  # RLIMIT_AS of each worker (the machine is shared)


@dataclass(frozen=True)
class Measured:
    """What one run reports: figures measured by the checker, never the method's own
    (except `nodes` of a nodes-only answer, which has no plan to measure)."""

    status: str
    nodes: int | None  # nodes used; None when there is no counted answer
    utilisation: int | None  # U permille under every failure set
    bound: int | None  # the method's own proven bound
    violations: int | None  # len(check_plan(...)); None without a plan
    seconds: float
    added: int = 0
    base_mb: float | None = None
    peak_mb: float | None = None


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def certify(outcome: Outcome, inventory: Inventory, failures: int) -> Measured:
    """A plan counts only when the checker finds nothing wrong with it; a rejected plan
    keeps its violations and status `rejected`, and no node count."""
    if outcome.plan is None:
        return Measured(
            outcome.status, outcome.nodes, None, outcome.bound, None, outcome.seconds, outcome.added
        )
    over = outcome.inventory or inventory
    violations, nodes, worst = 0, 0, 0
    for cut, plan in _per_cluster(over, outcome.plan):
        violations += len(check_plan(cut, plan, failures))
        nodes += nodes_used(cut, plan)
        worst = max(worst, utilisation_permille(cut, plan, failures))
    if violations:
        return Measured(
            "rejected", None, None, outcome.bound, violations, outcome.seconds, outcome.added
        )
    return Measured(outcome.status, nodes, worst, outcome.bound, 0, outcome.seconds, outcome.added)


def _per_cluster(inventory: Inventory, plan: Plan) -> Iterator[tuple[Inventory, Plan]]:
    """The plan cut to each cluster in turn (data.subset), since the checker's time grows
    with clusters x VMs on a whole fleet. Every rule of MODEL.md is per cluster; an owner
    outside the VM's cluster becomes an index past the cut's nodes, which the checker
    rejects as it would in the whole."""
    if len(inventory.clusters) <= 1:
        yield inventory, plan
        return
    for c in range(len(inventory.clusters)):
        cut = cluster_subset(inventory, [c])
        node = np.full(inventory.n_nodes + 1, cut.inventory.n_nodes, dtype=np.int64)
        node[cut.nodes] = np.arange(len(cut.nodes))
        node[-1] = NO_NODE  # padding stays padding
        lun = np.full(inventory.n_luns + 1, NO_NODE, dtype=np.int64)
        lun[cut.luns] = np.arange(len(cut.luns))
        yield cut.inventory, Plan(lun[plan.vm_lun[cut.vms]], node[plan.owners[cut.vms]])


@dataclass(frozen=True, eq=False)
class Task:
    """One method on one inventory, with its limits."""

    method: str
    inventory: Inventory
    failures: int
    limit: float
    workers: int
    objective: Objective
    cap_mb: int = MEMORY_CAP_MB


def _child(conn: Connection, task: Task) -> None:
    base = _rss_mb()
    cap = task.cap_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        method = METHODS[task.method]
        outcome = method(task.inventory, task.failures, task.limit, task.workers, task.objective)
        peak = _rss_mb()  # before certifying: the method's own peak
        measured = certify(outcome, task.inventory, task.failures)
    except Exception as error:  # reported as the row's status, the suite goes on
        measured = Measured(
            f"error: {type(error).__name__}: {error}"[:200], None, None, None, None, 0.0
        )
        peak = _rss_mb()
    conn.send(Measured(**{**measured.__dict__, "base_mb": base, "peak_mb": peak}))
    conn.close()


def run_isolated(task: Task) -> Measured:
    """Measured figures of one method, run in a forked process under the kill guard."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, task))
    start = time.monotonic()
    process.start()
    send.close()
    measured: Measured
    if receive.poll(GUARD_FACTOR * task.limit + GUARD_SLACK):
        try:
            measured = receive.recv()
        except EOFError:  # the worker died (e.g. out of memory)
            measured = Measured("crashed", None, None, None, None, time.monotonic() - start)
    else:
        process.kill()
        measured = Measured("killed", None, None, None, None, time.monotonic() - start)
    process.join()
    receive.close()
    return measured
