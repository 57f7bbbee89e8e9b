"""Writing inventories (canonical tables, CSV or Parquet) and reading them back."""

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import InputError
from data.inventory import Inventory
from data.io.build import BuildReport, build_inventory, table
from data.io.read import read_inventory
from data.io.write import inventory_tables, write_inventory


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
        "string",
        "int64",
        "int64",
        "int64",
        "double",
        "bool",
        "string",
        "int64",
    ]


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
            {
                "lun": f"L{i}",
                "capacity_gb": draw(st.floats(0.5, 1e6)),
                "shared": draw(st.booleans()),
                "cluster": cluster,
                "node": draw(st.sampled_from(owners)),
            }
        )
    return rows


def _vm(
    draw: st.DrawFn,
    name: str,
    clusters: list[str],
    nodes: list[dict],
    luns: list[dict] | None,
    resources: list[str],
) -> dict[str, Any]:
    cluster = draw(st.sampled_from(clusters))
    if luns is not None:
        choices = [""] + [lun["lun"] for lun in luns if lun["cluster"] == cluster]
    else:  # made-up LUNs: names the VM alphabet cannot spell, one set per cluster
        choices = ["", f"lun-{clusters.index(cluster)}"]
    classes = draw(st.lists(st.sampled_from(["dc", "sql", "web"]), unique=True, max_size=2))
    row = {
        "vm": name,
        "memory_mb": draw(st.integers(1, 2**18)),
        "vcpus": draw(st.integers(1, 64)),
        "disk_gb": draw(st.floats(0.0, 1e5)),
        "lun": draw(st.sampled_from(choices)),
        "node": draw(st.sampled_from([""] + [n["node"] for n in nodes if n["cluster"] == cluster])),
        "vlan": draw(st.booleans()),
        "anti_affinity": ";".join(classes),
        "cluster": cluster if len(clusters) > 1 or draw(st.booleans()) else "",
    }
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


def test_inventory_tables_without_known_classes_leave_the_column_out(tmp_path: Path) -> None:
    """No anti_affinity column in, none out: the plan's inventory/ keeps 'unknown'."""
    nodes = [{"node": "hv1", "memory_mb": 65536, "logical_processors": 16}]
    vms = [{"vm": "web1", "memory_mb": 1024, "vcpus": 1}]
    unknown = build_inventory(table("nodes", nodes), table("vms", vms))
    known = build_inventory(table("nodes", nodes), table("vms", [{**vms[0], "anti_affinity": ""}]))
    assert (unknown.classes_known, known.classes_known) == (False, True)
    for inventory, name in ((unknown, "u"), (known, "k")):
        write_inventory(tmp_path / name, inventory_tables(inventory))
        assert read_inventory(tmp_path / name)[0].equals(inventory)
    header = (tmp_path / "u" / "vms.csv").read_text().splitlines()[0]
    assert "anti_affinity" not in header
    assert "anti_affinity" in (tmp_path / "k" / "vms.csv").read_text().splitlines()[0]
