"""The console script's conventions: --version, completion, --format choices in --help, and
a --help that does not wait for OR-Tools."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from cli.main import app

HEAVY = ("ortools", "matplotlib", "pandas")
# Runs the console script in a fresh interpreter, then names the heavy modules it loaded.
PROBE = """
import sys
from cli.main import app
try:
    app(sys.argv[1:], prog_name="hvplace")
except SystemExit:
    pass
print(",".join(m for m in {heavy!r} if m in sys.modules))
"""


def test_main_version_is_the_installed_distributions(run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"hvplace {version('hvplace')} (OR-Tools {version('ortools')})\n"


@pytest.mark.parametrize(
    "args", [["--help"], ["plan", "--help"], ["export", "--help"], ["report", "--help"]]
)
def test_main_help_loads_no_solver_nor_plotting(args: list[str]) -> None:
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
    )
    assert "Usage: hvplace" in done.stdout
    assert done.stdout.splitlines()[-1] == ""  # none of HEAVY was imported


def test_main_examples_loads_no_solver() -> None:
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, "examples"], capture_output=True, text=True, check=True
    )
    assert "two-node" in done.stdout
    assert done.stdout.splitlines()[-1] == ""


@pytest.mark.parametrize(
    ("command", "choices"),
    [
        ("plan", "[table|json|csv]"),
        ("check", "[table|json|csv]"),
        ("export", "[powershell|json|csv|parquet]"),
        ("generate", "[csv|parquet]"),
        ("import", "[hyperv|rvtools|azure-migrate|canonical]"),
    ],
)
def test_main_help_lists_format_choices(command: str, choices: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert choices in result.stdout


def test_main_completion_is_installable() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="hvplace")
    assert result.exit_code == 0
    assert "_HVPLACE_COMPLETE=complete_bash" in result.stdout


def test_main_completion_offers_format_choices() -> None:
    env = {
        "_HVPLACE_COMPLETE": "complete_bash",
        "COMP_WORDS": "hvplace export plan/ --format p",
        "COMP_CWORD": "4",
    }
    result = CliRunner().invoke(app, [], prog_name="hvplace", env=env)
    assert result.stdout.split() == ["powershell", "parquet"]
