"""The VMs of a Get-VM export as columns (numpy arrays, one entry per VM), and where each
canonical value came from: what the column-wise importer (fast.py) fills in place of
one `Vm` object per row.

A value joined in from another table remembers that table's row (`elsewhere`), as
`Pending.set` does, so an error build.py finds still names the export's file, row and
column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from data.imports.canonical_table import LazyOrigins
from data.imports.common import CanonicalTable, Origin


@dataclass
class VmFrame:
    """One entry per VM of the Get-VM table `file` (its row numbers in `row`)."""

    file: str
    row: np.ndarray
    values: dict[str, Any]  # canonical column -> values (None: not given); vm: arrow
    source: dict[str, np.ndarray]  # canonical column -> source column (None: none)
    elsewhere: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)  # rows, -1
    # host, off, vm_id...: numpy, or arrow for per-VM text only joins read (no str per VM)
    facts: dict[str, Any] = field(default_factory=dict)
    config_column: str | None = None  # Get-VM's Path (or ConfigurationLocation)

    def __len__(self) -> int:
        return len(self.row)

    @property
    def names(self) -> pa.Array:
        """The VMs' names: arrow strings (a million Python strings would be 70 MB)."""
        return self.values["vm"]

    def named(self, which: np.ndarray) -> list[str]:
        """The names of the VMs `which` picks (a mask, or indices in order)."""
        at = np.flatnonzero(which) if which.dtype == bool else which
        named: list[str] = self.names.take(pa.array(at, pa.int64())).to_pylist()
        return named

    def take(self, keep: np.ndarray) -> VmFrame:
        """The VMs where `keep` (a mask) holds."""
        return VmFrame(
            self.file,
            self.row[keep],
            {c: _kept(v, keep) for c, v in self.values.items()},
            {c: v[keep] for c, v in self.source.items()},
            {c: (f, rows[keep]) for c, (f, rows) in self.elsewhere.items()},
            {c: _kept(v, keep) for c, v in self.facts.items()},
            self.config_column,
        )

    def set(
        self,
        column: str,
        at: np.ndarray,
        values: Any,
        source: str | None,
        there: tuple[str, np.ndarray] | None = None,
    ) -> None:
        """Set `column` of the VMs `at` (indices) from `source` of rows of another table
        (`there`: its file and rows), or of their own row."""
        n = len(self)
        self.values.setdefault(column, np.full(n, None, object))[at] = values
        if source:
            self.source.setdefault(column, np.full(n, None, object))[at] = source
        if there is not None:
            file, rows = there
            current = self.elsewhere.get(column)
            if current is None or current[0] != file:
                assert current is None or not (current[1] >= 0).any(), "one table per column"
                current = self.elsewhere[column] = (file, np.full(n, -1, np.int64))
            current[1][at] = rows
        elif column in self.elsewhere:
            self.elsewhere[column][1][at] = -1

    def origin(self, i: int) -> Origin:
        columns = {c: str(s[i]) for c, s in self.source.items() if s[i]}
        there = {c: (f, int(r[i])) for c, (f, r) in self.elsewhere.items() if r[i] >= 0}
        return Origin(self.file, int(self.row[i]), columns, there)

    def table(self, sources: list[str]) -> CanonicalTable:
        columns = {c: v if isinstance(v, pa.Array) else v.tolist() for c, v in self.values.items()}
        origins = LazyOrigins(len(self), self.origin, [self.file])
        return CanonicalTable.columnar(sources, columns, origins)


def _kept(values: Any, keep: np.ndarray) -> Any:
    return values.filter(pa.array(keep)) if isinstance(values, pa.Array) else values[keep]


def coded(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Each entry's index into the distinct values (str or None) of an object array, and
    those values: for a column of few values (hosts, clusters) over a million VMs."""
    encoded = pc.dictionary_encode(pa.array(values.tolist(), pa.string()))
    distinct: list[Any] = encoded.dictionary.to_pylist()
    indices = encoded.indices
    if indices.null_count:
        distinct.append(None)
        indices = pc.fill_null(indices, len(distinct) - 1)
    return indices.to_numpy().astype(np.int64), distinct
