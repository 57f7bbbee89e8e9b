"""`hvplace generate`: a seeded synthetic fleet written as a canonical inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    Exit,
    check_out,
    check_seed,
    choice_option,
    directory_out,
    fail,
    guarded,
    stderr,
)
from data.io.write import write_inventory
from data.synth.fleet import generate_fleet


def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="Inventory directory to write.")],
    clusters: Annotated[int, typer.Option(min=1, help="Number of clusters.")] = 1,
    nodes: Annotated[int, typer.Option(min=1, help="Nodes per cluster.")] = 4,
    vms: Annotated[int, typer.Option(min=1, help="VMs per cluster.")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 0,
    failures: Annotated[int, typer.Option(min=0, help="Headroom built in (N+k).")] = 1,
    luns: Annotated[bool, typer.Option(help="Write a luns table (exclusive LUNs, CSVs).")] = False,
    tight: Annotated[bool, typer.Option(help="Size nodes with no spare headroom.")] = False,
    fmt: Annotated[str, choice_option("--format", ("csv", "parquet"), "Table files.")] = "csv",
) -> None:
    """Write a realistic inventory that is N+k feasible by construction."""
    if fmt not in ("csv", "parquet"):
        fail(Exit.BAD_INPUT, f"--format must be csv or parquet, not {fmt!r}")
    directory_out(out)
    if nodes < failures + 1:
        fail(Exit.BAD_INPUT, f"--nodes {nodes} cannot give N+{failures} headroom")
    check_seed(seed)
    check_out(out, [])
    fleet = generate_fleet(clusters, nodes, vms, seed, luns=luns, tight=tight, failures=failures)
    guarded(lambda: write_inventory(out, fleet.tables, fmt))
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in fleet.tables.items())
    stderr().print(f"hvplace: wrote {out} ({counts})", markup=False)
