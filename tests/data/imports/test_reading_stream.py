"""Export files parsed as they are read (reading.read_all over csvstream) give what reading
each file whole gives (the bytes read, recoded, parsed by csvtext.csv_table): the same
tables and cells, digest, recoding, or the same error at the same stage; with blocks of
a few bytes, so that blocks split rows, quotes, multi-byte characters and CRLF."""

from __future__ import annotations

import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import InputError
from data.imports.reading import read_all
from data.imports.sources import recoded, source_tables, sources_sha256
from data.io.build import RawTable
from data.io.csvtext import Part, csv_table

NAMES = ["VMName", "vmname", "Path", "État", "", " Size ", "x"]
CELLS = st.sampled_from(
    ["", " ", "a", "b c", '"q"', '19" rack', "x,y", "l\nm", "l\r\nm", "é", "日本", "🖥", ";"]
)
MUTATIONS = st.sampled_from([b"\xff", b"\0", b'"', b"\r", b"\n", b"\xc3", b",", b"\xe9"])


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV text as Export-Csv, Excel or a hand write it, now and then cut or damaged."""
    header = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header))))
    quote, delimiter = draw(st.booleans()), draw(st.sampled_from([",", ";"]))
    end = draw(st.sampled_from(["\r\n", "\n"]))

    def field(cell: str) -> str:
        if quote or any(ch in cell for ch in f'{delimiter}"\r\n'):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    text = end.join(delimiter.join(field(c) for c in row) for row in [header, *rows])
    text = draw(st.sampled_from(["", "#TYPE Microsoft.HyperV\r\n"])) + text
    data = draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode()
    data += draw(st.sampled_from([b"", end.encode(), b"\n,\n"]))
    cut = draw(st.sampled_from([0, 0, 1, 3]))
    data = data[: len(data) - cut] if len(data) > cut else data
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):  # a damaged file, now and then
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(MUTATIONS) + data[at:]
    return data


def _said(error: InputError) -> str:
    return f"{error.message}|{error.file}|{error.row}|{error.column}"


def _cells(table: RawTable) -> tuple[str, tuple[str, ...], list[list[str]]]:
    return table.file, table.columns, [[str(row[c]) for c in table.columns] for row in table.rows]


def _whole(path: Path, wanted: set[str] | None, encoding: str | None) -> tuple[Any, ...]:
    """One file read as before: its bytes whole, recoded, parsed (stage 0, 1, 2 errors)."""
    data = path.read_bytes()
    try:
        data, changed = recoded(path, data, encoding)
    except InputError as error:
        return 1, _said(error)
    part = Part(lambda header: wanted, lambda: csv_table(path.name, data))
    try:
        return 2, [_cells(t) for t in source_tables(path, data, part)], changed
    except InputError as error:
        return 2, _said(error), changed


@settings(max_examples=250, deadline=None)
@given(
    st.lists(csv_files(), min_size=1, max_size=3),
    st.none() | st.sets(st.sampled_from(NAMES)),
    st.sampled_from([None, "cp1252"]),
    st.integers(1, 17),
)
def test_read_all_streamed_is_the_whole_read(
    files: list[bytes], wanted: set[str] | None, encoding: str | None, block: int
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        paths = [Path(directory) / f"f{i}.csv" for i in range(len(files))]
        for path, data in zip(paths, files, strict=True):
            path.write_bytes(data)
        whole = [_whole(path, wanted, encoding) for path in paths]
        early = [said for stage, said, *_ in whole if stage == 1]
        try:
            read, digest = read_all(paths, lambda path, header: wanted, encoding, block)
        except InputError as error:
            assert early and _said(error) == early[0]
            return
        assert not early
        assert digest == sources_sha256({p: p.read_bytes() for p in paths})
        for path, expected in zip(paths, whole, strict=True):
            got = read[path]
            if got.error is None:
                streamed = (2, [_cells(t) for t in got.tables], got.recoded)
            else:
                streamed = (got.stage, _said(got.error), got.recoded)
            assert streamed == expected


def test_read_all_holds_a_few_blocks_of_the_file_not_the_file(tmp_path: Path) -> None:
    export = tmp_path / "get-vm.csv"
    row = b'"web","Running","' + b"n" * 200 + b'","k"\r\n'
    export.write_bytes(b'#TYPE x\r\n"VMName","State","Notes","Key"\r\n' + row * 400_000)
    tracemalloc.start()  # 86 MB of text; pyarrow's columns are not traced, its input is
    try:
        read, _ = read_all([export], lambda path, header: {"VMName"}, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(read[export].tables[0].rows) == 400_000
    assert peak < 48 * 2**20  # pyarrow reads at most 32 blocks of 1 MiB ahead of its parse


def test_read_all_a_file_changed_before_its_reload_is_an_error(tmp_path: Path) -> None:
    export = tmp_path / "get-vm.csv"
    export.write_bytes(b"VMName,State,Notes\r\nweb1,Running,a\r\n")
    read, _ = read_all([export], lambda path, header: {"VMName"}, None)
    (table,) = read[export].tables
    export.write_bytes(b"VMName,State,Notes\r\nweb1,Stopped,a\r\n")  # the same shape
    with pytest.raises(InputError, match="changed while it was being read") as raised:
        table.rows.column("State")
    assert raised.value.file == "get-vm.csv"


def test_read_all_a_parse_failing_midway_keeps_the_digest_and_its_error(tmp_path: Path) -> None:
    # pyarrow's thread may still read ahead when its parse fails: the rest of the file
    # must still be hashed in order (a digest out of order read as "changed")
    export = tmp_path / "get-vm.csv"
    row = b'"web","Running","' + b"n" * 200 + b'","k"\r\n'
    export.write_bytes(
        b'"VMName","State","Notes","Key"\r\n' + row * 100_000 + b'"a"\r\n' + row * 300_000
    )
    expected = sources_sha256({export: export.read_bytes()})
    for _ in range(3):
        read, digest = read_all([export], lambda path, header: {"VMName"}, None)
        assert digest == expected
        assert _said(read[export].error) == "expected 4 columns, got 1|get-vm.csv|100001|"
