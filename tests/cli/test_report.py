"""`hvplace report`: the table, a PNG chart, a self-contained HTML page, and refusals."""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pytest

from cli.figure import MISSING_MATPLOTLIB
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
    assert result.stderr == f"hvplace: {MISSING_MATPLOTLIB}\n"
    assert "hvplace[" not in result.stderr  # pictures come with the plain install
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


def _write(
    directory: Path,
    nodes: list[dict],
    vms: list[dict],
    owners: list[list[int]],
    luns: list[dict] | None = None,
) -> Path:
    """A hand-built plan: VM i on LUN i (its own, or row i of `luns`), owners as node indices."""
    tables = [table("nodes.csv", nodes), table("vms.csv", vms)]
    tables += [table("luns.csv", luns)] if luns is not None else []
    inv = build_inventory(*tables)
    summary = PlanSummary("optimal", 1, "balance", 0, 0, 3, 0.1, "ab" * 32)
    write_plan(directory, inv, Plan.from_lists(list(range(len(vms))), owners), summary)
    return directory


def _nodes(*names: str, memory_mb: int = 16384) -> list[dict]:
    return [{"node": n, "memory_mb": memory_mb, "logical_processors": 8} for n in names]


def _table_nodes(stdout: str, names: tuple[str, ...]) -> list[str]:
    return [
        line.split("│")[1].strip() for line in stdout.splitlines() if line[2:].startswith(names)
    ]


def test_report_and_plan_list_nodes_in_natural_order(run, tmp_path: Path) -> None:
    names = ("hv10", "hv2", "hv1")
    vms = [{"vm": f"v{i}", "memory_mb": 1024, "vcpus": 1} for i in range(3)]
    plan = _write(tmp_path / "plan", _nodes(*names), vms, [[0, 1], [1, 2], [2, 0]])
    assert _table_nodes(run("report", plan).stdout, names) == ["hv1", "hv2", "hv10"]
    inv = tmp_path / "inv"
    inv.mkdir()
    (inv / "nodes.csv").write_text(
        "node,memory_mb,logical_processors\n" + "".join(f"{n},16384,8\n" for n in names)
    )
    (inv / "vms.csv").write_text("vm,memory_mb,vcpus\na,1024,1\nb,1024,1\n")
    result = run("plan", inv, "--workers", "1", "--time-limit", "5")
    assert result.exit_code == 0, result.stderr
    assert _table_nodes(result.stdout, names) == ["hv1", "hv2", "hv10"]


def test_report_on_a_rejected_plan_says_so_first_and_exits_1(run, tmp_path: Path) -> None:
    # hv1 runs 20 GiB of a 16 GiB node (less its 2 GiB reserve): 144% with no failure
    vms = [{"vm": f"v{i}", "memory_mb": 10240, "vcpus": 1} for i in range(2)]
    plan = _write(tmp_path / "plan", _nodes("hv1", "hv2"), vms, [[0, 1], [0, 1]])
    out = tmp_path / "report.html"
    result = run("report", plan, "--out", out)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "REJECTED: hvplace check finds 3 violations; this plan must not be applied"
    assert lines[1].startswith("memory: node 'hv1' with no failure: 20688 MiB used > 14336 MiB")
    assert lines[-1].startswith("rejected by check (plan.json says: optimal")
    assert not any(line.startswith("optimal") for line in lines)
    page = out.read_text()
    assert page.index('class="rejected"') < page.index("<img")  # the verdict comes first


