"""Fixtures shared by the plan reader and writer tests."""

from __future__ import annotations

import pytest

from data.inventory import Inventory
from data.io.build import build_inventory, table


@pytest.fixture
def inventory() -> Inventory:
    """Two nodes; web2 and db1 share the exclusive LUN `shared`, app1 has its own."""
    nodes = [{"node": f"hv{i}", "memory_mb": 65536, "logical_processors": 16} for i in (1, 2)]
    vms = [
        {"vm": "web2", "memory_mb": 4096, "vcpus": 2, "lun": "shared"},
        {"vm": "db1", "memory_mb": 8192, "vcpus": 4, "lun": "shared"},
        {"vm": "app1", "memory_mb": 2048, "vcpus": 1},
    ]
    return build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
