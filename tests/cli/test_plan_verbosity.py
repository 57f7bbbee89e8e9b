"""`hvplace plan --quiet / --verbose`: what goes to stderr, and that stdout stays results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_plan_quiet_prints_no_notes(run) -> None:
    loud = run("plan", FIXTURES / "azure-migrate", "--workers", "1")
    assert loud.exit_code == 0, loud.stderr
    assert "hvplace: imported azure-migrate" in loud.stderr
    assert "no --out given" in loud.stderr
    quiet = run("plan", FIXTURES / "azure-migrate", "--workers", "1", "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    assert quiet.stdout.splitlines()[:-1] == loud.stdout.splitlines()[:-1]  # not the seconds


def test_plan_quiet_still_prints_errors(run, tmp_path: Path) -> None:
    result = run("plan", tmp_path / "nowhere", "-q")
    assert result.exit_code == 2
    assert result.stderr.startswith("hvplace: ") and "nowhere" in result.stderr


def test_plan_quiet_and_verbose_exclude_each_other(run) -> None:
    result = run("plan", "--example", "two-node", "--quiet", "--verbose")
    assert result.exit_code == 2
    assert result.stderr == "hvplace: give --quiet or --verbose, not both\n"


def test_plan_verbose_logs_cp_sat_search_on_stderr_only() -> None:
    """In a subprocess: CP-SAT writes to file descriptor 1 unless told otherwise, which an
    in-process runner would not see. (two-node is proven by its bound alone, no search.)"""
    args = ["plan", "--example", "four-node", "--workers", "1", "--format", "json", "--verbose"]
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout)["format"] == "hvplace-plan"  # nothing else on stdout
    assert "Starting CP-SAT solver" in done.stderr
    assert "#Variables:" in done.stderr or "Presolve" in done.stderr


def test_plan_without_verbose_logs_nothing_of_cp_sat(run) -> None:
    result = run("plan", "--example", "two-node", "--workers", "1")
    assert result.exit_code == 0
    assert "CP-SAT solver" not in result.stderr
