"""The large path's fallback: first-fit only where it can end in time; whether the
exact model is built at all, and when its build is abandoned."""

from __future__ import annotations

import os
import time

import pytest

from data.synth.fleet import fleet_inventory, generate_fleet
from solver import large_result
from solver.large_result import first_fit_outcome, first_fit_seconds
from solver.params import Params
from solver.problem import cluster_problem
from solver.size_estimate import estimate_model


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


@pytest.mark.parametrize("load", [0.0, 1000.0])
def test_exact_model_fits_is_decided_without_the_load_average(
    monkeypatch: pytest.MonkeyPatch, load: float
) -> None:
    """16 nodes, 400 VMs, N+1 (~1 s calibrated) on an 8 s budget (2 s for the build):
    borderline, so the old probe scaled it by the load; now idle and busy agree."""
    problem = cluster_problem(fleet_inventory(generate_fleet(1, 16, 400, 0)), 0, 1)
    seconds = estimate_model(problem).build_seconds()
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert 0.4 < seconds < 2.0  # between a fifth of the build's share and all of it
    assert large_result.exact_model_fits(problem, Params(failures=1), 8.0)


def test_build_deadline_leaves_the_large_path_a_tenth_of_the_budget() -> None:
    assert large_result.build_deadline(100.0, 20.0) == pytest.approx(118.0)
