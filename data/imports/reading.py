"""Each source file read, hashed and parsed in turn, its bytes let go before the next is
read: a million VMs' export is GBs of text, and only the columns its importer reads are
parsed at first (csvtext.Part; the rest when first needed, from the file read again).

Files are read in the digest's order (sources_sha256), so one pass both hashes and
parses them; an error waits until every file is read, so the one raised is the one
reading, then decoding, then parsing them in the listed order would raise first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data.errors import InputError
from data.imports.sources import add_to_digest, digest_order, read_source, recoded, source_tables
from data.io.build import RawTable
from data.io.csvtext import Part

# the columns to parse first of a CSV with this header (None: every column)
Reads = Callable[[Path, tuple[str, ...]], Collection[str] | None]


@dataclass
class SourceRead:
    """One source file read and parsed, or the error that stopped it (`stage`: 0 reading,
    1 decoding, 2 parsing: the first error of the earliest stage is the one raised)."""

    tables: list[RawTable] = field(default_factory=list)
    error: InputError | None = None
    stage: int = 2
    recoded: bool = False


def read_all(
    listed: list[Path], reads: Reads, encoding: str | None
) -> tuple[dict[Path, SourceRead], str]:
    """Each file read and parsed in turn, its bytes let go before the next is read (a
    million VMs: GBs of text), in the digest's order; and the digest."""
    digest = hashlib.sha256()
    read = {
        path: _read_one(path, reads, encoding, digest) for path in sorted(listed, key=digest_order)
    }
    for stage in (0, 1):  # as when every file was read, then every one decoded
        failed = [read[p].error for p in listed if read[p].stage == stage]
        if failed and failed[0] is not None:
            raise failed[0]
    return read, digest.hexdigest()


def _read_one(path: Path, reads: Reads, encoding: str | None, digest: Any) -> SourceRead:
    try:
        data = read_source(path)
    except InputError as error:
        return SourceRead(error=error, stage=0)
    add_to_digest(digest, path, data)
    try:
        data, changed = recoded(path, data, encoding)
    except InputError as error:
        return SourceRead(error=error, stage=1)
    part = Part(lambda header: reads(path, header), lambda: _reread(path, encoding))
    try:
        return SourceRead(source_tables(path, data, part), recoded=changed)
    except InputError as error:
        return SourceRead(error=error, recoded=changed)


def _reread(path: Path, encoding: str | None) -> RawTable:
    """The file parsed whole, read again (when a column not parsed at first is needed)."""
    data, _ = recoded(path, read_source(path), encoding)
    tables = source_tables(path, data)
    return tables[0] if len(tables) == 1 else RawTable(path.name, (), ())
