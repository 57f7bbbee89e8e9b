"""`hvplace report`: the table, a PNG chart, a self-contained HTML page, and refusals."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pytest

from data.io.build import build_inventory, table
from data.io.write import write_plan
from data.plan import ClusterSummary, Plan, PlanSummary

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NODE_NAMES = ("<hv&1>", '"hv2"', "[bold]hv3[/bold]")


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    """Three nodes with awkward names; VMs a, b on the first, c on the second (N+1)."""
    nodes = [
        {
            "node": n,
            "memory_mb": 16384,
            "reserve_mb": 1024,
            "logical_processors": 4,
            "res_iops": 1000,
        }
        for n in NODE_NAMES
    ]
    vms = [
        {"vm": v, "memory_mb": m, "vcpus": 1, "res_iops": 100}
        for v, m in (("a", 4096), ("b", 2048), ("c", 1024))
    ]
    inv = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    summary = PlanSummary(
        "feasible",
        1,
        "balance",
        475,
        400,
        3,
        0.2,
        "ef" * 32,
        (ClusterSummary("cluster", "feasible", 475, 400, 3, 0.2),),
    )
    plan = Plan.from_lists([0, 1, 2], [[0, 1], [0, 2], [1, 0]])
    write_plan(tmp_path / "plan", inv, plan, summary)
    return tmp_path / "plan"


def test_report_prints_table_and_status(run, plan_dir: Path) -> None:
    result = run("report", plan_dir)
    assert result.exit_code == 0, result.stderr
    for name in NODE_NAMES:
        assert name in result.stdout  # as written: not taken for markup
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith("│ <hv&1>"))
    # <hv&1> runs a + b = 6240 MiB of 15360 (40.7%); worst when "hv2" fails: + c = 7296 (47.5%)
    assert "40.7% of 15.0 GiB" in row and "47.5%" in row and '"hv2"' in row
    assert "200/1,000" in row and "300/1,000" in row  # res_iops now / worst
    # headroom in GiB: used 6240 MiB, takes on 7296 - 6240 = 1056, left 15360 - 7296 = 8064
    assert "│      6.1 │          1.0 │      7.9 │" in row
    assert lines[-1] == "feasible · N+1 · balance 475‰ · input efefefefefef"


def test_report_failures_option_changes_the_worst_case(run, plan_dir: Path) -> None:
    row = next(
        line
        for line in run("report", plan_dir, "--failures", "0").stdout.splitlines()
        if line.startswith("│ <hv&1>")
    )
    assert "40.7% of 15.0 GiB │        40.7% │ (none)" in row


def test_report_png(run, plan_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.png"
    result = run("report", plan_dir, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert result.stderr == f"hvplace: wrote {out}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "report.png"]


def test_report_html_is_self_contained_and_escaped(run, plan_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert run("report", plan_dir, "--out", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page  # base64 of the PNG magic
    for name in NODE_NAMES:
        assert f'<td class="name">{html.escape(name)}</td>' in page
    assert "<hv&1>" not in page and '"hv2"' not in page
    assert "http://" not in page and "https://" not in page  # no external assets
    assert "feasible · N+1 · balance 475‰" in page


@pytest.mark.parametrize("name", ["report.txt", "report"])
def test_report_other_suffix_is_one_line(run, plan_dir: Path, tmp_path: Path, name: str) -> None:
    result = run("report", plan_dir, "--out", tmp_path / name)
    assert result.exit_code == 2
    assert result.stderr == f"hvplace: --out must end in .png or .html: {str(tmp_path / name)!r}\n"
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert not (tmp_path / name).exists()


def test_report_without_matplotlib(
    run, plan_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    result = run("report", plan_dir, "--out", tmp_path / "report.png")
    assert result.exit_code == 2
    assert result.stderr == "hvplace: install hvplace[report] for pictures\n"
    assert not (tmp_path / "report.png").exists()
    assert run("report", plan_dir).exit_code == 0  # the table needs no matplotlib


def test_report_without_plan_json_or_inventory(run, plan_dir: Path) -> None:
    (plan_dir / "plan.json").unlink()
    result = run("report", plan_dir)
    assert result.exit_code == 2
    assert result.stderr.startswith("hvplace: ") and "give --failures" in result.stderr
    result = run("report", plan_dir, "--failures", "1")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "N+1 · no plan.json (a plan written by hand)"


def test_report_bad_placement_is_one_line(run, plan_dir: Path, tmp_path: Path) -> None:
    csv = plan_dir / "placement.csv"
    csv.write_text(csv.read_text().replace("<hv&1>", "ghost", 1))
    (plan_dir / "placement.parquet").unlink()
    out = tmp_path / "report.png"
    result = run("report", plan_dir, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.startswith("hvplace: placement.csv row 1, ")
    assert "'ghost' is not in the inventory" in result.stderr
    assert not out.exists()
