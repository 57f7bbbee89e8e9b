"""Suite-wide settings: Hypothesis profiles.

Choose one with HYPOTHESIS_PROFILE=ci|dev|soak (default ci). Tests that set their own
`max_examples` keep it; the solver's property tests scale theirs from the profile
(see tests/solver/conftest.py `examples`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.plan import Plan

PROFILES = {"ci": 100, "dev": 8, "soak": 1500}  # soak: a long hunt for new counterexamples
for name, examples in PROFILES.items():
    settings.register_profile(
        name,
        max_examples=examples,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# 8192 MiB nodes without reserve; a 4000 MiB VM costs 4056 MiB, so two fill a node.
TWO_SLOT_NODE: dict[str, Any] = {"memory_mb": 8192, "reserve_mb": 0, "logical_processors": 4}
TWO_SLOT_VM: dict[str, Any] = {"memory_mb": 4000, "vcpus": 1}


@pytest.fixture(scope="session")
def two_slot_inventory() -> Callable[..., Inventory]:
    """An inventory builder whose nodes hold two default VMs each (the move-order tests:
    tests/data/check/test_moves.py and tests/solver/test_sequencing.py)."""

    def build(
        nodes: Sequence[Mapping[str, Any]],
        vms: Sequence[Mapping[str, Any]],
        luns: Sequence[Mapping[str, Any]] | None = None,
    ) -> Inventory:
        lun_table = table("luns.csv", list(luns)) if luns is not None else None
        return build_inventory(
            table("nodes.csv", [TWO_SLOT_NODE | dict(r) for r in nodes]),
            table("vms.csv", [TWO_SLOT_VM | dict(r) for r in vms]),
            lun_table,
        )

    return build


@pytest.fixture(scope="session")
def plan_on_nodes() -> Callable[[Inventory, Mapping[str, str]], Plan]:
    """A plan running each VM (by name) on the named node, on its fixed LUN, with no
    failover owners (the move-order code reads only owners[0])."""

    def plan(inventory: Inventory, node_of: Mapping[str, str]) -> Plan:
        nodes = {name: n for n, name in enumerate(inventory.node_names)}
        owners = [[nodes[node_of[vm]]] for vm in inventory.vm_names]
        return Plan.from_lists([int(lun) for lun in inventory.vm_lun], owners)

    return plan
