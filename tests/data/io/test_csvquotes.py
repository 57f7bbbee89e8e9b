"""The open-quote scan fed a block at a time (csvquotes.QuoteScan) says what a scan of the
whole text says, wherever the blocks split it (between the two quotes of "" too)."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from data.io.csvquotes import QuoteScan, quote_left_open, row_end

TEXTS = st.lists(st.sampled_from(['"', '""', ",", ";", "\r", "\n", "a", " "]), max_size=30).map(
    lambda parts: "".join(parts).encode()
)


def _left_open_whole(data: bytes, delimiter: str) -> bool:
    """The field-by-field scan as it was written for whole texts (the oracle)."""
    separator = re.compile(b"[" + re.escape(delimiter.encode()) + b"\r\n]")
    i, start = 0, True
    while i < len(data):
        if start and data[i] == ord('"'):
            while True:
                end = data.find(b'"', i + 1)
                if end < 0:
                    return True
                if data[end + 1 : end + 2] != b'"':
                    i = end + 1
                    break
                i = end + 1
            start = False
            continue
        found = separator.search(data, i)
        if found is None:
            return False
        i, start = found.end(), True
    return False


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from([",", ";"]), st.lists(st.integers(0, 30), max_size=6))
def test_quote_scan_in_blocks_is_the_whole_scan(
    data: bytes, delimiter: str, cuts: list[int]
) -> None:
    scan = QuoteScan(delimiter)
    edges = [0, *sorted(min(c, len(data)) for c in cuts), len(data)]
    for start, end in itertools.pairwise(edges):
        scan.feed(data[start:end])
    assert scan.left_open() == _left_open_whole(data, delimiter)
    assert quote_left_open(data, delimiter) == _left_open_whole(data, delimiter)


def test_quote_scan_a_quote_that_ends_a_block_may_be_half_of_an_escaped_one() -> None:
    scan = QuoteScan(",")
    for piece in (b'a,"x"', b'"y', b"\n"):
        scan.feed(piece)
    assert scan.left_open()  # "x""y\n: the "" is a quote inside, the field never closes
    closed = QuoteScan(",")
    for piece in (b'a,"x"', b",y\n"):
        closed.feed(piece)
    assert not closed.left_open()


def test_row_end_skips_empty_lines_and_line_breaks_inside_quotes() -> None:
    assert row_end(b'\r\n\n"a\nb",c\r\n1,2', ",") == 11
    assert row_end(b'"a,b', ",") == -1  # the text ends first
    assert row_end(b'"a"', ",") == -1  # its last byte a quote: "" or the end, not known yet
