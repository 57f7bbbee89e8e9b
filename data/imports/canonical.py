"""Canonical tables (MODEL.md) given as single files among exports, e.g. the nodes table
that goes with an Azure Migrate VM list. Cells pass through unchanged: build.py checks
them exactly as it checks an inventory directory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from data.imports.common import (
    CanonicalTable,
    Contribution,
    Format,
    ImportOptions,
    ImportReport,
    Origin,
    TableKind,
)
from data.io.build import RawTable

NAME = "canonical"
KINDS = (
    TableKind(NAME, "nodes", ("node", "memory_mb", "logical_processors")),
    TableKind(NAME, "vms", ("vm", "memory_mb", "vcpus")),
    TableKind(NAME, "luns", ("lun", "capacity_gb")),
)


def convert(
    tables: Mapping[str, Sequence[RawTable]], options: ImportOptions, report: ImportReport
) -> Contribution:
    contribution: Contribution = {}
    for name, found in tables.items():
        target = contribution.setdefault(name, CanonicalTable())
        for table in found:
            target.sources.append(table.file)
            identity = {c: c for c in table.columns}
            for number, row in enumerate(table.rows, start=1):
                target.add(dict(row), Origin(table.file, number, identity))
            report.mapped.append(f"{table.file}: canonical {name} table, {len(table.rows)} rows")
    return contribution


FORMAT = Format(NAME, "canonical hvplace tables (MODEL.md)", KINDS, convert)
