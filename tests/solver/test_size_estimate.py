"""The model size counted before building agrees with the model built."""

from __future__ import annotations

import pytest

from data.rules import Objective
from data.synth.fleet import fleet_inventory, generate_fleet
from solver.model import build_model
from solver.problem import cluster_problem
from solver.size_estimate import estimate_model, unit_literals


@pytest.mark.parametrize(
    ("nodes", "vms", "k", "luns"),
    [(3, 12, 0, False), (5, 30, 1, False), (6, 30, 1, True), (6, 20, 2, False), (7, 25, 2, True)],
)
def test_estimate_model_matches_the_built_model(nodes: int, vms: int, k: int, luns: bool) -> None:
    problem = cluster_problem(
        fleet_inventory(generate_fleet(1, nodes, vms, 7, luns=luns, failures=k)), 0, k
    )
    size = estimate_model(problem)
    proto = build_model(problem, Objective.BALANCE).model.proto
    literals = sum(1 for var in proto.variables if list(var.domain) == [0, 1])
    terms = sum(len(c.linear.vars) for c in proto.constraints)
    built = len(proto.variables) + len(proto.constraints) + terms
    assert size.literals <= literals <= 1.5 * size.literals  # the rest: a few derived flags
    assert built / 3 <= size.items <= 3 * built


def test_unit_literals_counts_prefix_sets_then_one_more_node() -> None:
    # k = 2 on 4 nodes: 4 first owners, 4 * 3 second, C(4, 2) * 2 third
    assert unit_literals(4, 2) == 4 + 12 + 12
    assert unit_literals(64, 2) == 64 + 64 * 63 + 2016 * 62


def test_estimate_model_of_64_nodes_at_n_plus_2_is_far_too_large_to_build() -> None:
    problem = cluster_problem(fleet_inventory(generate_fleet(1, 64, 200, 1, failures=2)), 0, 2)
    assert estimate_model(problem).memory_bytes > 8 * 2**30
