"""What the commands share: `-` for stdin where sources are read, and never for a directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app

FIXTURES = Path(__file__).parents[1] / "fixtures"
NODES = "node,memory_mb,logical_processors\nhv1,16384,8\nhv2,16384,8\nhv3,16384,8\n"
VMS = "vm,memory_mb,vcpus,node\nweb,4096,2,hv1\nsql,8192,4,hv2\n"


def piped(stdin: bytes | str, *args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], input=stdin)


@pytest.fixture
def nodes_csv(tmp_path: Path) -> Path:
    (tmp_path / "nodes.csv").write_text(NODES)
    return tmp_path / "nodes.csv"


def test_plan_reads_a_source_from_stdin(nodes_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = piped(VMS, "plan", "-", nodes_csv, "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.stderr
    placement = (out / "placement.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in placement[1:]] == ["sql", "web"]
    assert len(json.loads((out / "plan.json").read_text())["input_sha256"]) == 64


def test_plan_reads_a_workbook_from_stdin() -> None:
    """The bytes tell a workbook from CSV text, so a piped RVTools export plans as the file."""
    path = FIXTURES / "rvtools" / "RVTools_export.xlsx"
    args = ("--workers", "1", "--format", "csv")
    from_stdin = piped(path.read_bytes(), "plan", "-", *args)
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert from_stdin.stdout.splitlines()[0].startswith("node,cluster,vms,")
    assert from_stdin.stdout == piped(b"", "plan", path, *args).stdout


def test_bad_input_on_stdin_names_stdin(nodes_csv: Path, tmp_path: Path) -> None:
    result = piped("vm,memory_mb,vcpus\nweb,-512,1\n", "plan", "-", nodes_csv)
    assert result.exit_code == 2
    assert result.stderr == "hvplace: stdin row 1, memory_mb: '-512' is not a positive integer\n"


def test_stdin_can_be_given_once(nodes_csv: Path) -> None:
    result = piped(VMS, "plan", "-", "-", nodes_csv)
    assert result.exit_code == 2
    assert result.stderr == "hvplace: - (stdin) can be given only once\n"


def test_import_and_check_read_stdin(nodes_csv: Path, tmp_path: Path) -> None:
    inventory, plan = tmp_path / "inv", tmp_path / "plan"
    imported = piped(VMS, "import", "-", nodes_csv, "--out", inventory)
    assert imported.exit_code == 0, imported.stderr
    assert (inventory / "vms.csv").exists()
    assert piped(b"", "plan", inventory, "--out", plan, "--workers", "1").exit_code == 0
    checked = piped(
        (inventory / "vms.csv").read_bytes(), "check", "-", inventory / "nodes.csv", plan
    )
    assert checked.exit_code == 0, checked.stderr
    assert "N+1 check: valid" in checked.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--example", "two-node", "--out", "-"],
        ["generate", "--out", "-"],
        ["import", str(FIXTURES / "azure-migrate"), "--out", "-"],
    ],
)
def test_a_directory_cannot_go_to_stdout(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = piped(b"", *args)
    assert result.exit_code == 2
    assert result.stderr == (
        "hvplace: --out - (stdout) takes one file; this command writes a directory\n"
    )
    assert list(tmp_path.iterdir()) == []
