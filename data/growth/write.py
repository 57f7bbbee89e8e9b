"""Write the grow directory of MODEL.md "Growth" atomically: all of it or nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from data.growth.schema import (
    GROW_FILES,
    GROW_JSON,
    PERIODS,
    PURCHASES_COLUMNS,
    TIMELINE_COLUMNS,
    TIMELINE_SCHEMA,
)
from data.inventory import Inventory
from data.io.atomic import replace_directory
from data.io.write import write_csv, write_plan
from data.moves import Move
from data.plan import Plan, PlanSummary


@dataclass(frozen=True)
class PeriodPlan:
    """One period's plan directory: its inventory (bought nodes included) and plan."""

    period: int
    inventory: Inventory
    plan: Plan
    summary: PlanSummary
    moves: tuple[Move, ...] | None = None


def write_grow(
    directory: Path,
    timeline: Sequence[Mapping[str, Any]],
    purchases: Sequence[Mapping[str, Any]],
    info: Mapping[str, Any],
    periods: Sequence[PeriodPlan],
) -> None:
    """timeline.csv/.parquet, purchases.csv, grow.json and periods/<p>/, replacing a
    previous grow directory (never a directory of someone else's files)."""
    rows = [{c: row[c] for c in TIMELINE_COLUMNS} for row in timeline]

    def fill(temp: Path) -> None:
        write_csv(temp / "timeline.csv", TIMELINE_COLUMNS, rows)
        pq.write_table(
            pa.Table.from_pylist(rows, schema=TIMELINE_SCHEMA), temp / "timeline.parquet"
        )
        write_csv(temp / "purchases.csv", PURCHASES_COLUMNS, purchases)
        text = json.dumps(info, indent=2, ensure_ascii=False) + "\n"
        (temp / GROW_JSON).write_bytes(text.encode("utf-8"))
        (temp / PERIODS).mkdir()
        for period in periods:
            write_plan(
                temp / PERIODS / str(period.period),
                period.inventory,
                period.plan,
                period.summary,
                period.moves,
            )

    replace_directory(directory, fill, GROW_FILES)
