"""What every export format shares: how a format is described, read cell by cell, and what
it hands back (canonical rows that remember where they came from, and a report).

An importer maps the tables of one export format to the canonical tables of
MODEL.md. Its cells are checked in the export's own terms (file, row, column,
unit), and each canonical row keeps its `Origin`, so that an error found later
by build_inventory (a duplicated name, an unknown host) still names the
export's file, row and column rather than a table the user never saw.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from data.errors import InputError
from data.imports.canonical_table import CanonicalTable, Origin
from data.io.build import RawTable
from data.io.cells import coerce, is_missing, shown
from data.schema import Kind

MIB = 1024 * 1024
_MAX_SOURCE_NUMBER = 2**62  # bytes of any real host fit; keeps int conversion exact enough


class DynamicMemory(StrEnum):
    """Which memory figure plans a dynamic-memory VM (MODEL.md wants memory at start)."""

    STARTUP = "startup"
    ASSIGNED = "assigned"  # what it holds now (its startup memory when it is off)
    MAXIMUM = "maximum"  # the most it may grow to: the safest plan


class DiskMeasure(StrEnum):
    """What a VM needs on its LUN: what its disks hold now, or what they may grow to."""

    USED = "used"  # RVTools In Use MiB, Get-VHD FileSize: thin disks do not sum past a LUN
    PROVISIONED = "provisioned"  # every thin disk grown to its full size


@dataclass(frozen=True)
class ImportOptions:
    """Choices an export leaves open; the defaults are what `hvplace import` documents."""

    templates: bool = True  # RVTools: plan VM templates too
    powered_off: bool = True  # plan VMs that are off (they will be started somewhere)
    dynamic_memory: DynamicMemory = DynamicMemory.STARTUP
    strict: bool = False  # every oddity of a real export (data/imports/oddities.py) an error
    disk: DiskMeasure = DiskMeasure.USED
    encoding: str | None = None  # of export text that is not UTF-8 (Excel's ANSI saves)


@dataclass
class ImportReport:
    """What an import mapped, assumed and dropped, in sentences for the user."""

    mapped: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def extend(self, other: ImportReport) -> None:
        """Add what another report said (a column-wise path's, once it has not declined)."""
        self.mapped += other.mapped
        self.assumed += other.assumed
        self.dropped += other.dropped


# A format's contribution: some of the canonical tables "nodes", "vms", "luns".
Contribution = dict[str, CanonicalTable]


@dataclass(frozen=True)
class TableKind:
    """One kind of export table, recognised by columns it always has (compared ignoring case)."""

    format: str
    name: str
    columns: tuple[str, ...]

    def matches(self, table: RawTable) -> bool:
        return has_columns(table, *self.columns)


Converter = Callable[[Mapping[str, Sequence[RawTable]], ImportOptions, ImportReport], Contribution]


@dataclass(frozen=True)
class Format:
    """An export format: its table kinds and how its tables become canonical ones."""

    name: str
    title: str
    kinds: tuple[TableKind, ...]
    convert: Converter
    # per kind, the columns its column-wise path reads: a CSV of that kind is parsed
    # only in those at first (kinds not named here are parsed whole)
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def has_columns(table: RawTable, *names: str) -> bool:
    """Whether the table has all these columns, compared ignoring case (never ambiguous)."""
    present = _spellings(table.columns)
    return all(name.casefold() in present for name in names)


def column(table: RawTable, *names: str) -> str | None:
    """The table's spelling of the first of `names` it has, compared ignoring case; two
    columns differing only in case are ambiguous."""
    spellings = _spellings(table.columns)
    for name in names:
        found = spellings.get(name.casefold(), ())
        if len(found) > 1:
            message = f"columns {found[0]!r} and {found[1]!r} differ only in case"
            raise InputError(f"{message}; keep the one meant", table.file, column=found[1])
        if found:
            return found[0]
    return None


@functools.lru_cache(maxsize=64)
def _spellings(columns: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Columns by their case-folded name (looked up for every row, so kept)."""
    spellings: dict[str, tuple[str, ...]] = {}
    for name in columns:
        spellings[name.casefold()] = (*spellings.get(name.casefold(), ()), name)
    return spellings


def required_column(table: RawTable, *names: str) -> str:
    found = column(table, *names)
    if found is None:
        raise InputError(f"required column {names[0]!r} is missing", table.file, column=names[0])
    return found


class Cells:
    """One source row's cells, checked in the source's terms; errors name file, row, column."""

    def __init__(self, table: RawTable, number: int) -> None:
        # not `self.number`: an instance attribute would hide the method number()
        self.table, self.row_number = table, number

    @functools.cached_property
    def row(self) -> Mapping[str, Any]:
        """The row's cells (not taken until read: the column-wise path only places rows)."""
        return self.table.rows[self.row_number - 1]

    def fail(self, column: str, message: str) -> InputError:
        return InputError(message, self.table.file, self.row_number, column)

    def missing(self, column: str | None) -> bool:
        return column is None or is_missing(self.row.get(column))

    def text(self, column: str | None) -> str:
        if self.missing(column):
            return ""
        assert column is not None
        return self._coerced(Kind.TEXT, column)

    def name(self, column: str) -> str:
        if self.missing(column):
            raise self.fail(column, "is empty; a name is required")
        return self._coerced(Kind.NAME, column)

    def boolean(self, column: str | None, default: bool = False) -> bool:
        if self.missing(column):
            return default
        assert column is not None
        return bool(self._coerced(Kind.BOOL, column))

    def number(self, column: str, unit: str = "") -> float:
        """A finite non-negative number (any size a real export holds, bytes included)."""
        raw = self.row.get(column)
        if is_missing(raw):
            raise self.fail(column, f"is empty; a number{unit and ' of ' + unit} is required")
        value = _plain_number(raw)
        if value is None or value < 0 or value > _MAX_SOURCE_NUMBER:
            what = f"non-negative number{unit and ' of ' + unit}"
            raise self.fail(column, f"{shown(raw)} is not a {what}")
        return value

    def optional_number(self, column: str | None, unit: str = "") -> float | None:
        return None if column is None or self.missing(column) else self.number(column, unit)

    def positive_int(self, column: str, unit: str = "") -> int:
        value = self.number(column, unit)
        if value <= 0 or not value.is_integer():
            raise self.fail(column, f"{shown(self.row.get(column))} is not a positive integer")
        return int(value)

    def origin(self, **columns: str | None) -> Origin:
        """This row as the Origin of a canonical row: canonical column -> source column."""
        return Origin(self.table.file, self.row_number, {k: v for k, v in columns.items() if v})

    def _coerced(self, kind: Kind, column: str) -> Any:
        try:
            return coerce(kind, self.row.get(column))
        except ValueError as error:
            raise self.fail(column, str(error)) from None


def all_cells(tables: Iterable[RawTable]) -> Iterator[Cells]:
    """Every row of tables of one kind, in order (exports per host are concatenated), each
    numbered as errors give it: from 1 at the first data row. A row of empty cells is
    skipped (Excel writes them), without renumbering the rows after it."""
    for table in tables:
        for number, row in enumerate(table.rows, start=1):
            if not all(is_missing(cell) for cell in row.values()):
                yield Cells(table, number)


def short(host: str) -> str:
    """A host name as compared ignoring case and domain: `HV01.corp.example` -> `hv01`."""
    return host.strip().split(".")[0].casefold()


def few(names: Iterable[str], limit: int = 3) -> str:
    """A few names for a report line, quoted, and how many more there are."""
    distinct = list(dict.fromkeys(names))
    shown = ", ".join(repr(n) for n in distinct[:limit])
    return shown + (f" and {len(distinct) - limit} more" if len(distinct) > limit else "")


def files(tables: Sequence[RawTable]) -> str:
    """The files a kind of table came from, for a report line."""
    names = list(dict.fromkeys(t.file for t in tables))
    return names[0] + (f" (and {len(names) - 1} more)" if len(names) > 1 else "")


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def mib_from_bytes(value: float) -> int:
    """Bytes to MiB, rounded up: a plan never counts less memory than a VM has."""
    return math.ceil(value / MIB)


def gib_from_mib(value: float) -> float:
    """MiB to GiB (disk_gb's unit), exact to the MiB."""
    return value / 1024


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _plain_number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str) and _NUMBER.fullmatch(raw.strip()):
        value = float(raw.strip())
    else:
        return None
    return value if math.isfinite(value) else None
