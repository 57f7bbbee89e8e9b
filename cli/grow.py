"""`hvplace grow`: what to buy so every cluster has an N+k plan today (MODEL.md "Growth").

Reads the inventory as `plan` does, sizes each cluster on the catalog (solver/growth),
plans period 0 on the grown inventory with the chosen objective, certifies the plan
with the checker and writes the grow directory. --time-limit bounds all of it: the
sizing gets half, the period plan what is left.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    DynamicMemoryOption,
    Exit,
    InputFormat,
    InventoryPaths,
    PoweredOff,
    Quiet,
    Templates,
    check_out,
    check_seed,
    check_workers,
    directory_out,
    fail,
    guarded,
    load_sources,
    sources,
    stderr,
)
from cli.plan import solve
from data.growth.catalog import Catalog, default_catalog
from data.growth.nodes import without_nodes
from data.growth.read import read_catalog
from data.growth.schema import LATER_TABLES
from data.growth.write import write_grow
from data.imports.common import DynamicMemory, ImportOptions
from data.inventory import Inventory
from data.rules import Objective
from data.schema import INPUT_SUFFIXES
from solver.params import Params

if TYPE_CHECKING:  # OR-Tools loads only once the command runs, so --help stays fast
    from cli.grow_output import Grown
    from solver.growth.estate import EstateSizing

SIZING_SHARE = 0.5  # of --time-limit; the period plan gets the rest
PLAN_SHARE = 0.8  # of what is left for the period plan: the solve may overrun a little


def grow(
    inventory: InventoryPaths = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Grow directory to write.")
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(
            help="Node models to buy (CSV/Parquet; default: each cluster's largest node at cost 1)."
        ),
    ] = None,
    failures: Annotated[int, typer.Option(min=0, help="Node failures to survive (k).")] = 1,
    replace_hosts: Annotated[
        bool, typer.Option("--replace", help="Drop the existing hosts; size on catalog nodes.")
    ] = False,
    max_cluster_nodes: Annotated[
        int, typer.Option(min=1, help="Most nodes per cluster; larger ones are split.")
    ] = 16,
    time_limit: Annotated[
        float, typer.Option(min=0.1, help="Seconds for the whole command.")
    ] = 120,
    objective: Annotated[Objective, typer.Option(help="What the period plan optimises.")] = (
        Objective.BALANCE
    ),
    seed: Annotated[int, typer.Option(help="Solver random seed.")] = 0,
    workers: Annotated[int, typer.Option(min=0, help="Solver threads (0: one per core).")] = 0,
    input_format: InputFormat = None,
    templates: Templates = True,
    powered_off: PoweredOff = True,
    dynamic_memory: DynamicMemoryOption = DynamicMemory.STARTUP,
    quiet: Quiet = False,
) -> None:
    """Find the cheapest nodes to buy so that every cluster has an N+k plan, and the plan."""
    from cli.grow_output import grow_files
    from cli.grow_render import print_grow
    from solver.growth.estate import size_estate

    start = time.monotonic()
    if out is None:
        fail(Exit.BAD_INPUT, "give --out DIRECTORY for the grow directory")
    directory_out(out)
    check_seed(seed)
    check_workers(workers)
    if max_cluster_nodes < failures + 1:
        fail(Exit.BAD_INPUT, f"--max-cluster-nodes must be at least k+1 = {failures + 1}")
    paths = sources(inventory, None)
    check_out(out, paths + ([catalog] if catalog else []))
    _refuse_later_tables(paths)
    options = ImportOptions(templates, powered_off, dynamic_memory)
    loaded = load_sources(paths, input_format, options, quiet)
    models = _catalog(loaded.inventory, catalog, quiet)
    base = without_nodes(loaded.inventory) if replace_hosts else loaded.inventory
    params = Params(failures, objective, time_limit, workers, seed)
    sizing_start = time.monotonic()
    sized = size_estate(
        base, models.for_cluster, params, max_cluster_nodes, start + time_limit * SIZING_SHARE
    )
    sizing_seconds = round(time.monotonic() - sizing_start, 3)
    grown = _plan_period(sized, params, start + time_limit, loaded.input_sha256, replace_hosts)
    if grown is not None:
        timeline, bought, info, periods = grow_files(grown)
        info["sizing_seconds"] = sizing_seconds
        guarded(lambda: write_grow(out, timeline, bought, info, periods))
    print_grow(sized, grown, failures, max_cluster_nodes)
    _exit(sized, grown, out)


def _refuse_later_tables(paths: list[Path]) -> None:
    """A forecast or growth table is for a later version: refuse it rather than ignore it."""
    for path in paths:
        for name in LATER_TABLES:
            for suffix in INPUT_SUFFIXES:
                if path.is_dir() and (path / (name + suffix)).exists():
                    fail(
                        Exit.BAD_INPUT,
                        f"{name}{suffix}: grow plans today (period 0) only; forecasts and "
                        "growth tables are not supported yet",
                    )


def _catalog(inventory: Inventory, path: Path | None, quiet: bool) -> Catalog:
    if path is None:
        return default_catalog(inventory)
    found, warnings = guarded(lambda: read_catalog(path, inventory))
    for warning in warnings:
        if not quiet:
            stderr().print(f"hvplace: warning: {warning}", markup=False)
    return found


def _plan_period(
    sized: EstateSizing, params: Params, deadline: float, sha: str, replaced: bool
) -> Grown | None:
    """Period 0's plan on the clusters a purchase helps (None: no cluster is helped)."""
    from cli.grow_output import certified_period
    from solver.growth.sizing import Outcome

    helped = [i for i, s in enumerate(sized.sizings) if s.outcome in (Outcome.PROVEN, Outcome.GAP)]
    if not helped:
        return None
    # certifying, sequencing and writing take time too: keep a share of what is left
    left = max(0.5, (deadline - time.monotonic()) * PLAN_SHARE)
    return certified_period(sized, helped, replace(params, time_limit=left), sha, replaced, solve)


def _exit(sized: EstateSizing, grown: Grown | None, out: Path) -> None:
    from solver.growth.sizing import Outcome

    outcomes = {s.outcome for s in sized.sizings}
    if grown is not None:
        stderr().print(f"hvplace: wrote {out}", markup=False)
    if outcomes & {Outcome.IMPOSSIBLE, Outcome.TOO_LARGE}:
        raise typer.Exit(int(Exit.NO_PLAN))
    if Outcome.UNKNOWN in outcomes or grown is None:
        fail(
            Exit.TIME_LIMIT,
            "no purchase found within the time limit for some cluster; try a longer --time-limit",
        )
