"""The large path's fallback: first-fit only where it can end in time."""

from __future__ import annotations

import time

import pytest

from data.synth.fleet import fleet_inventory, generate_fleet
from solver import large_result
from solver.large_result import first_fit_outcome, first_fit_seconds
from solver.params import Params
from solver.problem import cluster_problem


def test_first_fit_outcome_plans_a_small_cluster_on_a_spent_budget() -> None:
    problem = cluster_problem(fleet_inventory(generate_fleet(1, 6, 30, 1)), 0, 1)
    assert first_fit_seconds(problem) < large_result.QUICK_FIRST_FIT
    assert first_fit_outcome(problem, Params(failures=1), time.monotonic()) is not None


def test_first_fit_outcome_is_not_started_when_it_would_overrun(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if each item cost a second: the estimate passes QUICK_FIRST_FIT and the time
    left, so no first-fit runs (at 64 nodes N+3 it would need 687 MiB per unit)."""
    problem = cluster_problem(fleet_inventory(generate_fleet(1, 6, 30, 1)), 0, 1)
    monkeypatch.setattr(large_result, "FIRST_FIT_SECONDS_PER_ITEM", 1.0)
    start = time.monotonic()
    assert first_fit_outcome(problem, Params(failures=1), start + 5.0) is None
    assert time.monotonic() - start < 1.0


def test_answer_seconds_grow_with_the_units_up_to_a_tenth_of_the_budget() -> None:
    small = cluster_problem(fleet_inventory(generate_fleet(1, 6, 30, 1)), 0, 1)
    large = cluster_problem(fleet_inventory(generate_fleet(1, 6, 300, 1)), 0, 1)
    assert 0 < large_result.answer_seconds(small, 60.0) < large_result.answer_seconds(large, 60.0)
    assert large_result.answer_seconds(large, 0.1) == pytest.approx(0.01)
