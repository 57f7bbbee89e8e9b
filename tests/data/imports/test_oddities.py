"""Real exports' oddities (data/imports/oddities.py): the odd RVTools fixture
(tests/fixtures/rvtools/odd, written by make_workbook.py) holds each on rows of its own and
imports with every one reported; --strict refuses it. Each oddity of each format, both
ways, is also a case of the bad-input corpus (tests/cli/test_bad_input.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data.check.checker import check_plan
from data.errors import InputError
from data.imports.common import DiskMeasure, ImportOptions
from data.imports.load import Loaded, load_inventory
from data.imports.oddities import unique_names
from data.imports.rvtools.rules import kind_of
from data.inventory import Inventory
from data.io.csvtext import csv_table
from solver.params import Params
from solver.solve import solve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ODD = FIXTURES / "rvtools" / "odd"
SILVER = "SAN Silver 02"
ANSI = ImportOptions(encoding="cp1252")


@pytest.fixture(scope="module")
def odd() -> Loaded:
    return load_inventory([ODD], options=ANSI)


@pytest.fixture(scope="module")
def provisioned() -> Inventory:
    options = ImportOptions(encoding="cp1252", disk=DiskMeasure.PROVISIONED)
    return load_inventory([ODD], options=options).inventory


def report(loaded: Loaded) -> str:
    assert loaded.imported is not None
    r = loaded.imported.report
    return "\n".join(r.mapped + r.assumed + r.dropped)


def classes_of(inv: Inventory, vm: str) -> list[str]:
    v = inv.vm_names.index(vm)
    return [c for i, c in enumerate(inv.class_names) if inv.vm_classes[v, i]]


def test_oddities_a_name_given_twice_is_renamed_by_row_order(odd: Loaded) -> None:
    assert {"dc01", "dc01~2"} <= set(odd.inventory.vm_names)
    assert "RVTools_tabvInfo.csv row 18: 'dc01' -> 'dc01~2'" in report(odd)


def test_oddities_vms_without_memory_are_dropped_and_named(odd: Loaded) -> None:
    assert not {"orphan01", "ghost01"} & set(odd.inventory.vm_names)
    assert "2 VMs with empty or zero memory" in report(odd) and "'ghost01'" in report(odd)


def test_oddities_a_host_row_without_a_name_is_skipped(odd: Loaded) -> None:
    assert odd.inventory.n_nodes == 6
    assert "1 host row with an empty name (summary or orphan rows) skipped: row 7" in report(odd)


def test_oddities_a_vm_on_a_host_not_listed_keeps_no_current_node(odd: Loaded) -> None:
    inv = odd.inventory
    assert inv.vm_node[inv.vm_names.index("legacy-nt")] == -1
    assert "'legacy-nt (esx99.corp.example.com)'" in report(odd)


def test_oddities_a_datastore_of_two_clusters_is_one_lun_per_cluster(
    odd: Loaded, provisioned: Inventory
) -> None:
    inv = odd.inventory
    prod, test = (inv.lun_names.index(f"{SILVER}@{c}") for c in ("Prod", "Test"))
    assert SILVER not in inv.lun_names
    assert inv.lun_capacity_gb[prod] + inv.lun_capacity_gb[test] == pytest.approx(4096)
    # split by what each cluster's VMs are provisioned: test-jump01's 60 GiB against Prod's
    prod_gib = sum(
        float(provisioned.vm_disk_gb[v])
        for v, name in enumerate(provisioned.vm_names)
        if provisioned.lun_names[provisioned.vm_lun[v]] == f"{SILVER}@Prod"
    )
    assert inv.lun_capacity_gb[test] == pytest.approx(4096 * 60 / (60 + prod_gib))
    jump = inv.vm_names.index("test-jump01")
    assert inv.lun_names[inv.vm_lun[jump]] == f"{SILVER}@Test"


def test_oddities_thin_disks_fit_their_datastore_as_used_not_as_provisioned(
    odd: Loaded, provisioned: Inventory
) -> None:
    def on_nfs(inv: Inventory) -> float:
        lun = inv.lun_names.index("nfs-test")
        return float(inv.vm_disk_gb[inv.vm_lun == lun].sum())

    capacity = float(odd.inventory.lun_capacity_gb[odd.inventory.lun_names.index("nfs-test")])
    assert on_nfs(odd.inventory) <= capacity < on_nfs(provisioned)


def test_oddities_drs_rules_keeping_vms_apart_become_classes(odd: Loaded) -> None:
    inv = odd.inventory
    assert classes_of(inv, "dc01") == classes_of(inv, "dc02") == ["separate-dcs"]
    assert classes_of(inv, "sql01") == classes_of(inv, "sql02") == ["separate-sql"]
    assert classes_of(inv, "app01") == classes_of(inv, "web01") == []
    text = report(odd)
    assert "keep-together rules (no plan rule keeps VMs on one node): 'sql-with-app'" in text
    assert "not guessed, not applied: 'web01: web-rule'" in text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Anti-Affinity", "apart"),
        ("ClusterAntiAffinityRuleSpec", "apart"),
        ("Separate Virtual Machines", "apart"),
        ("Affinity", "together"),
        ("Keep Virtual Machines Together", "together"),
        ("ClusterVmHostRuleInfo", "hosts"),
        ("Virtual Machines to Hosts", "hosts"),
        ("ClusterDependencyRuleInfo", "depends"),
        ("", None),
        ("rule", None),
    ],
)
def test_oddities_drs_rule_kinds_are_read_never_guessed(text: str, kind: str | None) -> None:
    assert kind_of(text) == kind


def test_oddities_ansi_text_and_files_that_are_no_table(odd: Loaded) -> None:
    assert "test-app01" in odd.inventory.vm_names
    assert "not UTF-8, read as cp1252 (--encoding): 'RVTools_tabvInfo.csv'" in report(odd)
    assert "files in the export folder that are no table, not read: 'README.md'" in report(odd)
    with pytest.raises(
        InputError, match=r"RVTools_tabvInfo.csv row 23, Annotation: is not UTF-8 text"
    ):
        load_inventory([ODD])


def test_oddities_strict_refuses_the_first(tmp_path: Path) -> None:
    strict = ImportOptions(encoding="cp1252", strict=True)
    with pytest.raises(InputError, match=r"^README.md row 1: expected 2 columns, got 1$"):
        load_inventory([ODD], options=strict)
    shutil.copytree(ODD, tmp_path / "odd")
    (tmp_path / "odd" / "README.md").unlink()
    with pytest.raises(InputError, match=r"^RVTools_tabvHost.csv row 7, # Cores: is empty"):
        load_inventory([tmp_path / "odd"], options=strict)


def test_oddities_the_odd_fixture_has_an_n_plus_1_plan(odd: Loaded) -> None:
    result = solve(odd.inventory, Params(time_limit=30, workers=1, seed=0))
    assert result.plan is not None
    assert check_plan(odd.inventory, result.plan, 1) == []


def test_oddities_a_dangling_link_in_an_export_folder_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(FIXTURES / "hyperv", folder)
    (folder / "get-vhd.csv").unlink()
    (folder / "get-vhd.csv").symlink_to(tmp_path / "gone.csv")
    for strict in (False, True):
        with pytest.raises(InputError, match=r"^get-vhd.csv: cannot read the file: No such file"):
            load_inventory([folder], options=ImportOptions(strict=strict))


def test_oddities_a_lone_quote_in_an_unquoted_field_is_text() -> None:
    table = csv_table("servers.csv", b'name,os\n19" rack,Linux\n"quoted ""x""",ok\n')
    assert [row["name"] for row in table.rows] == ['19" rack', 'quoted "x"']
    with pytest.raises(InputError, match=r"^t.csv row 2, b: a quote opened here is never closed"):
        csv_table("t.csv", b'a,b\n19" rack,1\n2,"open\n')


def test_oddities_unique_names_renames_later_ones_and_never_collides() -> None:
    assert unique_names(["a", "b", "a", "a~2", "a"]) == ["a", "b", "a~3", "a~2", "a~4"]
