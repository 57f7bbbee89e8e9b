"""Replace a whole output directory atomically: readers see the old one or the new one.

MODEL.md: a plan is never written by halves. The new directory is filled as a
hidden sibling of the target (same file system, so renames are atomic), every
file is fsynced, and the two directories are swapped in one step
(`renameat2(RENAME_EXCHANGE)` on Linux). Where that call is missing, the old
directory is renamed aside first; a run killed between the two renames leaves
the old copy beside the target, and the next run into the same place puts it
back. Temporaries carry the writer's pid, so a live concurrent run's are spared.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from data.errors import InputError

TEMP_PREFIX = ".hvplace-"
# .hvplace-<new|old>-<pid>-<token>-<target name>
_LEFTOVER = re.compile(r"\.hvplace-(new|old)-(\d+)-[0-9a-f]{16}-(.+)", re.DOTALL)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def replace_directory(target: Path, fill: Callable[[Path], None], owned: frozenset[str]) -> None:
    """Fill a fresh hidden sibling of `target`, then swap it in for `target`.

    An existing target is replaced only when every entry in it is one of the
    `owned` file names (a previous output), so a wrong path never deletes a
    user's files. On any failure (a signal included) the temporary directory
    goes and the target stays as it was.
    """
    target = target.absolute()
    if target.parent.is_dir():
        recover(target)
    _check_replaceable(target, owned)
    target.parent.mkdir(parents=True, exist_ok=True)
    # mkdir, not mkdtemp: mkdtemp's 0700 would make the output unreadable to others
    temp = _sibling(target, "new")
    temp.mkdir()
    try:
        fill(temp)
        _sync_tree(temp)
        _swap_in(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    shutil.rmtree(temp, ignore_errors=True)  # the old output, when it was exchanged


def _swap_in(temp: Path, target: Path) -> None:
    """Afterwards `target` holds the new output and `temp` the old one, or nothing."""
    if not target.exists():
        os.rename(temp, target)
    elif not _exchange(temp, target):
        aside = _sibling(target, "old")
        try:
            os.rename(target, aside)
            os.rename(temp, target)
        except BaseException:  # a signal between the renames too
            if aside.exists() and not os.path.lexists(target):
                os.rename(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    _sync_directory(target.parent)


def recover(target: Path) -> None:
    """Undo what killed runs left beside `target`.

    Where the target is missing and an old copy of it waits beside it (a run
    killed between its two renames), the newest old copy is put back; every other
    leftover of a dead writer is removed.
    """
    try:
        entries = list(target.parent.iterdir())
    except OSError:  # a directory one may write into but not list: nothing to recover
        return
    found = [p for p in entries if _dead_leftover_of(p.name, target.name)]
    olds = sorted((p for p in found if p.name.startswith(f"{TEMP_PREFIX}old-")), key=_mtime)
    if olds and not os.path.lexists(target):
        os.rename(olds.pop(), target)
        _sync_directory(target.parent)
    for path in found:
        if path.exists() and path.name != target.name:
            _remove(path)


def _dead_leftover_of(name: str, target_name: str) -> bool:
    match = _LEFTOVER.fullmatch(name)
    return match is not None and match[3] == target_name and not _alive(int(match[2]))


def _alive(pid: int) -> bool:
    """Whether the writer that made a temporary still runs (assumed not, off POSIX)."""
    if os.name != "posix":  # os.kill(pid, 0) would signal the process on Windows
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _sibling(target: Path, kind: str) -> Path:
    return target.parent / f"{TEMP_PREFIX}{kind}-{os.getpid()}-{secrets.token_hex(8)}-{target.name}"


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False where the system cannot."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # kernel or file system lacks it
        return False
    raise OSError(code, os.strerror(code), str(second))


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's renameat2 (Linux 3.15, glibc 2.28), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _sync_tree(root: Path) -> None:
    """Every file and directory under `root` on disk before it is renamed into place."""
    for directory, _, files in os.walk(root, topdown=False):
        for name in files:
            _sync_file(Path(directory, name))
        _sync_directory(Path(directory))


def _sync_file(path: Path) -> None:
    # Windows flushes only through a handle open for writing
    fd = os.open(path, os.O_RDONLY if os.name == "posix" else os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(path: Path) -> None:
    """Make renames inside `path` durable (POSIX; some file systems refuse, harmlessly)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


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
    """Write `content` to `path` atomically: a hidden sibling, fsync, then os.replace.

    Readers see the old file or the new one; on any failure the old one stays
    and the temporary file goes.
    """
    path = path.absolute()
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    temp = _sibling(path, "new")
    # os.open with 0o666 honours the umask (mkstemp would make the file private)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)
