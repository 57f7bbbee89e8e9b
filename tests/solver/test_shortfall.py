"""solver/shortfall.py: the copies of a cluster's largest node no plan can do without.

The count must be a true lower bound: with fewer copies added, the solver (exact on
tiny cases) proves that no plan exists. Brute force over the number of copies checks it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.problem import cluster_problem
from solver.shortfall import shortfall

NODE_DEFAULTS = {"memory_mb": 8192, "logical_processors": 4}  # as the conftest fills them
NEVER = 10**9  # what "no number of copies helps" compares as
TRIED = 3  # brute force adds 0..TRIED copies


def copies_added(nodes: list[dict[str, Any]], copies: int) -> list[dict[str, Any]]:
    """The node rows with `copies` copies of the largest (most memory, then LPs) added."""
    nodes = [NODE_DEFAULTS | n for n in nodes]
    largest = min(
        range(len(nodes)),
        key=lambda i: (-nodes[i]["memory_mb"], -nodes[i]["logical_processors"], i),
    )
    added = [nodes[largest] | {"node": f"copy{i}"} for i in range(1, copies + 1)]
    return [*nodes, *added]


def least_copies(inventory_of, solve_pinned, nodes, vms, k: int, luns=None) -> int:
    """The fewest copies (up to TRIED) with which the solver finds a plan; NEVER if none."""
    for copies in range(TRIED + 1):
        inventory = inventory_of(copies_added(nodes, copies), vms, luns)
        result = solve_pinned(inventory, failures=k)
        assert result.status.value in ("optimal", "feasible", "infeasible"), result.status
        if result.plan is not None:
            return copies
    return NEVER


def bound_of(inventory_of, nodes, vms, k: int, luns=None) -> int:
    found = shortfall(cluster_problem(inventory_of(nodes, vms, luns), 0, k)).more
    return NEVER if found is None else found


LUNS = [{"lun": "L1", "capacity_gb": 100}, {"lun": "L2", "capacity_gb": 100, "shared": True}]
NODE = st.fixed_dictionaries(
    {
        "memory_mb": st.sampled_from([4096, 8192, 12288]),
        "logical_processors": st.sampled_from([2, 4]),
        "vlan": st.booleans(),
        "res_iops": st.sampled_from([0, 100, 200]),
    }
)
VM = st.fixed_dictionaries(
    {
        "memory_mb": st.sampled_from([1024, 2048, 3000, 5000, 7000]),
        "vcpus": st.sampled_from([1, 2, 3]),
        "vlan": st.booleans(),
        "res_iops": st.sampled_from([0, 40, 90]),
        "lun": st.sampled_from(["", "", "L1", "L2"]),
        "disk_gb": st.sampled_from([0, 30, 60]),
        "anti_affinity": st.sampled_from(["", "", "c"]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nodes=st.lists(NODE, min_size=1, max_size=3),
    vms=st.lists(VM, min_size=1, max_size=4),
    k=st.integers(0, 2),
    luns=st.sampled_from([None, LUNS]),
)
def test_shortfall_never_above_brute_force(inventory_of, solve_pinned, nodes, vms, k, luns) -> None:
    """With a luns table, VMs naming none are placed by the planner (and may join the
    exclusive 'L1'); without one, 'L2' is an exclusive LUN too."""
    nodes = [n | {"node": f"hv{i}"} for i, n in enumerate(nodes)]
    vms = [v | {"vm": f"vm{i}"} for i, v in enumerate(vms)]
    bound = bound_of(inventory_of, nodes, vms, k, luns)
    assert least_copies(inventory_of, solve_pinned, nodes, vms, k, luns) >= bound


def test_shortfall_exact_on_equal_nodes(inventory_of, solve_pinned) -> None:
    """Two 8 GiB nodes, five 3000 MiB VMs (3048 each) at N+1: two fit a node, so three
    survivors are needed: two more nodes, exactly what brute force finds."""
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": f"v{i}", "memory_mb": 3000} for i in range(5)]
    inventory = inventory_of(nodes, vms)
    found = shortfall(cluster_problem(inventory, 0, 1))
    assert (found.more, found.like, found.nodes, found.vms) == (2, "hv1", 2, 5)
    assert (found.memory_demand_mb, found.memory_left_mb) == (5 * 3048, 8192)
    assert least_copies(inventory_of, solve_pinned, nodes, vms, 1) == 2


def test_shortfall_counts_cpu(inventory_of) -> None:
    """Nodes of 4 LPs at 8 vCPUs per LP hold 32 vCPUs: 70 vCPUs after one failure need
    three survivors, so four nodes, two more."""
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": f"v{i}", "memory_mb": 512, "vcpus": 2} for i in range(35)]
    assert bound_of(inventory_of, nodes, vms, 1) == 2


def test_shortfall_counts_extra_resources(inventory_of) -> None:
    nodes = [{"node": f"hv{i}", "res_iops": 100} for i in (1, 2, 3)]
    vms = [{"vm": f"v{i}", "res_iops": 30} for i in range(7)]  # 210: three survivors
    assert bound_of(inventory_of, nodes, vms, 1) == 1
    ones = [{"vm": f"v{i}", "res_iops": 60} for i in range(5)]  # one a node: five survivors
    assert bound_of(inventory_of, nodes, ones, 1) == 3


def test_shortfall_groups_too_big_to_share(inventory_of) -> None:
    """Three 5000 MiB VMs on 8 GiB nodes never share one: N+2 needs 3 + 2 nodes."""
    nodes = [{"node": f"hv{i}"} for i in (1, 2, 3, 4)]
    vms = [{"vm": f"v{i}", "memory_mb": 5000} for i in range(3)]
    assert bound_of(inventory_of, nodes, vms, 2) == 1


def test_shortfall_owners_only_the_largest_can_be(inventory_of) -> None:
    """A 10 GiB VM fits only hv1 (16 GiB): N+2 needs two more such nodes."""
    nodes = [{"node": "hv1", "memory_mb": 16384}, {"node": "hv2"}, {"node": "hv3"}]
    vms = [{"vm": "big", "memory_mb": 10240}]
    found = shortfall(cluster_problem(inventory_of(nodes, vms), 0, 2))
    assert (found.more, found.like) == (2, "hv1")


def test_shortfall_none_when_no_copy_can_run_a_group(inventory_of) -> None:
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": "big", "memory_mb": 9000}]
    found = shortfall(cluster_problem(inventory_of(nodes, vms), 0, 1))
    assert found.more is None
    assert "VM 'big'" in found.why_none[0] and "'hv1' cannot run it" in found.why_none[0]


def test_shortfall_none_when_anti_affinity_shares_an_exclusive_lun(inventory_of) -> None:
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    vms = [{"vm": f"dc{i}", "lun": "L", "anti_affinity": "dc"} for i in (1, 2)]
    found = shortfall(cluster_problem(inventory_of(nodes, vms), 0, 1))
    assert found.more is None
    assert "exclusive LUN 'L'" in found.why_none[0]


def test_shortfall_zero_when_the_cluster_has_a_plan(inventory_of) -> None:
    nodes = [{"node": "hv1"}, {"node": "hv2"}]
    assert bound_of(inventory_of, nodes, [{"vm": "a"}], 1) == 0
