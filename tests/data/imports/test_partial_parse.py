"""A CSV parsed only in the columns an importer reads (csvtext.Part) is the same table as
the CSV parsed whole: the same columns, rows and cells (those not parsed at first come
from the reload), or the same error; and a file changed before its reload is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import InputError
from data.io.build import RawTable
from data.io.colrows import PartialRows
from data.io.csvtext import Part, csv_table

NAMES = ["VMName", "vmname", "Path", "State", "", " Size ", "x"]
CELLS = st.sampled_from(["", " ", "a", "b c", '"q"', '19" rack', "x,y", "l\nm", "\r", '"'])


def _parsed(data: bytes, part: Part | None) -> tuple[tuple[str, ...], list[list[str]]] | str:
    """The table's columns and cells (column by column), or its error's every word."""
    try:
        table = csv_table("t.csv", data, part)
        cells = [[str(row[c]) for row in table.rows] for c in table.columns]
        return table.columns, cells
    except InputError as error:
        return f"{error.message}|{error.file}|{error.row}|{error.column}"


@st.composite
def csv_texts(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header))))
    quote = draw(st.booleans())

    def field(cell: str) -> str:
        if quote or any(ch in cell for ch in ',"\r\n'):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    lines = [",".join(field(c) for c in row) for row in [header, *rows]]
    text = "\r\n".join(lines) + draw(st.sampled_from(["", "\r\n", "\n,\n"]))
    cut = draw(st.integers(0, 3))  # a truncated file, now and then
    return text[: len(text) - cut].encode() if cut and len(text) > cut else text.encode()


@settings(max_examples=300, deadline=None)
@given(csv_texts(), st.sets(st.sampled_from(NAMES)))
def test_partial_parse_is_the_whole_parse(data: bytes, wanted: set[str]) -> None:
    part = Part(lambda header: wanted, lambda: csv_table("t.csv", data))
    assert _parsed(data, part) == _parsed(data, None)


def test_partial_parse_parses_only_the_wanted_columns_at_first() -> None:
    data = b'"VMName","State","Path","Notes"\r\n"web1","Running","C:\\\\x","n"\r\n'
    reloads: list[int] = []

    def reload() -> RawTable:
        reloads.append(1)
        return csv_table("t.csv", data)

    table = csv_table("t.csv", data, Part(lambda header: {"vmname"}, reload))
    assert isinstance(table.rows, PartialRows)
    assert set(table.rows.parsed) == {"VMName", "Notes"}  # and the last: see the quote check
    assert table.rows.column("VMName").to_pylist() == ["web1"] and not reloads
    assert table.rows.column("State").to_pylist() == ["Running"] and reloads == [1]
    assert table.rows[0]["Path"] == "C:\\\\x" and reloads == [1]


def test_partial_parse_a_file_changed_before_its_reload_is_an_error(tmp_path: Path) -> None:
    export = tmp_path / "get-vm.csv"
    export.write_bytes(b"VMName,State,Notes\r\nweb1,Running,a\r\n")
    part = Part(lambda header: {"VMName"}, lambda: csv_table(export.name, export.read_bytes()))
    table = csv_table(export.name, export.read_bytes(), part)
    export.write_bytes(b"VMName,State,Notes\r\nweb1,Running,a\r\nweb2,Off,b\r\n")
    with pytest.raises(InputError, match="changed while it was being read") as raised:
        table.rows.column("State")
    assert raised.value.file == "get-vm.csv"
