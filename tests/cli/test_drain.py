"""`hvplace drain` and the scripts `export --drain` and `export --rollback` write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.io.build import build_inventory, table
from data.io.write import write_plan
from data.plan import ClusterSummary, Plan, PlanSummary


def _plan(directory: Path, failures: int = 1) -> Path:
    """hv1 runs lun1 (app, db; fails over to hv2) and web on a CSV (then hv3); hv2 and hv3
    run one VM each. The VMs ran elsewhere before: app and db on hv2, web on hv3."""
    nodes = [
        {"node": n, "memory_mb": 65536, "logical_processors": 16} for n in ("hv1", "hv2", "hv3")
    ]
    vms = [
        {"vm": "app", "memory_mb": 4096, "vcpus": 2, "lun": "lun1", "node": "hv2"},
        {"vm": "db", "memory_mb": 8192, "vcpus": 2, "lun": "lun1", "node": "hv2"},
        {"vm": "web", "memory_mb": 2048, "vcpus": 1, "lun": "csv1", "node": "hv3"},
        {"vm": "mon", "memory_mb": 2048, "vcpus": 1, "lun": "csv1", "node": "hv2"},
        {"vm": "log", "memory_mb": 2048, "vcpus": 1, "lun": "csv1", "node": "hv3"},
    ]
    luns = [
        {"lun": "lun1", "capacity_gb": 100},
        {"lun": "csv1", "capacity_gb": 100, "shared": True},
    ]
    inv = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms), table("luns", luns))
    owners = [[0, 1], [0, 1], [0, 2], [1, 2], [2, 0]]
    owners = [o[: failures + 1] for o in owners]
    clusters = (ClusterSummary("cluster", "optimal", 300, 300, 3, 0.1),)
    summary = PlanSummary("optimal", failures, "balance", 300, 300, 3, 0.1, "ab" * 32, clusters)
    write_plan(directory, inv, Plan.from_lists([0, 0, 1, 1, 1], owners), summary)
    return directory


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    return _plan(tmp_path / "plan")


def test_drain_table_lists_one_round_per_node(run, plan_dir: Path) -> None:
    result = run("drain", plan_dir)
    assert result.exit_code == 0, result.stderr
    assert "Drain rounds (up to 1 node at a time)" in result.stdout
    assert "lun1 -> hv2, web -> hv3" in result.stdout


def test_drain_json_gives_targets_peaks_and_downtime(run, plan_dir: Path) -> None:
    result = run("drain", plan_dir, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["failures"] == 1
    first = document["rounds"][0]
    assert (first["round"], first["nodes"]) == (1, ["hv1"])
    assert [(m["group"], m["to"], m["migration"]) for m in first["moves"]] == [
        ("lun1", "hv2", "quick"),
        ("web", "hv3", "live"),
    ]
    assert (first["restarted_vms"], first["quick_gib"], first["live_vms"]) == (2, 12.0, 1)
    assert set(first["utilisation_permille"]) == {"hv2", "hv3"}
    assert first["peak_permille"] == max(first["utilisation_permille"].values())
    assert [r["nodes"] for r in document["rounds"]] == [["hv1"], ["hv2"], ["hv3"]]


def test_drain_out_writes_csv_and_json(run, plan_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "drain"
    result = run("drain", plan_dir, "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["drain.csv", "drain.json"]
    lines = (out / "drain.csv").read_text().splitlines()
    assert lines[0] == "round,nodes,group,vms,from,to,migration"
    assert lines[1] == "1,hv1,lun1,app;db,hv1,hv2,quick"
    assert result.stdout.splitlines() == lines  # --format csv prints the same rows


def test_drain_of_a_plan_for_n_plus_0_exits_1(run, tmp_path: Path) -> None:
    plan_dir = _plan(tmp_path / "plan", failures=0)
    result = run("drain", plan_dir)
    assert result.exit_code == 1
    assert "N+0" in result.stderr and result.stderr.count("\n") == 1


def test_drain_bad_format_exits_2(run, plan_dir: Path) -> None:
    result = run("drain", plan_dir, "--format", "yaml")
    assert result.exit_code == 2
    assert result.stderr == "hvplace: --format must be table, json or csv, not 'yaml'\n"


def test_export_drain_writes_the_round_by_round_script(run, plan_dir: Path) -> None:
    result = run("export", plan_dir, "--format", "powershell", "--drain")
    assert result.exit_code == 0, result.stderr
    text = result.stdout_bytes.decode("utf-8-sig")
    assert "$ScriptKind = 'drain'" in text
    assert "[pscustomobject]@{ Round = 1; Nodes = @('hv1');" in text
    assert (
        "[pscustomobject]@{ Round = 1; Group = 'lun1'; Vms = @('app', 'db'); From = 'hv1'; "
        "To = 'hv2'; Live = $false;"
    ) in text
    code = [line.strip() for line in text.split("\r\n") if not line.lstrip().startswith("#")]
    assert "Suspend-ClusterNode -Name $node -Cluster $Cluster | Out-Null" in code  # no -Drain
    assert (
        "Resume-ClusterNode -Name $node -Failback NoFailback -Cluster $Cluster | Out-Null" in code
    )
    logic = text[text.index("foreach ($round in $Rounds)") :]
    order = ["Move-Role (Find-Group $move) $move.To", "Suspend-ClusterNode", "Read-Host"]
    order += ["Resume-ClusterNode", "Move-Role (Find-Group $move) $move.From"]
    positions = [logic.index(step) for step in order]
    assert positions == sorted(positions)
    assert "$WhatIfPreference = $true" in text  # a dry run by default


def test_export_rollback_moves_groups_back(run, plan_dir: Path) -> None:
    result = run("export", plan_dir, "--format", "powershell", "--rollback")
    assert result.exit_code == 0, result.stderr
    text = result.stdout_bytes.decode("utf-8-sig")
    assert "$SetOwners = $false" in text and "$ScriptKind = 'rollback'" in text
    assert "Group = 'lun1'; Vms = @('app', 'db'); From = 'hv1'; To = 'hv2'" in text
    assert "Group = 'web'; Vms = @('web'); From = 'hv1'; To = 'hv3'" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "json", "--drain"], "hvplace: --drain applies to --format powershell only"),
        (["--format", "json", "--rollback"], "hvplace: --rollback applies to --format powershell"),
        (["--format", "powershell", "--drain", "--rollback"], "hvplace: give --rollback or"),
    ],
)
def test_export_script_options_misused_exit_2(
    run, plan_dir: Path, args: list[str], message: str
) -> None:
    result = run("export", plan_dir, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


MOVES = "step,group,vms,from,to,migration,parked,resume_step\n"


def test_export_follows_moves_csv(run, plan_dir: Path) -> None:
    (plan_dir / "moves.csv").write_text(
        MOVES + "1,web,web,hv3,hv2,live,false,\n2,lun1,app;db,hv2,hv1,quick,true,3\n"
        "3,web,web,hv2,hv1,live,false,\n"
    )
    result = run("export", plan_dir, "--format", "powershell")
    assert result.exit_code == 0, result.stderr
    text = result.stdout_bytes.decode("utf-8-sig")
    hop, lun1, web = (
        text.index(f"Step = {i}; Group = '{g}'") for i, g in ((1, "web"), (2, "lun1"), (3, "web"))
    )
    assert hop < lun1 < web  # the file's order, a hop through hv2 included
    assert "Parked = $true; ResumeStep = 3" in text


def test_export_refuses_a_stale_moves_csv(run, plan_dir: Path) -> None:
    (plan_dir / "moves.csv").write_text(MOVES + "1,web,web,hv3,hv2,live,false,\n")
    result = run("export", plan_dir, "--format", "powershell")
    assert result.exit_code == 1
    assert "move-order: group 'web': ends on hv2, planned hv1" in result.stderr
