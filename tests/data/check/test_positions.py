"""The fleet-wide checker (one failure-set position at a time over all clusters) against
a plain loop over each cluster's own failure sets."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan
from data.check.loads import capacity_columns, node_limits, valid_owners, vm_loads
from data.check.violation import Violation
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.plan import NO_NODE, Plan
from data.rules import Rule

Row = dict[str, Any]
FLEET_RULES = (Rule.MEMORY, Rule.CPU, Rule.RESOURCE, Rule.ANTI_AFFINITY)


@st.composite
def fleets(draw: st.DrawFn) -> tuple[Inventory, Plan, int]:
    """Up to 3 clusters of 1-5 nodes, a res_ column, anti-affinity classes (some spanning
    clusters), multi-VM exclusive LUNs and random owners lists (valid or not)."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    nodes: list[Row] = []
    for c, size in enumerate(sizes):
        for i in range(size):
            nodes.append(
                {
                    "node": f"c{c}n{i}",
                    "memory_mb": draw(st.integers(3072, 12288)),
                    "reserve_mb": draw(st.integers(0, 2048)),
                    "logical_processors": draw(st.integers(1, 8)),
                    "vcpu_per_lp": draw(st.sampled_from([0.5, 1.0, 2.3])),
                    "cluster": f"c{c}",
                    "res_iops": draw(st.integers(0, 500)),
                }
            )
    vms: list[Row] = []
    for i in range(draw(st.integers(1, 14))):
        c = draw(st.integers(0, len(sizes) - 1))
        classes = draw(st.lists(st.sampled_from(["x", "y", f"z{c}"]), max_size=2, unique=True))
        lun = draw(st.sampled_from(["", f"c{c}-lun1", f"c{c}-lun2"]))
        vms.append(
            {
                "vm": f"v{i}",
                "memory_mb": draw(st.integers(256, 6144)),
                "vcpus": draw(st.integers(1, 6)),
                "cluster": f"c{c}",
                "lun": lun,
                "anti_affinity": ";".join(classes),
                "res_iops": draw(st.integers(0, 300)),
            }
        )
    inventory = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    failures = draw(st.integers(0, 2))
    node = st.integers(-1, len(nodes) - 1)
    owners = [[n for n in draw(st.lists(node, max_size=failures + 2)) if n >= 0] for _ in vms]
    return inventory, Plan.from_lists(list(inventory.vm_lun), owners), failures


def plain_fleet_faults(inventory: Inventory, plan: Plan, failures: int) -> set[Violation]:
    """Capacity and anti-affinity faults, cluster by cluster and failure set by set."""
    loads, limits, columns = (
        vm_loads(inventory),
        node_limits(inventory),
        capacity_columns(inventory),
    )
    owners = valid_owners(inventory, plan)
    name = inventory.node_names
    faults: set[Violation] = set()
    for cluster in range(len(inventory.clusters)):
        members = [int(n) for n in inventory.nodes_of(cluster)]
        vms = [int(v) for v in inventory.vms_of(cluster)]
        for size in range(min(failures, len(members)) + 1):
            for failed in itertools.combinations(members, size):
                names = tuple(name[f] for f in failed)
                runs = {v: _runner(owners[v], failed) for v in vms}
                for n in (m for m in members if m not in failed):
                    total = sum((loads[v] for v in vms if runs[v] == n), np.zeros(len(columns)))
                    for col, (rule, label) in enumerate(columns):
                        if total[col] > limits[n, col]:
                            faults.add(
                                _over(rule, label, name[n], names, total[col], limits[n, col])
                            )
                faults |= _together(inventory, vms, runs, len(members) - size, names)
    return faults


def _runner(owners: np.ndarray, failed: tuple[int, ...]) -> int:
    return next((int(o) for o in owners if o != NO_NODE and o not in failed), NO_NODE)


def _over(
    rule: Rule, label: str, node: str, failed: tuple[str, ...], used: int, limit: int
) -> Violation:
    unit = {Rule.MEMORY: "{} MiB used > {} MiB", Rule.CPU: "{} vCPUs used > {} vCPUs"}
    text = unit.get(rule, label + " {} used > {}").format(int(used), int(limit))
    return Violation(rule, f"node {node!r}", failed, text)


def _together(
    inventory: Inventory,
    vms: list[int],
    runs: dict[int, int],
    survivors: int,
    failed: tuple[str, ...],
) -> set[Violation]:
    faults = set()
    for c, cls in enumerate(inventory.class_names):
        members = [v for v in vms if inventory.vm_classes[v, c]]
        if len(members) > survivors:
            continue
        for n in range(inventory.n_nodes):
            on = [inventory.vm_names[v] for v in members if runs[v] == n]
            if len(on) > 1:
                detail = (
                    f"{', '.join(map(repr, on))} run together on node {inventory.node_names[n]!r}"
                )
                faults.add(Violation(Rule.ANTI_AFFINITY, f"class {cls!r}", failed, detail))
    return faults


@settings(max_examples=150, deadline=None)
@given(fleets())
def test_check_plan_fleet_rules_agree_with_a_plain_per_failure_set_loop(
    case: tuple[Inventory, Plan, int],
) -> None:
    inventory, plan, failures = case
    found = check_plan(inventory, plan, failures)
    checked = {v for v in found if v.rule in FLEET_RULES and "fixed on one" not in v.detail}
    assert len(checked) == len([v for v in found if v in checked])  # each fault once
    assert checked == plain_fleet_faults(inventory, plan, failures)