def test_report_html_heat_map_gives_each_survivor_when_one_node_fails(
    run, plan_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    assert run("report", plan_dir, "--out", out).exit_code == 0
    heading = "cluster: memory of each node when one node fails (% of capacity)"
    page = out.read_text().split(heading)[1]  # the heat map's table, and what follows
    # <hv&1> down: a (4152 MiB) goes to "hv2" beside c (1056), b (2088) to hv3, of 15360
    row = next(
        line
        for line in page.splitlines()
        if line.startswith('<tr><td class="name">&lt;hv&amp;1&gt;</td>')
    )
    assert row.endswith("<td>33.9%</td><td>—</td><td>13.6%</td></tr>")  # natural order


def test_report_html_heat_map_matches_the_checker(run, plan_dir: Path, tmp_path: Path) -> None:
    """Every cell is the checker's load of that node with that one node failed."""
    from cli.report_tables import failure_heat
    from data.check.loads import memory_permille
    from data.io.plan_read import read_plan
    from data.io.read import read_inventory

    inv, _ = read_inventory(plan_dir / "inventory")
    plan, _ = read_plan(plan_dir, inv)
    heat = failure_heat(inv, plan)
    limit = inv.node_memory_mb - inv.node_reserve_mb
    for _, failed, per_node in memory_permille(inv, plan, 1):
        for n, name in enumerate(inv.node_names):
            if failed and n not in failed:
                assert (
                    -(-1000 * heat[inv.node_names[failed[0]]][name] // int(limit[n])) == per_node[n]
                )


MOVES_CSV = (
    "step,group,vms,from,to,migration,parked,resume_step\n"
    "1,b,b,hv2,hv1,quick,true,2\n"
    "2,a,a,hv1,hv2,quick,false,\n"
    "3,c,c,hv1,hv2,live,false,\n"
)


def test_report_shows_before_after_and_the_moves_with_their_downtime(run, tmp_path: Path) -> None:
    vms = [
        {"vm": "a", "memory_mb": 4096, "vcpus": 1, "node": "hv1", "lun": "a"},
        {"vm": "b", "memory_mb": 2048, "vcpus": 1, "node": "hv2", "lun": "b"},
        {"vm": "c", "memory_mb": 1024, "vcpus": 1, "node": "hv1", "lun": "csv"},
    ]
    luns = [
        {"lun": "a", "capacity_gb": 100},
        {"lun": "b", "capacity_gb": 100},
        {"lun": "csv", "capacity_gb": 100, "shared": True},
    ]
    nodes = _nodes("hv1", "hv2", "hv3")
    plan = _write(tmp_path / "plan", nodes, vms, [[1, 0], [0, 1], [1, 2]], luns)
    (plan / "moves.csv").write_text(MOVES_CSV)
    out = tmp_path / "report.png"
    result = run("report", plan, "--out", out)
    assert result.exit_code == 0, result.stdout
    assert "memory before" in result.stdout
    lines = [line.rstrip() for line in result.stdout.splitlines()]  # titles are padded
    hv1 = next(line for line in lines if line.startswith("│ hv1 "))
    assert "│         36.4% │ 14.6% of 14.0 GiB │" in hv1  # a + c = 5208 MiB before, b 2088 after
    quick = lines.index("Moves that restart VMs (quick migration)")
    live = lines.index("Live migrations (no restart)")
    assert quick < live
    assert [line.split("│")[1].strip() for line in lines[quick + 4 : quick + 6]] == ["1", "2"]
    assert "│          2.0 │ until step 2 │" in lines[quick + 4]  # b parked, 2 GiB restarted
    assert "│          4.0 │" in lines[quick + 5]
    assert lines[live + 4].split("│")[1:5] == [" 3    ", " c  ", " hv1  ", " hv2 "]
    assert (
        lines[-1]
        == "3 moves: 2 quick migrations restart 6.0 GiB of VMs, 1 live migrations restart none"
    )
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_report_without_moves_csv_lists_the_sequenced_moves(run, tmp_path: Path) -> None:
    vms = [{"vm": "a", "memory_mb": 4096, "vcpus": 1, "node": "hv1"}]
    plan = _write(tmp_path / "plan", _nodes("hv1", "hv2"), vms, [[1, 0]])
    result = run("report", plan)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "1 moves: 1 quick migrations restart 4.0 GiB of VMs, 0 live migrations restart none"
    )


def test_report_png_of_a_500_node_fleet_is_readable_size(run, tmp_path: Path) -> None:
    from PIL import Image

    from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan

    fleet = generate_fleet(25, 20, 40, 0, failures=1)
    inv = fleet_inventory(fleet)
    summary = PlanSummary("feasible", 1, "balance", 0, 0, 500, 0.0, "0" * 64)
    write_plan(tmp_path / "plan", inv, witness_plan(fleet, inv), summary)
    out = tmp_path / "report.png"
    result = run("report", tmp_path / "plan", "--out", out)
    assert result.exit_code == 0, result.stdout[:300]
    width, height = Image.open(out).size
    assert width <= 4500 and height <= 8000  # 2 clusters a row, 13 rows
    assert out.stat().st_size < 4_000_000
