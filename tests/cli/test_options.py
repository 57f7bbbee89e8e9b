"""Options every command shares, validated before any work: --seed, --workers, --out."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli.plan
from cli.common import SEED_MAX, WORKERS_MAX


def _no_solve(*args: object, **kwargs: object) -> None:
    raise AssertionError("the solve started before the options were checked")


def _refused(result, needle: str) -> None:
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--seed", "-1"),
        ("--seed", str(SEED_MAX + 1)),
        ("--workers", str(WORKERS_MAX + 1)),
        ("--workers", "10001"),
    ],
)
def test_plan_out_of_range_option_exits_2_before_solving(
    run, tiny_inventory: Path, monkeypatch: pytest.MonkeyPatch, option: str, value: str
) -> None:
    monkeypatch.setattr(cli.plan, "solve", _no_solve)
    _refused(run("plan", tiny_inventory, option, value), option)


def test_plan_largest_seed_and_workers_are_accepted(run, tiny_inventory: Path) -> None:
    result = run("plan", tiny_inventory, "--seed", str(SEED_MAX), "--workers", "1")
    assert result.exit_code == 0, result.stderr


def test_generate_negative_seed_exits_2(run, tmp_path: Path) -> None:
    _refused(run("generate", "--out", tmp_path / "fleet", "--seed", "-3"), "--seed")
    assert not (tmp_path / "fleet").exists()


def test_plan_out_that_is_a_file_exits_2_before_solving(
    run, tiny_inventory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.plan, "solve", _no_solve)
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    _refused(run("plan", tiny_inventory, "--out", taken), "is a file")
    _refused(run("plan", tiny_inventory, "--out", taken / "plan"), "lies under")
    assert taken.read_text() == "mine"


def test_plan_out_onto_its_inventory_exits_2(
    run, tiny_inventory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.plan, "solve", _no_solve)
    before = (tiny_inventory / "vms.csv").read_bytes()
    _refused(run("plan", tiny_inventory, "--out", tiny_inventory), "would overwrite the input")
    _refused(run("plan", tiny_inventory, "--out", tiny_inventory / "p"), "would overwrite")
    _refused(run("plan", tiny_inventory / "vms.csv", "--out", tiny_inventory.parent), "overwrite")
    assert (tiny_inventory / "vms.csv").read_bytes() == before


def test_import_out_onto_its_source_exits_2_and_keeps_the_users_file(
    run, tiny_inventory: Path
) -> None:
    vms = tiny_inventory / "vms.csv"
    header, *rows = vms.read_text().splitlines()
    vms.write_text("\n".join([header + ",team", *(row + ",ops" for row in rows)]) + "\n")
    before = vms.read_bytes()
    _refused(run("import", tiny_inventory, "--out", tiny_inventory), "would overwrite the input")
    assert vms.read_bytes() == before


@pytest.fixture
def plan_dir(run, tiny_inventory: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan"
    assert run("plan", tiny_inventory, "--out", out, "--workers", "1").exit_code == 0
    return out


@pytest.mark.parametrize(
    ("fmt", "target"),
    [("json", "placement.csv"), ("powershell", "plan.json"), ("csv", ""), ("parquet", "inventory")],
)
def test_export_out_into_the_plan_exits_2_and_keeps_its_files(
    run, plan_dir: Path, fmt: str, target: str
) -> None:
    before = {p: p.read_bytes() for p in plan_dir.rglob("*") if p.is_file()}
    out = plan_dir / target if target else plan_dir
    _refused(run("export", plan_dir, "--format", fmt, "--out", out), "would overwrite the input")
    assert {p: p.read_bytes() for p in plan_dir.rglob("*") if p.is_file()} == before


def test_export_file_out_that_is_a_directory_exits_2(run, plan_dir: Path, tmp_path: Path) -> None:
    _refused(run("export", plan_dir, "--format", "json", "--out", tmp_path), "is a directory")


def test_report_out_into_the_plan_exits_2(run, plan_dir: Path) -> None:
    _refused(run("report", plan_dir, "--out", plan_dir / "report.html"), "would overwrite")
    assert not (plan_dir / "report.html").exists()
