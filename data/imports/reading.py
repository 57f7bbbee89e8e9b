"""Each source file read, hashed and parsed in turn, and a CSV one parsed as it is read,
a block at a time (csvstream): a million VMs' export is GBs of text, of which only the
parsed columns are held, and only the columns its importer reads are parsed at first
(csvpart.Part; the rest when first needed, from the file read again).

Files are read in the digest's order (sources_sha256), so one pass both hashes and
parses them; an error waits until every file is read, so the one raised is the one
reading, then decoding, then parsing them in the listed order would raise first. What
the streamed parse cannot decide (every error, a file to recode, a quote to scan for)
is decided by reading the file whole again, as it was before (csvtext.csv_table), the
bytes checked to be those hashed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from data.errors import InputError
from data.imports.sources import (
    add_to_digest,
    digest_order,
    read_source,
    recoded,
    source_tables,
    streamable,
    unreadable,
)
from data.io.build import RawTable
from data.io.csvpart import Part
from data.io.csvstream import BLOCK, BlockReader, Unstreamable, streamed_table

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
    listed: list[Path], reads: Reads, encoding: str | None, block: int = BLOCK
) -> tuple[dict[Path, SourceRead], str]:
    """Each file read and parsed in turn, none held whole when it can be parsed as it is
    read (a million VMs: GBs of text), in the digest's order; and the digest."""
    digest = hashlib.sha256()
    read = {
        path: _read_one(_Source(path, encoding, block, digest.copy()), reads, digest)
        for path in sorted(listed, key=digest_order)
    }
    for stage in (0, 1):  # as when every file was read, then every one decoded
        failed = [read[p].error for p in listed if read[p].stage == stage]
        if failed and failed[0] is not None:
            raise failed[0]
    return read, digest.hexdigest()


@dataclass
class _Source:
    """One file, and the running digest before and after it (so that a file read again
    is known to be the same bytes)."""

    path: Path
    encoding: str | None
    block: int
    opening: Any
    final: bytes = b""

    def stream(self, digest: Any, part: Part | None) -> RawTable | bytes | None:
        """The file read once into `digest`: its table when parsed as read, its bytes
        when it is not CSV text, None when only the whole text can decide."""
        self._named(digest)
        try:
            with self.path.open("rb") as handle:
                reader = BlockReader(handle, digest, self.block)
                result = self._parsed(reader, part)
        except OSError as error:
            raise unreadable(self.path, error) from None
        digest.update(b"\0")
        if reader.failed is not None:
            raise unreadable(self.path, reader.failed)
        return result

    def _parsed(self, reader: BlockReader, part: Part | None) -> RawTable | bytes | None:
        if not streamable(reader.start):
            return reader.whole()
        try:
            return streamed_table(self.path.name, reader, part, self._reopen)
        except Unstreamable:
            return None

    def _reopen(self) -> tuple[BinaryIO, Any]:
        """The file opened again, and a digest to hash it into as far as the first read's."""
        check = self.opening.copy()
        self._named(check)
        return self.path.open("rb"), check

    def _named(self, digest: Any) -> None:
        for piece in (self.path.name.encode("utf-8"), b"\0"):  # as add_to_digest begins
            digest.update(piece)

    def reread(self) -> bytes:
        """The file's bytes, read whole again: the same as read first, or an error."""
        data = read_source(self.path)
        check = self.opening.copy()
        add_to_digest(check, self.path, data)
        self._same(check)
        return data

    def _same(self, check: Any) -> None:
        if check.digest() != self.final:
            raise InputError("changed while it was being read; read it again", self.path.name)

    def reload(self) -> RawTable:
        """The file parsed whole, read again (a column not parsed at first is needed)."""
        check = self.opening.copy()
        table = self.stream(check, None)
        self._same(check)
        if isinstance(table, RawTable):
            return table
        data, _ = recoded(self.path, self.reread() if table is None else table, self.encoding)
        tables = source_tables(self.path, data)
        return tables[0] if len(tables) == 1 else RawTable(self.path.name, (), ())


def _read_one(source: _Source, reads: Reads, digest: Any) -> SourceRead:
    path = source.path
    part = Part(lambda header: reads(path, header), source.reload)
    try:
        first = source.stream(digest, part)
        source.final = digest.digest()
        if isinstance(first, RawTable):
            return SourceRead([first])
        data = source.reread() if first is None else first
    except InputError as error:
        return SourceRead(error=error, stage=0)
    try:
        data, changed = recoded(path, data, source.encoding)
    except InputError as error:
        return SourceRead(error=error, stage=1)
    try:
        return SourceRead(source_tables(path, data, part), recoded=changed)
    except InputError as error:
        return SourceRead(error=error, recoded=changed)
