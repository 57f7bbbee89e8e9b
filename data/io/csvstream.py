"""A CSV file parsed as it is read, a block at a time: a million VMs' Get-VM export is
1.25 GB, and held whole while parsed it was most of the import's memory.

`BlockReader` is the file-like object pyarrow reads: each block of the file is hashed
and checked (NUL bytes, UTF-8, and in the body quotes and any text) as it goes by, and
pyarrow sees only the body (after a UTF-8 mark and a #TYPE line). `streamed_table`
decides only the common case: UTF-8 text without NUL bytes that parses and leaves no
quote open (looked for in the file read again, a block at a time, when in doubt).
Anything else (an error to report, a file to recode, a trailing empty row) raises
Unstreamable, and the caller reads the file whole as before (csvtext.csv_table), so
errors and their order are the whole read's by construction.
"""

from __future__ import annotations

import codecs
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

import pyarrow as pa

from data.errors import InputError
from data.io.build import RawTable
from data.io.cells import is_missing
from data.io.csvparse import delimiter_of, header_names, last_row, parsed_text, string_options
from data.io.csvpart import Part, kept_columns, partial_table
from data.io.csvquotes import QuoteScan, count_quotes, quote_suspect, row_end
from data.io.csvtext import arrow_table_of

BLOCK = 1 << 20  # bytes read, hashed and checked at a time (pyarrow asks for 1 MiB)
_UTF8_BOM = b"\xef\xbb\xbf"
_TYPE_LINE = b"#TYPE"
_HEAD_LIMIT = 1 << 24  # a header row longer than this is left to the whole read
_START = 8  # bytes enough to tell a file's kind (a mark and #TYPE)


# the file opened again, and the digest to hash it into (as far as the first read's)
Reopen = Callable[[], tuple[BinaryIO, Any]]


class Unstreamable(Exception):
    """The streamed parse cannot decide: the whole text must (csvtext.csv_table)."""


class BlockReader:
    """A file read a block at a time, every block hashed into `digest` and checked as it
    is read; `start` is its first bytes, then either `whole()` or the body for pyarrow."""

    def __init__(self, handle: BinaryIO, digest: Any, block: int = BLOCK) -> None:
        self.handle, self.digest, self.block = handle, digest, block
        self.failed: OSError | None = None  # a read that failed: the file ends there
        self.nul, self.utf8, self.text, self.quotes = False, True, False, 0
        self.ended, self.closed = False, False
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._lock = threading.Lock()
        start = bytearray()
        while len(start) < _START and not self.ended:
            start += self._raw()
        self.start = bytes(start)
        self._pending = bytearray()  # body read, not yet served to pyarrow

    def whole(self) -> bytes:
        """Every byte of the file (for what is not streamed: workbooks, Parquet, UTF-16)."""
        return b"".join([self.start, *iter(self._raw, b"")])

    def begin_body(self) -> None:
        """Past a UTF-8 mark and PowerShell's #TYPE line: the body starts."""
        head = self.start.removeprefix(_UTF8_BOM)
        if head.startswith(_TYPE_LINE):
            while b"\n" not in head and not self.ended:
                head += self._raw()
            end = head.find(b"\n")
            head = b"" if end < 0 else head[end + 1 :]
        self._count(head)
        self._pending = bytearray(head)

    def header(self) -> tuple[bytes, str]:
        """The body's first row that is not empty (the header, as pyarrow reads it: up to
        its line break) and the delimiter, read ahead and kept to be served again."""
        while True:
            delimiter, decided = delimiter_of(self._pending)
            end = row_end(self._pending, delimiter) if decided or self.ended else -1
            if end >= 0 or self.ended:
                return bytes(self._pending if end < 0 else self._pending[:end]), delimiter
            if len(self._pending) > _HEAD_LIMIT:
                raise Unstreamable
            self._pending += self._body()

    def read(self, size: int = -1) -> bytes:
        """`size` bytes of the body (fewer only at its end: pyarrow's blocks must be whole),
        read from the file as they are served, so the common read copies nothing."""
        with self._lock:  # pyarrow reads on its own thread, and ahead: see drain
            return self._served(size)

    def drain(self) -> None:
        """Read (hash and check) the rest of the file, whatever pyarrow left. A parse
        that failed may leave pyarrow's thread still reading ahead: the lock keeps the
        blocks, and so the digest, in the file's order."""
        with self._lock:
            self._pending.clear()
            while not self.ended:
                self._body()

    def _served(self, size: int) -> bytes:
        if size < 0:
            rest = [bytes(self._pending), *iter(self._body, b"")]
            self._pending.clear()
            return b"".join(rest)
        if not self._pending:
            piece = self._body(size)
            if len(piece) == size or self.ended:
                return piece
            self._pending += piece
        while len(self._pending) < size and not self.ended:
            self._pending += self._body(size - len(self._pending))
        served = bytes(memoryview(self._pending)[:size])
        del self._pending[:size]
        return served

    def clean(self) -> bool:
        """Whether the text is what the streamed parse decides on (else the whole read)."""
        return self.failed is None and not self.nul and self.utf8 and self.text

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True

    def _body(self, size: int = BLOCK) -> bytes:
        piece = self._raw(size)
        self._count(piece)
        return piece

    def _count(self, piece: bytes) -> None:
        self.quotes += count_quotes(piece)
        self.text = self.text or bool(piece.strip())

    def _raw(self, size: int = BLOCK) -> bytes:
        if self.ended:
            return b""
        try:
            piece = self.handle.read(min(size, self.block))
        except OSError as error:
            self.failed, piece = error, b""
        self.digest.update(piece)
        self.nul = self.nul or b"\0" in piece
        self.ended = not piece
        if self.utf8 and (self.ended or not piece.isascii() or self._decoder.getstate()[0]):
            try:
                self._decoder.decode(piece, final=self.ended)
            except UnicodeDecodeError:
                self.utf8 = False
        return piece


