"""Fuzzing the readers: random bytes and mutations of valid exports either read, or fail
with InputError on one line. Nothing else may escape (no traceback reaches the user).

A failing example Hypothesis shrinks belongs in tests/corpus/bad-input once fixed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.errors import InputError
from data.imports.common import ImportOptions
from data.imports.load import load_inventory

ROOT = Path(__file__).parents[3]
# Valid source sets: every file of each is mutated in turn, the others kept as they are.
SETS = [
    ROOT / "data" / "examples" / "four-node",
    ROOT / "tests" / "fixtures" / "hyperv",
    ROOT / "tests" / "fixtures" / "rvtools",
    ROOT / "tests" / "fixtures" / "rvtools" / "csv",
    ROOT / "tests" / "fixtures" / "azure-migrate",
]
SEEDS = [
    (source, file.name)
    for source in SETS
    if source.is_dir()
    for file in sorted(source.iterdir())
    if file.is_file() and file.suffix in (".csv", ".xlsx", ".parquet")
]


def reads_or_says_why(files: dict[str, bytes]) -> None:
    """The property: load succeeds, or raises one InputError whose line is one line."""
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        for name, content in files.items():
            (directory / name).write_bytes(content)
        try:
            load_inventory([directory], None, ImportOptions())
        except InputError as error:
            line = error.line()
            assert line and "\n" not in line and "\r" not in line, repr(line)
            assert "Traceback" not in line


def _truncate(data: bytes, at: int, _: bytes) -> bytes:
    return data[: at % (len(data) + 1)]


def _flip(data: bytes, at: int, noise: bytes) -> bytes:
    if not data:
        return noise
    i = at % len(data)
    return data[:i] + bytes([data[i] ^ (noise[0] if noise else 0xFF)]) + data[i + 1 :]


def _insert(data: bytes, at: int, noise: bytes) -> bytes:
    i = at % (len(data) + 1)
    return data[:i] + noise + data[i:]


def _delete(data: bytes, at: int, noise: bytes) -> bytes:
    i = at % (len(data) + 1)
    return data[:i] + data[i + 1 + len(noise) * 8 :]


def _duplicate_line(data: bytes, at: int, _: bytes) -> bytes:
    lines = data.split(b"\n")
    i = at % len(lines)
    return b"\n".join(lines[: i + 1] + lines[i:])


def _swap_delimiter(data: bytes, at: int, _: bytes) -> bytes:
    return data.replace(b",", b";") if at % 2 else data.replace(b",", b"\t")


def _utf16(data: bytes, at: int, _: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    return text.encode("utf-16") if at % 2 else text.encode("utf-16-le")


def _empty_cell(data: bytes, at: int, _: bytes) -> bytes:
    cells = data.split(b",")
    i = at % len(cells)
    return b",".join([*cells[:i], b'""', *cells[i + 1 :]])


MUTATIONS: list[Callable[[bytes, int, bytes], bytes]] = [
    _truncate,
    _flip,
    _insert,
    _delete,
    _duplicate_line,
    _swap_delimiter,
    _utf16,
    _empty_cell,
]


def test_the_fuzz_has_seeds_of_every_format() -> None:
    sets = {source.name for source, _ in SEEDS}
    assert {"four-node", "hyperv", "rvtools", "csv", "azure-migrate"} <= sets


@given(
    seed=st.sampled_from(SEEDS),
    mutations=st.lists(
        st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 2**20), st.binary(max_size=8)),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_exports_read_or_fail_on_one_line(
    seed: tuple[Path, str], mutations: list[tuple[Callable, int, bytes]]
) -> None:
    source, target = seed
    files = {f.name: f.read_bytes() for f in source.iterdir() if f.is_file()}
    for mutate, at, noise in mutations:
        files[target] = mutate(files[target], at, noise)
    reads_or_says_why(files)


@given(seed=st.sampled_from(SEEDS), junk=st.binary(max_size=512))
def test_random_bytes_in_place_of_an_export_fail_on_one_line(
    seed: tuple[Path, str], junk: bytes
) -> None:
    source, target = seed
    files = {f.name: f.read_bytes() for f in source.iterdir() if f.is_file()}
    files[target] = junk
    reads_or_says_why(files)


@given(
    junk=st.binary(min_size=0, max_size=256),
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"PAR1", b"\xff\xfe"]),
)
def test_random_bytes_alone_fail_on_one_line(junk: bytes, prefix: bytes) -> None:
    with pytest.raises(InputError):
        reads_or_says_why({"junk.csv": prefix + junk})
        raise InputError("read as an inventory")  # random bytes never make one
