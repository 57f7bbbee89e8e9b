"""`plan` cluster by cluster: the per-cluster table when some cluster has no plan, and
`plan --cluster` with `check`, `export` and `report` on the plan it writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cli.per_cluster import cluster_rows
from data.imports.load import load_inventory
from solver.result import ClusterResult, Result, Status


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Cluster A (three 16 GiB nodes) holds N+1; cluster B (two 8 GiB nodes, two 6000 MiB
    VMs) cannot: one node of 6 GiB is left for 11.9 GiB."""
    directory = tmp_path / "inv"
    directory.mkdir()
    (directory / "nodes.csv").write_text(
        "node,memory_mb,logical_processors,cluster\n"
        "a1,16384,8,A\na2,16384,8,A\na3,16384,8,A\nb1,8192,4,B\nb2,8192,4,B\n"
    )
    (directory / "vms.csv").write_text(
        "vm,memory_mb,vcpus,cluster,node\n"
        "x1,4096,2,A,a1\nx2,4096,2,A,a2\ny1,6000,2,B,b1\ny2,6000,2,B,b2\n"
    )
    return directory


def test_plan_per_cluster_table_on_a_mixed_estate(run, mixed: Path, tmp_path: Path) -> None:
    result = run("plan", mixed, "--out", tmp_path / "plan", "--workers", "1")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    a_row = next(line for line in lines if line.startswith("│ A "))
    b_row = next(line for line in lines if line.startswith("│ B "))
    assert "planned" in a_row and a_row.rstrip(" │").endswith("0")
    assert "impossible" in b_row and ">= 1 like b1" in b_row
    assert "11.9" in b_row and "6.0" in b_row  # demand, and what one failure leaves
    assert "(at least)" in result.stdout
    assert "hvplace grow" in lines[-1]
    assert "no plan can exist" in result.stderr and "cluster 'B'" in result.stderr
    assert not (tmp_path / "plan").exists()


def test_plan_per_cluster_json(run, mixed: Path) -> None:
    result = run("plan", mixed, "--workers", "1", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    rows = {row["cluster"]: row for row in document["clusters"]}
    assert (rows["A"]["status"], rows["A"]["more_nodes_at_least"]) == ("planned", 0)
    assert rows["B"]["status"] == "impossible"
    assert (rows["B"]["more_nodes_at_least"], rows["B"]["like"]) == (1, "b1")
    assert (rows["B"]["memory_demand_mb"], rows["B"]["memory_left_mb"]) == (12144, 6144)
    assert "N+1 needs at least 3 nodes" in rows["B"]["reason"]
    assert "hvplace grow" in document["hint"]


def test_plan_per_cluster_csv(run, mixed: Path) -> None:
    result = run("plan", mixed, "--workers", "1", "--format", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [(r["cluster"], r["status"], r["more_nodes_at_least"]) for r in rows] == [
        ("A", "planned", "0"),
        ("B", "impossible", "1"),
    ]
    assert "hvplace grow" in result.stderr


def test_cluster_rows_timed_out_and_no_number_helps(mixed: Path) -> None:
    loaded = load_inventory([mixed])
    clusters = (
        ClusterResult("A", Status.UNKNOWN, None, 0, 1.0),
        ClusterResult("B", Status.INFEASIBLE, None, 0, 0.0, reasons=("too small",)),
    )
    result = Result(Status.UNKNOWN, "balance", None, 0, 1.0, clusters, None)
    rows = cluster_rows(loaded, result, failures=2)
    assert rows[0]["status"] == "timed out"
    assert "time limit" in rows[0]["reason"]
    assert rows[1]["reason"].startswith("too small")
    assert rows[1]["more_nodes_at_least"] == 2  # N+2 needs three such nodes


def test_plan_cluster_plans_only_the_named_one(run, mixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = run("plan", mixed, "--cluster", "A", "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.stderr
    info = json.loads((out / "plan.json").read_text())
    assert [c["cluster"] for c in info["clusters"]] == ["A"]
    placed = list(csv.DictReader((out / "placement.csv").read_text().splitlines()))
    assert sorted(r["vm"] for r in placed) == ["x1", "x2"]
    nodes = list(csv.DictReader((out / "inventory" / "nodes.csv").read_text().splitlines()))
    assert [r["node"] for r in nodes] == ["a1", "a2", "a3"]
    checked = run("check", mixed, out)
    assert checked.exit_code == 0, checked.stdout
    assert "N+1 check: valid" in checked.stdout
    assert "not checked: 'B'" in checked.stderr
    as_json = json.loads(run("check", mixed, out, "--format", "json").stdout)
    assert (as_json["valid"], as_json["clusters"]) == (True, ["A"])


def test_plan_cluster_repeated_covers_both(run, mixed: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = run("plan", mixed, "--cluster", "B", "--cluster", "A", "--workers", "1", "-o", out)
    assert result.exit_code == 1  # B cannot be N+1: the table says so for both
    assert "│ A " in result.stdout and "│ B " in result.stdout


def test_plan_cluster_unknown_exits_2_listing_known(run, mixed: Path) -> None:
    result = run("plan", mixed, "--cluster", "C")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "hvplace: --cluster: no cluster 'C'; the inventory has clusters 'A', 'B'"
    )


@pytest.fixture
def plan_of_a(run, mixed: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan"
    assert run("plan", mixed, "--cluster", "A", "--out", out, "--workers", "1").exit_code == 0
    return out


def test_check_refuses_a_covered_vm_missing(run, mixed: Path, plan_of_a: Path) -> None:
    placement = plan_of_a / "placement.csv"
    kept = [line for line in placement.read_text().splitlines() if not line.startswith("x2,")]
    placement.write_text("\n".join(kept) + "\n")
    (plan_of_a / "placement.parquet").unlink()
    (plan_of_a / "moves.csv").unlink()
    checked = run("check", mixed, plan_of_a)
    assert checked.exit_code == 1
    assert "vm 'x2'" in checked.stdout and "has no owners" in checked.stdout


def test_check_names_a_vm_of_a_cluster_not_covered(run, mixed: Path, plan_of_a: Path) -> None:
    placement = plan_of_a / "placement.csv"
    placement.write_text(placement.read_text() + "y1,y1,b1,b1;b2,B\n")
    (plan_of_a / "placement.parquet").unlink()
    checked = run("check", mixed, plan_of_a)
    assert checked.exit_code == 2
    assert "VM 'y1' is of cluster 'B', which the plan does not cover" in checked.stderr


@pytest.mark.parametrize("inventory", [True, False])
def test_export_and_report_on_a_cluster_plan(
    run, mixed: Path, plan_of_a: Path, tmp_path: Path, inventory: bool
) -> None:
    given = ["--inventory", mixed] if inventory else []
    exported = run("export", plan_of_a, *given, "--format", "json")
    assert exported.exit_code == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert {n["cluster"] for n in document["nodes"]} == {"A"}
    reported = run("report", plan_of_a, *given)
    assert reported.exit_code == 0, reported.stderr
    assert "a3" in reported.stdout and "b1" not in reported.stdout
    script = tmp_path / "apply.ps1"
    powershell = run("export", plan_of_a, *given, "--format", "powershell", "--out", script)
    assert powershell.exit_code == 0, powershell.stderr
    assert "x1" in script.read_text()
