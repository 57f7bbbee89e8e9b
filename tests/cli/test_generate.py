"""`hvplace generate`: seeded, complete, and plannable."""

from __future__ import annotations

from pathlib import Path


def test_generate_same_seed_same_bytes(run, tmp_path: Path) -> None:
    for name in ("a", "b"):
        args = (
            "generate",
            "--clusters",
            "2",
            "--nodes",
            "4",
            "--vms",
            "20",
            "--seed",
            "9",
            "--luns",
            "--out",
            tmp_path / name,
        )
        assert run(*args).exit_code == 0
    for table in ("nodes.csv", "vms.csv", "luns.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()


def test_generate_then_plan_then_check(run, tmp_path: Path) -> None:
    fleet, plan = tmp_path / "fleet", tmp_path / "plan"
    args = (
        "generate",
        "--clusters",
        "2",
        "--nodes",
        "4",
        "--vms",
        "16",
        "--seed",
        "1",
        "--out",
        fleet,
    )
    assert run(*args).exit_code == 0
    assert run("plan", fleet, "--out", plan, "--workers", "1", "--time-limit", "30").exit_code == 0
    assert run("check", fleet, plan).exit_code == 0


def test_generate_rejects_too_few_nodes(run, tmp_path: Path) -> None:
    result = run("generate", "--nodes", "2", "--failures", "2", "--out", tmp_path / "x")
    assert result.exit_code == 2
    assert "cannot give N+2 headroom" in result.stderr
