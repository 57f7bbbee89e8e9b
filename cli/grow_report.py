"""`hvplace report GROW_DIR`: the purchases, then each period's per-node report."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from rich.table import Table

from cli.common import Exit, fail, stdout
from data.growth.schema import GROW_JSON, PERIODS


def is_grow_dir(directory: Path) -> bool:
    return (directory / GROW_JSON).is_file()


def grow_report(directory: Path, report_period: Callable[[Path], None]) -> None:
    """Print purchases.csv as a table, then `report_period` of each periods/<p>/."""
    purchases = directory / "purchases.csv"
    if not purchases.is_file():
        fail(Exit.BAD_INPUT, f"grow directory {directory} has no purchases.csv")
    with purchases.open(encoding="utf-8", newline="") as lines:
        rows = list(csv.DictReader(lines))
    console = stdout()
    plural = "" if len(rows) == 1 else "s"
    console.print(f"Purchases ({len(rows)} node{plural})", markup=False, highlight=False)
    table = Table("period", "cluster", "model", "node", "cost", box=None)
    for row in rows:
        table.add_row(row["period"], row["cluster"], row["model"], row["node"], row["cost"])
    console.print(table)
    periods = sorted((directory / PERIODS).glob("*"), key=lambda p: (len(p.name), p.name))
    for period in periods:
        console.print(f"\nPeriod {period.name}", markup=False, highlight=False)
        report_period(period)
