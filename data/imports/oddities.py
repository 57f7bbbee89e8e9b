"""What real exports hold that is odd but legitimate, and how an import carries on past it.

Eleven real RVTools workbooks were refused on their first odd row. Each oddity here is
imported and said in the report (Assumed or Dropped, with a few names and rows);
ImportOptions.strict makes each the one-line error it was before, for those who want
an export that needs no interpretation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from data.errors import InputError
from data.imports.common import (
    CanonicalTable,
    Cells,
    ImportOptions,
    ImportReport,
    few,
    plural,
)

RENAMED = "~"  # a later VM of a name given twice: `<name>~2`, `<name>~3`, ...


def zero_or_empty(cells: Cells, column: str | None) -> bool:
    """Whether a memory cell says the VM has none (RVTools writes 0 or nothing for an
    inaccessible or orphaned VM): such a VM is dropped, unless the import is strict."""
    if column is None or cells.missing(column):
        return True
    raw = cells.row.get(column)
    try:
        return float(str(raw).strip()) == 0
    except ValueError:
        return False


@dataclass(frozen=True)
class Renamed:
    """A VM renamed because an earlier row had its name."""

    old: str
    new: str
    file: str
    row: int | None


def unique_names(names: Sequence[str]) -> list[str]:
    """The names, each later one given twice renamed `<name>~2`, `~3`... by order (skipping
    a suffix another row already has, so the renamed never collide)."""
    taken = set(names)
    seen: set[str] = set()
    counts: dict[str, int] = defaultdict(lambda: 1)
    result = []
    for name in names:
        if name not in seen:
            seen.add(name)
            result.append(name)
            continue
        counts[name] += 1
        while f"{name}{RENAMED}{counts[name]}" in taken:
            counts[name] += 1
        new = f"{name}{RENAMED}{counts[name]}"
        taken.add(new)
        result.append(new)
    return result


def duplicates_renamed(
    names: Sequence[str], places: Sequence[tuple[str, int | None]]
) -> list[tuple[int, Renamed]]:
    """The index and renaming of each later VM whose name an earlier one has."""
    unique = unique_names(names)
    return [
        (i, Renamed(old, new, *places[i]))
        for i, (old, new) in enumerate(zip(names, unique, strict=True))
        if old != new
    ]


def report_renamed(renamed: Sequence[Renamed], report: ImportReport) -> None:
    if not renamed:
        return
    shown = ", ".join(
        f"{r.file} row {r.row}: {r.old!r} -> {r.new!r}" if r.row else f"{r.old!r} -> {r.new!r}"
        for r in renamed[:3]
    )
    more = f" and {len(renamed) - 3} more" if len(renamed) > 3 else ""
    report.assumed.append(
        f"VM names given twice (other folders, vCenters or hosts): {plural(len(renamed), 'VM')} "
        f"renamed by row order, the first keeping its name: {shown}{more}"
    )


def report_dropped_memory(names: Sequence[str], where: str, report: ImportReport) -> None:
    if names:
        report.dropped.append(
            f"{where}: {plural(len(names), 'VM')} with empty or zero memory (inaccessible or "
            f"orphaned), not planned: {few(names)}"
        )


def report_nameless_hosts(rows: Sequence[int], where: str, report: ImportReport) -> None:
    if rows:
        listed = ", ".join(str(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
        report.dropped.append(
            f"{where}: {plural(len(rows), 'host row')} with an empty name (summary or orphan "
            f"rows) skipped: row {listed}"
        )


def clear_unknown_hosts(
    tables: dict[str, CanonicalTable], canonical: set[str], report: ImportReport
) -> None:
    """A VM (or LUN) whose current host is not in the host table (a trimmed or anonymised
    export, a host retired since) is kept with no current node: it is then planned as new.
    Tables given as canonical tables are left alone (build_inventory refuses them)."""
    nodes = tables["nodes"]  # a table without a node column is refused later, by name
    known = {str(node) for node in nodes.values("node") if node is not None}  # matched before
    cleared: list[str] = []
    for name in ("vms", "luns"):
        table = tables.get(name) if name not in canonical else None
        given = table.values("node") if table else []
        unknown = [isinstance(node, str) and node != "" and node not in known for node in given]
        if table and any(unknown):
            table.set_values("node", ["" if u else n for n, u in zip(given, unknown, strict=True)])
            if name == "vms":
                vms = table.values("vm")
                cleared += [f"{vms[i]} ({given[i]})" for i, u in enumerate(unknown) if u]
    if cleared:
        report.assumed.append(
            f"{plural(len(cleared), 'VM')} on a host the host table does not list, kept with no "
            f"current node (so no move is counted for them): {few(cleared)}"
        )


def tolerated(options: ImportOptions, error: InputError) -> None:
    """Carry on past an oddity, or raise it as the error it is under --strict."""
    if options.strict:
        raise error
