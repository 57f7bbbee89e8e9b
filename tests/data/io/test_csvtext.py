"""The CSV parser shared by canonical tables and exports: encodings, #TYPE, delimiters."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.errors import InputError
from data.io.csvtext import csv_table

HEADER_AND_ROWS = 'vm,memory_mb,note\nweb1,4096,"a, b"\n"db;1",8192,x\n'
EXPECTED = [
    {"vm": "web1", "memory_mb": "4096", "note": "a, b"},
    {"vm": "db;1", "memory_mb": "8192", "note": "x"},
]


@pytest.mark.parametrize(
    "data",
    [
        HEADER_AND_ROWS.encode("utf-8"),
        b"\xef\xbb\xbf" + HEADER_AND_ROWS.encode("utf-8"),
        HEADER_AND_ROWS.encode("utf-16"),  # with its byte-order mark, as Out-File writes it
        b"\xfe\xff" + HEADER_AND_ROWS.encode("utf-16-be"),
        HEADER_AND_ROWS.encode("utf-32"),  # Export-Csv -Encoding UTF32 (Windows PowerShell)
        b"#TYPE Selected.System.Object\r\n" + HEADER_AND_ROWS.replace("\n", "\r\n").encode(),
        HEADER_AND_ROWS.replace(",", ";").replace('"a; b"', '"a, b"').encode(),
        HEADER_AND_ROWS.replace(",", "\t").replace('"a\t b"', '"a, b"').encode(),
    ],
    ids=["utf8", "utf8-bom", "utf16-le", "utf16-be", "utf32", "type-line", "semicolon", "tab"],
)
def test_csv_table_reads_what_powershell_and_excel_write(data: bytes) -> None:
    table = csv_table("x.csv", data)
    assert table.columns == ("vm", "memory_mb", "note")
    assert [dict(row) for row in table.rows] == EXPECTED


def test_csv_table_counts_rows_from_the_first_data_row_after_a_type_line() -> None:
    data = b'#TYPE Microsoft.HyperV.PowerShell.VirtualMachine\n"a","b"\n"1","2"\n"3"\n'
    with pytest.raises(InputError, match=r"^x.csv row 2: expected 2 columns, got 1$"):
        csv_table("x.csv", data)


def test_csv_table_refuses_broken_utf16() -> None:
    with pytest.raises(InputError, match="starts like UTF-16-LE text but is not"):
        csv_table("x.csv", b"\xff\xfea\x00b")


@given(
    st.lists(st.sampled_from([",", ";", "\t"]), min_size=1, max_size=1),
    st.lists(st.text("abc xyz,;", min_size=1, max_size=6), min_size=1, max_size=5, unique=True),
)
def test_csv_table_finds_the_delimiter_of_any_header(
    delimiter: list[str], names: list[str]
) -> None:
    """Names holding other delimiters are quoted, as every CSV writer does."""
    sep = delimiter[0]
    names = [n.strip() or "c" for n in names]
    if len(set(names)) < len(names):
        return
    header = sep.join(f'"{n}"' for n in names)
    row = sep.join("1" for _ in names)
    table = csv_table("x.csv", f"{header}\n{row}\n".encode())
    assert table.columns == tuple(names)


def test_csv_table_drops_the_empty_rows_excel_writes_after_the_last_value() -> None:
    table = csv_table("x.csv", b"vm,memory_mb\nweb1,4096\n,\n,\n")
    assert [dict(row) for row in table.rows] == [{"vm": "web1", "memory_mb": "4096"}]


def test_csv_table_keeps_an_empty_row_between_values_so_row_numbers_stay_true() -> None:
    table = csv_table("x.csv", b"vm,memory_mb\nweb1,4096\n,\nweb2,2048\n")
    assert [row["vm"] for row in table.rows] == ["web1", "", "web2"]


def test_csv_table_leaves_out_columns_without_a_name() -> None:
    """Spacer columns, a pandas index: nothing can refer to them, so two are no clash."""
    table = csv_table("x.csv", b",vm,,memory_mb,\n0,web1,,4096,\n")
    assert table.columns == ("vm", "memory_mb")
    assert [dict(row) for row in table.rows] == [{"vm": "web1", "memory_mb": "4096"}]


def test_csv_table_still_refuses_a_name_given_twice() -> None:
    with pytest.raises(InputError, match=r"^x.csv, vm: column 'vm' appears twice in the header$"):
        csv_table("x.csv", b"vm,,vm\n1,,2\n")


def test_csv_table_reads_a_line_break_in_a_cell_at_pyarrow_s_block_edge() -> None:
    # pyarrow reads 1 MiB blocks; without newlines_in_values a quoted line break that
    # one of them cuts put its parser out of step with its chunker (an error)
    row = b'"web","line one\r\nline two","x"\r\n'
    data = b'"vm","notes","z"\r\n' + row * ((1 << 21) // len(row))
    table = csv_table("get-vm.csv", data)
    assert len(table.rows) == (1 << 21) // len(row)
    assert table.rows[-1]["notes"] == "line one\r\nline two"
