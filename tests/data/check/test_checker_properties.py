"""The plan checker at scale and against a brute force written from MODEL.md's words."""

from __future__ import annotations

import itertools
import math
import time
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, utilisation_permille
from data.io.build import build_inventory, table
from data.plan import Plan
from data.rules import Rule

Row = dict[str, Any]


# speed -------------------------------------------------------------------------------


def test_check_plan_is_fast_for_16_nodes_200_vms_n_plus_2() -> None:
    nodes = [
        {"node": f"hv{n:02}", "memory_mb": 262144, "logical_processors": 32} for n in range(16)
    ]
    vms = [{"vm": f"vm{v:03}", "memory_mb": 4096, "vcpus": 2} for v in range(200)]
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    owners = [[v % 16, (v + 1) % 16, (v + 2) % 16] for v in range(200)]
    rotated = Plan.from_lists(list(range(200)), owners)
    start = time.perf_counter()
    found = check_plan(inventory, rotated, 2)
    assert time.perf_counter() - start < 1.0
    assert found == []


# agreement with brute force -----------------------------------------------------------


@st.composite
def small_fleets(draw: st.DrawFn) -> tuple[list[Row], list[Row], list[list[int]], int]:
    """Nodes, VMs (one LUN each), random owners lists (any node, any length) and k."""
    n_nodes = draw(st.integers(1, 4))
    nodes: list[Row] = [
        {
            "node": f"n{i}",
            "memory_mb": draw(st.integers(3072, 16384)),
            "reserve_mb": draw(st.integers(0, 2048)),
            "logical_processors": draw(st.integers(1, 8)),
            "vcpu_per_lp": draw(st.sampled_from([0.5, 1.0, 1.5, 2.3, 8.0])),
            "cluster": "a" if i == 0 else draw(st.sampled_from(["a", "b"])),
        }
        for i in range(n_nodes)
    ]
    clusters = sorted({str(n["cluster"]) for n in nodes})
    vms = [
        {
            "vm": f"v{i}",
            "memory_mb": draw(st.integers(256, 8192)),
            "vcpus": draw(st.integers(1, 8)),
            "cluster": draw(st.sampled_from(clusters)),
        }
        for i in range(draw(st.integers(1, 6)))
    ]
    failures = draw(st.integers(0, 2))
    node_index = st.integers(0, n_nodes - 1)
    owners = [draw(st.lists(node_index, max_size=failures + 2)) for _ in vms]
    return nodes, vms, owners, failures


def brute_force(
    nodes: list[Row], vms: list[Row], owners: list[list[int]], failures: int
) -> tuple[set[tuple[Rule, str, tuple[str, ...]]], int]:
    """MEMORY/CPU faults (rule, node, failed) and U, straight from MODEL.md's words."""
    faults, worst = set(), 0
    for cluster in dict.fromkeys(n["cluster"] for n in nodes):
        members = [i for i in range(len(nodes)) if nodes[i]["cluster"] == cluster]
        for size in range(failures + 1):
            for failed in itertools.combinations(members, size):
                names = tuple(nodes[f]["node"] for f in failed)
                for n in members:
                    if n in failed:
                        continue
                    memory = vcpus = 0
                    for v in range(len(vms)):
                        runner = None
                        for o in owners[v]:
                            if nodes[o]["cluster"] == vms[v]["cluster"] and o not in failed:
                                runner = o
                                break
                        if runner == n:
                            m = vms[v]["memory_mb"]
                            memory += m + 32 + 8 * (math.ceil(m / 1024) - 1)
                            vcpus += vms[v]["vcpus"]
                    limit = nodes[n]["memory_mb"] - nodes[n]["reserve_mb"]
                    cpu = Decimal(str(nodes[n]["vcpu_per_lp"])) * nodes[n]["logical_processors"]
                    if memory > limit:
                        faults.add((Rule.MEMORY, f"node '{nodes[n]['node']}'", names))
                    if vcpus > math.floor(cpu):
                        faults.add((Rule.CPU, f"node '{nodes[n]['node']}'", names))
                    worst = max(worst, math.ceil(Decimal(1000 * memory) / Decimal(limit)))
    return faults, worst


@settings(max_examples=50, deadline=None)
@given(small_fleets())
def test_check_plan_capacity_agrees_with_brute_force(
    case: tuple[list[Row], list[Row], list[list[int]], int],
) -> None:
    nodes, vms, owners, failures = case
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    candidate = Plan.from_lists(list(range(len(vms))), owners)
    found = check_plan(inventory, candidate, failures)
    faults, worst = brute_force(nodes, vms, owners, failures)
    assert {(v.rule, v.subject, v.failed) for v in found if v.rule in (Rule.MEMORY, Rule.CPU)} == (
        faults
    )
    assert utilisation_permille(inventory, candidate, failures) == worst
