"""Why no plan can exist, in words: necessary conditions checked before solving.

Each check is a bound any plan must meet; the ones broken become the reason
`plan` prints with exit code 1. When all hold and CP-SAT still proves
infeasibility, core.py names the rules from an unsat core.
"""

from __future__ import annotations

import numpy as np

from data.rules import Rule
from solver.bounds import survivor_capacity
from solver.problem import ClusterProblem, Unit, lun_room

_UNIT = {"memory": "MiB of memory", "cpu": "vCPUs"}


def impossibility_reasons(problem: ClusterProblem, disabled: frozenset[Rule]) -> list[str]:
    """Plain sentences, one per broken necessary condition (empty: none found)."""
    if not problem.units:
        return []
    k, name = problem.failures, problem.name
    need = _n_plus(k)
    if problem.n_nodes < k + 1:
        return [f"{need} needs at least {k + 1} nodes; cluster {name!r} has {problem.n_nodes}"]
    reasons = []
    for u in _suspect_units(problem, disabled):
        reasons += _unit_reasons(problem, u, problem.units[u], disabled)
    reasons += nodes_cannot_help(problem, disabled)
    reasons += _counting_reasons(problem, disabled)
    return reasons


def nodes_cannot_help(
    problem: ClusterProblem, disabled: frozenset[Rule] = frozenset()
) -> list[str]:
    """The broken conditions that involve no node at all (anti-affinity inside one
    exclusive LUN, LUN room): no number or size of nodes can mend them."""
    reasons = []
    if Rule.ANTI_AFFINITY not in disabled:
        reasons += _anti_affinity_reasons(problem)
    if Rule.LUN_CAPACITY not in disabled:
        reasons += _lun_reasons(problem)
    return reasons


def _n_plus(k: int) -> str:
    return f"N+{k}"


def describe_unit(problem: ClusterProblem, unit: Unit) -> str:
    names = [problem.inventory.vm_names[v] for v in unit.members]
    if unit.lun >= 0 and len(names) > 1:  # the group is the reason: say why it is one
        lun = problem.inventory.lun_names[unit.lun]
        listed = ", ".join(repr(n) for n in names)
        return f"exclusive LUN {lun!r} (VMs {listed}, run together by LUN exclusivity)"
    if unit.lun >= 0 and problem.inventory.has_lun_table:
        return f"LUN {problem.inventory.lun_names[unit.lun]!r} (VMs {names[0]!r})"
    return f"VM {names[0]!r}"


def _suspect_units(problem: ClusterProblem, disabled: frozenset[Rule]) -> list[int]:
    """The units _unit_reasons may find a reason for, in one numpy pass: those with fewer
    than k + 1 eligible nodes able to hold them in some resource checked (at 8,000 VMs
    the unit-by-unit loop took 1.1 s, nearly all on units that pass)."""
    units = problem.units
    eligible = np.zeros((len(units), problem.n_nodes), dtype=bool)
    for u, unit in enumerate(units):
        eligible[u, list(unit.eligible)] = True
    short = eligible.sum(axis=1) < problem.failures + 1
    for row in range(len(problem.resource_labels)):
        if problem.rule_of_row(row) not in disabled:
            holds = problem.capacity[row][None, :] >= problem.weight[:, row][:, None]
            short |= (eligible & holds).sum(axis=1) < problem.failures + 1
    return [u for u in np.flatnonzero(short).tolist() if units[u].members]


def _unit_reasons(
    problem: ClusterProblem, u: int, unit: Unit, disabled: frozenset[Rule]
) -> list[str]:
    if not unit.members:
        return []
    k, what = problem.failures, describe_unit(problem, unit)
    if len(unit.eligible) < k + 1:
        return [_eligibility_reason(problem, unit, what)]
    for row, label in enumerate(problem.resource_labels):
        if problem.rule_of_row(row) in disabled:
            continue
        weight = int(problem.weight[u, row])
        holders = [n for n in unit.eligible if problem.capacity[row, n] >= weight]
        if len(holders) < k + 1:
            most = int(problem.capacity[row, list(unit.eligible)].max())
            return [
                f"{what} needs {weight} {_UNIT.get(label, label)}; "
                f"{_count_nodes(len(holders))} of cluster {problem.name!r} "
                f"{'has' if len(holders) <= 1 else 'have'} that much (largest: {most}), "
                f"and {_n_plus(k)} needs {k + 1} such nodes"
            ]
    return []


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _count_nodes(count: int) -> str:
    return "no node" if count == 0 else f"only {count} node" + ("s" if count > 1 else "")


