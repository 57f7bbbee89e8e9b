"""Whether a CSV text ends inside a quoted field: pyarrow takes a quote left open as
running to the end of the file, which silently swallows the rest of a truncated one.

The common file costs one count of its quotes (numpy, a block at a time); only an odd
count, or line breaks in the last row, lead to the field-by-field scan.
"""

from __future__ import annotations

import re

import numpy as np

from data.errors import InputError

_BLOCK = 1 << 24  # bytes whose quotes are counted at a time
_QUOTE = ord('"')


def count_quotes(body: bytes | memoryview) -> int:
    """How many quote characters the text holds, counted a block at a time by numpy."""
    codes = np.frombuffer(body, np.uint8)
    return sum(
        int(np.count_nonzero(codes[start : start + _BLOCK] == _QUOTE))
        for start in range(0, len(codes), _BLOCK)
    )


def quote_suspect(last: tuple[str, ...] | None, quotes: int) -> list[int] | None:
    """The last row's cells holding a line break when the text may end in an open quote
    (an odd count, or such cells: what swallowed rows leave), else None (no scan needed)."""
    if last is None:
        return None
    broken = [i for i, cell in enumerate(last) if "\n" in cell or "\r" in cell]
    return broken if quotes % 2 or broken else None


def check_quotes_closed(
    file: str,
    data: bytes | memoryview,
    columns: list[str],
    last: tuple[str, ...] | None,
    count: int,
    delimiter: str,
    quotes: int | None = None,
) -> None:
    """A quoted field still open at the end is an error, placed at the last row and at
    its cell that holds a line break (else its last cell).

    A quote inside an unquoted field (`19" rack`) is text, as Python's csv and Excel read
    it: only a quote that opens a field opens a quoted one.
    """
    broken = quote_suspect(last, count_quotes(data) if quotes is None else quotes)
    if broken is None or not quote_left_open(bytes(data), delimiter):
        return
    at = (broken or [len(columns) - 1])[-1]
    raise InputError("a quote opened here is never closed", file, count, columns[at])


def quote_left_open(data: bytes, delimiter: str) -> bool:
    """Whether a quoted field runs to the end of the text (field by field; only called
    when the quotes do not pair up, so the common file costs one count)."""
    scan = QuoteScan(delimiter)
    scan.feed(data)
    return scan.left_open()


class QuoteScan:
    """quote_left_open over a text fed a block at a time (a file read again, not held)."""

    def __init__(self, delimiter: str) -> None:
        self.separator = _separator(delimiter)
        self.start, self.quoted, self.quote_last = True, False, False

    def feed(self, data: bytes) -> None:
        i = 0
        while i < len(data):
            if self.quote_last:  # a quote ended the last block: "" goes on, else it closed
                self.quote_last, self.quoted = False, data[i] == _QUOTE
                i += self.quoted
            elif self.quoted:
                i = self._in_quotes(data, i)
            elif self.start and data[i] == _QUOTE:
                self.start, self.quoted, i = False, True, i + 1
            else:
                found = self.separator.search(data, i)
                self.start, i = found is not None, len(data) if found is None else found.end()

    def left_open(self) -> bool:
        return self.quoted and not self.quote_last

    def _in_quotes(self, data: bytes, i: int) -> int:
        """Where the scan goes on after the quote closing the field (or at the end)."""
        end = data.find(b'"', i)
        if end < 0:
            return len(data)
        if end + 1 == len(data):
            self.quote_last = True
        elif data[end + 1] == _QUOTE:  # "" is an escaped quote
            return end + 2
        else:
            self.quoted = False
        return end + 1


def row_end(data: bytes | bytearray, delimiter: str) -> int:
    """The index after the line break that ends the text's first row that is not empty
    (rows as pyarrow reads them: a quote opens a quoted field only at a field's start),
    or -1 when the text ends first (or in doubt: a quote is its last byte)."""
    separator = _separator(delimiter)
    i, start, row_start = 0, True, 0
    while i < len(data):
        if start and data[i] == _QUOTE:
            i = _closing_quote(data, i + 1)
            if not 0 <= i < len(data):
                return -1
            start = False
            continue
        found = separator.search(data, i)
        if found is None:
            return -1
        if found.group() in (b"\r", b"\n"):
            if found.start() > row_start:
                return found.end()
            row_start = found.end()
        i, start = found.end(), True
    return -1


def _separator(delimiter: str) -> re.Pattern[bytes]:
    return re.compile(b"[" + re.escape(delimiter.encode()) + b"\r\n]")


def _closing_quote(data: bytes | bytearray, i: int) -> int:
    """The index after the quote that closes a quoted field opened before i, or -1."""
    while True:
        end = data.find(b'"', i)
        if end < 0:
            return -1
        if data[end + 1 : end + 2] != b'"':  # "" is an escaped quote
            return end + 1
        i = end + 2
