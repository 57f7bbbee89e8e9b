"""`hvplace export`: formats, targets, the plan's own inventory, and refusals."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from data.io.build import build_inventory, table
from data.io.write import write_plan
from data.plan import ClusterSummary, Plan, PlanSummary

BOM = b"\xef\xbb\xbf"


def _write(
    directory: Path,
    nodes: list[dict],
    vms: list[dict],
    luns: list[dict] | None,
    vm_lun: list[int],
    owners: list[list[int]],
) -> Path:
    inv = build_inventory(
        table("nodes.csv", nodes), table("vms.csv", vms), table("luns.csv", luns) if luns else None
    )
    clusters = tuple(ClusterSummary(c, "optimal", 100, 100, 3, 0.1) for c in inv.clusters)
    summary = PlanSummary("optimal", 1, "balance", 100, 100, 3, 0.1, "cd" * 32, clusters)
    write_plan(directory, inv, Plan.from_lists(vm_lun, owners), summary)
    return directory


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    """o'neil and db share exclusive lun1 (hv1, then hv2); wéb is on CSV csv1 (hv3, hv1)."""
    nodes = [
        {"node": n, "memory_mb": 65536, "logical_processors": 16} for n in ("hv1", "hv2", "hv3")
    ]
    vms = [
        {"vm": "o'neil", "memory_mb": 4096, "vcpus": 2, "lun": "lun1", "node": "hv1"},
        {"vm": "db", "memory_mb": 8192, "vcpus": 4, "lun": "lun1", "node": "hv1"},
        {"vm": "wéb", "memory_mb": 2048, "vcpus": 1, "lun": "csv1", "node": "hv2"},
    ]
    luns = [
        {"lun": "lun1", "capacity_gb": 100},
        {"lun": "csv1", "capacity_gb": 100, "shared": True},
    ]
    return _write(tmp_path / "plan", nodes, vms, luns, [0, 0, 1], [[0, 1], [0, 1], [2, 0]])


def test_export_json_to_stdout(run, plan_dir: Path) -> None:
    result = run("export", plan_dir, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["format"], document["version"]) == ("hvplace-plan", 1)
    assert document["plan"]["input_sha256"] == "cd" * 32
    assert "node_column" not in document["plan"]
    placement = {row["vm"]: row for row in document["placement"]}
    assert list(placement) == ["db", "o'neil", "wéb"]
    assert placement["wéb"]["owners"] == ["hv3", "hv1"]
    assert (placement["wéb"]["current_node"], placement["wéb"]["moved"]) == ("hv2", True)
    assert placement["db"]["moved"] is False
    nodes = {row["node"]: row for row in document["nodes"]}
    assert nodes["hv1"]["vms"] == 2 and nodes["hv1"]["worst_memory_failed"] == ["hv3"]
    assert nodes["hv1"]["worst_memory_mb"] == nodes["hv1"]["memory_used_mb"] + 2088  # + wéb


