"""Replace a whole output directory atomically: readers see the old one or the new one.

MODEL.md: a plan is never written by halves. The new directory is filled as a
hidden sibling of the target (same file system, so renames are atomic) and
renamed into place.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from data.errors import InputError

TEMP_PREFIX = ".hvplace-"


def replace_directory(target: Path, fill: Callable[[Path], None], owned: frozenset[str]) -> None:
    """Fill a fresh hidden sibling of `target`, then swap it in for `target`.

    An existing target is replaced only when every entry in it is one of the
    `owned` file names (a previous output), so a wrong path never deletes a
    user's files. On any failure the temporary directory goes and the target
    stays as it was.
    """
    target = target.absolute()
    _check_replaceable(target, owned)
    target.parent.mkdir(parents=True, exist_ok=True)
    # mkdir, not mkdtemp: mkdtemp's 0700 would make the output unreadable to others
    temp = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    temp.mkdir()
    aside: Path | None = None
    try:
        fill(temp)
        if target.exists():
            aside = target.parent / f"{TEMP_PREFIX}old-{secrets.token_hex(8)}"
            target.rename(aside)
        temp.rename(target)
    except BaseException:
        if aside is not None and not target.exists():
            aside.rename(target)
        shutil.rmtree(temp, ignore_errors=True)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _check_replaceable(target: Path, owned: frozenset[str]) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise InputError(f"{target} exists and is not a directory")
    if target.is_dir():
        strangers = sorted(p.name for p in target.iterdir() if p.name not in owned)
        if strangers:
            raise InputError(
                f"{target} holds {strangers[0]!r}, which hvplace did not write; "
                "choose another directory"
            )


def replace_file(path: Path, content: bytes) -> None:
    """Write `content` to `path` atomically: a hidden sibling, then os.replace.

    Readers see the old file or the new one; on any failure the old one stays
    and the temporary file goes.
    """
    path = path.absolute()
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}{path.suffix}"
    # os.open with 0o666 honours the umask (mkstemp would make the file private)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
