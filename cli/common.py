"""What every command shares: exit codes, error lines, inventory lookup, consoles."""

from __future__ import annotations

import codecs
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from data.errors import InputError
from data.examples import EXAMPLES, example_path
from data.imports.common import DiskMeasure, DynamicMemory, ImportOptions
from data.imports.load import FORMATS, Loaded
from data.imports.load import load_inventory as load_any

T = TypeVar("T")


class Exit(IntEnum):
    OK = 0
    NO_PLAN = 1  # no plan can exist / the plan breaks a rule
    BAD_INPUT = 2  # bad input or usage
    TIME_LIMIT = 3  # no plan found within the time limit
    # and, outside the commands: 70 a crash (cli/__main__.py), 128 + signal (cli/interrupt.py)


BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left


class _Results(Console):
    """rich's Console, but a reader that stops early (`hvplace plan ... | head`) ends the
    command with 141, as a shell reports it, not 1, which says "no plan can exist"."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        raise SystemExit(BROKEN_PIPE)


def stdout() -> Console:
    """Results; piped output is not cut to 80 columns."""
    return _Results(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def stderr() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def fail(code: int, message: str) -> NoReturn:
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


def choice_option(name: str, choices: Sequence[str], help: str) -> Any:
    """An option whose --help lists its choices ([a|b|c]) and whose values the shell
    completes; the command checks the value itself, so a wrong one gives our one line
    rather than click's boxed usage error."""

    def complete(incomplete: str) -> list[str]:
        return [choice for choice in choices if choice.startswith(incomplete)]

    return typer.Option(
        name, metavar="[" + "|".join(choices) + "]", help=help, autocompletion=complete
    )


SEED_MAX = 2**31 - 1  # CP-SAT's random_seed is an int32
WORKERS_MAX = 1024  # CP-SAT rejects the model beyond ~10000; no machine has this many cores


def check_seed(seed: int) -> None:
    if not 0 <= seed <= SEED_MAX:
        fail(Exit.BAD_INPUT, f"--seed must be between 0 and {SEED_MAX}, not {seed}")


def check_workers(workers: int) -> None:
    if not 0 <= workers <= WORKERS_MAX:
        fail(Exit.BAD_INPUT, f"--workers must be between 0 and {WORKERS_MAX}, not {workers}")


def check_out(out: Path | None, inputs: list[Path], directory: bool = True) -> None:
    """Refuse, before any work, an --out that cannot be written or would overwrite an input.

    `directory`: --out names a directory (else a file). An input equal to --out,
    holding it or held by it would be rewritten, or replaced with the output.
    """
    if out is None:
        return
    if directory and out.exists() and not out.is_dir():
        fail(Exit.BAD_INPUT, f"--out {out} is a file; give a directory")
    if not directory and out.is_dir():
        fail(Exit.BAD_INPUT, f"--out {out} is a directory; give a file name")
    above = next((p for p in out.absolute().parents if p.exists() and not p.is_dir()), None)
    if above is not None:
        fail(Exit.BAD_INPUT, f"--out {out} lies under {above}, which is a file")
    target = out.resolve()
    for source in inputs:
        given = source.resolve()
        if target == given or target.is_relative_to(given) or given.is_relative_to(target):
            fail(Exit.BAD_INPUT, f"--out {out} would overwrite the input {source}; choose another")


