"""What the Hyper-V importer's parts share: a canonical row being assembled from several
exports (so each value still knows its source file, row and column), and small helpers
for names, host names and PowerShell's ways of writing values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from data.build import RawTable
from data.imports.common import Cells, Origin

# Export-Csv writes a collection property as its .NET type name, not its items.
_TYPE_NAME = re.compile(r"System\.(Collections\.[\w.`\[\], ]+|[\w.]+\[\])")


@dataclass
class Pending:
    """A canonical row on its way: values joined in from other tables remember their row."""

    cells: Cells  # the row the canonical row stands for (a Get-VM or Get-VMHost row)
    row: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    elsewhere: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def set(self, column: str, value: Any, source: Cells, source_column: str | None) -> None:
        """Set a canonical value taken from `source_column` of the row `source`."""
        self.row[column] = value
        if source_column:
            self.columns[column] = source_column
        here = (self.cells.table.file, self.cells.row_number)
        there = (source.table.file, source.row_number)
        if there != here:
            self.elsewhere[column] = there
        else:
            self.elsewhere.pop(column, None)

    def origin(self) -> Origin:
        table = self.cells.table
        return Origin(table.file, self.cells.row_number, dict(self.columns), dict(self.elsewhere))


def all_cells(tables: Sequence[RawTable]) -> Iterable[Cells]:
    """Every row of tables of one kind, in order (exports per host are concatenated)."""
    for table in tables:
        for number in range(1, len(table.rows) + 1):
            yield Cells(table, number)


def short(host: str) -> str:
    """A host name compared ignoring case and domain, as load.py matches node names."""
    return host.strip().split(".")[0].casefold()


def few(names: Iterable[str], limit: int = 3) -> str:
    """A few names for a report line, quoted, and how many more there are."""
    names = list(dict.fromkeys(names))
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def files(tables: Sequence[RawTable]) -> str:
    """The files a kind of table came from, for a report line."""
    names = list(dict.fromkeys(t.file for t in tables))
    return names[0] + (f" (and {len(names) - 1} more)" if len(names) > 1 else "")


def is_type_name(value: str) -> bool:
    """Whether a cell holds a .NET collection's type name instead of its items."""
    return bool(_TYPE_NAME.fullmatch(value.strip()))


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
