"""`hvplace import`, and `plan`/`check` reading exports directly (format-neutral parts;
each format's mapping is tested in tests/data/imports)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

HOSTS = "node,memory_mb,logical_processors\nhv1,16384,8\nHV2.corp.local,16384,8\nhv3,16384,8\n"
GUESTS = "vm,memory_mb,vcpus,node\nweb,4096,2,HV1\nsql,8192,4,hv2\nnew,1024,1,\n"


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    directory = tmp_path / "exports"
    directory.mkdir()
    (directory / "hosts.csv").write_text(HOSTS)
    (directory / "guests.csv").write_text(GUESTS)
    return directory


def test_import_writes_canonical_tables_and_says_what_it_assumed(run, exports: Path) -> None:
    out = exports.parent / "inv"
    result = run("import", exports, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "'hv2' -> 'HV2.corp.local'" in result.stdout
    assert "Wrote" in result.stdout and "3 nodes, 3 VMs" in result.stdout
    vms = (out / "vms.csv").read_text().splitlines()
    assert vms[0].startswith("vm,memory_mb,vcpus")
    assert any(line.startswith("sql,8192,4,") and ",HV2.corp.local," in line for line in vms)


def test_import_reports_files_it_does_not_know_and_writes_parquet(run, exports: Path) -> None:
    (exports / "notes.csv").write_text("what,when\nupgrade,friday\n")
    out = exports.parent / "inv"
    result = run("import", exports, "--out", out, "--tables", "parquet")
    assert result.exit_code == 0, result.stderr
    assert "notes.csv: not a table of a known export; ignored" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["nodes.parquet", "vms.parquet"]


def test_import_bad_input_names_the_export_and_writes_nothing(run, exports: Path) -> None:
    (exports / "guests.csv").write_text(GUESTS + "web,2048,1,hv3\n")
    out = exports.parent / "inv"
    result = run("import", exports, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.strip() == "hvplace: guests.csv row 4, vm: 'web' repeats row 1"
    assert not out.exists()


def test_import_of_nothing_known_is_bad_input(run, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    result = run("import", tmp_path / "a.csv", "--out", tmp_path / "inv")
    assert result.exit_code == 2
    assert "no table of a known export" in result.stderr
    assert not (tmp_path / "inv").exists()


def test_import_refuses_an_unknown_format_name(run, exports: Path) -> None:
    result = run("import", exports, "--out", exports.parent / "inv", "--format", "vmware")
    assert result.exit_code == 2
    assert "unknown format 'vmware'" in result.stderr


def test_plan_and_check_read_export_files_directly(run, exports: Path) -> None:
    plan = exports.parent / "plan"
    files = [exports / "guests.csv", exports / "hosts.csv"]
    result = run("plan", *files, "--out", plan, "--workers", "1", "--time-limit", "5")
    assert result.exit_code == 0, result.stderr
    assert "imported canonical sources: 3 nodes, 3 VMs; 1 assumptions" in result.stderr
    checked = run("check", *files, plan)
    assert checked.exit_code == 0, checked.stderr
    assert "N+1 check: valid" in checked.stdout


def test_check_without_inventory_uses_the_plans_copy(run, exports: Path) -> None:
    plan = exports.parent / "plan"
    assert run("plan", exports, "--out", plan, "--workers", "1").exit_code == 0
    result = run("check", plan)
    assert result.exit_code == 0, result.stderr
    assert "the plan's own copy" in result.stderr
    (plan / "inventory" / "vms.csv").write_text("vm,memory_mb,vcpus\nweb,4096,2\n")
    result = run("check", plan)
    assert result.exit_code == 2
    assert "placement.csv row" in result.stderr and "not in the inventory" in result.stderr


def test_plan_of_exports_hashes_the_source_files_in_name_order(run, exports: Path) -> None:
    plan = exports.parent / "plan"
    assert run("plan", exports, "--out", plan, "--workers", "1").exit_code == 0
    digest = hashlib.sha256()
    for name in ("guests.csv", "hosts.csv"):
        digest.update(name.encode() + b"\0" + (exports / name).read_bytes() + b"\0")
    assert json.loads((plan / "plan.json").read_text())["input_sha256"] == digest.hexdigest()


ODD = Path(__file__).parents[1] / "fixtures" / "rvtools" / "odd"  # every oddity, an ANSI vInfo


def test_import_of_a_real_export_reports_each_oddity(run, tmp_path: Path) -> None:
    out = tmp_path / "inv"
    result = run("import", ODD, "--out", out, "--encoding", "cp1252")
    assert result.exit_code == 0, result.stderr
    report = " ".join(result.stdout.split())
    for said in (
        "not UTF-8, read as cp1252",
        "'dc01' -> 'dc01~2'",
        "with empty or zero memory",
        "1 host row with an empty name",
        "kept with no current node",
        "one shared LUN per datastore and cluster",
        "--disk used",
        "no table, not read: 'README.md'",
        "whose kind vInfo does not show",
    ):
        assert said in report, said
    assert "SAN Silver 02@Test" in (out / "luns.csv").read_text()


def test_import_strict_refuses_the_first_oddity_in_one_line(run, tmp_path: Path) -> None:
    out = tmp_path / "inv"
    result = run("import", ODD, "--out", out, "--encoding", "cp1252", "--strict")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["hvplace: README.md row 1: expected 2 columns, got 1"]
    assert not out.exists()


def test_import_without_the_encoding_names_the_cell_that_is_not_utf8(run, tmp_path: Path) -> None:
    result = run("import", ODD, "--out", tmp_path / "inv")
    assert result.exit_code == 2
    line = "hvplace: RVTools_tabvInfo.csv row 23, Annotation: is not UTF-8 text"
    assert result.stderr.splitlines() == [f"{line}; an Excel ANSI save? give --encoding cp1252"]


def test_import_an_unknown_encoding_is_a_usage_error(run, tmp_path: Path) -> None:
    result = run("import", ODD, "--out", tmp_path / "inv", "--encoding", "klingon")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "hvplace: --encoding 'klingon' is not an encoding Python knows"
    ]


def test_plan_imports_on_the_fly_with_the_same_options(run, tmp_path: Path) -> None:
    flags = ("--encoding", "cp1252", "--workers", "1", "--time-limit", "20")
    out = tmp_path / "plan"
    assert run("plan", ODD, *flags, "--out", out).exit_code == 0
    # thin disks counted as they may grow: nfs-test's 400 GiB cannot hold them
    provisioned = run("plan", ODD, *flags, "--disk", "provisioned")
    assert provisioned.exit_code == 1
    assert "LUN 'nfs-test' holds 520 GiB of VM disks" in provisioned.stderr
    strict = run("plan", ODD, *flags, "--strict")
    assert strict.exit_code == 2 and "README.md row 1" in strict.stderr
    assert run("check", ODD, out, "--encoding", "cp1252").exit_code == 0
    assert run("check", ODD, out, "--encoding", "cp1252", "--strict").exit_code == 2