# The options that say how exports are read; plan, check and import all take them.
InputFormat = Annotated[
    str | None,
    choice_option("--input-format", tuple(FORMATS), "How to read the sources (default: detect)."),
]
Quiet = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress and no notes on stderr; errors still."),
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="CP-SAT's search log on stderr while solving.")
]
Templates = Annotated[
    bool, typer.Option("--templates/--no-templates", help="Plan RVTools VM templates too.")
]
PoweredOff = Annotated[
    bool, typer.Option("--powered-off/--no-powered-off", help="Plan VMs that are off too.")
]
DynamicMemoryOption = Annotated[
    DynamicMemory,
    typer.Option(help="Memory that plans a Hyper-V dynamic-memory VM."),
]
InventoryPaths = Annotated[
    list[Path] | None,
    typer.Argument(help="Inventory directory, or export files/directories (-: stdin)."),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Refuse an export's oddities (names given twice, ...) instead of "
        "importing them as the import report says.",
    ),
]
DiskOption = Annotated[
    DiskMeasure,
    typer.Option("--disk", help="What a VM needs on its LUN: what its disks use, or may grow to."),
]
Encoding = Annotated[
    str | None,
    typer.Option(help="Encoding of export text that is not UTF-8 (cp1252: Excel's ANSI CSV)."),
]


def import_options(
    templates: bool,
    powered_off: bool,
    dynamic_memory: DynamicMemory,
    strict: bool = False,
    disk: DiskMeasure = DiskMeasure.USED,
    encoding: str | None = None,
) -> ImportOptions:
    """The import options a command was given; an unknown --encoding is a usage error."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            fail(Exit.BAD_INPUT, f"--encoding {encoding!r} is not an encoding Python knows")
    return ImportOptions(templates, powered_off, dynamic_memory, strict, disk, encoding)


def sources(paths: list[Path] | None, example: str | None) -> list[Path]:
    """The inventory sources: paths (a directory, export files), or a bundled example."""
    if example is not None and paths:
        fail(Exit.BAD_INPUT, "give an INVENTORY or --example, not both")
    if example is not None:
        with bad_input_exits():
            return [example_path(example)]
    if not paths:
        fail(Exit.BAD_INPUT, f"give an INVENTORY or --example ({', '.join(EXAMPLES)})")
    if len(paths) == 1 and not paths[0].exists() and str(paths[0]) in EXAMPLES:
        return [example_path(str(paths[0]))]
    return paths


STDIO = "-"  # the conventional name of stdin or stdout in place of a file


@contextmanager
def stdin_as_file(paths: list[Path]) -> Iterator[list[Path]]:
    """The paths, with `-` standing for a file named `stdin` holding what stdin gives (the
    readers tell formats apart by their bytes, so a workbook or a CSV can come this way)."""
    if sum(str(path) == STDIO for path in paths) > 1:
        fail(Exit.BAD_INPUT, "- (stdin) can be given only once")
    if all(str(path) != STDIO for path in paths):
        yield paths
        return
    with tempfile.TemporaryDirectory(prefix="hvplace-stdin-") as directory:
        spooled = Path(directory) / "stdin"
        spooled.write_bytes(sys.stdin.buffer.read())
        yield [spooled if str(path) == STDIO else path for path in paths]


def directory_out(out: Path | None) -> None:
    """A directory cannot go to stdout: say so before any work."""
    if out is not None and str(out) == STDIO:
        fail(Exit.BAD_INPUT, "--out - (stdout) takes one file; this command writes a directory")


def load_sources(
    paths: list[Path], fmt: str | None, options: ImportOptions, quiet: bool = False
) -> Loaded:
    """An inventory directory or exports (`-`: stdin), read and built; a line on stderr for
    what was imported (unless quiet), and every warning. Bad input exits 2."""
    with bad_input_exits(), stdin_as_file(paths) as files:
        loaded = load_any(files, fmt, options)
    if loaded.imported is not None and not quiet:
        report = loaded.imported.report
        stderr().print(
            f"hvplace: imported {', '.join(loaded.imported.formats)} sources: "
            f"{loaded.inventory.n_nodes} nodes, {loaded.inventory.n_vms} VMs; "
            f"{len(report.assumed)} assumptions, {len(report.dropped)} things dropped "
            "(`hvplace import` lists them)",
            markup=False,
        )
    for warning in loaded.warnings:
        stderr().print(f"hvplace: warning: {warning}", markup=False)
    return loaded


def guarded(call: Callable[[], T]) -> T:
    with bad_input_exits():
        return call()


def is_terminal() -> bool:
    return sys.stderr.isatty()
