"""CLI tests run the typer app in-process and inspect exit codes, streams and files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture
def tiny_inventory(tmp_path: Path) -> Path:
    """Three 16 GiB nodes, four VMs: N+1 feasible in a fraction of a second."""
    directory = tmp_path / "inv"
    directory.mkdir()
    (directory / "nodes.csv").write_text(
        "node,memory_mb,logical_processors\nhv1,16384,8\nhv2,16384,8\nhv3,16384,8\n"
    )
    (directory / "vms.csv").write_text(
        "vm,memory_mb,vcpus,node,anti_affinity\n"
        "dc1,2048,1,hv1,dc\ndc2,2048,1,hv1,dc\nsql,8192,4,hv2,\nweb,4096,2,hv3,\n"
    )
    return directory
