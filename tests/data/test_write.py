"""Writing plans and inventories (atomic, reproducible) and reading plans back."""

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import data.write
from data.build import BuildReport, build_inventory, table
from data.errors import InputError
from data.inventory import Inventory
from data.plan import ClusterSummary, Plan, PlanSummary
from data.read import read_inventory
from data.schema import PLACEMENT_SCHEMA
from data.write import inventory_tables, read_plan, write_inventory, write_plan

PLACEMENT_CSV = (
    "vm,lun,node,owners,cluster\n"
    "app1,app1,hv2,hv2;hv1,cluster\n"
    "db1,shared,hv1,hv1;hv2,cluster\n"
    "web2,shared,hv1,hv1;hv2,cluster\n"
)


@pytest.fixture
def inventory() -> Inventory:
    nodes = [{"node": f"hv{i}", "memory_mb": 65536, "logical_processors": 16} for i in (1, 2)]
    vms = [
        {"vm": "web2", "memory_mb": 4096, "vcpus": 2, "lun": "shared"},
        {"vm": "db1", "memory_mb": 8192, "vcpus": 4, "lun": "shared"},
        {"vm": "app1", "memory_mb": 2048, "vcpus": 1},
    ]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))


@pytest.fixture
def plan() -> Plan:
    return Plan.from_lists([0, 0, 1], [[0, 1], [0, 1], [1, 0]])


@pytest.fixture
def summary() -> PlanSummary:
    per_cluster = ClusterSummary("cluster", "optimal", 212, 212, 2, 0.5)
    return PlanSummary("optimal", 1, "balance", 212, 212, 2, 0.5, "ab" * 32, (per_cluster,))