def streamed_table(
    file: str, reader: BlockReader, part: Part | None, reopen: Reopen | None = None
) -> RawTable:
    """The table csv_table gives of the file's text (in `part` when given), parsed as it
    is read; Unstreamable where the whole text must decide. The file is read to its end
    either way (its digest is of every byte), and read again (`reopen`) only to look for
    a quote left open when its quotes do not pair up or its last row has line breaks."""
    try:
        return _streamed(file, reader, part, reopen)
    except MemoryError:  # pyarrow's too: no whole read would fit either
        raise
    except (InputError, pa.ArrowException, OSError, ValueError):  # ValueError: not UTF-8
        raise Unstreamable from None
    finally:
        reader.drain()


def _streamed(file: str, reader: BlockReader, part: Part | None, reopen: Reopen | None) -> RawTable:
    reader.begin_body()
    head, delimiter = reader.header()
    names = header_names(file, head, delimiter)
    columns = [str(name).strip() for name in names]
    named = tuple(c for c in columns if c)
    wanted = None if part is None else part.wanted(named)
    kept = None if wanted is None else kept_columns(columns, named, wanted)
    if len(set(named)) < len(named):
        raise Unstreamable  # a name twice: the whole read says so, after earlier errors
    table = parsed_text(file, reader, delimiter, string_options(names, kept))
    reader.drain()
    expected = names if kept is None else [names[i] for i in kept]
    if not reader.clean() or table.column_names != expected:
        raise Unstreamable
    last = last_row(table)
    suspect = quote_suspect(last, reader.quotes) is not None  # odd quotes, or line breaks
    if suspect and (reopen is None or _left_open(reader, delimiter, reopen)):
        raise Unstreamable  # the error, at the row and column the whole read says
    if kept is None or part is None:
        return arrow_table_of(file, names, table)
    if last and all(is_missing(last[j]) for j, i in enumerate(kept) if columns[i]):
        raise Unstreamable  # maybe a trailing empty row: only every cell of it can say
    return partial_table(file, table, columns, kept, part)


def _left_open(first: BlockReader, delimiter: str, reopen: Reopen) -> bool:
    """Whether the text ends in a quoted field, read again a block at a time (the same
    bytes, by their digest, or it cannot say)."""
    handle, digest = reopen()
    with handle:
        again = BlockReader(handle, digest, first.block)
        again.begin_body()
        scan = QuoteScan(delimiter)
        for piece in iter(lambda: again.read(again.block), b""):
            scan.feed(piece)
    return scan.left_open() or again.failed is not None or digest.digest() != first.digest.digest()