def _eligibility_reason(problem: ClusterProblem, unit: Unit, what: str) -> str:
    inventory, k = problem.inventory, problem.failures
    members = list(unit.members)
    why = []
    if inventory.vm_vlan[members].any():
        vlan_nodes = int(inventory.node_vlan[problem.nodes].sum())
        why.append(f"needs VLAN ({_plural(vlan_nodes, 'VLAN-capable node')})")
    vcpus = int(inventory.vm_vcpus[members].max())
    lps_ok = int((inventory.node_lps[problem.nodes] >= vcpus).sum())
    if lps_ok < problem.n_nodes:
        have = "has" if lps_ok == 1 else "have"
        why.append(
            f"needs {vcpus} vCPUs ({_plural(lps_ok, 'node')} {have} that many logical processors)"
        )
    where = ", ".join(repr(problem.node_name(n)) for n in unit.eligible) or "no node"
    return f"{what} can run only on {where} ({'; '.join(why)}); {_n_plus(k)} needs {k + 1} owners"


def _anti_affinity_reasons(problem: ClusterProblem) -> list[str]:
    inventory, reasons = problem.inventory, []
    for c, cls in enumerate(inventory.class_names):
        for unit in problem.units:
            together = [inventory.vm_names[v] for v in unit.members if inventory.vm_classes[v, c]]
            if len(together) > 1 and unit.lun >= 0:
                reasons.append(
                    f"VMs {', '.join(repr(n) for n in together)} share anti-affinity class "
                    f"{cls!r} but are fixed on one exclusive LUN "
                    f"{inventory.lun_names[unit.lun]!r}, and LUN exclusivity runs them on "
                    "one node; more nodes cannot help: give them separate LUNs (or a "
                    "Cluster Shared Volume), or drop them from the class"
                )
        # a class with more VMs than nodes is no reason: Windows then ignores it
    return reasons


def _lun_reasons(problem: ClusterProblem) -> list[str]:
    inventory, reasons = problem.inventory, []
    room = lun_room(inventory)
    for lun in problem.luns:
        capacity = int(inventory.lun_capacity_mib[lun])
        if room[lun] < 0:
            used = capacity - int(room[lun])
            reasons.append(
                f"LUN {inventory.lun_names[lun]!r} holds {used / 1024:g} GiB of VM "
                f"disks but its capacity is {capacity / 1024:g} GiB"
            )
    for v, candidates in problem.lun_candidates.items():
        if not len(problem.luns):
            reasons.append(
                f"VM {inventory.vm_names[v]!r} names no LUN and cluster "
                f"{problem.name!r} has no LUN in the luns table"
            )
        elif not candidates:
            reasons.append(
                f"VM {inventory.vm_names[v]!r} needs "
                f"{inventory.vm_disk_gb[v]:g} GiB on a LUN; no LUN of cluster "
                f"{problem.name!r} has that much room"
            )
    return reasons


def _counting_reasons(problem: ClusterProblem, disabled: frozenset[Rule]) -> list[str]:
    """After the worst k failures, the survivors must hold the whole demand."""
    k, reasons = min(problem.failures, problem.n_nodes - 1), []
    for row, label in enumerate(problem.resource_labels):
        if problem.rule_of_row(row) in disabled or (k > 0 and Rule.FAILOVER in disabled):
            continue
        demand = int(problem.weight[:, row].sum())
        left = survivor_capacity(problem, row)
        if demand > left:
            reasons.append(_counting_sentence(problem, label, demand, left, problem.capacity[row]))
    return reasons


def _counting_sentence(
    problem: ClusterProblem, label: str, demand: int, left: int, capacity: np.ndarray
) -> str:
    k, unit = problem.failures, _UNIT.get(label, label)
    if capacity.min() == capacity.max() and capacity.max() > 0:
        needed = k + -(-demand // int(capacity.max()))
        return (
            f"{_n_plus(k)} needs at least {needed} nodes of this size; cluster "
            f"{problem.name!r} has {problem.n_nodes} ({label}: VMs need {demand} {unit}, "
            f"a node holds {int(capacity.max())})"
        )
    lost = "its largest node fails" if k == 1 else f"its {k} largest nodes fail"
    return (
        f"after {lost}, cluster {problem.name!r} has {left} {unit} left for {demand} {unit} of VMs"
    )
