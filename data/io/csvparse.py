"""The pyarrow calls under every CSV read (whole, in part, or streamed from a file): the
delimiter sniffed from the header row, a reader that notes pyarrow's bad rows, every
cell as text, and pyarrow's errors turned into one line naming the file and row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pv

from data.errors import InputError

_DELIMITERS = b",;\t"
_BYTES = (bytes, bytearray, memoryview)
_T = TypeVar("_T")


def delimiter_of(body: bytes | memoryview | bytearray) -> tuple[str, bool]:
    """The delimiter the header row uses most, outside quotes: `,` unless `;` or tab wins;
    and whether the row ended in the text (else all of it was the header)."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted, ended = False, False
    for byte in body:
        if byte == ord('"'):
            quoted = not quoted
        elif not quoted and byte in (ord("\n"), ord("\r")):
            ended = True
            break
        elif not quoted and byte in counts:
            counts[byte] += 1
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ord(",")))
    return chr(best), ended


def open_reader(
    data: Any,
    delimiter: str,
    convert: pv.ConvertOptions | None,
    bad: list[pv.InvalidRow],
) -> pv.CSVStreamingReader:
    """A reader of text that notes pyarrow's bad rows: their numbers are not in every
    message. A file-like object's text is not yet known to be UTF-8, which the handler
    needs (its errors are left to the whole read: csvstream), so it gets none."""

    def on_bad_row(row: pv.InvalidRow) -> str:
        bad.append(row)
        return "error"

    known = isinstance(data, _BYTES)
    handler = on_bad_row if known else None
    return pv.open_csv(
        pa.BufferReader(pa.py_buffer(data)) if known else data,
        read_options=pv.ReadOptions(use_threads=False),  # threads would lose row numbers
        # newlines_in_values: else a line break in a quoted cell at a block's edge (of
        # 1 MiB, or a short read) puts pyarrow out of step with its chunker: an error
        parse_options=pv.ParseOptions(
            delimiter=delimiter, invalid_row_handler=handler, newlines_in_values=True
        ),
        convert_options=convert,
    )


def guarded(file: str, bad_rows: list[pv.InvalidRow], call: Callable[[], _T]) -> _T:
    try:
        return call()
    except pa.ArrowMemoryError:
        raise  # not the text's fault: a crash (exit 70), not "cannot parse"
    except (pa.ArrowException, OSError) as error:
        if bad_rows:
            bad = bad_rows[0]
            row = bad.number - 1 if bad.number is not None else None  # pyarrow counts the header
            message = f"expected {bad.expected_columns} columns, got {bad.actual_columns}"
            raise InputError(message, file, row) from None
        raise InputError(f"cannot parse as CSV: {one_line(error)}", file) from None


def string_options(names: Sequence[str], kept: list[int] | None) -> pv.ConvertOptions:
    """Every cell parsed as text (of the `kept` columns only, when given)."""
    included = list(names) if kept is None else [names[i] for i in kept]
    return pv.ConvertOptions(
        include_columns=[] if kept is None else included,
        column_types=dict.fromkeys(included, pa.string()),
        strings_can_be_null=False,
    )


def last_row(table: pa.Table) -> tuple[str, ...] | None:
    """The last row's cells (None for no rows): what the quote check looks at."""
    count = table.num_rows
    return tuple(column[count - 1].as_py() for column in table.columns) if count else None


def one_line(error: Exception) -> str:
    """A library's message on one line (errors are reported as one line)."""
    return " ".join(str(error).split())


def header_names(file: str, text: Any, delimiter: str) -> list[str]:
    """The header's names as pyarrow reads them (untrimmed)."""
    bad_rows: list[pv.InvalidRow] = []
    return guarded(
        file, bad_rows, lambda: open_reader(text, delimiter, None, bad_rows).schema.names
    )


def parsed_text(file: str, text: Any, delimiter: str, options: pv.ConvertOptions) -> pa.Table:
    """The text parsed (bytes, or a file-like object read to its end)."""
    bad_rows: list[pv.InvalidRow] = []
    return guarded(
        file, bad_rows, lambda: open_reader(text, delimiter, options, bad_rows).read_all()
    )
