"""What every command shares: exit codes, error lines, inventory lookup, consoles."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import NoReturn, TypeVar

import typer
from rich.console import Console

from data.errors import InputError
from data.examples import EXAMPLES, example_path
from data.inventory import Inventory
from data.read import read_inventory

T = TypeVar("T")


class Exit(IntEnum):
    OK = 0
    NO_PLAN = 1  # no plan can exist / the plan breaks a rule
    BAD_INPUT = 2  # bad input or usage
    TIME_LIMIT = 3  # no plan found within the time limit


def stdout() -> Console:
    """Results; piped output is not cut to 80 columns."""
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def stderr() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def fail(code: Exit, message: str) -> NoReturn:
    """One line on stderr and the exit code; never a traceback for the user's mistakes."""
    stderr().print(f"hvplace: {message}", markup=False)
    raise typer.Exit(int(code))


@contextmanager
def bad_input_exits() -> Iterator[None]:
    try:
        yield
    except InputError as error:
        fail(Exit.BAD_INPUT, error.line())
    except OSError as error:
        fail(Exit.BAD_INPUT, f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))


def inventory_dir(inventory: Path | None, example: str | None) -> Path:
    """The inventory directory: a path, or a bundled example by name."""
    if example is not None and inventory is not None:
        fail(Exit.BAD_INPUT, "give an INVENTORY or --example, not both")
    if example is not None:
        with bad_input_exits():
            return example_path(example)
    if inventory is None:
        fail(Exit.BAD_INPUT, f"give an INVENTORY directory or --example ({', '.join(EXAMPLES)})")
    if not inventory.exists() and str(inventory) in EXAMPLES:
        return example_path(str(inventory))
    return inventory


def load_inventory(directory: Path) -> Inventory:
    with bad_input_exits():
        inventory, warnings = read_inventory(directory)
    for warning in warnings:
        stderr().print(f"hvplace: warning: {warning}", markup=False)
    return inventory


def guarded(call: Callable[[], T]) -> T:
    with bad_input_exits():
        return call()


def is_terminal() -> bool:
    return sys.stderr.isatty()
