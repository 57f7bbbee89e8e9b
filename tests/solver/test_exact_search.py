"""solver/exact_search.py: the exact model's search, the bound it reports, and the
large path taken when the model's build overruns."""

from __future__ import annotations

import time
import types
from typing import Any

import pytest

from data.check.checker import check_plan
from data.io.build import build_inventory, table
from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.bounds import lower_bound
from solver.build_clock import BuildOverrun
from solver.exact_search import rounded_bound
from solver.packing_plan import packing_plan
from solver.params import Params
from solver.problem import cluster_problem
from solver.solve import solve


@pytest.mark.parametrize("objective", [Objective.BALANCE, Objective.NODES])
def test_rounded_bound_is_the_analytic_one_when_cp_sat_stopped_in_presolve(
    objective: Objective,
) -> None:
    """CP-SAT cut short in presolve reports bound 0; the plan's bound is still proven."""
    inventory = fleet_inventory(generate_fleet(1, 4, 12, seed=3))
    problem = cluster_problem(inventory, 0, 1)
    params = Params(objective=objective, tolerance=10)
    analytic = lower_bound(problem, objective)
    stopped = types.SimpleNamespace(best_objective_bound=0.0)
    expected = -(-analytic // 10) * 10 if objective is Objective.BALANCE else analytic
    assert analytic > 0
    assert rounded_bound(stopped, params, problem) == expected  # type: ignore[arg-type]


def test_exact_search_abandons_an_overrunning_build_within_the_limit(
    monkeypatch: pytest.MonkeyPatch, cpsat_searches: list[int]
) -> None:
    """As if the machine were far slower than calibrated: the owners family alone takes
    1.6 s of a 3 s limit, so the build would end past it. It is abandoned at the next
    family boundary and the large path's plan, certified, comes in time."""
    import solver.model

    real = solver.model.add_assignment

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.6)
        return real(*args, **kwargs)

    def unreached(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the build went on past its deadline")

    monkeypatch.setattr(solver.model, "add_assignment", slow)
    monkeypatch.setattr(solver.model, "add_capacity", unreached)
    inventory = fleet_inventory(generate_fleet(1, 4, 12, seed=3))
    params = Params(failures=1, workers=1, seed=0, time_limit=3.0)
    begun = time.monotonic()
    result = solve(inventory, params)
    assert time.monotonic() - begun < 3.0
    assert result.plan is not None and check_plan(inventory, result.plan, 1) == []
    assert cpsat_searches == []


def test_exact_search_keeps_the_early_packing_when_the_build_overruns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At k = 0 the early packing takes most of the budget, so the model's build may be
    abandoned: the packing's plan is the answer, not the large path's (which, with the
    time gone, had none: ct9-d5-n120-s2 of benchmarks/vbp.py ended UNKNOWN)."""
    import solver.exact_search as exact

    def overrun(*args: Any, **kwargs: Any) -> Any:
        raise BuildOverrun

    def unreached(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the large path answered though a packing was in hand")

    nodes = [{"node": f"n{i}", "memory_mb": 8192, "logical_processors": 4} for i in range(6)]
    sizes = [3000, 2500, 2000, 1500, 3500, 1000, 2700, 1800, 900, 2200]
    vms = [{"vm": f"v{i}", "memory_mb": m, "vcpus": 1} for i, m in enumerate(sizes)]
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    problem = cluster_problem(inventory, 0, 0)
    params = Params(failures=0, objective=Objective.NODES, workers=1, seed=0, time_limit=5.0)
    packed = packing_plan(problem, time.monotonic() + 2.0)
    assert packed is not None
    monkeypatch.setattr(exact, "build_model", overrun)
    monkeypatch.setattr(exact, "without_model", unreached)
    starts = (None, packed, None)
    result = exact.exact_search(problem, params, (time.monotonic(), 0.5), starts, None)
    assert result.status.has_plan
    assert result.objective_value == len({owners[0] for owners in packed.owners if owners})
