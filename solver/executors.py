"""Where fan-out jobs run: the stdlib process pool, or Dask distributed (`hvplace[dask]`).

Both are plain `concurrent.futures.Executor`s, so solver.fanout drives them alike.
The pool is sized from the cores and the memory: a job's memory grows with its
cluster (the owners model is per unit and per failure set), so a 64-node N+2
cluster gets fewer slots than a fleet of 100-VM ones.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from solver import fanout

_BASE_BYTES = 300 * 2**20  # a worker with OR-Tools loaded and a small model
_BYTES_PER_CELL = 512  # per VM x node^k of the owners model (measured order of magnitude)
_CAP_BYTES = 2 * 2**30  # the large-cluster methods keep one solve under 2 GiB
_WORKER_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class MissingExtra(ImportError):
    """--executor dask without Dask distributed installed."""


@dataclass(frozen=True)
class Slots:
    """How many jobs may run at once, and why no more."""

    count: int
    limited_by: str  # "cores", "memory", "clusters" or "jobs"


def job_bytes(vms: int, nodes: int, failures: int) -> int:
    """A rough upper estimate of one cluster solve's peak memory."""
    cells = vms * max(nodes, 1) ** max(failures, 1)
    return min(_CAP_BYTES, _BASE_BYTES + cells * _BYTES_PER_CELL)


def cores() -> int:
    """The cores this process may run on (its affinity mask, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pool_slots(jobs: int, clusters: int, largest_bytes: int, memory_bytes: int) -> Slots:
    """Jobs at once: `jobs` (0: one per core), no more than the memory holds for the
    largest cluster, nor than there are clusters; at least one."""
    limits = {
        "cores": cores() if jobs == 0 else jobs,
        "memory": max(1, memory_bytes // max(largest_bytes, 1)),
        "clusters": max(1, clusters),
    }
    name = min(limits, key=lambda k: limits[k])
    if jobs and limits[name] == jobs:
        name = "jobs"
    return Slots(max(1, min(limits.values())), name)


@contextmanager
def process_pool(slots: int, stop: threading.Event | None = None) -> Iterator[cf.Executor]:
    """A pool of fresh interpreters (forkserver: no fork of this threaded process),
    whose jobs end with their best plan soon after `stop` is set."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["solver.fanout"])
    pool = cf.ProcessPoolExecutor(slots, mp_context=context, initializer=_worker_init)
    watcher = _forward_stop(pool, stop)
    try:
        yield pool
    finally:
        watcher.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _forward_stop(pool: cf.ProcessPoolExecutor, stop: threading.Event | None) -> threading.Event:
    """Pass the parent's stop on to the workers as SIGTERM (a `kill` reaches only the
    parent; a Ctrl+C reaches them all, which is harmless twice)."""
    done = threading.Event()
    if stop is None:
        return done

    def watch() -> None:
        while not done.wait(0.1):
            if stop.is_set():
                for process in list(getattr(pool, "_processes", {}).values()):
                    if process.pid is not None and process.is_alive():
                        os.kill(process.pid, signal.SIGTERM)
                return

    threading.Thread(target=watch, name="hvplace-forward-stop", daemon=True).start()
    return done


def _worker_init() -> None:
    """In each worker: a stop signal sets the stop token the running solve polls.

    The signals are blocked and taken by a thread (sigwait): a Python handler would
    wait for the main thread, which sits inside CP-SAT.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, _WORKER_SIGNALS)

    def wait() -> None:
        signal.sigwait(_WORKER_SIGNALS)
        fanout._STOP.set()

    threading.Thread(target=wait, name="hvplace-worker-stop", daemon=True).start()


@contextmanager
def dask_executor(slots: int, scheduler: str | None) -> Iterator[tuple[cf.Executor, int]]:
    """An executor on a Dask cluster and its slot count: the scheduler at `scheduler`,
    or a local cluster of `slots` single-threaded worker processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise MissingExtra(MISSING_DASK) from error
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=slots, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        total = sum(client.nthreads().values()) or 1
        yield client.get_executor(pure=False), total
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


MISSING_DASK = (
    "--executor dask needs Dask distributed: pip install 'hvplace[dask]' "
    "(or pip install 'dask[distributed]')"
)
