"""solver/unsat_core.py: the sentence behind a proven infeasibility the pre-checks miss
names LUN exclusivity when it is part of the reason, and asks for nodes only when nodes
could help."""

from __future__ import annotations

from solver.params import Params
from solver.prechecks import impossibility_reasons
from solver.problem import cluster_problem
from solver.result import Status
from solver.unsat_core import infeasibility_core

THREE = [{"node": f"hv{i}"} for i in (1, 2, 3)]
NODES_HELP = "more or larger nodes"


def core_of(inventory, k: int = 1) -> list[str]:
    """The core's sentences, once the pre-checks are shown to find nothing."""
    problem = cluster_problem(inventory, 0, k)
    assert impossibility_reasons(problem, frozenset()) == []
    return infeasibility_core(problem, Params(failures=k, workers=1, seed=0), 20.0)


def test_unsat_core_class_forced_onto_one_exclusive_lun(inventory_of, solve_pinned) -> None:
    """Only LUN 'L' has room for the two VMs of class 'dc': they would share its node."""
    vms = [{"vm": f"dc{i}", "disk_gb": 40, "anti_affinity": "dc"} for i in (1, 2)]
    luns = [{"lun": "L", "capacity_gb": 100}, {"lun": "M", "capacity_gb": 10}]
    [sentence] = core_of(inventory_of(THREE, vms, luns))
    assert "anti-affinity class 'dc'" in sentence and "LUN exclusivity" in sentence
    assert "more nodes cannot help" in sentence and NODES_HELP not in sentence
    more = [{"node": f"hv{i}", "memory_mb": 65536} for i in range(1, 9)]
    assert solve_pinned(inventory_of(more, vms, luns), failures=1).status is Status.INFEASIBLE


def test_unsat_core_disks_beyond_lun_room(inventory_of) -> None:
    vms = [{"vm": f"v{i}", "disk_gb": 60} for i in (1, 2)]  # each fits 'L', both do not
    [sentence] = core_of(inventory_of(THREE, vms, [{"lun": "L", "capacity_gb": 100}]))
    assert "more LUN room is needed" in sentence and NODES_HELP not in sentence


def test_unsat_core_names_exclusivity_behind_a_capacity_clash(inventory_of) -> None:
    """Three free 3000 MiB VMs can only join exclusive LUN 'L': 9144 MiB on one node of
    8192. As a Cluster Shared Volume it would fit, and larger nodes would help too."""
    vms = [{"vm": f"v{i}", "memory_mb": 3000, "disk_gb": 10} for i in (1, 2, 3)]
    [sentence] = core_of(inventory_of(THREE, vms, [{"lun": "L", "capacity_gb": 100}]))
    assert "LUN exclusivity" in sentence and NODES_HELP in sentence


def test_unsat_core_leaves_exclusivity_out_when_it_is_no_part(inventory_of) -> None:
    """Five 3000 MiB VMs on their own LUNs: two fit a node, so N+1 needs four nodes."""
    vms = [{"vm": f"v{i}", "memory_mb": 3000} for i in range(5)]
    [sentence] = core_of(inventory_of(THREE, vms))
    assert "the memory of" in sentence and NODES_HELP in sentence
    assert "exclusiv" not in sentence
