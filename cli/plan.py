"""`hvplace plan`: read an inventory, solve, write the plan, show the per-node table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    DynamicMemoryOption,
    Exit,
    InputFormat,
    PoweredOff,
    Templates,
    fail,
    guarded,
    load_sources,
    sources,
    stderr,
)
from cli.progress import solve_progress
from cli.render import print_plan
from data.check.checker import check_plan, moves, nodes_used
from data.check.metrics import node_report
from data.imports.common import DynamicMemory, ImportOptions
from data.inventory import Inventory
from data.io.write import write_plan
from data.plan import ClusterSummary, PlanSummary
from solver.params import Objective, Params
from solver.result import Result, Status
from solver.solve import solve


def plan(
    inventory: Annotated[
        list[Path] | None,
        typer.Argument(help="Inventory directory, or export files/directories to import."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Plan directory to write.")
    ] = None,
    example: Annotated[str | None, typer.Option(help="Plan a bundled example instead.")] = None,
    failures: Annotated[int, typer.Option(min=0, help="Node failures to survive (k).")] = 1,
    objective: Annotated[Objective, typer.Option(help="What to optimise.")] = Objective.BALANCE,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Seconds for the whole solve.")] = 60,
    seed: Annotated[int, typer.Option(help="Solver random seed.")] = 0,
    gap: Annotated[
        float, typer.Option(min=0, max=0.99, help="Stop within this relative gap (0.01 = 1%).")
    ] = 0.0,
    workers: Annotated[int, typer.Option(min=0, help="Solver threads (0: one per core).")] = 0,
    tolerance: Annotated[
        int, typer.Option(min=1, max=1000, help="balance: count U in steps of this (permille).")
    ] = 10,
    max_moves: Annotated[
        int | None, typer.Option(min=0, help="At most this many VMs leave their current node.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    input_format: InputFormat = None,
    templates: Templates = True,
    powered_off: PoweredOff = True,
    dynamic_memory: DynamicMemoryOption = DynamicMemory.STARTUP,
) -> None:
    """Plan where every VM and LUN runs so the cluster survives any k node failures.

    INVENTORY is a directory of canonical tables (nodes, vms, luns), or exports to
    import on the fly: Hyper-V PowerShell CSVs, an RVTools workbook or CSVs, an
    Azure Migrate CSV with a nodes table (see `hvplace import`).
    """
    if fmt not in ("table", "json", "csv"):
        fail(Exit.BAD_INPUT, f"--format must be table, json or csv, not {fmt!r}")
    options = ImportOptions(templates, powered_off, dynamic_memory)
    loaded = load_sources(sources(inventory, example), input_format, options)
    inv = loaded.inventory
    params = Params(
        failures=failures,
        objective=objective,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        gap=gap,
        tolerance=tolerance,
        max_moves=max_moves,
    )
    with solve_progress(time_limit) as on_progress:
        result = solve(inv, params, on_progress)
    _exit_without_plan(result, time_limit)
    _certify(inv, result, failures, max_moves)
    summary = _summary(inv, result, failures, loaded.input_sha256)
    assert result.plan is not None
    if out is not None:
        guarded(lambda: write_plan(out, inv, result.plan, summary))  # type: ignore[arg-type]
    else:
        stderr().print("hvplace: no --out given, so no plan files were written", markup=False)
    print_plan(summary, node_report(inv, result.plan, failures), fmt)


def _certify(inv: Inventory, result: Result, failures: int, max_moves: int | None) -> None:
    """The independent checker signs off every plan before it is written."""
    assert result.plan is not None
    violations = check_plan(inv, result.plan, failures)
    if violations:  # a solver bug: say so loudly rather than write a wrong plan
        lines = "\n".join(v.line() for v in violations[:10])
        raise RuntimeError(f"the solver's plan breaks rules it must enforce:\n{lines}")
    if max_moves is not None and moves(inv, result.plan) > max_moves:
        raise RuntimeError(f"the solver's plan makes {moves(inv, result.plan)} moves > {max_moves}")


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


def _summary(inv: Inventory, result: Result, failures: int, sha: str) -> PlanSummary:
    assert result.plan is not None and result.objective_value is not None
    clusters = tuple(
        ClusterSummary(
            cluster=c.cluster,
            status=str(c.status),
            objective_value=int(c.objective_value or 0),
            bound=c.bound,
            nodes_used=nodes_used(inv, result.plan, inv.clusters.index(c.cluster)),
            solve_seconds=round(c.seconds, 3),
            moves=moves(inv, result.plan, inv.clusters.index(c.cluster)),
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
        moves=moves(inv, result.plan),
    )
