"""Atomic file replacement: readers see the old file or the new one, never half."""

from pathlib import Path
from typing import Any

import pytest

import data.io.atomic
from data.errors import InputError
from data.io.atomic import replace_file


def test_replace_file_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "script.ps1"
    replace_file(target, b"one")
    replace_file(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["script.ps1"]


def test_replace_file_failure_keeps_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"old")

    def broken(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(data.io.atomic.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        replace_file(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_replace_file_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        replace_file(tmp_path, b"x")
