"""Benchmark rows -> per-section Parquet and CSV; every section table of one run name
combined into one table, benchmarks/RESULTS.md and a PNG of time and nodes against size.

    python benchmarks/report.py [--out benchmarks/results] [--name latest]

Sections run separately (`run.py --only fleet`) write their own files; this merges
whatever sections are there, so the table is always the latest run of each.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

Row = dict[str, Any]
HERE = Path(__file__).parent
METHOD_ORDER = ("hvplace", "ffd_check", "naive", "lower_bound")

SCHEMA = pa.schema(
    [
        ("section", pa.string()),
        ("instance", pa.string()),
        ("method", pa.string()),  # hvplace | ffd_check | naive | lower_bound
        ("objective", pa.string()),  # hvplace's and naive's objective (nodes by default)
        ("clusters", pa.int64()),
        ("nodes", pa.int64()),  # nodes of the inventory, over all clusters
        ("vms", pa.int64()),  # VMs of the inventory
        ("failures", pa.int64()),
        ("seed", pa.int64()),
        ("status", pa.string()),
        ("nodes_used", pa.int64()),  # certified by data.check.checker (or nodes-only)
        ("utilisation", pa.int64()),  # U permille, measured on the plan by the checker
        ("bound", pa.int64()),  # the method's own proven lower bound (CP-SAT)
        ("lower_bound", pa.int64()),  # analytic nodes bound (solver.bounds), or VBP's
        ("gap", pa.float64()),  # nodes_used / lower_bound - 1
        ("seconds", pa.float64()),  # wall time of the method in its worker
        ("time_limit", pa.float64()),
        ("peak_memory_mb", pa.float64()),  # max RSS of the worker process
        ("base_memory_mb", pa.float64()),  # its RSS at fork (inherited)
        ("check_violations", pa.int64()),  # None without a plan; > 0: rejected
        ("added_nodes", pa.int64()),  # nodes FFD+check bought beside the inventory's
    ]
)


def write_tables(rows: list[Row], out: Path, stem: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    pq.write_table(table, out / f"{stem}.parquet")
    pa_csv.write_csv(table, out / f"{stem}.csv")


def section_files(out: Path, name: str) -> list[Path]:
    return sorted(out.glob(f"{name}-*.parquet"))


def combine(out: Path, name: str) -> list[Row]:
    """Every section table of run `name`, in one list of rows (written as `name`.*)."""
    rows: list[Row] = []
    for path in section_files(out, name):
        rows += pq.read_table(path).to_pylist()
    if rows:
        write_tables(rows, out, name)
    return rows


def _instances(rows: list[Row]) -> dict[str, dict[str, Row]]:
    by: dict[str, dict[str, Row]] = {}
    for row in rows:
        by.setdefault(row["instance"], {})[row["method"]] = row
    return by


def _ratio(a: int | None, b: int | None) -> float | None:
    return a / b if a is not None and b else None


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _nodes(row: Row | None) -> str:
    """Nodes with a mark: * proven optimal, ~ nodes only (no owners lists), or the status."""
    if row is None:
        return "—"
    if row["nodes_used"] is None:
        return row["status"]
    mark = {"optimal": "*", "nodes-only": "~"}.get(row["status"], "")
    return f"{row['nodes_used']}{mark}"


def _best_bound(by: dict[str, Row]) -> int | None:
    values = [r["lower_bound"] for r in by.values() if r["lower_bound"] is not None]
    values += [r["bound"] for r in by.values() if r["bound"] is not None]
    return max(values, default=None)


INSTANCE_HEADER = (
    "| section | instance | VMs | k | bound | hvplace | FFD+check | naive | hv/FFD | hv/bound "
    "| FFD/bound | hv U | hv s | FFD s | naive s | hv MB | FFD MB |"
)


def instance_table(rows: list[Row]) -> str:
    """One line per instance: nodes of each method, ratios, seconds, peak memory."""
    lines = [INSTANCE_HEADER, "|" + "---|" * (INSTANCE_HEADER.count("|") - 1)]
    for name, by in _instances(rows).items():
        first = next(iter(by.values()))
        hv, ffd, naive = by.get("hvplace"), by.get("ffd_check"), by.get("naive")
        bound = _best_bound(by)
        hv_n = hv["nodes_used"] if hv else None
        ffd_n = ffd["nodes_used"] if ffd else None
        cells = [
            first["section"],
            name,
            str(first["vms"]),
            str(first["failures"]),
            str(bound) if bound is not None else "—",
            _nodes(hv),
            _nodes(ffd),
            _nodes(naive),
            _fmt(_ratio(hv_n, ffd_n)),
            _fmt(_ratio(hv_n, bound)),
            _fmt(_ratio(ffd_n, bound)),
            str(hv["utilisation"]) if hv and hv["utilisation"] is not None else "—",
            _fmt(hv and hv["seconds"], 1),
            _fmt(ffd and ffd["seconds"], 1),
            _fmt(naive and naive["seconds"], 1),
            _fmt(hv and hv["peak_memory_mb"], 0),
            _fmt(ffd and ffd["peak_memory_mb"], 0),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


SUMMARY_HEADER = (
    "| section | size | k | runs | hv/FFD mean | hv/FFD max | hv/bound mean | FFD/bound mean "
    "| hv more nodes than FFD | hv s mean | hv MB max |"
)


def _group_key(by: dict[str, Row]) -> tuple[str, str, int]:
    """Section, size and k; a VBP instance's size is its class, d and n (the nodes offered
    differ by seed), so that its seeds make one row."""
    first = next(iter(by.values()))
    size = f"{first['clusters']}x{first['nodes'] // max(first['clusters'], 1)}n {first['vms']}vm"
    if first["section"] == "vbp":
        size = str(first["instance"]).rsplit("-s", 1)[0]
    return first["section"], size, int(first["failures"])


def summary_table(rows: list[Row]) -> str:
    """Per section, size and k, over seeds: ratios of nodes against FFD+check and the
    bound (only certified or nodes-only answers count)."""
    groups: dict[tuple[str, str, int], list[dict[str, Row]]] = {}
    for by in _instances(rows).values():
        groups.setdefault(_group_key(by), []).append(by)
    lines = [SUMMARY_HEADER, "|" + "---|" * (SUMMARY_HEADER.count("|") - 1)]
    for (section, size, k), members in groups.items():
        hv_ffd, hv_lb, ffd_lb, worse, secs, mem = [], [], [], 0, [], []
        for by in members:
            hv = (by.get("hvplace") or {}).get("nodes_used")
            ffd = (by.get("ffd_check") or {}).get("nodes_used")
            bound = _best_bound(by)
            _append(hv_ffd, _ratio(hv, ffd))
            _append(hv_lb, _ratio(hv, bound))
            _append(ffd_lb, _ratio(ffd, bound))
            worse += int(hv is not None and ffd is not None and hv > ffd)
            _append(secs, (by.get("hvplace") or {}).get("seconds"))
            _append(mem, (by.get("hvplace") or {}).get("peak_memory_mb"))
        cells = [
            section,
            size,
            str(k),
            str(len(members)),
            _fmt(_mean(hv_ffd)),
            _fmt(max(hv_ffd, default=None)),
            _fmt(_mean(hv_lb)),
            _fmt(_mean(ffd_lb)),
            str(worse),
            _fmt(_mean(secs), 1),
            _fmt(max(mem, default=None), 0),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _append(values: list[float], value: float | None) -> None:
    if value is not None:
        values.append(value)


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.fmean(values) if values else None


def results_markdown(rows: list[Row], preamble: str) -> str:
    rejected = sum(1 for r in rows if r["status"] == "rejected")
    return (
        "# Benchmark results\n\n"
        f"{preamble}\n\n"
        "Nodes used by each method; `*` proven optimal; `~` FFD+check's node count without "
        "owners lists (k >= 2: see benchmarks/README.md); a status instead of a number "
        "means no counted answer (skipped, unknown, killed, crashed, rejected, error). "
        "Ratios divide nodes used; bound = the best of the analytic lower bound "
        "(solver/bounds.py), the instance's published one (VBP) and CP-SAT's proven bound. "
        f"Every plan counted passed data.check.checker; {rejected} plan(s) were rejected.\n\n"
        "## Summary (means over seeds)\n\n"
        f"{summary_table(rows)}\n"
        "## Every instance\n\n"
        f"{instance_table(rows)}"
    )


def plot(rows: list[Row], path: Path) -> None:
    """Seconds and nodes / bound against VMs, one series per method (means over seeds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axis, nodes_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    instances = _instances(rows)
    for method in METHOD_ORDER[:3]:
        points: dict[int, tuple[list[float], list[float]]] = {}
        for by in instances.values():
            row = by.get(method)
            if row is None or row["nodes_used"] is None or by_section(row) == "vbp":
                continue
            seconds, ratios = points.setdefault(int(row["vms"]), ([], []))
            seconds.append(max(row["seconds"], 1e-3))
            _append(ratios, _ratio(row["nodes_used"], _best_bound(by)))
        sizes = sorted(points)
        if not sizes:
            continue
        time_axis.plot(sizes, [statistics.fmean(points[s][0]) for s in sizes], "o-", label=method)
        nodes_axis.plot(
            sizes,
            [statistics.fmean(points[s][1] or [float("nan")]) for s in sizes],
            "o-",
            label=method,
        )
    for axis, label in ((time_axis, "seconds"), (nodes_axis, "nodes / lower bound")):
        axis.set_xlabel("VMs")
        axis.set_ylabel(label)
        axis.grid(True, alpha=0.3)
        if axis.lines:  # log scales need data
            axis.set_xscale("log")
            axis.legend()
    if time_axis.lines:
        time_axis.set_yscale("log")
    figure.suptitle("hvplace vs FFD+check vs naive (single, fleet and large-LUN sections)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def by_section(row: Row) -> str:
    return str(row["section"])


def report(out: Path, name: str, markdown_path: Path, preamble: str) -> list[Row]:
    """Combine the section tables of `name`, write the markdown and the PNG beside it."""
    rows = combine(out, name)
    if not rows:
        return rows
    markdown_path.write_text(results_markdown(rows, preamble))
    plot(rows, out / f"{name}.png")
    return rows


def _preamble(out: Path, name: str) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = ", ".join(p.stem.removeprefix(f"{name}-") for p in section_files(out, name))
    return f"Run `{name}`, sections {sections}; tables combined {when}. Plot: `results/{name}.png`."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--name", default="latest")
    parser.add_argument("--markdown", type=Path, default=None, help="default RESULTS.md")
    args = parser.parse_args(argv)
    markdown = args.markdown or (
        HERE / "RESULTS.md" if args.name == "latest" else args.out / f"{args.name}.md"
    )
    rows = report(args.out, args.name, markdown, _preamble(args.out, args.name))
    print(f"{len(rows)} rows -> {markdown}", file=sys.stderr)
    return 0 if rows else 2


if __name__ == "__main__":
    sys.exit(main())