def test_export_json_to_file_matches_stdout(run, plan_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert run("export", plan_dir, "--out", out).exit_code == 0  # json is the default
    assert out.read_text(encoding="utf-8") == run("export", plan_dir).stdout


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_tables_to_a_directory(run, plan_dir: Path, tmp_path: Path, fmt: str) -> None:
    result = run("export", plan_dir, "--format", fmt, "--out", tmp_path / "tables")
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert files == [f"nodes.{fmt}", f"placement.{fmt}"]
    if fmt == "parquet":
        placement = pq.read_table(tmp_path / "tables" / "placement.parquet").to_pylist()
        assert [row["owners"] for row in placement] == [["hv1", "hv2"]] * 2 + [["hv3", "hv1"]]
    else:
        lines = (tmp_path / "tables" / "placement.csv").read_text(encoding="utf-8").splitlines()
        assert lines[3] == "wéb,csv1,hv3,hv3;hv1,cluster,hv2,true"


def test_export_tables_need_out(run, plan_dir: Path) -> None:
    result = run("export", plan_dir, "--format", "csv")
    assert result.exit_code == 2
    assert result.stderr == "hvplace: --format csv writes two tables: give --out DIRECTORY\n"


def test_export_powershell_to_stdout(run, plan_dir: Path) -> None:
    result = run("export", plan_dir, "--format", "powershell")
    assert result.exit_code == 0, result.stderr
    script = result.stdout_bytes
    assert script.startswith(BOM) and b"\r\n" in script
    text = script.decode("utf-8-sig")
    assert "[pscustomobject]@{ Name = 'o''neil'; Owners = @('hv1', 'hv2');" in text
    assert "[pscustomobject]@{ Name = 'wéb'; Owners = @('hv3', 'hv1');" in text
    assert "# Plan: status optimal, objective balance" in text


def test_export_powershell_to_file(run, plan_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "apply-plan.ps1"
    result = run("export", plan_dir, "--format", "powershell", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    data = out.read_bytes()
    assert data.startswith(BOM)
    assert data.count(b"\n") == data.count(b"\r\n") > 50
    assert [p.name for p in tmp_path.iterdir() if p.name != "plan"] == ["apply-plan.ps1"]


def test_export_refuses_a_script_for_a_broken_plan(run, plan_dir: Path, tmp_path: Path) -> None:
    """db alone moved off lun1's owners: the LUN would be owned by two nodes at once."""
    csv = plan_dir / "placement.csv"
    csv.write_text(csv.read_text().replace("db,lun1,hv1,hv1;hv2", "db,lun1,hv2,hv2;hv1"))
    (plan_dir / "placement.parquet").unlink()
    out = tmp_path / "apply.ps1"
    result = run("export", plan_dir, "--format", "powershell", "--out", out)
    assert result.exit_code == 1
    assert "lun-exclusivity: lun 'lun1'" in result.stderr
    assert result.stderr.endswith(
        "hvplace: the plan breaks 1 rule(s) under N+1; no script written\n"
    )
    assert not out.exists()
    assert run("export", plan_dir, "--format", "json").exit_code == 0  # data export still works


def test_export_uses_inventory_option_when_plan_has_none(
    run, plan_dir: Path, tmp_path: Path
) -> None:
    shutil.move(plan_dir / "inventory", tmp_path / "inv")
    result = run("export", plan_dir)
    assert result.exit_code == 2
    assert "has no inventory/ directory; give the inventory with --inventory" in result.stderr
    assert run("export", plan_dir, "--inventory", tmp_path / "inv").exit_code == 0


def test_export_inventory_option_overrides_the_snapshot(
    run, plan_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    shutil.copytree(plan_dir / "inventory", other)
    vms = other / "vms.csv"
    vms.write_text(vms.read_text().replace("wéb,2048,", "wéb,4096,"))
    default = json.loads(run("export", plan_dir).stdout)
    overridden = json.loads(run("export", plan_dir, "--inventory", other).stdout)
    hv3 = [next(r for r in d["nodes"] if r["node"] == "hv3") for d in (default, overridden)]
    assert hv3[1]["memory_used_mb"] - hv3[0]["memory_used_mb"] == 2048 + 16  # + overhead


def test_export_multi_cluster_script_needs_cluster(run, tmp_path: Path) -> None:
    nodes = [
        {"node": n, "memory_mb": 65536, "logical_processors": 16, "cluster": c}
        for n, c in (("a1", "A"), ("a2", "A"), ("b1", "B"), ("b2", "B"))
    ]
    vms = [
        {"vm": v, "memory_mb": 1024, "vcpus": 1, "cluster": c}
        for v, c in (("va", "A"), ("vb", "B"))
    ]
    plan_dir = _write(tmp_path / "plan", nodes, vms, None, [0, 1], [[0, 1], [2, 3]])
    result = run("export", plan_dir, "--format", "powershell")
    assert result.exit_code == 2
    assert result.stderr == (
        "hvplace: the plan spans clusters A, B; give --cluster NAME (one script per cluster)\n"
    )
    result = run("export", plan_dir, "--format", "powershell", "--cluster", "B")
    assert result.exit_code == 0
    assert "Name = 'vb'" in result.stdout and "Name = 'va'" not in result.stdout
    assert run("export", plan_dir, "--format", "powershell", "--cluster", "C").exit_code == 2
    assert run("export", plan_dir, "--format", "json", "--cluster", "A").exit_code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "yaml"],
            "hvplace: --format must be powershell, json, csv, parquet, not 'yaml'",
        ),
        (["--failures", "0", "--format", "xml"], "hvplace: --format must be"),
    ],
)
def test_export_bad_format_is_one_line(run, plan_dir: Path, args: list[str], message: str) -> None:
    result = run("export", plan_dir, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_export_missing_plan_is_one_line(run, tmp_path: Path) -> None:
    result = run("export", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert result.stderr == f"hvplace: plan {tmp_path / 'nowhere'} does not exist\n"


def test_export_into_a_foreign_directory_writes_nothing(
    run, plan_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "docs"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = run("export", plan_dir, "--format", "csv", "--out", target)
    assert result.exit_code == 2
    assert "'notes.txt', which hvplace did not write" in result.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_export_of_a_solved_plan(run, tiny_inventory: Path, tmp_path: Path) -> None:
    """End to end: plan, then the script and the JSON agree with placement.csv."""
    plan_dir = tmp_path / "plan"
    assert run("plan", tiny_inventory, "--out", plan_dir, "--workers", "1").exit_code == 0
    rows = [line.split(",") for line in (plan_dir / "placement.csv").read_text().splitlines()[1:]]
    document = json.loads(run("export", plan_dir).stdout)
    assert [(r["vm"], ";".join(r["owners"])) for r in document["placement"]] == [
        (r[0], r[3]) for r in rows
    ]
    script = run("export", plan_dir, "--format", "powershell").stdout
    for vm, _, _, owners, _ in rows:
        listed = ", ".join(f"'{o}'" for o in owners.split(";"))
        assert f"Name = '{vm}'; Owners = @({listed});" in script


def test_export_json_is_the_document_plan_prints(run, tiny_inventory: Path, tmp_path: Path) -> None:
    """One hvplace-plan schema: `plan --format json` and `export --format json` agree."""
    plan_dir = tmp_path / "plan"
    planned = run("plan", tiny_inventory, "--out", plan_dir, "--workers", "1", "--format", "json")
    assert planned.exit_code == 0, planned.stderr
    exported = run("export", plan_dir, "--format", "json")
    assert exported.exit_code == 0, exported.stderr
    assert planned.stdout == exported.stdout
    document = json.loads(planned.stdout)
    assert document["format"] == "hvplace-plan"
    assert "vcpus_used" in document["nodes"][0] and "worst_memory_permille" in document["nodes"][0]


def test_export_records_versions_and_reads_plans_without_them(
    run, tiny_inventory: Path, tmp_path: Path
) -> None:
    plan_dir = tmp_path / "plan"
    assert run("plan", tiny_inventory, "--out", plan_dir, "--workers", "1").exit_code == 0
    info = json.loads((plan_dir / "plan.json").read_text())
    assert info["versions"] == {"hvplace": version("hvplace"), "ortools": version("ortools")}
    del info["versions"]  # as written before plans recorded versions
    (plan_dir / "plan.json").write_text(json.dumps(info))
    result = run("export", plan_dir, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "versions" not in json.loads(result.stdout)["plan"]
    assert run("report", plan_dir).exit_code == 0
    assert run("check", plan_dir).exit_code == 0


@pytest.mark.parametrize("fmt", ["json", "powershell"])
def test_export_out_dash_is_stdout(
    run, plan_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("export", plan_dir, "--format", fmt, "--out", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == run("export", plan_dir, "--format", fmt).stdout_bytes
    assert result.stderr == ""
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_tables_refuse_out_dash(
    run, plan_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("export", plan_dir, "--format", fmt, "--out", "-")
    assert result.exit_code == 2
    assert result.stderr == f"hvplace: --format {fmt} writes two tables: give --out DIRECTORY\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_quiet_says_nothing_on_success(
    run, plan_dir: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out"
    loud = run("export", plan_dir, "--format", fmt, "--out", out)
    assert loud.stderr == f"hvplace: wrote {out}\n"
    quiet = run("export", plan_dir, "--format", fmt, "--out", out, "--quiet")
    assert quiet.exit_code == 0, quiet.stderr
    assert quiet.stderr == ""
    assert out.exists()
