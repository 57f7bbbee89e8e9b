"""Tables for people: names stay whole at 80 columns; JSON and CSV from the export's rows."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.table import Table

from cli.render import Column, cluster_table, fitted_table, node_table
from cli.report import _rich_table
from cli.report_tables import node_section
from data.check.metrics import node_loads
from data.export.tables import nodes_table
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.io.write import inventory_tables
from data.plan import Plan

NAMES = tuple(f"hv-prod-cluster-node-{i}.corp.example.com" for i in range(17, 23))
CLUSTERS = ("CLU-PROD-WEST-EUROPE-01", "CLU-PROD-WEST-EUROPE-02")


def cluster_of(i: int) -> str:
    return CLUSTERS[i // 3]


@pytest.fixture
def inventory() -> Inventory:
    """Two clusters of three nodes with long names, one VM per node."""
    nodes = [
        {
            "node": n,
            "memory_mb": 65536,
            "logical_processors": 16,
            "cluster": cluster_of(i),
            "res_iops": 9,
        }
        for i, n in enumerate(NAMES)
    ]
    vms = [
        {"vm": f"vm{i}", "memory_mb": 4096, "vcpus": 2, "cluster": cluster_of(i), "res_iops": 1}
        for i in range(6)
    ]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))


@pytest.fixture
def plan() -> Plan:
    return Plan.from_lists(list(range(6)), [[0, 1], [1, 2], [2, 0], [3, 4], [4, 5], [5, 3]])


def one_cluster(inventory: Inventory) -> tuple[Inventory, Plan]:
    tables = inventory_tables(inventory)
    nodes = [row for row in tables["nodes"] if row["cluster"] == CLUSTERS[0]]
    vms = [row for row in tables["vms"] if row["cluster"] == CLUSTERS[0]]
    single = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    return single, Plan.from_lists([0, 1, 2], [[0, 1], [1, 2], [2, 0]])


def rendered(table: Table, width: int) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue().splitlines()


def test_node_table_keeps_long_names_whole_at_80_columns(inventory: Inventory, plan: Plan) -> None:
    lines = rendered(node_table(nodes_table(inventory, plan, 1), 1, 80), 80)
    text = "\n".join(lines)
    for i, name in enumerate(NAMES):
        assert any(f"│ {name} │ {cluster_of(i)} │" in line for line in lines), name
    assert "…" not in text
    assert max(len(line) for line in lines) <= 80
    assert "(not shown at this width: " in text


def test_node_table_of_one_cluster_names_it_in_the_title_when_narrow(
    inventory: Inventory,
) -> None:
    single, plan = one_cluster(inventory)
    lines = rendered(node_table(nodes_table(single, plan, 1), 1, 80), 80)
    assert lines[0].rstrip() == f"Per-node load (N+1) · cluster {CLUSTERS[0]}"
    for name in NAMES[:3]:
        assert any(line.startswith(f"│ {name} │") for line in lines), name
    header = next(line for line in lines if line.startswith("┃"))
    assert "worst" in header and "…" not in "\n".join(lines)


def test_node_table_shows_every_column_when_there_is_room(inventory: Inventory, plan: Plan) -> None:
    table = node_table(nodes_table(inventory, plan, 1), 1, 200)
    assert [str(c.header) for c in table.columns][2:7] == [
        "VMs",
        "used GiB",
        "free GiB",
        "vCPUs",
        "now",
    ]
    assert table.caption is None


def test_report_table_keeps_long_names_whole_at_80_columns(
    inventory: Inventory, plan: Plan
) -> None:
    section = node_section(node_loads(inventory, plan, 1), 1, {})
    lines = rendered(_rich_table(section, 80), 80)
    for i, name in enumerate(NAMES):
        assert any(f"│ {name} │ {cluster_of(i)} │" in line for line in lines), name
    assert "…" not in "\n".join(lines)
    assert "--out report.html has all)" in " ".join(line.strip() for line in lines)
    assert max(len(line) for line in lines) <= 80


def test_fitted_table_folds_a_name_list_before_dropping_details() -> None:
    columns = [Column("node", "left"), Column("VMs", drop=1), Column("down", "left", fold=True)]
    rows = [["n1", "3", "alpha-node, beta-node, gamma-node, delta-node"]]
    table = fitted_table("t", columns, rows, 30)
    assert [str(c.header) for c in table.columns] == ["node", "VMs", "down"]
    lines = rendered(table, 30)
    assert max(len(line) for line in lines) <= 30
    assert sum("-node" in line for line in lines) >= 2  # the list wraps over lines


def test_fitted_table_drops_in_drop_order() -> None:
    columns = [Column("name", "left"), Column("aaaa", drop=2), Column("bbbb", drop=1)]
    rows = [["x" * 20, "1", "2"]]
    table = fitted_table("t", columns, rows, 32)  # room for name and one detail column
    assert [str(c.header) for c in table.columns] == ["name", "aaaa"]
    assert table.caption == "(not shown at this width: bbbb; --format csv has all)"


def test_node_table_folds_names_rather_than_cut_them_when_nothing_else_fits(
    inventory: Inventory, plan: Plan
) -> None:
    lines = rendered(node_table(nodes_table(inventory, plan, 1), 1, 50), 50)
    name_cells = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    assert "".join(name_cells) == "".join(NAMES)  # every character, in order, over lines
    assert "…" not in "\n".join(lines)
    assert max(len(line) for line in lines) <= 50


def test_cluster_table_has_one_row_per_cluster_with_its_worst_node(
    inventory: Inventory, plan: Plan
) -> None:
    """A plan beyond NODE_ROWS_UP_TO nodes is shown per cluster (the nodes rows are the
    same; here two clusters stand for many)."""
    nodes = nodes_table(inventory, plan, 1)
    lines = rendered(cluster_table(nodes, 1, 200), 200)
    rows = [line for line in lines if line.startswith("│ CLU-")]
    worst = {
        c: max((n for n in nodes if n["cluster"] == c), key=lambda n: n["worst_memory_permille"])
        for c in CLUSTERS
    }
    assert [row.split("│")[1].strip() for row in rows] == list(CLUSTERS)
    assert all(worst[c]["node"] in row for c, row in zip(CLUSTERS, rows, strict=True))
    assert "6 nodes" in lines[0]


def test_print_plan_switches_to_the_cluster_table_beyond_the_node_rows_limit(
    inventory: Inventory,
    plan: Plan,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli import render
    from data.plan import PlanSummary

    summary = PlanSummary("optimal", 1, "balance", 100, 100, 6, 0.1, "sha")
    monkeypatch.setattr(render, "NODE_ROWS_UP_TO", 5)  # 6 nodes: over it
    render.print_plan(inventory, plan, summary, "table")
    shown = capsys.readouterr().out
    rows = [line for line in shown.splitlines() if line.startswith("│ CLU-")]
    assert "Per-node load" not in shown and len(rows) == len(CLUSTERS)


def _fleet_rows(clusters: int) -> list[dict]:
    """Node rows of `clusters` one-node clusters, cluster c at worst (10 + c)% memory."""
    return [
        {
            "node": f"hv{c}",
            "cluster": f"c{c:03d}",
            "vms": 1,
            "memory_permille": 50,
            "worst_memory_permille": 100 + 10 * c,
            "moves_in": 0,
        }
        for c in range(clusters)
    ]


def test_cluster_table_of_a_large_fleet_shows_the_fullest_clusters_and_says_so() -> None:
    from cli.render import CLUSTER_ROWS_UP_TO

    rows = _fleet_rows(CLUSTER_ROWS_UP_TO + 10)
    lines = rendered(cluster_table(rows, 1, 200), 200)
    shown = [line.split("│")[1].strip() for line in lines if line.startswith("│ c")]
    fullest = [f"c{c:03d}" for c in range(CLUSTER_ROWS_UP_TO + 9, 9, -1)]
    assert shown == fullest  # highest worst-case memory first, the 10 emptiest left out
    assert f"the {CLUSTER_ROWS_UP_TO} of {CLUSTER_ROWS_UP_TO + 10} clusters" in " ".join(lines)


def test_cluster_table_without_a_bound_shows_every_cluster_by_name() -> None:
    from cli.render import CLUSTER_ROWS_UP_TO

    rows = _fleet_rows(CLUSTER_ROWS_UP_TO + 10)
    lines = rendered(cluster_table(rows, 1, 200, None), 200)
    shown = [line.split("│")[1].strip() for line in lines if line.startswith("│ c")]
    assert shown == [f"c{c:03d}" for c in range(CLUSTER_ROWS_UP_TO + 10)]
    assert "highest worst-case" not in " ".join(lines)


def test_plan_shows_the_fullest_clusters_and_all_with_verbose(
    run, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from cli import render

    fleet = tmp_path / "fleet"
    made = run("generate", "-o", fleet, "--clusters", "3", "--nodes", "3", "--vms", "6")
    assert made.exit_code == 0, made.stderr
    monkeypatch.setattr(render, "NODE_ROWS_UP_TO", 2)  # 9 nodes: per cluster
    monkeypatch.setattr(render, "CLUSTER_ROWS_UP_TO", 2)  # 3 clusters: the 2 fullest
    plain = run("plan", fleet, "--workers", "1", "--time-limit", "5", "--jobs", "1")
    loud = run("plan", fleet, "--workers", "1", "--time-limit", "5", "--jobs", "1", "--verbose")
    assert plain.exit_code == 0 and loud.exit_code == 0, plain.stderr
    count = [
        len([line for line in r.stdout.splitlines() if line.startswith("│ ")])
        for r in (plain, loud)
    ]
    assert count == [2, 3]
    assert "the 2 of 3 clusters" in plain.stdout and "of 3 clusters" not in loud.stdout
