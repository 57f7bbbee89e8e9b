"""The issue's "done when": a Hyper-V export set and an RVTools workbook go through
import -> plan -> check -> export powershell -> report with no hand editing."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
SOURCES = {
    "hyperv": FIXTURES / "hyperv",
    "rvtools": FIXTURES / "rvtools" / "RVTools_export.xlsx",
    "azure-migrate": FIXTURES / "azure-migrate",
}
CLUSTER = {"rvtools": ["--cluster", "Prod"]}  # two clusters there: one script per cluster


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_exports_go_from_import_to_an_applied_plan_and_a_report(
    run, tmp_path: Path, name: str
) -> None:
    source, inventory, plan = SOURCES[name], tmp_path / "inv", tmp_path / "plan"
    imported = run("import", source, "--out", inventory)
    assert imported.exit_code == 0, imported.stderr
    assert "Assumed:" in imported.stdout and "Wrote" in imported.stdout

    planned = run(
        "plan", source, "--out", plan, "--workers", "1", "--time-limit", "10", "--gap", "0.05"
    )
    assert planned.exit_code == 0, planned.stderr
    same = run("plan", inventory, "--workers", "1", "--time-limit", "10", "--gap", "0.05")
    assert (
        same.stdout.splitlines()[-1].split(" · ")[:2]
        == (planned.stdout.splitlines()[-1].split(" · ")[:2])
    )  # the imported tables plan as the exports do

    for inventory_given in ([source], [inventory], []):
        checked = run("check", *inventory_given, plan)
        assert checked.exit_code == 0, checked.stdout + checked.stderr
        assert "check: valid" in checked.stdout

    script = tmp_path / "apply.ps1"
    exported = run(
        "export", plan, "--format", "powershell", "--out", script, *CLUSTER.get(name, [])
    )
    assert exported.exit_code == 0, exported.stderr
    text = script.read_bytes().decode("utf-8-sig")
    assert "Set-ClusterOwnerNode" in text and "$WhatIfPreference = $true" in text

    page = tmp_path / "report.html"
    reported = run("report", plan, "--out", page)
    assert reported.exit_code == 0, reported.stderr
    assert page.read_text(encoding="utf-8").count("<tr") > 2
