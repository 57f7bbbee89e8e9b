"""From source paths to an Inventory: recognise each table, convert per format, merge the
formats' canonical tables, match host names, build, and map any error back to the export.

`load_inventory` is what `plan` and `check` call: a canonical inventory directory is
read as it always was; anything else goes through `import_sources`.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from data.errors import InputError
from data.imports import azure_migrate, canonical
from data.imports.common import (
    CanonicalTable,
    Format,
    ImportOptions,
    ImportReport,
    Origin,
    TableKind,
    short,
)
from data.imports.hyperv import tables as hyperv
from data.imports.oddities import clear_unknown_hosts
from data.imports.reading import SourceRead, read_all
from data.imports.rvtools import tables as rvtools
from data.imports.sources import report_recoded, report_skipped, source_files
from data.inventory import Inventory
from data.io.build import BuildReport, RawTable, build_inventory
from data.io.csvtext import EmptyFileError
from data.io.read import input_sha256, inventory_files, read_inventory
from data.schema import LUNS, NODES, REQUIRED_TABLES, VMS

FORMATS: dict[str, Format] = {
    f.name: f for f in (hyperv.FORMAT, rvtools.FORMAT, azure_migrate.FORMAT, canonical.FORMAT)
}
# The columns a table with no rows is given, so build_inventory reads it as empty.
_REQUIRED_COLUMNS = {
    name: tuple(c.name for c in columns if c.required)
    for name, columns in (("nodes", NODES), ("vms", VMS), ("luns", LUNS))
}


@dataclass
class Imported:
    """Canonical tables mapped from exports, with what the mapping did."""

    tables: dict[str, CanonicalTable]
    report: ImportReport
    input_sha256: str  # over the source files' bytes as read
    formats: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    """An inventory ready to plan, and how it was read."""

    inventory: Inventory
    warnings: list[str]
    input_sha256: str
    imported: Imported | None  # None: a canonical inventory directory


def load_inventory(
    paths: Sequence[Path], fmt: str | None = None, options: ImportOptions | None = None
) -> Loaded:
    """Read a canonical inventory directory, or import exports (files or directories)."""
    if len(paths) == 1 and fmt in (None, canonical.NAME) and _is_inventory_dir(paths[0]):
        inventory, warnings = read_inventory(paths[0])
        return Loaded(inventory, warnings, input_sha256(paths[0]), None)
    imported = import_sources(paths, fmt, options or ImportOptions())
    report = BuildReport()
    inventory = build_imported(imported, report)
    return Loaded(inventory, report.warnings, imported.input_sha256, imported)


def import_sources(paths: Sequence[Path], fmt: str | None, options: ImportOptions) -> Imported:
    """The canonical tables the exports at `paths` describe (not yet built)."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    skipped: list[Path] = []
    listed = list(dict.fromkeys(source_files(list(paths), None if options.strict else skipped)))
    report = ImportReport()
    report_skipped(skipped, report)
    kinds = [k for f in FORMATS.values() for k in f.kinds if fmt is None or k.format == fmt]
    reads = functools.partial(_reads, fmt=fmt, kinds=kinds)
    read, sha256 = read_all(listed, reads, options.encoding)
    report_recoded([p.name for p in listed if read[p].recoded], options.encoding, report)
    unknown: list[RawTable] = []
    empty: list[InputError] = []
    by_format = _recognised(listed, read, fmt, kinds, report, unknown, empty)
    contributions = {}
    for name, tables in by_format.items():
        contributions[name] = FORMATS[name].convert(tables, options, report)
    merged = _merged(contributions, unknown, empty)
    _match_host_names(merged, report)
    if not options.strict:  # canonical tables are the contract: never loosened
        clear_unknown_hosts(merged, set(contributions.get(canonical.NAME, {})), report)
    return Imported(merged, report, sha256, sorted(by_format))


