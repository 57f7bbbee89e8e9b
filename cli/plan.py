"""`hvplace plan`: read an inventory, solve, write the plan, show the per-node table."""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass, replace
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from cli import fleet, interrupt
from cli.budget import gc_paused, solve_limit
from cli.common import (
    DiskOption,
    DynamicMemoryOption,
    Encoding,
    Exit,
    InputFormat,
    InventoryPaths,
    PoweredOff,
    Quiet,
    Strict,
    Templates,
    Verbose,
    check_out,
    check_seed,
    check_workers,
    directory_out,
    fail,
    guarded,
    import_options,
    load_sources,
    sources,
    stderr,
)
from cli.per_cluster import ClusterNames, only_clusters, print_clusters
from cli.progress import fleet_progress, solve_progress, solver_log
from cli.render import OutputFormat, print_plan
from cli.timings import Laps
from data.check.checker import check_plan, nodes_used, per_cluster_counts
from data.check.checker import moves as moves_made
from data.check.moves import check_moves
from data.imports.common import DiskMeasure, DynamicMemory
from data.imports.load import Loaded
from data.inventory import Inventory
from data.io.write import write_plan
from data.moves import Move
from data.plan import ClusterSummary, Plan, PlanSummary, software_versions
from data.rules import Objective
from solver.params import Params
from solver.result import Result, Status
from solver.sequencing import sequence_moves

if TYPE_CHECKING:
    from solver.fleet import FanOut
    from solver.progress import OnProgress


