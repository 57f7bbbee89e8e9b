"""Ctrl+C and SIGTERM stop the whole run: a stop token for the solver, then exit 128 + signal.

Python runs signal handlers in the main thread between bytecodes, and the main
thread may sit inside CP-SAT for minutes. So the C-level handler's wakeup byte
is read by a small thread that sets STOP at once; the solver polls STOP and
ends its search. Outside `deferred()` blocks the handler also raises
Interrupted, which ends whatever runs (temporary output is removed on the way
out); inside one, the first signal only sets STOP so the best plan found so
far can still be written, and a second one raises. Standard library only: this
is installed before the heavy imports.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP = threading.Event()  # set once a stop signal arrives


class Interrupted(BaseException):
    """A stop signal ended the run. Not an Exception, so no `except Exception` (nor
    click's KeyboardInterrupt handling) swallows or reports it as a crash."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _State:
    received: int | None = None  # the first stop signal
    handled = 0  # signals the main thread's handler has seen
    deferring = False
    quiet = False  # the run is over: signals are only noted


_lock = threading.Lock()


def install() -> None:
    """Handle SIGINT and SIGTERM from here on (main thread only)."""
    for signum in SIGNALS:
        signal.signal(signum, _handle)
    if os.name != "posix":  # Windows' wakeup fd must be a socket; handlers alone suffice
        return
    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(read,), name="hvplace-signals", daemon=True).start()


def _watch(fd: int) -> None:
    while True:
        for signum in os.read(fd, 64):
            if signum in SIGNALS:
                _note(signum)


def _note(signum: int) -> None:
    with _lock:
        if _State.received is None:
            _State.received = signum
    STOP.set()


def _handle(signum: int, frame: FrameType | None) -> None:
    _note(signum)
    _State.handled += 1
    if _State.quiet or (_State.deferring and _State.handled == 1):
        return
    raise Interrupted(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Inside, the first stop signal only sets STOP: the work in the block winds down."""
    _State.deferring = True
    try:
        yield
    finally:
        _State.deferring = False


def quiet() -> None:
    """From here on a signal raises nothing: the run is already on its way out."""
    _State.quiet = True


def received() -> int | None:
    """The first stop signal that arrived, if any."""
    return _State.received


def exit_code(signum: int) -> int:
    """The shell's convention: 130 after SIGINT, 143 after SIGTERM."""
    return 128 + signum


def interrupted_by(signum: int) -> str:
    return f"interrupted by {signal.Signals(signum).name}"
