"""Writing plans atomically and reproducibly, and reading them back."""

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import data.io.write
from data.errors import InputError
from data.inventory import Inventory
from data.io.plan_read import read_plan
from data.io.read import read_inventory
from data.io.write import plan_inventory_dir, write_plan
from data.plan import ClusterSummary, Plan, PlanSummary
from data.schema import PLACEMENT_SCHEMA

PLACEMENT_CSV = (
    "vm,lun,node,owners,cluster\n"
    "app1,app1,hv2,hv2;hv1,cluster\n"
    "db1,shared,hv1,hv1;hv2,cluster\n"
    "web2,shared,hv1,hv1;hv2,cluster\n"
)


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
        "inventory",
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
        "status",
        "failures",
        "objective",
        "objective_value",
        "bound",
        "nodes_used",
        "solve_seconds",
        "input_sha256",
        "moves",
        "versions",
        "clusters",
    ]
    assert content["clusters"] == [
        {
            "cluster": "cluster",
            "status": "optimal",
            "objective_value": 212,
            "bound": 212,
            "nodes_used": 2,
            "solve_seconds": 0.5,
            "moves": 0,
        }
    ]
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
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(data.io.write.pq, "write_table", broken)
    other = Plan.from_lists([0, 0, 1], [[1, 0], [1, 0], [0, 1]])
    with pytest.raises(OSError, match="disk full"):
        write_plan(target, inventory, other, summary)
    after = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_write_plan_failure_without_target_leaves_nothing(
    tmp_path: Path,
    inventory: Inventory,
    plan: Plan,
    summary: PlanSummary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(data.io.write, "plan_json", lambda s: 1 / 0)
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


def test_write_plan_keeps_the_inventory_it_was_made_from(
    tmp_path: Path, inventory: Inventory, plan: Plan, summary: PlanSummary
) -> None:
    write_plan(tmp_path / "p", inventory, plan, summary)
    snapshot, warnings = read_inventory(plan_inventory_dir(tmp_path / "p"))
    assert snapshot.equals(inventory) and warnings == []


def test_plan_inventory_dir_names_the_way_out_when_absent(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--inventory"):
        plan_inventory_dir(tmp_path)
