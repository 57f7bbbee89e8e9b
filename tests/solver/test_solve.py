"""solve(): determinism, statuses, per-cluster figures, progress and parameters."""

from __future__ import annotations

from typing import Any

import pytest

from data.check.checker import check_plan, moves, nodes_used, utilisation_permille
from data.rules import Objective, Rule
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.params import Params
from solver.result import Status
from solver.solve import solve


@pytest.mark.parametrize("objective", ["balance", "moves"])
@pytest.mark.parametrize("luns", [False, True])
def test_solve_is_deterministic_with_seed_and_one_worker(objective: str, luns: bool) -> None:
    inventory = fleet_inventory(generate_fleet(1, 4, 12, seed=3, luns=luns))
    params = Params(failures=1, objective=objective, workers=1, seed=0, time_limit=20)
    first, second = solve(inventory, params), solve(inventory, params)
    assert first.status is Status.OPTIMAL
    assert first.plan.equals(second.plan)
    assert (first.objective_value, first.bound) == (second.objective_value, second.bound)
    assert check_plan(inventory, first.plan, 1) == []


@pytest.mark.parametrize(
    ("objective", "per_cluster", "total"),
    [("nodes", [2, 2], 4), ("balance", [250, 499], 499), ("moves", [0, 0], 0)],
)
def test_solve_combines_clusters(two_clusters, solve_and_check, objective, per_cluster, total):
    # Each cluster: two 2000 MiB VMs (2040 MiB each). East (3 nodes) gives them one
    # standby: 2040 / 8192 -> 250; west (2 nodes) stacks both after a failure:
    # 4080 / 8192 -> 499. Nodes add up, utilisation is a max.
    result = solve_and_check(two_clusters, objective=objective, failures=1)
    assert [c.objective_value for c in result.clusters] == per_cluster
    assert result.objective_value == total
    for c in range(2):
        if objective == "balance":
            figure = utilisation_permille(two_clusters, result.plan, 1, cluster=c)
        elif objective == "nodes":
            figure = nodes_used(two_clusters, result.plan, cluster=c)
        else:
            figure = moves(two_clusters, result.plan, cluster=c)
        assert figure == per_cluster[c]


def test_solve_cluster_without_vms_is_optimal_at_zero(inventory_of, solve_and_check) -> None:
    nodes = [
        {"node": "a1", "cluster": "a"},
        {"node": "a2", "cluster": "a"},
        {"node": "b1", "cluster": "b"},
    ]
    inventory = inventory_of(nodes, [{"vm": "v", "cluster": "a"}])
    result = solve_and_check(inventory, objective="nodes", failures=1)
    assert [(c.cluster, c.status, c.objective_value) for c in result.clusters] == [
        ("a", Status.OPTIMAL, 2),
        ("b", Status.OPTIMAL, 0),
    ]
    assert result.objective_value == 2


def test_solve_plan_has_one_full_row_per_vm(lun_fleet, solve_and_check) -> None:
    result = solve_and_check(lun_fleet, objective="balance", failures=1)
    assert result.plan.owners.shape == (4, 2)
    assert (result.plan.owners >= 0).all()
    assert (result.plan.vm_lun >= 0).all()
    assert result.objective == "balance"


def test_solve_without_hint_finds_same_optimum(three_nodes_three_vms, solve_pinned) -> None:
    for objective, value in (("balance", 745), ("nodes", 3)):
        with_hint = solve_pinned(three_nodes_three_vms, objective=objective, failures=1)
        without = solve_pinned(three_nodes_three_vms, objective=objective, failures=1, hint=False)
        assert with_hint.objective_value == without.objective_value == value
        assert without.status is Status.OPTIMAL


def test_solve_reports_progress_per_cluster_and_phase(two_clusters) -> None:
    progress = []
    params = Params(failures=1, objective="nodes", workers=1, seed=0, time_limit=20)
    result = solve(two_clusters, params, on_progress=progress.append)
    assert result.status is Status.OPTIMAL
    assert {(p.cluster, p.phase) for p in progress} >= {("east", 1), ("west", 1)}
    assert all(p.phase in (1, 2) for p in progress)
    last_east = [p for p in progress if p.cluster == "east" and p.phase == 1][-1]
    assert last_east.objective == 2


def test_solve_infeasible_has_no_plan_and_no_value(three_nodes_three_vms, solve_pinned) -> None:
    result = solve_pinned(three_nodes_three_vms, objective="balance", failures=2)
    assert (result.status, result.plan, result.objective_value) == (Status.INFEASIBLE, None, None)
    assert result.clusters[0].reasons
    assert not result.status.has_plan


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"failures": -1}, "failures must be >= 0"),
        ({"time_limit": 0}, "time limit must be positive"),
        ({"workers": -1}, "workers must be >= 0"),
        ({"objective": "cheapest"}, "cheapest"),
    ],
)
def test_solve_params_reject_bad_values(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Params(**changes)


def test_solve_params_normalise_names() -> None:
    params = Params(objective="nodes", disabled=frozenset({"memory", Rule.CPU}))
    assert params.objective is Objective.NODES
    assert params.disabled == frozenset({Rule.MEMORY, Rule.CPU})
    assert not params.enabled(Rule.MEMORY)
    assert params.enabled(Rule.VLAN)


def test_solve_gap_reaches_every_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    """--gap stops the whole solve of a cluster: the later phases get it too."""
    import solver.exact_search
    import solver.phases

    gaps: list[float] = []
    real = solver.phases.run_cpsat

    def recording(*args: Any, gap: float = 0.0, **kwargs: Any) -> Any:
        gaps.append(gap)
        return real(*args, gap=gap, **kwargs)

    monkeypatch.setattr(solver.phases, "run_cpsat", recording)
    monkeypatch.setattr(solver.exact_search, "run_cpsat", recording)
    fleet = generate_fleet(1, 4, 12, seed=3)
    inventory = fleet_inventory(fleet)
    params = Params(failures=1, workers=1, seed=0, time_limit=20, gap=0.05)
    result = solve(inventory, params)
    assert result.plan is not None and check_plan(inventory, result.plan, 1) == []
    assert len(gaps) >= 2  # the first criterion and at least one later phase
    assert gaps == [0.05] * len(gaps)


def test_solve_gap_against_the_analytic_bound_skips_the_first_search(
    cpsat_searches: list[int],
) -> None:
    """A hint within --gap of the analytic lower bound is the answer to the first
    criterion: no CP-SAT search on it, the bound reported is the analytic one."""
    from solver.bounds import lower_bound
    from solver.problem import cluster_problem

    inventory = fleet_inventory(generate_fleet(1, 4, 12, seed=3))
    params = Params(failures=1, workers=1, seed=0, time_limit=20, gap=0.5)
    result = solve(inventory, params)
    assert result.plan is not None and check_plan(inventory, result.plan, 1) == []
    assert cpsat_searches == []
    analytic = lower_bound(cluster_problem(inventory, 0, 1), Objective.BALANCE)
    assert result.bound == min(result.objective_value, -(-analytic // 10) * 10)
    assert result.objective_value - result.bound <= 0.5 * result.objective_value
