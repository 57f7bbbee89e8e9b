"""--max-moves caps the moves on every objective; balance counts U in steps of the tolerance."""

from __future__ import annotations

import pytest

from data.check.checker import criteria, moves
from data.rules import Objective
from solver.result import Status

HV1, HV2, HV3 = range(3)


@pytest.fixture(scope="module")
def crowded(inventory_of):
    """Six 1056 MiB VMs all on hv1 of three 8192 MiB nodes: N+1 holds as it is (hv1's
    VMs fail over three to each other node), U = 774 with no move; moving m VMs off
    leaves 6 - m on hv1, the highest load, down to three."""
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": f"v{i}", "node": "hv1"} for i in range(6)]
    return inventory_of(nodes, vms)


@pytest.mark.parametrize("objective", ["balance", "nodes", "moves"])
def test_moves_cap_holds_on_every_objective(crowded, solve_and_check, objective) -> None:
    result = solve_and_check(crowded, objective=objective, failures=1, max_moves=1)
    assert moves(crowded, result.plan) <= 1


def test_moves_cap_gives_best_balance_within_it(crowded, solve_and_check) -> None:
    free = solve_and_check(crowded, objective="balance", failures=1)
    capped = solve_and_check(crowded, objective="balance", failures=1, max_moves=2)
    assert capped.status is Status.OPTIMAL
    assert capped.objective_value > free.objective_value
    assert moves(crowded, capped.plan) == 2


def test_moves_cap_too_low_names_the_fewest(inventory_of, solve_pinned) -> None:
    # Ten 1056 MiB VMs on hv1, which holds seven: at least three must move, and three do.
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3)]
    vms = [{"vm": f"v{i}", "node": "hv1"} for i in range(10)]
    result = solve_pinned(inventory_of(nodes, vms), objective="balance", failures=1, max_moves=2)
    assert result.status is Status.INFEASIBLE
    assert result.reasons == [
        "cluster 'cluster': N+1 cannot be reached within 2 moves; the fewest that can is 3"
    ]


def test_tolerance_buys_no_permille_with_a_move(crowded, solve_and_check) -> None:
    # m moves leave 6 - m VMs on hv1: U = 774, 645, 516, 387 for m = 0..3. In steps of
    # 300 that is 900, 900, 600, 600: two moves reach 600, the third buys nothing.
    rough = solve_and_check(crowded, objective="balance", failures=1, tolerance=300)
    assert rough.objective_value == 600
    assert criteria(crowded, rough.plan, 1, Objective.BALANCE, 300)[:3] == (600, 2, 516)
    exact = solve_and_check(crowded, objective="balance", failures=1, tolerance=1)
    assert criteria(crowded, exact.plan, 1, Objective.BALANCE, 1)[:3] == (387, 3, 387)
    whole = solve_and_check(crowded, objective="balance", failures=1, tolerance=1000)
    assert criteria(crowded, whole.plan, 1, Objective.BALANCE, 1000)[:3] == (1000, 0, 774)
