"""Benchmark rows -> Parquet, CSV and a short markdown table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

Row = dict[str, Any]

SCHEMA = pa.schema(
    [
        ("instance", pa.string()),
        ("clusters", pa.int64()),
        ("nodes", pa.int64()),  # per cluster
        ("vms", pa.int64()),  # in the whole inventory
        ("failures", pa.int64()),
        ("seed", pa.int64()),
        ("luns", pa.bool_()),  # the fleet has a luns table
        ("method", pa.string()),
        ("status", pa.string()),
        ("objective", pa.int64()),  # U permille, measured on the plan by data.check.checker
        ("bound", pa.int64()),  # the method's own proven lower bound on U
        ("lower_bound", pa.int64()),  # solver.bounds, analytic
        ("ratio_to_lower_bound", pa.float64()),  # objective / lower_bound
        ("seconds", pa.float64()),  # wall time of the method
        ("time_limit", pa.float64()),
        ("peak_memory_mb", pa.float64()),  # max RSS of the worker process
        ("base_memory_mb", pa.float64()),  # its RSS when it started (inherited)
        ("check_violations", pa.int64()),  # len(check_plan(...)); None without a plan
    ]
)


def write_tables(rows: list[Row], out: Path, name: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    pq.write_table(table, out / f"{name}.parquet")
    pa_csv.write_csv(table, out / f"{name}.csv")


def _cell(row: Row | None, key: str, digits: int = 0) -> str:
    if row is None or row.get(key) is None:
        return "—"
    value = row[key]
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _u(row: Row | None) -> str:
    """U with a mark: * proven optimal, ! the plan breaks a rule."""
    if row is None:
        return "—"
    if row["objective"] is None:
        return row["status"]
    mark = "*" if row["status"] == "optimal" else ""
    if row["check_violations"]:
        mark += "!"
    return f"{row['objective']}{mark}"


HEADER = (
    "| instance | VMs | k | LB | ours U | ours bound | naive U | naive bound | FFD U "
    "| FFD-bal U | ours s | naive s | ours MB | naive MB | ours/LB | naive/LB | FFD-bal/LB |"
)


def markdown(rows: list[Row]) -> str:
    """One line per instance; U in permille, * = proven optimal, — = not run or no plan."""
    lines = [HEADER, _rule()]
    for instance in dict.fromkeys(r["instance"] for r in rows):
        by = {r["method"]: r for r in rows if r["instance"] == instance}
        first = next(iter(by.values()))
        ours, naive, bal = by.get("ours"), by.get("naive"), by.get("ffd_balanced")
        cells = [
            instance,
            str(first["vms"]),
            str(first["failures"]),
            _cell(by.get("lower_bound"), "objective"),
            _u(ours),
            _cell(ours, "bound"),
            _u(naive),
            _cell(naive, "bound"),
            _u(by.get("ffd")),
            _u(bal),
            _cell(ours, "seconds", 1),
            _cell(naive, "seconds", 1),
            _cell(ours, "peak_memory_mb"),
            _cell(naive, "peak_memory_mb"),
            _cell(ours, "ratio_to_lower_bound", 3),
            _cell(naive, "ratio_to_lower_bound", 3),
            _cell(bal, "ratio_to_lower_bound", 3),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _rule() -> str:
    return "|" + "---|" * (HEADER.count("|") - 1)


def write_markdown(text: str, out: Path, name: str, preamble: str) -> None:
    (out / f"{name}.md").write_text(preamble + "\n" + text)
