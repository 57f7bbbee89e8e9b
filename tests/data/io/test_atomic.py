"""Atomic file replacement: readers see the old file or the new one, never half."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import data.io.atomic
from data.errors import InputError
from data.io.atomic import TEMP_PREFIX, recover, replace_directory, replace_file


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


OWNED = frozenset({"a.txt", "b.txt"})


def _fill(text: str):
    def fill(temp: Path) -> None:
        (temp / "a.txt").write_text(text)

    return fill


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(TEMP_PREFIX))


def test_replace_directory_writes_then_replaces_and_leaves_nothing_beside(tmp_path: Path) -> None:
    target = tmp_path / "out"
    replace_directory(target, _fill("one"), OWNED)
    replace_directory(target, _fill("two"), OWNED)
    assert (target / "a.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_replace_directory_swaps_in_one_step_on_linux(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With RENAME_EXCHANGE no rename ever moves the old output away first."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    if not data.io.atomic._exchange(first, second):
        pytest.skip("this file system cannot exchange directories")
    first.rmdir()
    second.rmdir()
    target = tmp_path / "out"
    replace_directory(target, _fill("old"), OWNED)

    def no_rename(*args: Any) -> None:
        raise AssertionError("the old output was renamed away")

    monkeypatch.setattr(data.io.atomic.os, "rename", no_rename)
    replace_directory(target, _fill("new"), OWNED)
    assert (target / "a.txt").read_text() == "new"
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="names fds through /proc")
def test_replace_directory_fsyncs_every_file_before_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    def fill(temp: Path) -> None:
        (temp / "a.txt").write_text("a")
        (temp / "b.txt").write_text("b")

    monkeypatch.setattr(data.io.atomic.os, "fsync", fsync)
    replace_directory(tmp_path / "out", fill, OWNED)
    files = [Path(s).name for s in synced if Path(s).name in OWNED]
    assert sorted(files) == ["a.txt", "b.txt"]


KILL_BETWEEN_RENAMES = """
import os, sys
from pathlib import Path
import data.io.atomic as atomic

atomic._exchange = lambda first, second: False  # the two-rename fallback
real = os.rename

def rename(source, destination):
    real(source, destination)
    if Path(destination).name.startswith(".hvplace-old-"):
        os._exit(9)  # killed between the two renames

os.rename = rename
fill = lambda temp: (temp / "a.txt").write_text("new")
atomic.replace_directory(Path(sys.argv[1]), fill, frozenset({"a.txt"}))
"""


def test_replace_directory_killed_between_renames_keeps_the_old_copy_for_the_next_run(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out"
    replace_directory(target, _fill("old"), OWNED)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN_RENAMES, str(target)], capture_output=True
    )
    assert killed.returncode == 9, killed.stderr
    assert not target.exists()
    olds = [p for p in tmp_path.iterdir() if p.name.startswith(".hvplace-old-")]
    assert [(p / "a.txt").read_text() for p in olds] == ["old"]
    recover(target)  # what the next run into the same place does first
    assert (target / "a.txt").read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_replace_directory_next_run_restores_then_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out"
    replace_directory(target, _fill("old"), OWNED)
    aside = tmp_path / f".hvplace-old-999999999-{'0' * 16}-out"
    target.rename(aside)
    (tmp_path / f".hvplace-new-999999999-{'1' * 16}-out").mkdir()
    replace_directory(target, _fill("new"), OWNED)
    assert (target / "a.txt").read_text() == "new"
    assert _leftovers(tmp_path) == []


def test_recover_spares_other_targets_and_live_writers(tmp_path: Path) -> None:
    other = tmp_path / f".hvplace-new-999999999-{'0' * 16}-other"
    live = tmp_path / f".hvplace-new-1-{'0' * 16}-out"  # pid 1 always runs
    other.mkdir()
    live.mkdir()
    recover(tmp_path / "out")
    assert _leftovers(tmp_path) == sorted([other.name, live.name])


def test_replace_file_removes_a_dead_run_temporary(tmp_path: Path) -> None:
    stale = tmp_path / f".hvplace-new-999999999-{'0' * 16}-script.ps1"
    stale.write_bytes(b"half")
    replace_file(tmp_path / "script.ps1", b"whole")
    assert [p.name for p in tmp_path.iterdir()] == ["script.ps1"]


def test_replace_directory_fallback_failing_second_rename_puts_the_old_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out"
    replace_directory(target, _fill("old"), OWNED)
    real = os.rename

    def rename(source: Path, destination: Path) -> None:
        if Path(source).name.startswith(".hvplace-new-"):
            raise OSError("disk full")
        real(source, destination)

    monkeypatch.setattr(data.io.atomic, "_exchange", lambda first, second: False)
    monkeypatch.setattr(data.io.atomic.os, "rename", rename)
    with pytest.raises(OSError, match="disk full"):
        replace_directory(target, _fill("new"), OWNED)
    assert (target / "a.txt").read_text() == "old"
    assert _leftovers(tmp_path) == []