def build_imported(imported: Imported, report: BuildReport | None = None) -> Inventory:
    """build_inventory over imported tables; its errors name the export's file, row, column."""
    labels = _labels(imported.tables)
    raw = {
        name: t.raw(labels[name], _REQUIRED_COLUMNS[name]) for name, t in imported.tables.items()
    }
    try:
        return build_inventory(raw["nodes"], raw["vms"], raw.get("luns"), report)
    except InputError as error:
        raise _in_source_terms(error, imported.tables, labels) from None


def _labels(tables: dict[str, CanonicalTable]) -> dict[str, str]:
    """The file name build.py gives each table in its messages: the one source file the
    table came from (so a canonical table reads as it always does), else "the X table"."""
    labels = {}
    for name, table in tables.items():
        files = _files(table)
        labels[name] = files[0] if len(files) == 1 else f"the {name} table"
    if len(set(labels.values())) < len(labels):  # two tables from one file: say which table
        labels = {name: f"the {name} table" for name in tables}
    return labels


def _is_inventory_dir(path: Path) -> bool:
    try:
        return path.is_dir() and bool(inventory_files(path))
    except InputError:
        return False


def _files(table: CanonicalTable) -> list[str]:
    """The source files of a canonical table, sorted: those it was read from, and those of
    its rows (a host's drive becomes a LUN in the Get-VM file)."""
    return sorted(set(table.sources) | table.origin_files())


def _reads(
    path: Path, header: tuple[str, ...], fmt: str | None, kinds: list[TableKind]
) -> Collection[str] | None:
    """The columns to parse first of a CSV with this header: those its kind's column-wise
    path reads (None: every column)."""
    kind = _kind_of(RawTable(path.name, header, ()), kinds)
    return None if kind is None else FORMATS[kind.format].reads.get(kind.name)


def _recognised(
    listed: list[Path],
    read: dict[Path, SourceRead],
    fmt: str | None,
    kinds: list[TableKind],
    report: ImportReport,
    unknown: list[RawTable],
    empty: list[InputError],
) -> dict[str, dict[str, list[RawTable]]]:
    """Tables by format and kind; a table no format knows is dropped, reported, and
    added to `unknown`; an empty file likewise, to `empty`."""
    found: dict[str, dict[str, list[RawTable]]] = defaultdict(lambda: defaultdict(list))
    for path in listed:
        for table in _tables(path, read.pop(path), fmt, report, empty):
            kind = _kind_of(table, kinds) or _canonical_name(path, fmt)
            if kind is None:
                report.dropped.append(f"{table.file}: not a table of a known export; ignored")
                unknown.append(table)
            else:
                found[kind.format][kind.name].append(table)
    if not found and empty:
        raise empty[0]
    if not found:
        what = f"{fmt} export" if fmt else "known export (see `hvplace import --help`)"
        names = ", ".join(path.name for path in listed)
        raise InputError(f"no table of a {what} in {names}")
    return {name: dict(tables) for name, tables in found.items()}


def _tables(
    path: Path, read: SourceRead, fmt: str | None, report: ImportReport, empty: list[InputError]
) -> list[RawTable]:
    """The file's tables; none for an empty export (Export-Csv writes an empty file when
    nothing was exported, e.g. Get-ClusterSharedVolume on a cluster without CSVs)."""
    error = read.error
    if error is None:
        return read.tables
    if not isinstance(error, EmptyFileError) or _canonical_name(path, fmt) is not None:
        raise error  # an empty nodes.csv is a mistake, not an export of nothing
    report.dropped.append(f"{path.name}: empty file (nothing was exported); ignored")
    empty.append(error)
    return []


def _canonical_name(path: Path, fmt: str | None) -> TableKind | None:
    """A file named like a canonical table (vms.csv) is one, even when its columns are
    wrong: build.py then says which column is missing, rather than "not recognised"."""
    if fmt not in (None, canonical.NAME) or path.suffix not in (".csv", ".parquet"):
        return None
    return next((k for k in canonical.KINDS if k.name == path.stem), None)


