"""The canonical tables an importer hands back, with where each row came from.

A table is held as rows (dicts, one Origin each: what the per-row importers build) or
as columns (one list, or arrow array, per canonical column: what the column-wise
importers build for a million VMs, whose names then never become Python strings),
with its origins made only when an error needs one. Either way
load.py reads it through the same few methods, and build.py gets a RawTable: a
columnar one as pyarrow columns, which build.py checks a column at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, overload

import pyarrow as pa

from data.io.build import RawTable
from data.io.colrows import ColumnRows

Column: TypeAlias = list[Any] | pa.Array  # None (null) where a row has no value


@dataclass(frozen=True)
class Origin:
    """Where a canonical row came from: its file and row, and each canonical column's source.

    A value joined in from another table (a VM's owner node from a cluster export) names
    that table's file and row in `elsewhere`, so an error about it points there.
    """

    file: str
    row: int | None
    columns: Mapping[str, str] = field(default_factory=dict)
    elsewhere: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)


class LazyOrigins(Sequence[Origin]):
    """The origins of a columnar table, each made when asked for (by an error message)."""

    def __init__(self, length: int, make: Callable[[int], Origin], files: Iterable[str]) -> None:
        self.length, self.make, self.files = length, make, set(files)

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Origin: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Origin]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.make(i) for i in range(*index.indices(self.length))]
        if not -self.length <= index < self.length:
            raise IndexError(index)
        return self.make(index % self.length)


class CanonicalTable:
    """Canonical rows (typed values, MODEL.md's column names) with one Origin per row, and
    the files they come from (named in errors about the table, also when it has no rows)."""

    def __init__(self, sources: Iterable[str] = ()) -> None:
        self.sources = list(sources)
        self._rows: list[dict[str, Any]] = []
        self._origins: Sequence[Origin] = []
        self._columns: dict[str, Column] | None = None

    @classmethod
    def of(cls, tables: Iterable[RawTable]) -> CanonicalTable:
        """An empty table to be filled from these source tables."""
        return cls(dict.fromkeys(t.file for t in tables))

    @classmethod
    def columnar(
        cls, sources: Iterable[str], columns: dict[str, Column], origins: LazyOrigins
    ) -> CanonicalTable:
        """A table of these columns (None where a row has no value), rows made on demand."""
        table = cls(sources)
        table._columns, table._origins = columns, origins
        return table

    def add(self, row: dict[str, Any], origin: Origin) -> None:
        assert self._columns is None, "a columnar table takes no rows"
        self._rows.append(row)
        assert isinstance(self._origins, list)
        self._origins.append(origin)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows as dicts (a columnar table's made once, and no longer columnar)."""
        if self._columns is not None:
            names, columns = list(self._columns), [_listed(c) for c in self._columns.values()]
            self._rows = (
                [
                    {n: v for n, v in zip(names, values, strict=True) if v is not None}
                    for values in zip(*columns, strict=True)
                ]
                if names
                else [{} for _ in range(len(self._origins))]
            )
            self._columns = None
        return self._rows

    @property
    def origins(self) -> Sequence[Origin]:
        return self._origins

    def __len__(self) -> int:
        return len(self._origins)

    def values(self, name: str) -> list[Any]:
        """One column's values, None where a row has none."""
        if self._columns is not None:
            return list(_listed(self._columns.get(name, [None] * len(self))))
        return [row.get(name) for row in self._rows]

    def set_values(self, name: str, values: list[Any]) -> None:
        """Replace one column's values (None: the row has none)."""
        if self._columns is not None:
            self._columns[name] = values
            return
        for row, value in zip(self._rows, values, strict=True):
            if value is None:
                row.pop(name, None)
            else:
                row[name] = value

    def origin_files(self) -> set[str]:
        if isinstance(self._origins, LazyOrigins):
            return set(self._origins.files)
        return {origin.file for origin in self._origins}

    def raw(self, label: str, required: tuple[str, ...]) -> RawTable:
        """The table as build.py reads it (`required` its columns when it has no rows)."""
        if self._columns is not None and len(self):
            # a column no row has is no column, as with rows
            given = {n: v for n, v in self._columns.items() if _any_given(v)}
        else:
            names: dict[str, None] = dict.fromkeys(required if not self.rows else ())
            for row in self.rows:
                names.update(dict.fromkeys(row))
            given = {name: [row.get(name) for row in self.rows] for name in names}
        arrays = _arrays(given) if len(self) else None
        if arrays is None:
            return RawTable(label, tuple(given), self.rows)
        return RawTable(label, tuple(given), ColumnRows(tuple(given), arrays, len(self)))


def _listed(column: Column) -> list[Any]:
    return column.to_pylist() if isinstance(column, pa.Array) else column


def _any_given(column: Column) -> bool:
    if isinstance(column, pa.Array):
        return column.null_count < len(column)
    return any(x is not None for x in column)


def _arrays(columns: Mapping[str, Column]) -> list[pa.ChunkedArray] | None:
    """The columns as pyarrow arrays (so that build.py checks them a column at a time);
    None when a column mixes types (build.py then checks the rows cell by cell)."""
    try:
        arrays = [v if isinstance(v, pa.Array) else pa.array(v) for v in columns.values()]
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return None
    return [  # a column of nulls only: text, which every kind of column reads as missing
        pa.chunked_array([pa.nulls(len(a), pa.string()) if pa.types.is_null(a.type) else a])
        for a in arrays
    ]
