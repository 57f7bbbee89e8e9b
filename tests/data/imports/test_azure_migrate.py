"""Azure Migrate import CSV: servers become VMs, planned on the nodes of a table given
beside them; errors name servers.csv's row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.check.checker import check_plan
from data.errors import InputError
from data.imports.common import ImportOptions
from data.imports.load import load_inventory
from solver.params import Params
from solver.solve import solve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "azure-migrate"
SERVERS, NODES = FIXTURES / "servers.csv", FIXTURES / "nodes.csv"


def test_azure_migrate_with_a_nodes_table_builds() -> None:
    loaded = load_inventory([SERVERS, NODES])
    inv = loaded.inventory
    assert loaded.imported is not None
    assert loaded.imported.formats == ["azure-migrate", "canonical"]
    assert inv.node_names == ("hv01", "hv02", "hv03") and inv.clusters == ("Hyper-V-Prod",)
    assert inv.n_vms == 10 and inv.vm_names[0] == "web-01"
    db = inv.vm_names.index("db-01")
    assert (inv.vm_memory_mb[db], inv.vm_vcpus[db], inv.vm_disk_gb[db]) == (32768, 8, 895.0)
    assert inv.vm_disk_gb[inv.vm_names.index("build-01")] == 1440.0  # a physical server too
    # no host, no storage: every VM its own exclusive LUN, no current node
    assert not inv.has_lun_table and inv.n_luns == 10 and (inv.vm_node == -1).all()
    assert inv.equals(load_inventory([FIXTURES]).inventory)  # the directory reads the same


def test_azure_migrate_report() -> None:
    loaded = load_inventory([FIXTURES])
    assert loaded.imported is not None
    report = loaded.imported.report
    assert any("servers.csv: 10 servers -> vms" in line for line in report.mapped)
    assert any("*Memory (In MB) is taken as MiB" in line for line in report.assumed)
    dropped = [line for line in report.dropped if line.startswith("servers.csv")]
    assert len(dropped) == 1 and "'IP addresses', '*OS name'" in dropped[0]


def test_azure_migrate_alone_asks_for_a_nodes_table() -> None:
    with pytest.raises(InputError, match="no nodes table; add a Get-VMHost export or a nodes"):
        load_inventory([SERVERS])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "servers.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("a,2,4096,Linux,\nb,two,4096,Linux,\n", "servers.csv row 2, *Cores: 'two' is not a"),
        ("a,2,-1,Linux,\n", "servers.csv row 1, *Memory (In MB): '-1' is not a non-negative"),
        ("a,2,4096,Linux,-5\n", "servers.csv row 1, Disk 1 size (In GB): '-5' is not a"),
        ("a,2,4096,Linux,\n,2,4096,Linux,\n", "servers.csv row 2, *Server name: is empty"),
        ("a,2,4096,Linux,\na,1,512,Linux,\n", "servers.csv row 2, *Server name: 'a' repeats row 1"),
    ],
)
def test_azure_migrate_errors_name_row_and_column(tmp_path: Path, rows: str, expected: str) -> None:
    header = "*Server name,*Cores,*Memory (In MB),*OS name,Disk 1 size (In GB)\n"
    with pytest.raises(InputError) as caught:
        load_inventory([write(tmp_path, header + rows), NODES], options=ImportOptions(strict=True))
    assert str(caught.value).startswith(expected)


def test_azure_migrate_without_the_template_stars(tmp_path: Path) -> None:
    servers = write(tmp_path, "Server Name,Cores,Memory (In MB),OS name\nweb,2,4096,Linux\n")
    inv = load_inventory([servers, NODES]).inventory
    assert inv.vm_names == ("web",) and inv.vm_disk_gb.tolist() == [0.0]


def test_azure_migrate_fixture_has_an_n_plus_1_plan() -> None:
    inv = load_inventory([FIXTURES]).inventory
    result = solve(inv, Params(failures=1, time_limit=20, workers=1, seed=0))
    assert result.plan is not None
    assert check_plan(inv, result.plan, failures=1) == []


def test_azure_migrate_empty_rows_excel_leaves_are_skipped(tmp_path: Path) -> None:
    """Excel saves rows it once formatted as delimiters only, also between servers."""
    header = "*Server name,*Cores,*Memory (In MB),*OS name,Disk 1 size (In GB)\n"
    servers = write(tmp_path, header + "a,2,4096,Linux,\n,,,,\nb,1,512,Linux,10\n,,,,\n,,,,\n")
    loaded = load_inventory([servers, NODES])
    assert loaded.inventory.vm_names == ("a", "b")
    assert loaded.imported is not None
    assert "servers.csv: 2 servers -> vms" in loaded.imported.report.mapped[0]


def test_azure_migrate_template_without_servers_gives_no_vms(tmp_path: Path) -> None:
    header = "*Server name,*Cores,*Memory (In MB),*OS name,Disk 1 size (In GB)\n"
    assert load_inventory([write(tmp_path, header), NODES]).inventory.n_vms == 0


def test_azure_migrate_empty_servers_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_inventory([write(tmp_path, ""), NODES])
    assert str(caught.value) == "servers.csv: empty file, and no other source gives the vms table"


def test_azure_migrate_nodes_table_without_a_node_column_is_named(tmp_path: Path) -> None:
    """Found by test_fuzz (the first byte of nodes.csv deleted): a KeyError traceback once."""
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(NODES.read_text()[1:])
    with pytest.raises(InputError, match=r"nodes\.csv, node: required column 'node' is missing"):
        load_inventory([SERVERS, nodes])
