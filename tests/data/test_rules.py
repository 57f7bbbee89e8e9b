"""The shared vocabulary: how per-cluster figures make the inventory's."""

from __future__ import annotations

import pytest

from data.rules import Objective


@pytest.mark.parametrize(
    ("objective", "expected"),
    [(Objective.BALANCE, 700), (Objective.NODES, 1200), (Objective.MOVES, 1200)],
)
def test_objective_combine_takes_the_worst_u_and_adds_counts(
    objective: Objective, expected: int
) -> None:
    # U is a maximum over all nodes; nodes used and moves are counts that add up.
    assert objective.combine(iter([500, 700, 0])) == expected


@pytest.mark.parametrize("objective", list(Objective))
def test_objective_combine_of_no_clusters_is_zero(objective: Objective) -> None:
    assert objective.combine([]) == 0
