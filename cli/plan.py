"""`hvplace plan`: read an inventory, solve, write the plan, show the per-node table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import Exit, fail, guarded, inventory_dir, load_inventory, stderr
from cli.progress import solve_progress
from cli.render import print_plan
from data.check import check_plan, nodes_used
from data.inventory import Inventory
from data.metrics import node_report
from data.plan import ClusterSummary, PlanSummary
from data.read import input_sha256
from data.write import write_plan
from solver.params import Objective, Params
from solver.result import Result, Status
from solver.solve import solve


def plan(
    inventory: Annotated[Path | None, typer.Argument(help="Inventory directory.")] = None,
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
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Plan where every VM and LUN runs so the cluster survives any k node failures."""
    if fmt not in ("table", "json", "csv"):
        fail(Exit.BAD_INPUT, f"--format must be table, json or csv, not {fmt!r}")
    directory = inventory_dir(inventory, example)
    inv = load_inventory(directory)
    params = Params(failures=failures, objective=objective, time_limit=time_limit,
                    workers=workers, seed=seed, gap=gap)  # fmt: skip
    with solve_progress(time_limit) as on_progress:
        result = solve(inv, params, on_progress)
    _exit_without_plan(result, time_limit)
    _certify(inv, result, failures)
    summary = _summary(inv, result, failures, guarded(lambda: input_sha256(directory)))
    assert result.plan is not None
    if out is not None:
        guarded(lambda: write_plan(out, inv, result.plan, summary))  # type: ignore[arg-type]
    else:
        stderr().print("hvplace: no --out given, so no plan files were written", markup=False)
    print_plan(summary, node_report(inv, result.plan, failures), fmt)


def _certify(inv: Inventory, result: Result, failures: int) -> None:
    """The independent checker signs off every plan before it is written."""
    assert result.plan is not None
    violations = check_plan(inv, result.plan, failures)
    if violations:  # a solver bug: say so loudly rather than write a wrong plan
        lines = "\n".join(v.line() for v in violations[:10])
        raise RuntimeError(f"the solver's plan breaks rules it must enforce:\n{lines}")


def _exit_without_plan(result: Result, time_limit: float) -> None:
    if result.status is Status.INFEASIBLE:
        reasons = result.reasons or ["no reason could be named"]
        fail(Exit.NO_PLAN, "no plan can exist: " + "; ".join(reasons))
    if result.status is Status.UNKNOWN:
        fail(Exit.TIME_LIMIT, f"no plan found within the time limit ({time_limit:g} s); "
                              "not proven impossible, try a longer --time-limit")  # fmt: skip


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
        )
        for c in result.clusters
    )
    return PlanSummary(
        status=str(result.status), failures=failures, objective=result.objective,
        objective_value=result.objective_value, bound=result.bound,
        nodes_used=nodes_used(inv, result.plan), solve_seconds=round(result.seconds, 3),
        input_sha256=sha, clusters=clusters,
    )  # fmt: skip
