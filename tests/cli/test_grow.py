"""`hvplace grow` end to end: exit codes, the grow directory, certified period plans,
report and export on it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FAST = ("--workers", "1", "--seed", "0", "--time-limit", "20")
TWO_MODELS = (
    "model,memory_mb,logical_processors,cost\nR650-256,262144,32,6000\nR750-768,786432,64,14000\n"
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as lines:
        return list(csv.DictReader(lines))


def test_grow_no_n1_example_buys_a_node_and_writes_a_certified_plan(run, tmp_path: Path) -> None:
    out = tmp_path / "grow"
    result = run("grow", "no-n1", "--out", out, *FAST)
    assert result.exit_code == 0, result.stderr
    assert "CLU-BRANCH: N+1 needs 1 more node: buy 1 x HV21 (1); proven minimal" in result.stdout
    assert _rows(out / "purchases.csv") == [
        {
            "period": "0",
            "cluster": "CLU-BRANCH",
            "model": "HV21",
            "node": "CLU-BRANCH-HV21-01",
            "cost": "1.0",
        }
    ]
    timeline = _rows(out / "timeline.csv")
    assert [(r["cluster"], r["nodes"], r["bought"]) for r in timeline] == [
        ("CLU-BRANCH", "3", "1 x HV21")
    ]
    info = json.loads((out / "grow.json").read_text())
    assert (info["status"], info["total_cost"], info["cost_bound"]) == ("optimal", 1.0, 1.0)
    assert (out / "timeline.parquet").is_file()
    checked = run("check", out / "periods" / "0")
    assert checked.exit_code == 0, checked.stdout + checked.stderr


def test_grow_report_and_powershell_export_work_on_the_grow_directory(run, tmp_path: Path) -> None:
    out = tmp_path / "grow"
    assert run("grow", "no-n1", "--out", out, *FAST).exit_code == 0
    report = run("report", out)
    assert report.exit_code == 0, report.stderr
    assert "Purchases (1 node)" in report.stdout and "CLU-BRANCH-HV21-01" in report.stdout
    assert "Period 0" in report.stdout and "memory worst" in report.stdout
    script = tmp_path / "apply.ps1"
    exported = run("export", out / "periods" / "0", "--format", "powershell", "--out", script)
    assert exported.exit_code == 0, exported.stderr
    assert "CLU-BRANCH-HV21-01" in script.read_text(encoding="utf-8-sig")


def test_grow_bad_catalog_is_one_line_exit_2(run, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("model,memory_mb,logical_processors,cost\nR650,lots,32,6000\n")
    result = run("grow", "no-n1", "--out", tmp_path / "g", "--catalog", catalog, *FAST)
    assert result.exit_code == 2
    assert result.stderr.startswith("hvplace: catalog.csv row 1, memory_mb:")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "g").exists()


def test_grow_refuses_a_forecast_for_now(run, tmp_path: Path, tiny_inventory: Path) -> None:
    (tiny_inventory / "forecast.csv").write_text("period,vm,memory_mb,vcpus\n1,new,1024,1\n")
    result = run("grow", tiny_inventory, "--out", tmp_path / "g", *FAST)
    assert result.exit_code == 2
    assert "forecast.csv: grow plans today (period 0) only" in result.stderr


def _tight_minus_a_node(run, tmp_path: Path) -> Path:
    inv = tmp_path / "tight"
    made = run("generate", "--out", inv, "--nodes", "4", "--vms", "40", "--tight", "--seed", "1")
    assert made.exit_code == 0, made.stderr
    nodes = _rows(inv / "nodes.csv")
    gone = nodes.pop()["node"]
    vms = _rows(inv / "vms.csv")
    for vm in vms:
        vm["node"] = "" if vm["node"] == gone else vm["node"]
    for name, rows in (("nodes.csv", nodes), ("vms.csv", vms)):
        with (inv / name).open("w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return inv


def test_grow_tight_fleet_minus_a_node_buys_it_back(run, tmp_path: Path) -> None:
    inv = _tight_minus_a_node(run, tmp_path)
    planned = run("plan", inv, "--workers", "1", "--time-limit", "5")
    assert planned.exit_code == 1  # today: no N+1 plan
    out = tmp_path / "grow"
    result = run("grow", inv, "--out", out, *FAST)
    assert result.exit_code == 0, result.stderr
    assert "c1: N+1 needs 1 more node" in result.stdout and "proven minimal" in result.stdout
    assert run("check", out / "periods" / "0").exit_code == 0


def test_grow_replace_sizes_every_rvtools_cluster_on_a_two_model_catalog(
    run, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(TWO_MODELS)
    out = tmp_path / "grow"
    workbook = FIXTURES / "rvtools" / "RVTools_export.xlsx"
    result = run("grow", workbook, "--catalog", catalog, "--replace", "--out", out, *FAST)
    assert result.exit_code == 0, result.stderr
    timeline = _rows(out / "timeline.csv")
    assert {r["cluster"] for r in timeline} == {"Prod", "Test"}
    inventory = _rows(out / "periods" / "0" / "inventory" / "nodes.csv")
    assert all(row["node"].split("-")[0] in ("Prod", "Test") for row in inventory)  # bought only
    assert {r["model"] for r in _rows(out / "purchases.csv")} <= {"R650-256", "R750-768"}
    assert all(r["status"] in ("optimal", "feasible") for r in timeline)
    assert run("check", out / "periods" / "0").exit_code == 0


def test_grow_splits_a_cluster_larger_than_the_limit(run, tmp_path: Path) -> None:
    inv = tmp_path / "inv"
    assert run("generate", "--out", inv, "--nodes", "6", "--vms", "60", "--luns").exit_code == 0
    out = tmp_path / "grow"
    result = run("grow", inv, "--out", out, "--max-cluster-nodes", "4", *FAST)
    assert result.exit_code == 0, result.stderr
    assert "would need more than 4 nodes in one cluster: split into c1 (" in result.stdout
    info = json.loads((out / "grow.json").read_text())
    assert info["splits"] == [{"cluster": "c1", "parts": ["c1", "c1-2"]}]
    placement = _rows(out / "periods" / "0" / "placement.csv")
    lun_cluster: dict[str, set[str]] = {}
    for row in placement:
        lun_cluster.setdefault(row["lun"], set()).add(row["cluster"])
    assert all(len(clusters) == 1 for clusters in lun_cluster.values())  # LUNs kept whole
    nodes = _rows(out / "periods" / "0" / "inventory" / "nodes.csv")
    per_cluster = [sum(r["cluster"] == c for r in nodes) for c in ("c1", "c1-2")]
    assert max(per_cluster) <= 4
    assert run("check", out / "periods" / "0").exit_code == 0


@pytest.mark.parametrize("args", [("--max-cluster-nodes", "1"), ("--seed", "-1")])
def test_grow_bad_options_exit_2(run, tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run("grow", "no-n1", "--out", tmp_path / "g", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_grow_cluster_no_purchase_helps_exits_1_and_names_it(run, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("model,memory_mb,logical_processors,cost\nsmall,16384,4,100\n")
    out = tmp_path / "grow"
    result = run("grow", "no-n1", "--catalog", catalog, "--replace", "--out", out, *FAST)
    assert result.exit_code == 1
    assert "CLU-BRANCH: no purchase can make it N+1: VM 'SQL01' needs" in result.stdout
    assert not out.exists()  # no cluster could be helped: nothing written


def test_grow_writes_the_helped_clusters_and_marks_the_others_impossible(
    run, tmp_path: Path
) -> None:
    inv = tmp_path / "inv"
    inv.mkdir()
    (inv / "nodes.csv").write_text(
        "node,memory_mb,logical_processors,cluster\na1,16384,8,A\nb1,16384,8,B\nb2,16384,8,B\n"
    )
    (inv / "vms.csv").write_text(
        "vm,memory_mb,vcpus,cluster\nsmall,4096,1,A\nhuge,12288,1,B\nother,8192,1,B\n"
    )
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("model,memory_mb,logical_processors,cost,cluster\nS,16384,8,10,A\n")
    out = tmp_path / "grow"
    result = run("grow", inv, "--catalog", catalog, "--out", out, *FAST)
    assert result.exit_code == 1
    assert "A: N+1 needs 1 more node: buy 1 x S (10); proven minimal" in result.stdout
    assert "B: no purchase can make it N+1: " in result.stdout
    assert "the catalog has no model for cluster 'B'" in result.stdout
    assert "split" not in result.stdout
    statuses = {r["cluster"]: r["status"] for r in _rows(out / "timeline.csv")}
    assert statuses["B"] == "impossible" and statuses["A"] in ("optimal", "feasible")
    assert run("check", out / "periods" / "0").exit_code == 0