def plan(
    inventory: InventoryPaths = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Plan directory to write.")
    ] = None,
    example: Annotated[str | None, typer.Option(help="Plan a bundled example instead.")] = None,
    failures: Annotated[int, typer.Option(min=0, help="Node failures to survive (k).")] = 1,
    objective: Annotated[Objective, typer.Option(help="What to optimise.")] = Objective.BALANCE,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds for the whole command.")] = 60,
    seed: Annotated[int, typer.Option(help="Solver random seed.")] = 0,
    gap: Annotated[
        float, typer.Option(min=0, max=0.99, help="Stop within this relative gap (0.01 = 1%).")
    ] = 0.0,
    workers: Annotated[int, typer.Option(min=0, help="Solver threads (0: one per core).")] = 0,
    tolerance: Annotated[
        int, typer.Option(min=1, max=1000, help="balance: count U in steps of this (permille).")
    ] = 10,
    max_moves: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="At most this many VMs leave their current node, over the whole plan: "
            "clusters are then solved one after another, each within what the earlier "
            "ones left (no --jobs, no resume).",
        ),
    ] = None,
    jobs: fleet.Jobs = 0,
    executor: fleet.ExecutorOption = "pool",
    scheduler: fleet.Scheduler = None,
    fmt: OutputFormat = "table",
    input_format: InputFormat = None,
    templates: Templates = True,
    powered_off: PoweredOff = True,
    dynamic_memory: DynamicMemoryOption = DynamicMemory.STARTUP,
    strict: Strict = False,
    disk: DiskOption = DiskMeasure.USED,
    encoding: Encoding = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    cluster: ClusterNames = None,
    timings: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Plan where every VM and LUN runs so the cluster survives any k node failures.

    INVENTORY is a directory of canonical tables (nodes, vms, luns), or exports to
    import on the fly: Hyper-V PowerShell CSVs, an RVTools workbook or CSVs, an
    Azure Migrate CSV with a nodes table (see `hvplace import`).

    A fleet's clusters are solved side by side (--jobs, --executor); each finished
    cluster is kept in OUT.partial, so rerunning an interrupted command resumes.
    """
    laps = Laps(timings)
    output = _Output(out, fmt, quiet, verbose, failures, max_moves)
    params = _params(output, objective, time_limit, workers, seed, gap, tolerance)
    fleet_options = fleet.FleetOptions(jobs, executor, scheduler)
    fleet.check_fleet_options(fleet_options)
    paths = sources(inventory, example)
    check_out(out, paths)
    options = import_options(templates, powered_off, dynamic_memory, strict, disk, encoding)
    loaded = load_sources(paths, input_format, options, quiet)
    loaded = only_clusters(loaded, cluster)
    laps.lap("read")
    import_module("solver.solve")  # OR-Tools loads here: start-up, timed apart from the solve
    laps.lap("import")
    # the limit bounds the whole command: keep back what certify, write and show will take
    limit = solve_limit(time_limit, loaded.inventory, failures)
    params = replace(params, time_limit=limit)
    fan_out, partial = fleet.fan_out(
        loaded.inventory, params, fleet_options, out, loaded.input_sha256, quiet
    )
    result = _solve(loaded.inventory, params, output, fan_out)
    laps.lap("solve")
    if result.interrupted:
        _stop_interrupted(loaded, result, output)
    if result.plan is None:  # which clusters are short, and by how much
        if partial is not None:
            partial.remove()  # kept only for a rerun of an interrupted run
        print_clusters(loaded, result, failures, output.fmt)
        laps.lap("show")
        laps.show()
    _exit_without_plan(result, time_limit)
    try:
        _deliver(loaded, result, output, laps)
    finally:  # even when printing fails (a closed pipe): the solve itself finished
        if partial is not None:
            partial.remove()
    laps.show()


@dataclass(frozen=True)
class _Output:
    """What the user asked to get back, and how loudly."""

    out: Path | None
    fmt: str
    quiet: bool
    verbose: bool
    failures: int
    max_moves: int | None  # the plan is certified to move at most this many VMs


def _params(
    output: _Output,
    objective: Objective,
    time_limit: float,
    workers: int,
    seed: int,
    gap: float,
    tolerance: int,
) -> Params:
    """The options checked before anything is read: a bad one exits 2 at once."""
    if output.fmt not in ("table", "json", "csv"):
        fail(Exit.BAD_INPUT, f"--format must be table, json or csv, not {output.fmt!r}")
    directory_out(output.out)
    if output.quiet and output.verbose:
        fail(Exit.BAD_INPUT, "give --quiet or --verbose, not both")
    check_seed(seed)
    check_workers(workers)
    return Params(
        failures=output.failures,
        objective=objective,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        gap=gap,
        log=output.verbose,
        tolerance=tolerance,
        max_moves=output.max_moves,
    )


def _solve(inv: Inventory, params: Params, output: _Output, fan_out: FanOut) -> Result:
    """The solve, which a first Ctrl+C or SIGTERM ends with the best plan found so far."""
    hidden = output.quiet or output.verbose
    clusters = len(inv.clusters)
    with (
        interrupt.deferred(),
        solver_log(output.verbose),
        solve_progress(params.time_limit, params.objective, hidden or clusters > 1) as on_progress,
        fleet_progress(clusters, len(fan_out.done), hidden or clusters == 1) as on_cluster,
    ):
        fan_out = fleet.also_told(fan_out, on_cluster)
        return solve(inv, params, on_progress, interrupt.STOP, fan_out)


def _deliver(loaded: Loaded, result: Result, output: _Output, laps: Laps | None = None) -> None:
    """Certify the plan, write it to --out, show the per-node table."""
    with gc_paused():
        _deliver_now(loaded, result, output, laps or Laps(False))


def _deliver_now(loaded: Loaded, result: Result, output: _Output, laps: Laps) -> None:
    inv, out = loaded.inventory, output.out
    certify_plan(inv, result, output.failures, output.max_moves)
    laps.lap("certify")
    summary = plan_summary(inv, result, output.failures, loaded.input_sha256)
    assert result.plan is not None
    order = certified_move_order(inv, result.plan)
    if out is not None:
        guarded(lambda: write_plan(out, inv, result.plan, summary, order))  # type: ignore[arg-type]
    elif not output.quiet:
        stderr().print("hvplace: no --out given, so no plan files were written", markup=False)
    laps.lap("write")
    print_plan(inv, result.plan, summary, output.fmt, output.verbose)
    laps.lap("show")


def solve(
    inv: Inventory,
    params: Params,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
    fan_out: FanOut | None = None,
) -> Result:
    """solver.solve.solve, imported when first called: OR-Tools (a second or more to load)
    loads only when a command solves, so `hvplace --help` is fast."""
    from solver.solve import solve as solve_now

    return solve_now(inv, params, on_progress, stop, fan_out)


def _stop_interrupted(loaded: Loaded, result: Result, output: _Output) -> NoReturn:
    """Stopped by a signal: the plan found so far if every cluster has one, then 128 + signal."""
    signum = interrupt.received() or signal.SIGINT
    code, why = interrupt.exit_code(signum), interrupt.interrupted_by(signum)
    out = output.out
    if result.plan is None:
        kept = f" ({out} left as it was)" if out is not None and out.exists() else ""
        fail(code, f"{why}: no complete plan yet, nothing written{kept}")
    _deliver(loaded, result, output)
    where = f"wrote it to {out}" if out is not None else "no --out given"
    fail(code, f"{why}: the plan is the best found so far, not proven best; {where}")


def certify_plan(inv: Inventory, result: Result, failures: int, max_moves: int | None) -> None:
    """The independent checker signs off every plan before it is written."""
    assert result.plan is not None
    violations = check_plan(inv, result.plan, failures)
    if violations:  # a solver bug: say so loudly rather than write a wrong plan
        lines = "\n".join(v.line() for v in violations[:10])
        raise RuntimeError(f"the solver's plan breaks rules it must enforce:\n{lines}")
    made = moves_made(inv, result.plan)
    if max_moves is not None and made > max_moves:
        raise RuntimeError(f"the solver's plan makes {made} moves > {max_moves}")


def certified_move_order(inv: Inventory, plan: Plan) -> tuple[Move, ...] | None:
    """moves.csv's order when some VM names its current node, replayed by the checker
    before it is written."""
    if not (inv.vm_node >= 0).any():
        return None
    order = sequence_moves(inv, plan)
    violations = check_moves(inv, plan, order)
    if violations:  # a sequencer bug, as in certify_plan
        lines = "\n".join(v.line() for v in violations[:10])
        raise RuntimeError(f"the move order breaks the replay rules:\n{lines}")
    return order


def _exit_without_plan(result: Result, time_limit: float) -> None:
    if result.status is Status.INFEASIBLE:
        reasons = result.reasons or ["no reason could be named"]
        fail(Exit.NO_PLAN, "no plan can exist: " + "; ".join(reasons))
    if result.status is Status.UNKNOWN:
        fail(
            Exit.TIME_LIMIT,
            f"no plan found within the time limit ({time_limit:g} s); "
            "not proven impossible, try a longer --time-limit",
        )


def plan_summary(inv: Inventory, result: Result, failures: int, sha: str) -> PlanSummary:
    assert result.plan is not None and result.objective_value is not None
    used, made = per_cluster_counts(inv, result.plan)  # once: a fleet has thousands
    index = {name: i for i, name in enumerate(inv.clusters)}
    clusters = tuple(
        ClusterSummary(
            cluster=c.cluster,
            status=str(c.status),
            objective_value=int(c.objective_value or 0),
            bound=c.bound,
            nodes_used=int(used[index[c.cluster]]),
            solve_seconds=round(c.seconds, 3),
            moves=int(made[index[c.cluster]]),
        )
        for c in result.clusters
    )
    return PlanSummary(
        status=str(result.status),
        failures=failures,
        objective=result.objective,
        objective_value=result.objective_value,
        bound=result.bound,
        nodes_used=nodes_used(inv, result.plan),
        solve_seconds=round(result.seconds, 3),
        input_sha256=sha,
        clusters=clusters,
        versions=software_versions(),
        moves=moves_made(inv, result.plan),
    )
