"""The `hvplace` console script: one typer app, one module per command."""

from __future__ import annotations

import typer

from cli.check import check
from cli.common import stdout
from cli.drain import drain
from cli.export import export
from cli.generate import generate
from cli.importer import import_
from cli.plan import plan
from cli.report import report
from data.examples import EXAMPLES

app = typer.Typer(
    name="hvplace",
    help="N+k placement planner for Hyper-V failover clusters (CP-SAT).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(plan)
app.command()(check)
app.command()(generate)
app.command()(export)
app.command()(report)
app.command()(drain)
app.command(name="import")(import_)


@app.command()
def examples() -> None:
    """List the bundled example inventories (use with `plan --example NAME`)."""
    console = stdout()
    for name, description in EXAMPLES.items():
        console.print(f"{name:10}  {description}", markup=False, highlight=False)


if __name__ == "__main__":
    app()
