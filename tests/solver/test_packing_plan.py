"""solver/packing_plan.py's early packing: a k = 0 `nodes` plan that meets the bound is
returned without building the exact model, and it passes the checker."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import solver.exact_search as exact_module
from data.inventory import Inventory
from solver.packing_lp import forget_lp_bounds
from solver.result import Result, Status


def _pairs(inventory_of: Callable[..., Inventory]) -> Inventory:
    """Four VMs in res_a and res_b that fit only in pairs: 3 nodes, proven by the LP."""
    nodes = [{"node": f"n{i}", "res_a": 10, "res_b": 10, "memory_mb": 65536} for i in range(4)]
    sizes = [(7, 9), (1, 3), (5, 2), (5, 4)]
    vms = [{"vm": f"v{i}", "res_a": a, "res_b": b} for i, (a, b) in enumerate(sizes)]
    return inventory_of(nodes, vms)


def _no_model(*args: object, **kwargs: object) -> None:
    raise AssertionError("the exact model was built")


def test_early_packing_meeting_the_bound_builds_no_model(
    inventory_of: Callable[..., Inventory],
    solve_and_check: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forget_lp_bounds()  # the packing must prove it itself
    monkeypatch.setattr(exact_module, "build_model", _no_model)
    result = solve_and_check(_pairs(inventory_of), objective="nodes", failures=0)
    assert result.status is Status.OPTIMAL
    assert (result.objective_value, result.bound) == (3, 3)


def test_early_packing_is_not_tried_at_k1(
    inventory_of: Callable[..., Inventory],
    solve_and_check: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exact_module, "build_model", _no_model)
    with pytest.raises(AssertionError, match="exact model was built"):
        solve_and_check(_pairs(inventory_of), objective="nodes", failures=1)
