"""Export tables and the JSON document: content, order, types, atomic writing."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.errors import InputError
from data.export.tables import (
    export_document,
    nodes_table,
    placement_table,
    plan_document,
    write_tables,
)
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.plan import Plan

# hv1, hv2: 15360 MiB, 8 vCPUs, res_iops 1000 / 500. a costs 4152 MiB, b 2088, c 1056.
NODES = [
    {
        "node": n,
        "memory_mb": 16384,
        "reserve_mb": 1024,
        "logical_processors": 4,
        "vcpu_per_lp": 2,
        "res_iops": iops,
    }
    for n, iops in (("hv2", 500), ("hv1", 1000))
]
VMS = [
    {"vm": "c", "memory_mb": 1024, "vcpus": 1, "res_iops": 100},
    {"vm": "a", "memory_mb": 4096, "vcpus": 2, "res_iops": 300, "node": "hv1"},
    {"vm": "b", "memory_mb": 2048, "vcpus": 1, "res_iops": 200, "node": "hv2"},
]
HV2, HV1 = 0, 1


@pytest.fixture
def inventory() -> Inventory:
    return build_inventory(table("nodes.csv", NODES), table("vms.csv", VMS))


@pytest.fixture
def plan(inventory: Inventory) -> Plan:
    # a, b run on hv1 (then hv2); c on hv2 (then hv1). Each VM has its own LUN (no luns table).
    luns = [inventory.lun_names.index(v) for v in inventory.vm_names]
    return Plan.from_lists(luns, [[HV2, HV1], [HV1, HV2], [HV1, HV2]])


def test_placement_table_adds_current_node_and_moved(inventory: Inventory, plan: Plan) -> None:
    assert placement_table(inventory, plan) == [
        {
            "vm": "a",
            "lun": "a",
            "node": "hv1",
            "owners": ["hv1", "hv2"],
            "cluster": "cluster",
            "current_node": "hv1",
            "moved": False,
        },
        {
            "vm": "b",
            "lun": "b",
            "node": "hv1",
            "owners": ["hv1", "hv2"],
            "cluster": "cluster",
            "current_node": "hv2",
            "moved": True,
        },
        {
            "vm": "c",
            "lun": "c",
            "node": "hv2",
            "owners": ["hv2", "hv1"],
            "cluster": "cluster",
            "current_node": "",
            "moved": False,
        },  # no current node: not counted as a move
    ]


def test_nodes_table_gives_now_worst_and_reserve(inventory: Inventory, plan: Plan) -> None:
    rows = nodes_table(inventory, plan, 1)
    assert [r["node"] for r in rows] == ["hv1", "hv2"]  # sorted, not inventory order
    assert rows[0] == {
        "node": "hv1",
        "cluster": "cluster",
        "vms": 2,
        "memory_used_mb": 6240,
        "memory_capacity_mb": 15360,
        "memory_permille": 407,
        "vcpus_used": 3,
        "vcpu_capacity": 8,
        "res_iops_used": 500,
        "res_iops_capacity": 1000,
        # hv2 down: c restarts here, 7296 MiB = 475.0 permille exactly
        "worst_memory_mb": 7296,
        "worst_memory_permille": 475,
        "worst_memory_failed": ["hv2"],
        "worst_vcpus": 4,
        "worst_vcpus_failed": ["hv2"],
        "worst_res_iops": 600,
        "worst_res_iops_failed": ["hv2"],
        "failover_reserve_mb": 9120,
        "moves_in": 1,  # b comes from hv2; a stays
        "moves_out": 0,
    }
    hv2 = rows[1]
    assert (hv2["moves_in"], hv2["moves_out"]) == (0, 1)
    assert (hv2["memory_used_mb"], hv2["memory_permille"], hv2["failover_reserve_mb"]) == (
        1056,
        69,
        14304,
    )
    # hv1 down: a and b come over; 600 iops on a node with 500 is shown, not hidden
    assert (hv2["worst_res_iops"], hv2["res_iops_capacity"], hv2["worst_res_iops_failed"]) == (
        600,
        500,
        ["hv1"],
    )


def test_nodes_table_with_k0_has_worst_equal_to_now(inventory: Inventory, plan: Plan) -> None:
    for row in nodes_table(inventory, plan, 0):
        assert row["worst_memory_mb"] == row["memory_used_mb"]
        assert row["worst_memory_failed"] == [] and row["worst_res_iops_failed"] == []


def test_plan_document_is_stable_and_complete(inventory: Inventory, plan: Plan) -> None:
    info = {"status": "optimal", "failures": 1, "input_sha256": "ab" * 32}
    placement, nodes = placement_table(inventory, plan), nodes_table(inventory, plan, 1)
    text = plan_document(info, placement, nodes)
    assert text == plan_document(
        info, placement_table(inventory, plan), nodes_table(inventory, plan, 1)
    )
    assert text.endswith("}\n")
    document = json.loads(text)
    assert list(document) == ["format", "version", "plan", "placement", "nodes"]
    assert (document["format"], document["version"]) == ("hvplace-plan", 1)
    assert document["plan"] == info
    assert [row["vm"] for row in document["placement"]] == ["a", "b", "c"]
    assert document["placement"][1]["owners"] == ["hv1", "hv2"]
    assert document["nodes"][0]["worst_memory_failed"] == ["hv2"]


def test_plan_document_keeps_non_ascii_names() -> None:
    assert '"ümlaut"' in plan_document({"status": "ümlaut"}, [], [])


def test_write_tables_csv(tmp_path: Path, inventory: Inventory, plan: Plan) -> None:
    write_tables(
        tmp_path / "out", placement_table(inventory, plan), nodes_table(inventory, plan, 1), "csv"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["nodes.csv", "placement.csv"]
    assert (tmp_path / "out" / "placement.csv").read_text() == (
        "vm,lun,node,owners,cluster,current_node,moved\n"
        "a,a,hv1,hv1;hv2,cluster,hv1,false\n"
        "b,b,hv1,hv1;hv2,cluster,hv2,true\n"
        "c,c,hv2,hv2;hv1,cluster,,false\n"
    )
    nodes = (tmp_path / "out" / "nodes.csv").read_text().splitlines()
    assert nodes[0].startswith("node,cluster,vms,memory_used_mb,memory_capacity_mb,")
    assert nodes[0].endswith(
        ",worst_res_iops,worst_res_iops_failed,failover_reserve_mb,moves_in,moves_out"
    )
    assert (
        nodes[1] == "hv1,cluster,2,6240,15360,407,3,8,500,1000,7296,475,hv2,4,hv2,600,hv2,9120,1,0"
    )


def test_write_tables_parquet_types(tmp_path: Path, inventory: Inventory, plan: Plan) -> None:
    write_tables(
        tmp_path / "out",
        placement_table(inventory, plan),
        nodes_table(inventory, plan, 1),
        "parquet",
    )
    placement = pq.read_table(tmp_path / "out" / "placement.parquet")
    assert placement.schema.field("owners").type == pa.list_(pa.string())
    assert placement.schema.field("moved").type == pa.bool_()
    assert placement.to_pylist() == placement_table(inventory, plan)
    nodes = pq.read_table(tmp_path / "out" / "nodes.parquet")
    assert nodes.schema.field("worst_vcpus_failed").type == pa.list_(pa.string())
    assert nodes.schema.field("res_iops_used").type == pa.int64()
    assert nodes.to_pylist() == nodes_table(inventory, plan, 1)


def test_write_tables_without_rows_keeps_columns(tmp_path: Path) -> None:
    write_tables(tmp_path / "out", [], [], "parquet")
    names = pq.read_table(tmp_path / "out" / "placement.parquet").column_names
    assert names == ["vm", "lun", "node", "owners", "cluster", "current_node", "moved"]


def test_write_tables_never_replaces_a_directory_it_did_not_write(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "plan.json").write_text("{}")
    with pytest.raises(InputError, match=r"'plan\.json', which hvplace did not write"):
        write_tables(target, [], [], "csv")
    assert [p.name for p in target.iterdir()] == ["plan.json"]


def test_write_tables_replaces_a_previous_export(tmp_path: Path) -> None:
    write_tables(tmp_path / "out", [], [], "csv")
    write_tables(tmp_path / "out", [], [], "parquet")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "nodes.parquet",
        "placement.parquet",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def _readme_json_example() -> dict:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("`--format json` writes one stable document") :]
    block = section[section.index("```json\n") + len("```json\n") :]
    return json.loads(block[: block.index("```")])


def test_export_document_has_the_readmes_keys_in_its_order(
    inventory: Inventory, plan: Plan
) -> None:
    """The README's example is the documented schema: same keys, same order, same types."""
    example = _readme_json_example()
    document = json.loads(export_document(inventory, plan, 1, {"status": "optimal"}))
    assert list(document) == list(example)
    for table_name in ("placement", "nodes"):
        assert list(document[table_name][0]) == list(example[table_name][0])
        types = {k: type(v) for k, v in document[table_name][0].items()}
        assert types == {k: type(v) for k, v in example[table_name][0].items()}
