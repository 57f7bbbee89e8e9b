"""The `hvplace` console script (and `python -m cli`): signals first, then the app.

The stop handlers go in before typer, numpy, pyarrow and OR-Tools are imported,
so a Ctrl+C at any moment exits 130 without a traceback; a crash (any
unexpected exception, MemoryError included) exits 70 with its traceback, so
that exit 1 keeps meaning "no plan can exist".
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from cli import interrupt

CRASH = 70  # EX_SOFTWARE: a bug in hvplace


def main(argv: list[str] | None = None) -> NoReturn:
    # before pyarrow loads: its mimalloc would reserve 1 GiB of address space at once
    os.environ.setdefault("MIMALLOC_ARENA_RESERVE", "64M")  # (a third of a 3 GiB ulimit -v)
    interrupt.install()
    try:
        code = _run(argv)
    except interrupt.Interrupted as stopped:  # one arriving while _run was returning
        code = _interrupted(stopped.signum)
    interrupt.quiet()
    sys.exit(code)


def _run(argv: list[str] | None) -> int:
    """The app's exit code; every way out of it ends here, none as a traceback but a crash."""
    try:
        from cli.main import app  # after install: importing takes a noticeable while

        app(args=argv, prog_name="hvplace")
    except interrupt.Interrupted as stopped:
        return _interrupted(stopped.signum)
    except SystemExit as done:
        signum = interrupt.received()
        if signum is not None and done.code in (0, None):
            return _interrupted(signum)
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 1
    except Exception:
        import traceback  # only a crash needs it

        traceback.print_exc()
        return CRASH
    finally:
        interrupt.quiet()
    return 0


def _interrupted(signum: int) -> int:
    print(f"hvplace: {interrupt.interrupted_by(signum)}", file=sys.stderr, flush=True)
    return interrupt.exit_code(signum)


if __name__ == "__main__":
    main()