def test_write_plan_writes_placement_csv_sorted_by_vm(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    write_plan(tmp_path / "plan", inventory, plan, summary)
    assert sorted(p.name for p in (tmp_path / "plan").iterdir()) == [
        "placement.csv",
        "placement.parquet",
        "plan.json",
    ]
    assert (tmp_path / "plan" / "placement.csv").read_text() == PLACEMENT_CSV


def test_write_plan_parquet_has_schema_and_rows_of_csv(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    write_plan(tmp_path / "plan", inventory, plan, summary)
    placement = pq.read_table(tmp_path / "plan" / "placement.parquet")
    assert placement.schema.equals(PLACEMENT_SCHEMA)
    assert placement.column("vm").to_pylist() == ["app1", "db1", "web2"]
    assert placement.column("owners").to_pylist() == ["hv2;hv1", "hv1;hv2", "hv1;hv2"]


def test_write_plan_json_keeps_field_order(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    write_plan(tmp_path / "plan", inventory, plan, summary)
    text = (tmp_path / "plan" / "plan.json").read_text()
    assert text.endswith("}\n")
    content = json.loads(text)
    assert list(content) == [
        "status", "failures", "objective", "objective_value", "bound",
        "nodes_used", "solve_seconds", "input_sha256", "clusters",
    ]  # fmt: skip
    assert content["clusters"] == [
        {"cluster": "cluster", "status": "optimal", "objective_value": 212, "bound": 212,
         "nodes_used": 2, "solve_seconds": 0.5}
    ]  # fmt: skip
    assert text.startswith('{\n  "status": "optimal",\n  "failures": 1,\n')


def test_write_plan_is_byte_identical_for_identical_input(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    write_plan(tmp_path / "a", inventory, plan, summary)
    write_plan(tmp_path / "b", inventory, plan, summary)
    for name in ("placement.csv", "placement.parquet", "plan.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_write_plan_replaces_a_previous_plan(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    write_plan(tmp_path / "plan", inventory, Plan.from_lists([0, 0, 1], [[1], [1], [0]]), summary)
    write_plan(tmp_path / "plan", inventory, plan, summary)
    assert (tmp_path / "plan" / "placement.csv").read_text() == PLACEMENT_CSV
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]  # no temporary left


def test_write_plan_failure_leaves_previous_plan_untouched(
    tmp_path: Path,
    inventory: Inventory,
    plan: Plan,
    summary: PlanSummary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "plan"
    write_plan(target, inventory, plan, summary)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(data.write.pq, "write_table", broken)
    other = Plan.from_lists([0, 0, 1], [[1, 0], [1, 0], [0, 1]])
    with pytest.raises(OSError, match="disk full"):
        write_plan(target, inventory, other, summary)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_write_plan_failure_without_target_leaves_nothing(
    tmp_path: Path,
    inventory: Inventory,
    plan: Plan,
    summary: PlanSummary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(data.write, "plan_json", lambda s: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_plan(tmp_path / "plan", inventory, plan, summary)
    assert list(tmp_path.iterdir()) == []


def test_write_plan_refuses_a_directory_with_other_files(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError) as caught:
        write_plan(tmp_path / "plan", inventory, plan, summary)
    message = f"{tmp_path / 'plan'} holds 'notes.txt', which hvplace did not write; "
    assert str(caught.value) == message + "choose another directory"
    assert (tmp_path / "plan" / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a directory"):
        write_plan(tmp_path / "file", inventory, plan, summary)


def test_read_plan_round_trips_write_plan(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    write_plan(tmp_path / "plan", inventory, plan, summary)
    read, info = read_plan(tmp_path / "plan", inventory)
    assert read.equals(plan)
    assert info["status"] == "optimal"
    assert info["input_sha256"] == "ab" * 32
    assert info["node_column"] == [0, 0, 1]
    (tmp_path / "plan" / "placement.parquet").unlink()
    from_csv, _ = read_plan(tmp_path / "plan", inventory)
    assert from_csv.equals(plan)


def write_placement(directory: Path, text: str, plan_json: str | None = None) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "placement.csv").write_text(text)
    if plan_json is not None:
        (directory / "plan.json").write_text(plan_json)
    return directory


def test_read_plan_missing_vm_is_unplaced_and_owner_rows_may_differ(
    tmp_path: Path, inventory: Inventory
) -> None:
    text = "vm,lun,owners\nweb2,shared, hv2 ; ;hv1\napp1,app1,hv1\n"
    read, info = read_plan(write_placement(tmp_path / "p", text), inventory)
    assert read.vm_lun.tolist() == [0, -1, 1]
    assert read.owners.tolist() == [[1, 0], [-1, -1], [0, -1]]
    assert info == {"node_column": [-1, -1, -1]}  # no plan.json, no node column


def test_read_plan_reports_a_node_column_that_differs_from_owners(
    tmp_path: Path, inventory: Inventory
) -> None:
    text = "vm,lun,node,owners\nweb2,shared,hv1,hv2;hv1\ndb1,shared,,hv2;hv1\n"
    read, info = read_plan(write_placement(tmp_path / "p", text), inventory)
    assert read.vm_node.tolist() == [1, 1, -1]
    assert info["node_column"] == [0, -1, -1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "vm,lun,owners\nweb2,shared,hv1\nweb9,shared,hv1\n",
            "placement.csv row 2, vm: VM 'web9' is not in the inventory",
        ),
        (
            "vm,lun,owners\nweb2,shared,hv1\nweb2,shared,hv1\n",
            "placement.csv row 2, vm: VM 'web2' repeats row 1",
        ),
        ("vm,lun,owners\n,shared,hv1\n", "placement.csv row 1, vm: is empty; a value is required"),
        (
            "vm,lun,owners\nweb2,nas,hv1\n",
            "placement.csv row 1, lun: LUN 'nas' is not in the inventory",
        ),
        (
            "vm,lun,owners\nweb2,shared,hv1;hv7\n",
            "placement.csv row 1, owners: node 'hv7' is not in the inventory",
        ),
        (
            "vm,lun,owners,node\nweb2,shared,hv1,HV1\n",
            "placement.csv row 1, node: node 'HV1' is not in the inventory",
        ),
        ("vm,owners\nweb2,hv1\n", "placement.csv, lun: required column 'lun' is missing"),
        ("vm,lun,owners\nweb2,shared\n", "placement.csv row 1: expected 3 columns, got 2"),
    ],
)
def test_read_plan_bad_placement_names_file_row_column(
    tmp_path: Path, inventory: Inventory, text: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_plan(write_placement(tmp_path / "p", text), inventory)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("plan_json", "message"),
    [
        (
            '{"status": "optimal",}',
            "plan.json: not valid JSON at line 1, column 22: "
            "Expecting property name enclosed in double quotes",
        ),
        ("[1, 2]", "plan.json: expected a JSON object"),
    ],
)
def test_read_plan_bad_plan_json(
    tmp_path: Path, inventory: Inventory, plan_json: str, message: str
) -> None:
    directory = write_placement(tmp_path / "p", "vm,lun,owners\n", plan_json)
    with pytest.raises(InputError) as caught:
        read_plan(directory, inventory)
    assert str(caught.value) == message


def test_read_plan_without_placement_file(tmp_path: Path, inventory: Inventory) -> None:
    with pytest.raises(InputError) as caught:
        read_plan(tmp_path, inventory)
    assert str(caught.value) == f"plan {tmp_path} has no placement.parquet or placement.csv"


def test_write_inventory_csv_orders_columns_and_fills_defaults(tmp_path: Path) -> None:
    nodes = [{"res_iops": 9000, "node": "hv1", "memory_mb": 65536, "logical_processors": 16}]
    vms = [{"vm": "web, east", "memory_mb": 4096, "vcpus": 2, "vlan": True, "disk_gb": 0.1}]
    write_inventory(tmp_path / "inv", {"nodes": nodes, "vms": vms})
    assert (tmp_path / "inv" / "nodes.csv").read_text() == (
        "node,memory_mb,logical_processors,reserve_mb,vcpu_per_lp,vlan,cluster,res_iops\n"
        "hv1,65536,16,2048,8.0,true,cluster,9000\n"
    )
    assert (tmp_path / "inv" / "vms.csv").read_text() == (
        "vm,memory_mb,vcpus,disk_gb,lun,node,vlan,anti_affinity,cluster\n"
        '"web, east",4096,2,0.1,,,true,,\n'
    )


def test_write_inventory_parquet_is_typed_and_reproducible(tmp_path: Path) -> None:
    nodes = [{"node": "hv1", "memory_mb": 65536, "logical_processors": 16, "res_iops": 10}]
    vms = [{"vm": "web1", "memory_mb": 4096, "vcpus": 2}]
    tables = {"nodes": nodes, "vms": vms}
    write_inventory(tmp_path / "a", tables, "parquet")
    write_inventory(tmp_path / "b", tables, "parquet")
    for name in ("nodes.parquet", "vms.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    schema = pq.read_schema(tmp_path / "a" / "nodes.parquet")
    assert [str(t) for t in schema.types] == [
        "string", "int64", "int64", "int64", "double", "bool", "string", "int64"
    ]  # fmt: skip


def test_write_inventory_rejects_unknown_format_and_columns(tmp_path: Path) -> None:
    tables = {"nodes": [{"node": "hv1", "colour": "red"}], "vms": []}
    with pytest.raises(InputError, match="unknown format 'xlsx'; expected one of csv, parquet"):
        write_inventory(tmp_path / "inv", tables, "xlsx")
    with pytest.raises(ValueError, match=r"nodes.csv: unknown columns \['colour'\]"):
        write_inventory(tmp_path / "inv", tables)
    assert list(tmp_path.iterdir()) == []


def test_inventory_tables_keeps_shared_lun_named_after_a_vm() -> None:
    nodes = [{"node": "hv1", "memory_mb": 65536, "logical_processors": 16}]
    vms = [
        {"vm": "db1", "memory_mb": 1024, "vcpus": 1, "lun": "db1"},
        {"vm": "db2", "memory_mb": 1024, "vcpus": 1, "lun": "db1"},
        {"vm": "web1", "memory_mb": 1024, "vcpus": 1, "lun": "web1"},
    ]
    inventory = build_inventory(table("nodes", nodes), table("vms", vms))
    rows = inventory_tables(inventory)
    assert [row["lun"] for row in rows["vms"]] == ["db1", "db1", ""]
    rebuilt = build_inventory(table("nodes", rows["nodes"]), table("vms", rows["vms"]))
    assert rebuilt.equals(inventory)


# -- round trip: random valid typed tables ------------------------------------------------

NAMES = st.text(alphabet='abcXYZ019-_ ,"é', min_size=1, max_size=5).map(str.strip).filter(bool)


@st.composite
def typed_tables(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Small valid canonical tables: 1-2 clusters, 1-4 nodes, 1-6 VMs, maybe a luns table."""
    clusters = draw(st.lists(NAMES, min_size=1, max_size=2, unique=True))
    resources = draw(st.lists(st.sampled_from(["res_iops", "res_net"]), unique=True, max_size=2))
    nodes = [
        _node(draw, name, draw(st.sampled_from(clusters)), resources)
        for name in draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    ]
    used = list(dict.fromkeys(n["cluster"] for n in nodes))
    luns = _luns(draw, used, nodes) if draw(st.booleans()) else None
    vm_names = draw(st.lists(NAMES, min_size=1, max_size=6, unique=True))
    vms = [_vm(draw, name, used, nodes, luns, resources) for name in vm_names]
    tables = {"nodes": nodes, "vms": vms}
    if luns is not None:
        tables["luns"] = luns
    return tables


def _node(draw: st.DrawFn, name: str, cluster: str, resources: list[str]) -> dict[str, Any]:
    memory = draw(st.integers(2049, 2**20))
    row = {"node": name, "memory_mb": memory, "logical_processors": draw(st.integers(1, 128))}
    optional = {
        "reserve_mb": draw(st.integers(0, memory - 1)),
        "vcpu_per_lp": draw(st.floats(0.1, 16.0)),
        "vlan": draw(st.booleans()),
        "cluster": cluster,
    }
    keep = draw(st.sets(st.sampled_from(sorted(optional))))
    row |= {k: v for k, v in optional.items() if k in keep or k == "cluster"}
    return row | {r: draw(st.integers(0, 10**6)) for r in resources}


def _luns(draw: st.DrawFn, clusters: list[str], nodes: list[dict]) -> list[dict[str, Any]]:
    rows = []
    for i in range(draw(st.integers(1, 3))):
        cluster = draw(st.sampled_from(clusters))
        owners = [""] + [n["node"] for n in nodes if n["cluster"] == cluster]
        rows.append(
            {"lun": f"L{i}", "capacity_gb": draw(st.floats(0.5, 1e6)),
             "shared": draw(st.booleans()), "cluster": cluster,
             "node": draw(st.sampled_from(owners))}
        )  # fmt: skip
    return rows


def _vm(draw: st.DrawFn, name: str, clusters: list[str], nodes: list[dict],
        luns: list[dict] | None, resources: list[str]) -> dict[str, Any]:  # fmt: skip
    cluster = draw(st.sampled_from(clusters))
    if luns is not None:
        choices = [""] + [lun["lun"] for lun in luns if lun["cluster"] == cluster]
    else:  # made-up LUNs: names the VM alphabet cannot spell, one set per cluster
        choices = ["", f"lun-{clusters.index(cluster)}"]
    classes = draw(st.lists(st.sampled_from(["dc", "sql", "web"]), unique=True, max_size=2))
    row = {
        "vm": name, "memory_mb": draw(st.integers(1, 2**18)), "vcpus": draw(st.integers(1, 64)),
        "disk_gb": draw(st.floats(0.0, 1e5)), "lun": draw(st.sampled_from(choices)),
        "node": draw(st.sampled_from([""] + [n["node"] for n in nodes if n["cluster"] == cluster])),
        "vlan": draw(st.booleans()), "anti_affinity": ";".join(classes),
        "cluster": cluster if len(clusters) > 1 or draw(st.booleans()) else "",
    }  # fmt: skip
    return row | {r: draw(st.integers(0, 10**4)) for r in resources if draw(st.booleans())}


def build_tables(tables: dict[str, list[dict]], suffix: str) -> tuple[Inventory, list[str]]:
    report = BuildReport()
    raw = {name: table(f"{name}.{suffix}", rows) for name, rows in tables.items()}
    return build_inventory(raw["nodes"], raw["vms"], raw.get("luns"), report), report.warnings


@settings(max_examples=30, deadline=None)
@given(tables=typed_tables(), fmt=st.sampled_from(["csv", "parquet"]))
def test_write_inventory_read_inventory_round_trip(
    tmp_path_factory: pytest.TempPathFactory, tables: dict, fmt: str
) -> None:
    directory = tmp_path_factory.mktemp("round") / "inventory"
    write_inventory(directory, tables, fmt)
    inventory, warnings = read_inventory(directory)
    expected, expected_warnings = build_tables(tables, fmt)
    assert inventory.equals(expected)
    assert warnings == expected_warnings


@settings(max_examples=30, deadline=None)
@given(tables=typed_tables())
def test_inventory_tables_rebuilds_the_same_inventory(tables: dict) -> None:
    inventory, _ = build_tables(tables, "csv")
    rebuilt, _ = build_tables(inventory_tables(inventory), "csv")
    assert rebuilt.equals(inventory)
