"""Rows of a table read column-wise (pyarrow), seen as a sequence of row mappings.

Readers keep what pyarrow parsed as columns, so that build.py can check and
convert a million cells a column at a time; code that walks rows (importers,
error paths) gets the same dicts it always did, made once, on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import pyarrow as pa


class ColumnRows(Sequence[Mapping[str, Any]]):
    """`length` rows of `names`, held as one pyarrow array per column."""

    def __init__(self, names: Sequence[str], arrays: Sequence[pa.ChunkedArray], length: int):
        self.names = tuple(names)
        self.arrays = tuple(arrays)
        self.length = length
        self._rows: list[dict[str, Any]] | None = None

    def column(self, name: str) -> pa.ChunkedArray:
        return self.arrays[self.names.index(name)]

    def _materialised(self) -> list[dict[str, Any]]:
        if self._rows is None:
            values = [array.to_pylist() for array in self.arrays]
            if self.names:
                rows = zip(*values, strict=True)
                self._rows = [dict(zip(self.names, cells, strict=True)) for cells in rows]
            else:
                self._rows = [{} for _ in range(self.length)]
        return self._rows

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        return self._materialised()[index]

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self._materialised())


class PartialRows(ColumnRows):
    """ColumnRows of a table parsed only in part (the columns an importer reads of a
    million rows): any other column, or the rows, come from `reload`, which parses the
    whole table once, on first need."""

    def __init__(
        self,
        names: Sequence[str],
        parsed: Mapping[str, pa.ChunkedArray],
        length: int,
        reload: Callable[[], ColumnRows],
    ):
        super().__init__(names, [], length)
        self.parsed, self.reload = dict(parsed), reload
        self._whole: ColumnRows | None = None

    @property
    def whole(self) -> ColumnRows:
        """Every column (parsed now, when first asked for)."""
        if self._whole is None:
            self._whole = self.reload()
            self.arrays = self._whole.arrays
        return self._whole

    def column(self, name: str) -> pa.ChunkedArray:
        found = self.parsed.get(name)
        return self.whole.column(name) if found is None else found

    def _materialised(self) -> list[dict[str, Any]]:
        return self.whole._materialised()
