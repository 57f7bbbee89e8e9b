"""plan's fan-out options: where the clusters run, and resuming an interrupted fleet run."""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import interrupt
from cli.common import Exit, fail, guarded, stderr
from data.inventory import Inventory
from data.io.partial import Partial, SavedCluster, open_partial
from solver.params import Params
from solver.result import ClusterResult, Status

if TYPE_CHECKING:
    from solver.fanout import OnCluster
    from solver.fleet import FanOut

Jobs = Annotated[
    int,
    typer.Option(
        min=0,
        help="Clusters solved at once in a process pool (0: one per core, fewer when "
        "memory is short). With --max-moves clusters are solved one after another.",
    ),
]
ExecutorOption = Annotated[
    str, typer.Option("--executor", help="Where clusters run: pool (this machine) or dask.")
]
Scheduler = Annotated[
    str | None,
    typer.Option(help="Dask scheduler address (--executor dask); none: a local cluster."),
]
_SAVED_STATUSES = (Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE)


@dataclass(frozen=True)
class FleetOptions:
    jobs: int
    executor: str
    scheduler: str | None


def check_fleet_options(options: FleetOptions) -> None:
    """Usage errors before anything is read: exit 2 in one line."""
    if options.executor not in ("pool", "dask"):
        fail(Exit.BAD_INPUT, f"--executor must be pool or dask, not {options.executor!r}")
    if options.scheduler is not None and options.executor != "dask":
        fail(Exit.BAD_INPUT, "--scheduler needs --executor dask")
    if options.executor == "dask" and importlib.util.find_spec("distributed") is None:
        from solver.executors import MISSING_DASK

        fail(Exit.BAD_INPUT, MISSING_DASK)


def fan_out(
    inv: Inventory, params: Params, options: FleetOptions, out: Path | None, sha: str, quiet: bool
) -> tuple[FanOut, Partial | None]:
    """The fan-out for solve(), resuming from `out`'s partial directory when one is kept."""
    from solver.fleet import Executor, FanOut

    base = FanOut(Executor(options.executor), options.jobs, options.scheduler, available_memory())
    if out is None or params.max_moves is not None:
        return base, None
    partial = guarded(lambda: open_partial(out, _key(sha, params)))
    done = _reused(inv, partial)
    if not quiet and (done or partial.discarded):
        dropped = "; dropped a partial run of other inputs or options" if partial.discarded else ""
        where = f"reused {len(done)} of {len(inv.clusters)} clusters from {partial.directory}"
        stderr().print(f"hvplace: {where}{dropped}", markup=False)
    return replace(base, done=done, on_cluster=_saver(inv, partial)), partial


def _key(sha: str, params: Params) -> dict[str, Any]:
    """What must match for a finished cluster to be reused: the inputs and every option
    that shapes a cluster's plan (not --jobs nor the executor)."""
    options = asdict(params)
    options["objective"] = str(params.objective)
    options["disabled"] = sorted(str(r) for r in params.disabled)
    options.pop("log")
    return {"input_sha256": sha, "options": options}


def _reused(inv: Inventory, partial: Partial) -> dict[int, ClusterResult]:
    """The saved clusters in this inventory's indices (a name it lacks: not reused)."""
    nodes = {name: n for n, name in enumerate(inv.node_names)}
    vms = {name: v for v, name in enumerate(inv.vm_names)}
    luns = {name: i for i, name in enumerate(inv.lun_names)}
    done = {}
    for c, name in enumerate(inv.clusters):
        saved = partial.saved.get(name)
        if saved is None:
            continue
        try:
            owners = {vms[v]: tuple(nodes[n] for n in listed) for v, listed in saved.owners.items()}
            vm_luns = {vms[v]: luns[lun] for v, lun in saved.luns.items()}
        except KeyError:
            continue
        done[c] = ClusterResult(
            name,
            Status(saved.status),
            saved.objective_value,
            saved.bound,
            saved.seconds,
            owners,
            vm_luns,
            tuple(saved.reasons),
        )
    return done


def _saver(inv: Inventory, partial: Partial) -> Any:
    """Keeps each cluster as it completes; not one a stop cut short (a rerun solves it
    again with its whole share)."""

    def save(cluster: int, result: ClusterResult) -> None:
        if interrupt.STOP.is_set() or result.status not in _SAVED_STATUSES:
            return
        owners, luns = result.owners.items(), result.luns.items()
        saved = SavedCluster(
            cluster=result.cluster,
            status=str(result.status),
            objective_value=result.objective_value,
            bound=result.bound,
            seconds=result.seconds,
            owners={inv.vm_names[v]: [inv.node_names[n] for n in o] for v, o in owners},
            luns={inv.vm_names[v]: inv.lun_names[lun] for v, lun in luns},
            reasons=list(result.reasons),
        )
        guarded(lambda: partial.save(cluster, saved))

    return save


def available_memory() -> int:
    """Bytes the kernel says can be used without swapping (MemAvailable)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 2**62


def also_told(fan_out: FanOut, on_cluster: OnCluster | None) -> FanOut:
    """The fan-out with one more listener to each completed cluster (the progress bar)."""
    if on_cluster is None:
        return fan_out
    first = fan_out.on_cluster

    def both(cluster: int, result: ClusterResult) -> None:
        if first is not None:
            first(cluster, result)
        on_cluster(cluster, result)

    return replace(fan_out, on_cluster=both)
