"""RVTools import: the workbook and both per-tab CSV exports give one inventory, mapped as
data/imports/rvtools/tables.py says; options and the storage rules (errors: test_rvtools_errors)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from data.check.checker import check_plan
from data.errors import InputError
from data.imports.common import DiskMeasure, ImportOptions
from data.imports.load import Loaded, load_inventory
from data.imports.sources import source_tables
from data.inventory import Inventory
from solver.params import Params
from solver.solve import solve

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "rvtools"
WORKBOOK, CSV, CSV_MB = FIXTURES / "RVTools_export.xlsx", FIXTURES / "csv", FIXTURES / "csv-mb"
GOLD, SILVER = "SAN Gold 01", "SAN Silver 02"


def fixture_generator() -> ModuleType:
    """tests/fixtures/rvtools/make_workbook.py, which tests use to write variants."""
    spec = importlib.util.spec_from_file_location("rvtools_fixture", FIXTURES / "make_workbook.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(*paths: Path, **options: Any) -> Loaded:
    return load_inventory(list(paths), options=ImportOptions(**options))


def vm(inv: Inventory, name: str) -> dict:
    v = inv.vm_names.index(name)
    lun = inv.vm_lun[v]
    return {
        "memory_mb": int(inv.vm_memory_mb[v]),
        "vcpus": int(inv.vm_vcpus[v]),
        "disk_gb": float(inv.vm_disk_gb[v]),
        "node": inv.node_names[inv.vm_node[v]] if inv.vm_node[v] >= 0 else "",
        "cluster": inv.clusters[inv.vm_cluster[v]],
        "lun": inv.lun_names[lun] if lun >= 0 else "",
    }


def lines(loaded: Loaded, kind: str) -> list[str]:
    assert loaded.imported is not None
    return getattr(loaded.imported.report, kind)


@pytest.fixture(scope="module")
def workbook() -> Loaded:
    return load(WORKBOOK)


def test_rvtools_workbook_and_csv_exports_give_one_inventory(workbook: Loaded) -> None:
    for directory in (CSV, CSV_MB):
        assert load(directory).inventory.equals(workbook.inventory), directory.name
    assert workbook.imported is not None and workbook.imported.formats == ["rvtools"]
    assert workbook.warnings == []


def test_rvtools_hosts_become_nodes(workbook: Loaded) -> None:
    inv = workbook.inventory
    assert inv.clusters == ("Prod", "Test")
    assert inv.node_names[0] == "esx01.corp.example.com"
    assert inv.node_memory_mb.tolist() == [262037] * 4 + [130965] * 2
    # HT Active doubles # Cores: esx04 has hyper-threading available but off
    assert inv.node_lps.tolist() == [64, 64, 64, 32, 24, 24]
    assert inv.node_cluster.tolist() == [0, 0, 0, 0, 1, 1]
    assert inv.node_reserve_mb.tolist() == [2048] * 6


def test_rvtools_vms_mapped_from_vinfo_and_vdisk() -> None:
    inv = load(WORKBOOK, disk=DiskMeasure.PROVISIONED).inventory
    assert inv.n_vms == 25
    host1 = "esx01.corp.example.com"
    assert vm(inv, "sql01") == {
        "memory_mb": 65536,
        "vcpus": 8,
        "disk_gb": 800.0,
        "node": host1,
        "cluster": "Prod",
        "lun": GOLD,
    }
    # sql02's log disk is on Silver: the VM stays on its .vmx datastore with all its disks
    assert vm(inv, "sql02")["disk_gb"] == 800.0 and vm(inv, "sql02")["lun"] == GOLD
    assert vm(inv, 'kiosk "lobby"')["lun"] == SILVER
    assert vm(inv, "test-db01") == {
        "memory_mb": 16384,
        "vcpus": 4,
        "disk_gb": 280.0,
        "node": "esx11.corp.example.com",
        "cluster": "Test",
        "lun": "nfs-test",
    }


def test_rvtools_used_datastores_become_shared_luns(workbook: Loaded) -> None:
    inv = workbook.inventory
    assert inv.has_lun_table
    assert inv.lun_names == (GOLD, SILVER, "nfs-test")
    assert inv.lun_capacity_gb.tolist() == [4096.0, 4096.0, 1024.0]
    assert inv.lun_shared.all()
    assert [inv.clusters[c] for c in inv.lun_cluster] == ["Prod", "Prod", "Test"]
    assert any("datastores holding no planned VM: 2" in line for line in lines(workbook, "dropped"))


def test_rvtools_report_says_what_was_assumed_and_dropped(workbook: Loaded) -> None:
    assumed, dropped = " ".join(lines(workbook, "assumed")), lines(workbook, "dropped")
    assert "1024-based" in assumed and "Cluster Shared Volume" in assumed
    assert "templates planned: 1 ('tmpl-w2022')" in assumed
    assert "powered-off VMs planned: 1 ('legacy-nt')" in assumed
    assert "disks on several datastores: 1 ('sql02')" in assumed
    # the fifteen sheets a plan does not need: one line, none reported as unknown
    other = [line for line in dropped if "RVTools tables a plan does not use" in line]
    assert len(other) == 1 and ": 15 ('vCPU', 'vMemory'" in other[0]
    assert not any("not a table of a known export" in line for line in dropped)
    csv_report = " ".join(lines(load(CSV), "dropped"))
    assert "not a table of a known export" not in csv_report


@pytest.mark.parametrize(
    ("options", "absent", "present"),
    [
        ({"templates": False}, {"tmpl-w2022"}, {"legacy-nt"}),
        ({"powered_off": False}, {"legacy-nt"}, {"tmpl-w2022", "web04"}),  # web04: suspended
        ({"templates": False, "powered_off": False}, {"tmpl-w2022", "legacy-nt"}, {"web04"}),
    ],
)
def test_rvtools_options_leave_out_templates_and_powered_off_vms(
    options: dict[str, bool], absent: set[str], present: set[str]
) -> None:
    loaded = load(WORKBOOK, **options)
    names = set(loaded.inventory.vm_names)
    assert names.isdisjoint(absent) and present <= names
    assert loaded.inventory.n_vms == 25 - len(absent)
    assert any("left out as asked: 1" in line for line in lines(loaded, "dropped"))


def csv_without(tmp_path: Path, *sheets: str) -> Path:
    target = tmp_path / "export"
    shutil.copytree(CSV, target)
    for sheet in sheets:
        (target / f"RVTools_tab{sheet}.csv").unlink()
    return target


def test_rvtools_without_vdatastore_each_vm_gets_its_own_lun(tmp_path: Path) -> None:
    loaded = load(csv_without(tmp_path, "vDatastore"))
    inv = loaded.inventory
    assert not inv.has_lun_table and inv.n_luns == inv.n_vms
    assert not inv.lun_shared.any()
    assert vm(inv, "sql01")["lun"] == "sql01"
    assert any("no vDatastore table" in line for line in lines(loaded, "assumed"))


def test_rvtools_disk_used_is_in_use_mib_by_default(workbook: Loaded) -> None:
    # the fixture's In Use MiB is 2/5 of its disks: thin disks hold less than they may grow to
    assert vm(workbook.inventory, "sql01")["disk_gb"] == 800.0 * 2 / 5
    assert any(
        "--disk used" in line and "In Use MiB" in line for line in lines(workbook, "assumed")
    )
    provisioned = load(WORKBOOK, disk=DiskMeasure.PROVISIONED)
    assert any("--disk provisioned" in line for line in lines(provisioned, "assumed"))


def test_rvtools_without_vdisk_disks_are_provisioned_mib(tmp_path: Path) -> None:
    loaded = load(csv_without(tmp_path, "vDisk"), disk=DiskMeasure.PROVISIONED)
    # Provisioned MiB holds the disks and, while a VM runs, its swap file (its memory)
    assert vm(loaded.inventory, "sql01")["disk_gb"] == 800.0 + 64.0
    assert vm(loaded.inventory, "legacy-nt")["disk_gb"] == 80.0
    assert vm(loaded.inventory, "sql01")["lun"] == GOLD
    assert any("Provisioned MiB / 1024" in line for line in lines(loaded, "mapped"))


def test_rvtools_vinfo_alone_with_canonical_nodes(tmp_path: Path) -> None:
    (tmp_path / "RVTools_tabvInfo.csv").write_bytes((CSV / "RVTools_tabvInfo.csv").read_bytes())
    hosts = [(1, "Prod"), (2, "Prod"), (3, "Prod"), (4, "Prod"), (11, "Test"), (12, "Test")]
    nodes = ["node,memory_mb,logical_processors,cluster"]
    nodes += [f"ESX{n:02d},262144,64,{cluster}" for n, cluster in hosts]
    (tmp_path / "nodes.csv").write_text("\n".join(nodes) + "\n")
    loaded = load(tmp_path)
    assert vm(loaded.inventory, "sql01")["node"] == "ESX01"  # matched ignoring case and domain
    assert any("ignoring case and domain" in line for line in lines(loaded, "assumed"))


def test_rvtools_generator_rewrites_the_committed_fixtures(tmp_path: Path) -> None:
    make = fixture_generator()
    make.write_workbook(tmp_path / "book.xlsx", make.sheets())
    make.write_csvs(tmp_path / "csv", make.sheets(), "utf-8-sig")
    make.write_csvs(tmp_path / "csv-mb", make.old_headers(make.sheets()))
    make.write_odd(tmp_path / "odd")
    # cells, not bytes: another xlsxwriter release may zip the same cells differently
    written = [(t.columns, t.rows) for t in source_tables(tmp_path / "book.xlsx")]
    assert written == [(t.columns, t.rows) for t in source_tables(WORKBOOK)]
    for directory in (CSV, CSV_MB, FIXTURES / "odd"):
        for path in directory.iterdir():
            assert (tmp_path / directory.name / path.name).read_bytes() == path.read_bytes()


def test_rvtools_fixture_has_an_n_plus_1_plan(workbook: Loaded) -> None:
    inv = workbook.inventory
    result = solve(inv, Params(failures=1, time_limit=20, workers=1, seed=0))
    assert result.plan is not None
    assert check_plan(inv, result.plan, failures=1) == []
    assert np.unique(result.plan.owners[:, 0]).size == inv.n_nodes  # every host runs VMs


def workbook_of(tmp_path: Path, sheets: dict) -> Path:
    path = tmp_path / "RVTools_export.xlsx"
    fixture_generator().write_workbook(path, sheets)
    return path


def test_rvtools_booleans_typed_as_numbers_in_a_workbook_are_booleans(
    tmp_path: Path, workbook: Loaded
) -> None:
    """A sheet saved with 1/0 for TRUE/FALSE: numbers reach us as floats (1.0)."""
    sheets = fixture_generator().sheets()
    for name, column in (("vInfo", "Template"), ("vHost", "HT Active")):
        header, rows = sheets[name]
        at = header.index(column)
        for row in rows:
            row[at] = int(row[at])
    assert load(workbook_of(tmp_path, sheets)).inventory.equals(workbook.inventory)


def test_rvtools_sheet_columns_without_a_header_name_are_ignored(
    tmp_path: Path, workbook: Loaded
) -> None:
    """Spacer columns and the tail of a merged header cell have no name: never a clash."""
    sheets = fixture_generator().sheets()
    header, rows = sheets["vInfo"]
    rows = [[*row[:3], "x", "", *row[3:]] for row in rows]
    sheets["vInfo"] = ([*header[:3], "", "", *header[3:]], rows)
    assert load(workbook_of(tmp_path, sheets)).inventory.equals(workbook.inventory)


def test_rvtools_empty_rows_in_a_sheet_are_skipped_without_shifting_row_numbers(
    tmp_path: Path, workbook: Loaded
) -> None:
    sheets = fixture_generator().sheets()
    header, rows = sheets["vInfo"]
    blank = [""] * len(header)
    sheets["vInfo"] = (header, [rows[0], blank, *rows[1:], blank, blank])
    assert load(workbook_of(tmp_path, sheets)).inventory.equals(workbook.inventory)
    sheets["vInfo"][1][3][header.index("CPUs")] = 2.5  # sql01: the sheet's row 4 now
    with pytest.raises(InputError, match=r"sheet vInfo row 4, CPUs: '2.5' is not a positive"):
        load(workbook_of(tmp_path, sheets))


def test_rvtools_vinfo_with_a_header_and_no_rows_gives_no_vms(tmp_path: Path) -> None:
    sheets = fixture_generator().sheets()
    sheets["vInfo"] = (sheets["vInfo"][0], [])
    loaded = load(workbook_of(tmp_path, sheets))
    assert loaded.inventory.n_vms == 0 and loaded.inventory.n_nodes == 6


def test_rvtools_a_sheet_not_used_may_repeat_a_column_in_other_case(
    tmp_path: Path, workbook: Loaded
) -> None:
    sheets = fixture_generator().sheets()
    header, rows = sheets["vCPU"]
    sheets["vCPU"] = ([*header, "vm"], [[*row, "x"] for row in rows])
    assert load(workbook_of(tmp_path, sheets)).inventory.equals(workbook.inventory)