def _kind_of(table: RawTable, kinds: list[TableKind]) -> TableKind | None:
    """The most specific kind whose columns the table has (most columns named wins)."""
    matching = [k for k in kinds if k.matches(table)]
    return max(matching, key=lambda k: len(k.columns), default=None)


def _merged(
    contributions: dict[str, dict[str, CanonicalTable]],
    unknown: list[RawTable],
    empty: list[InputError],
) -> dict[str, CanonicalTable]:
    """One source per canonical table: two formats both giving VMs is ambiguous. When a
    required table is missing, an empty file or a table that was not recognised is the
    likely culprit."""
    merged: dict[str, CanonicalTable] = {}
    giver: dict[str, str] = {}
    for fmt, tables in contributions.items():
        for name, table in tables.items():
            if name in merged:
                raise InputError(
                    f"both the {giver[name]} and the {fmt} files give the {name} table; "
                    "pass the files of one"
                )
            merged[name], giver[name] = table, fmt
    for name in REQUIRED_TABLES:
        if name not in merged:
            raise _missing(name, unknown, empty)
    return merged


def _missing(name: str, unknown: list[RawTable], empty: list[InputError]) -> InputError:
    if empty:
        return InputError(f"empty file, and no other source gives the {name} table", empty[0].file)
    if unknown:
        header = ",".join(unknown[0].columns)
        header = header if len(header) <= 40 else header[:40] + "…"
        message = f"the sources give no {name} table, and this is not a table of a known export"
        return InputError(f"{message} (header {header!r})", unknown[0].file)
    hint = "a Get-VMHost export or a nodes.csv" if name == "nodes" else "a VM list"
    return InputError(f"the sources give no {name} table; add {hint}")


def _match_host_names(tables: dict[str, CanonicalTable], report: ImportReport) -> None:
    """MODEL.md: importers spell host names as the nodes table does. A name that differs
    only in case, or is the FQDN of a node's short name (or the reverse), is respelled."""
    names = ["" if node is None else str(node) for node in tables["nodes"].values("node")]
    exact = set(names)
    loose: dict[str, set[str]] = defaultdict(set)
    for name in names:
        loose[short(name)].add(name)
    changed: dict[str, str] = {}
    for table in (tables["vms"], tables.get("luns")):
        given = table.values("node") if table else []
        for given_name in set(given) - exact:
            if isinstance(given_name, str) and given_name:
                candidates = loose.get(short(given_name), set())
                if len(candidates) == 1:
                    changed.setdefault(given_name, next(iter(candidates)))
        if table and any(node in changed for node in given):
            table.set_values("node", [changed.get(node, node) for node in given])
    if changed:
        examples = ", ".join(f"{a!r} -> {b!r}" for a, b in sorted(changed.items())[:3])
        report.assumed.append(
            f"host names matched to the nodes table ignoring case and domain: {examples}"
            + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        )


_REPEATS = re.compile(r"repeats row (\d+)")


def _in_source_terms(
    error: InputError, tables: dict[str, CanonicalTable], labels: dict[str, str]
) -> InputError:
    """The same error, located in the export the offending row came from."""
    name = next((n for n, label in labels.items() if label == error.file), None)
    if name is None:
        return error
    origins = tables[name].origins
    message = _REPEATS.sub(lambda m: _repeats(origins, int(m.group(1)), error), error.message)
    if error.row is None:
        files = " and ".join(_files(tables[name])) or error.file
        return InputError(message, files, None, error.column)
    origin = origins[error.row - 1]
    column = origin.columns.get(error.column, "") if error.column else ""
    if error.column and not column:
        message = f"{error.column}: {message}"  # a value the importer derived or defaulted
    file, row = origin.elsewhere.get(error.column, (origin.file, origin.row))
    return InputError(message, file, row, column)


def _repeats(origins: Sequence[Origin], row: int, error: InputError) -> str:
    first, here = origins[row - 1], origins[error.row - 1] if error.row else None
    if here is not None and here.file == first.file:
        return f"repeats row {first.row}"
    return f"repeats {first.file} row {first.row}"
