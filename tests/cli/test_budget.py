"""The solve's share of --time-limit: the rest is kept for certify, order, write, show."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import plan as plan_module
from cli.budget import FLOOR, MARGIN, AfterSolve, solve_limit, vm_failure_sets
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.result import Result, Status


def fleet(clusters: int, nodes: int, vms: int):
    return fleet_inventory(generate_fleet(clusters, nodes, vms, seed=0))


def test_vm_failure_sets_counts_each_cluster_under_its_own_sets() -> None:
    inv = fleet(2, 4, 10)  # per cluster: 1 + 4 + 6 sets of at most 2 of 4 nodes, 10 VMs
    assert vm_failure_sets(inv, 2) == 2 * 10 * 11
    assert vm_failure_sets(inv, 0) == 20
    assert vm_failure_sets(inv, 9) == 2 * 10 * 16  # every subset, no more


def test_solve_limit_takes_milliseconds_from_a_small_inventory() -> None:
    inv = fleet(1, 8, 100)
    kept = 20 - solve_limit(20, inv, 1)
    assert 0 < kept < 0.05


def test_solve_limit_keeps_the_estimate_with_its_margin() -> None:
    inv = fleet(3, 8, 100)
    after = AfterSolve(base=1.0, per_vm=0.01, per_node=0.0, per_cluster=0.0, per_vm_set=0.0)
    assert solve_limit(20, inv, 1, after) == pytest.approx(20 - MARGIN * (1.0 + 3.0))


def test_solve_limit_grows_with_the_inventory_and_never_passes_the_floor() -> None:
    small, large = fleet(1, 8, 100), fleet(4, 8, 400)
    assert solve_limit(20, large, 1) < solve_limit(20, small, 1)
    costly = AfterSolve(base=100.0)
    assert solve_limit(20, small, 1, costly) == pytest.approx(FLOOR * 20)


def test_plan_solves_within_the_limit_less_the_estimate(run, monkeypatch, tmp_path: Path) -> None:
    """A fake solve records its limit: the command's own estimate was taken from T."""
    seen: list[float] = []

    def recorded(inventory, params, on_progress=None, stop=None, fan_out=None) -> Result:
        seen.append(params.time_limit)
        return Result(Status.UNKNOWN, "balance", None, 0, params.time_limit, (), None)

    monkeypatch.setattr(plan_module, "solve", recorded)
    monkeypatch.setattr(plan_module, "solve_limit", lambda t, inv, k: t - 7.0)
    result = run("plan", "--example", "two-node", "--out", tmp_path / "p", "--time-limit", "30")
    assert result.exit_code == 3
    assert seen == [23.0]
    assert "within the time limit (30 s)" in result.stderr  # the user's T, not the share


def test_gc_paused_stops_collection_inside_and_restores_it() -> None:
    import gc

    from cli.budget import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
