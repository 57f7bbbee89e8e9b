"""The `hvplace` typer app: one module per command (the console script is cli/__main__.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.check import check
from cli.common import stdout
from cli.drain import drain
from cli.export import export
from cli.generate import generate
from cli.grow import grow
from cli.importer import import_
from cli.plan import plan
from cli.report import report
from data.examples import EXAMPLES
from data.plan import installed_version

app = typer.Typer(
    name="hvplace",
    help="N+k placement planner for Hyper-V failover clusters (CP-SAT).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        hvplace, ortools = installed_version("hvplace"), installed_version("ortools")
        typer.echo(f"hvplace {hvplace} (OR-Tools {ortools})")
        raise typer.Exit()


@app.callback()
def version_option(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """N+k placement planner for Hyper-V failover clusters (CP-SAT)."""


app.command()(plan)
app.command()(check)
app.command()(generate)
app.command()(export)
app.command()(report)
app.command()(drain)
app.command()(grow)
app.command(name="import")(import_)


@app.command()
def examples() -> None:
    """List the bundled example inventories (use with `plan --example NAME`)."""
    console = stdout()
    for name, description in EXAMPLES.items():
        console.print(f"{name:10}  {description}", markup=False, highlight=False)


if __name__ == "__main__":  # `python -m cli` installs the signal handlers earlier
    from cli.__main__ import main as run

    run()
