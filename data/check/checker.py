"""The independent plan checker: every rule of ../shared/MODEL.md, checked against a plan.

It is the oracle of the solver's tests and the engine of `hvplace check`, so it
shares no code with the solver and recomputes every cost and limit from the raw
inventory columns. Where a plan is malformed, each fault is reported once, under
the rule it breaks: an owner that is not a node of the VM's cluster is an OWNERS
violation and is otherwise ignored (the VM runs on its first *valid* owner that
has not failed), and a VM left without a surviving owner under a failure set is
covered by that OWNERS violation, not by a capacity one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from data.check.anti_affinity import check_anti_affinity
from data.check.loads import (
    MEMORY_COLUMN,
    capacity_columns,
    exact_decimal,
    node_limits,
    node_totals,
    valid_owners,
    vm_loads,
)
from data.check.positions import calm_totals, position_runs
from data.check.suspects import disk_mib, suspect_lun_vms, suspect_vms
from data.check.violation import Violation
from data.inventory import UNLIMITED, IntArray, Inventory
from data.plan import NO_NODE, Plan
from data.rules import PERMILLE, Objective, Rule


def check_plan(inventory: Inventory, plan: Plan, failures: int) -> list[Violation]:
    """Every violation of MODEL.md by `plan` under N+`failures`, sorted; [] for a valid plan."""
    if failures < 0:
        raise ValueError(f"failures must be >= 0, not {failures}")
    if plan.vm_lun.shape[0] != inventory.n_vms:
        raise ValueError(
            f"the plan has {plan.vm_lun.shape[0]} VMs, the inventory {inventory.n_vms}"
        )
    found: list[Violation] = []
    for v in suspect_vms(inventory, plan, failures).tolist():
        found += _check_lun_choice(inventory, plan, v)
        found += _check_owners(inventory, plan, v, failures)
        found += _check_node_fit(inventory, plan, v)
    found += _check_exclusivity(inventory, plan)
    found += _check_lun_capacity(inventory, plan)
    found += _check_capacity(inventory, plan, failures)
    found += check_anti_affinity(inventory, plan, failures)
    return sorted(found, key=Violation.sort_key)


# objectives (MODEL.md "Objectives") ---------------------------------------------


def utilisation_permille(
    inventory: Inventory, plan: Plan, failures: int, cluster: int | None = None
) -> int:
    """U: the highest memory utilisation (permille, rounded up) of any node under any
    failure set of at most `failures` nodes; of one cluster's nodes when `cluster` is given."""
    memory = vm_loads(inventory)[:, [MEMORY_COLUMN]]
    limit = node_limits(inventory)[:, MEMORY_COLUMN]
    counted = np.ones(inventory.n_nodes, dtype=bool)
    if cluster is not None:
        counted = inventory.node_cluster == cluster
    worst = 0
    for position in position_runs(inventory, valid_owners(inventory, plan), failures):
        used = node_totals(inventory.n_nodes, memory[position.rows], position.runner)[:, 0]
        per_node = -(-PERMILLE * used // limit)
        worst = max(
            worst, int(per_node[counted & position.has[inventory.node_cluster]].max(initial=0))
        )
    return worst


def moves(inventory: Inventory, plan: Plan, cluster: int | None = None) -> int:
    """VMs with a current node whose planned node (owners[0]) differs from it."""
    moved = (inventory.vm_node >= 0) & (plan.vm_node != inventory.vm_node)
    if cluster is not None:
        moved &= inventory.vm_cluster == cluster
    return int(moved.sum())


def nodes_used(inventory: Inventory, plan: Plan, cluster: int | None = None) -> int:
    """Distinct nodes named in any owners list (standby failover nodes count)."""
    named = {int(n) for n in plan.owners.ravel() if 0 <= n < inventory.n_nodes}
    return sum(1 for n in named if cluster is None or inventory.node_cluster[n] == cluster)


def per_cluster_counts(inventory: Inventory, plan: Plan) -> tuple[IntArray, IntArray]:
    """(nodes used, moves) of every cluster at once, as nodes_used and moves count them
    one cluster at a time (which, over thousands of clusters, scans the plan each time)."""
    clusters = len(inventory.clusters)
    named = np.unique(plan.owners[(plan.owners >= 0) & (plan.owners < inventory.n_nodes)])
    used = np.bincount(inventory.node_cluster[named], minlength=clusters)
    moved = (inventory.vm_node >= 0) & (plan.vm_node != inventory.vm_node)
    made = np.bincount(inventory.vm_cluster[moved], minlength=clusters)
    return used.astype(np.int64), made.astype(np.int64)


def no_failure_permille(inventory: Inventory, plan: Plan) -> int:
    """The highest memory utilisation (permille, rounded up) of any node with no failure."""
    return utilisation_permille(inventory, plan, 0)


def criteria(
    inventory: Inventory,
    plan: Plan,
    failures: int,
    objective: Objective,
    tolerance: int = 10,
) -> tuple[int, ...]:
    """The plan's criteria of MODEL.md's objective in order, as the checker sees them:
    balance -> (U rounded up to a multiple of `tolerance`, moves, U, U with no failure),
    nodes -> (nodes used, U), moves -> (moves, U).

    Each figure is measured over the whole inventory at once, which is what
    Objective.combine makes of the clusters' figures."""
    u = utilisation_permille(inventory, plan, failures)
    if objective is Objective.BALANCE:
        rounded = -(-u // tolerance) * tolerance
        return rounded, moves(inventory, plan), u, no_failure_permille(inventory, plan)
    if objective is Objective.NODES:
        return nodes_used(inventory, plan), u
    return moves(inventory, plan), u


# the rules -----------------------------------------------------------------------


def _vm(inventory: Inventory, v: int) -> str:
    return f"vm {inventory.vm_names[v]!r}"


def _node(inventory: Inventory, n: int) -> str:
    return inventory.node_names[n] if 0 <= n < inventory.n_nodes else f"#{n}"


def _listed(inventory: Inventory, owners: tuple[int, ...]) -> str:
    return "[" + ", ".join(_node(inventory, n) for n in owners) + "]"


def _check_lun_choice(inventory: Inventory, plan: Plan, v: int) -> Iterator[Violation]:
    """ASSIGNMENT: on a LUN of its own cluster; LUN_FIXED: on the LUN the inventory names
    (without a luns table that is the VM's made-up LUN)."""
    lun, subject = int(plan.vm_lun[v]), _vm(inventory, v)
    if not 0 <= lun < inventory.n_luns:
        detail = "has no LUN" if lun < 0 else f"LUN index {lun} does not exist"
        yield Violation(Rule.ASSIGNMENT, subject, (), detail)
        return
    name, cluster = inventory.lun_names[lun], inventory.vm_cluster[v]
    if inventory.lun_cluster[lun] != cluster:
        home = inventory.clusters[inventory.lun_cluster[lun]]
        detail = (
            f"LUN {name!r} belongs to cluster {home!r}, the VM to {inventory.clusters[cluster]!r}"
        )
        yield Violation(Rule.ASSIGNMENT, subject, (), detail)
    fixed = int(inventory.vm_lun[v])
    if fixed >= 0 and lun != fixed:
        detail = f"on LUN {name!r}, must stay on {inventory.lun_names[fixed]!r}"
        yield Violation(Rule.LUN_FIXED, subject, (), detail)


def _check_owners(inventory: Inventory, plan: Plan, v: int, failures: int) -> Iterator[Violation]:
    """ASSIGNMENT: placed on a node at all; OWNERS: k+1 distinct nodes of the VM's cluster."""
    owners = plan.owners_of(v)
    if not owners:
        yield Violation(Rule.ASSIGNMENT, _vm(inventory, v), (), "has no owners (runs nowhere)")
        return
    problems = []
    if len(owners) != failures + 1:
        problems.append(f"{len(owners)} given, N+{failures} needs {failures + 1}")
    for n in dict.fromkeys(n for n in owners if owners.count(n) > 1):
        problems.append(f"{_node(inventory, n)} repeats")
    for n in dict.fromkeys(owners):
        if not 0 <= n < inventory.n_nodes:
            problems.append(f"{_node(inventory, n)} is not a node")
        elif inventory.node_cluster[n] != inventory.vm_cluster[v]:
            home = inventory.clusters[inventory.node_cluster[n]]
            problems.append(f"{_node(inventory, n)} is a node of cluster {home!r}")
    if problems:
        detail = f"owners {_listed(inventory, owners)}: " + "; ".join(problems)
        yield Violation(Rule.OWNERS, _vm(inventory, v), (), detail)


def _check_node_fit(inventory: Inventory, plan: Plan, v: int) -> Iterator[Violation]:
    """VLAN and VCPU_FIT: every (valid) owner can run the VM."""
    owners = [n for n in dict.fromkeys(plan.owners_of(v)) if 0 <= n < inventory.n_nodes]
    owners = [n for n in owners if inventory.node_cluster[n] == inventory.vm_cluster[v]]
    no_vlan = [_node(inventory, n) for n in owners if not inventory.node_vlan[n]]
    if inventory.vm_vlan[v] and no_vlan:
        detail = "needs VLAN tagging, owners without it: " + ", ".join(no_vlan)
        yield Violation(Rule.VLAN, _vm(inventory, v), (), detail)
    vcpus = int(inventory.vm_vcpus[v])
    small = [n for n in owners if inventory.node_lps[n] < vcpus]
    if small:
        shown = ", ".join(f"{_node(inventory, n)} ({inventory.node_lps[n]})" for n in small)
        detail = f"{vcpus} vCPUs > logical processors of owners " + shown
        yield Violation(Rule.VCPU_FIT, _vm(inventory, v), (), detail)


def _check_exclusivity(inventory: Inventory, plan: Plan) -> Iterator[Violation]:
    """LUN_EXCLUSIVITY: all VMs on one non-shared LUN have identical owners lists."""
    lists: dict[int, dict[tuple[int, ...], list[str]]] = {}
    for v in suspect_lun_vms(inventory, plan).tolist():
        lun, owners = int(plan.vm_lun[v]), plan.owners_of(v)
        if 0 <= lun < inventory.n_luns and not inventory.lun_shared[lun] and owners:
            lists.setdefault(lun, {}).setdefault(owners, []).append(inventory.vm_names[v])
    for lun, by_owners in lists.items():
        if len(by_owners) > 1:
            parts = [
                f"{', '.join(map(repr, vms))} on {_listed(inventory, owners)}"
                for owners, vms in by_owners.items()
            ]
            detail = "owners lists differ: " + "; ".join(parts)
            yield Violation(Rule.LUN_EXCLUSIVITY, f"lun {inventory.lun_names[lun]!r}", (), detail)


def _check_lun_capacity(inventory: Inventory, plan: Plan) -> Iterator[Violation]:
    """LUN_CAPACITY: sum(ceil(disk_gb * 1024)) <= floor(capacity_gb * 1024) MiB."""
    valid = (plan.vm_lun >= 0) & (plan.vm_lun < inventory.n_luns)
    used = np.zeros(inventory.n_luns, dtype=np.int64)
    np.add.at(used, plan.vm_lun[valid], disk_mib(inventory)[valid])
    limited = np.flatnonzero(inventory.lun_capacity_gb != UNLIMITED)
    sizes, index = np.unique(inventory.lun_capacity_gb[limited], return_inverse=True)
    mib = [math.floor(exact_decimal(c) * 1024) for c in sizes]  # once per distinct size
    capacity = np.asarray(mib, dtype=np.int64)[index.reshape(-1)]
    over = used[limited] > capacity
    for lun, limit in zip(limited[over], capacity[over], strict=True):
        detail = f"{used[lun]} MiB of disks > {limit} MiB"
        yield Violation(Rule.LUN_CAPACITY, f"lun {inventory.lun_names[lun]!r}", (), detail)


def _check_capacity(inventory: Inventory, plan: Plan, failures: int) -> Iterator[Violation]:
    """MEMORY, CPU, RESOURCE: under every failure set F (the empty set included) each
    surviving node of F's cluster runs within its limits (all clusters at once, one
    failure-set position at a time: positions.py)."""
    columns, loads = capacity_columns(inventory), vm_loads(inventory)
    limits, owners = node_limits(inventory), valid_owners(inventory, plan)
    calm = calm_totals(inventory, owners, loads)
    for position in position_runs(inventory, owners, failures):
        totals = position.totals(loads, calm)
        alive = position.has[inventory.node_cluster] & ~position.down
        over = (totals > limits) & alive[:, None]
        for n, col in zip(*np.nonzero(over), strict=True):
            failed = position.failed(int(inventory.node_cluster[n]))
            failed_names = tuple(_node(inventory, f) for f in failed)
            rule, label = columns[col]
            detail = _over(rule, label, int(totals[n, col]), int(limits[n, col]))
            yield Violation(rule, f"node {_node(inventory, int(n))!r}", failed_names, detail)


def _over(rule: Rule, label: str, used: int, limit: int) -> str:
    if rule is Rule.MEMORY:
        return f"{used} MiB used > {limit} MiB"
    if rule is Rule.CPU:
        return f"{used} vCPUs used > {limit} vCPUs"
    return f"{label} {used} used > {limit}"


def check_node_column(inventory: Inventory, plan: Plan, node_column: list[int]) -> list[Violation]:
    """A placement's `node` column must name the first owner (MODEL.md "Output")."""
    out = []
    for v, written in enumerate(node_column):
        first = int(plan.owners[v, 0]) if plan.owners.shape[1] else NO_NODE
        if written != NO_NODE and first != NO_NODE and written != first:
            detail = f"node column says {_node(inventory, written)}, owners start with " + _node(
                inventory, first
            )
            out.append(Violation(Rule.OWNERS, _vm(inventory, v), (), detail))
    return out
