"""Naming the rules behind a proven infeasibility (unsat core over rule items).

The advice must be true: when no number or size of nodes can help (the VMs of
an anti-affinity class can only share an exclusive LUN, or the disks do not fit
the LUNs' room), the sentence says so instead of asking for nodes; and when the
clash holds only because VMs of one exclusive LUN run together, it names LUN
exclusivity.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from ortools.sat.python import cp_model

from solver.cpsat import run_cpsat
from solver.model import build_model
from solver.params import Params
from solver.prechecks import impossibility_reasons
from solver.problem import ClusterProblem, cluster_problem, lun_room
from solver.result import Status
from solver.switches import Key

CORE_SECONDS = 20.0  # at most this long on the explanation
_NODES_HELP = "; more or larger nodes, or fewer VMs, are needed"


def infeasibility_core(problem: ClusterProblem, params: Params, budget: float) -> list[str]:
    """Sentences naming rule items that cannot hold together; [] if none were found."""
    start = time.monotonic()
    plan_model = build_model(problem, params.objective, params.disabled, explain=True)
    switches = plan_model.switches
    keys = sorted(switches.literals, key=str)
    plan_model.model.add_assumptions([switches.literals[k] for k in keys])
    seconds = max(0.1, min(budget, CORE_SECONDS))
    # one worker: sufficient assumptions come from the single-thread search
    solver, status = run_cpsat(plan_model.model, params, seconds, workers=1)
    if status is not Status.INFEASIBLE:
        return []
    chosen = set(solver.sufficient_assumptions_for_infeasibility())
    core = [k for k in keys if switches.literals[k].index in chosen]
    blocked = _without_nodes(problem, params, core)
    if blocked is not None:
        return [blocked]
    if not core:
        return []
    left = max(0.1, min(budget, CORE_SECONDS) - (time.monotonic() - start))
    return [_sentence(problem, core, _exclusivity_matters(problem, params, left))]


def _without_nodes(problem: ClusterProblem, params: Params, core: list[Key]) -> str | None:
    """The sentence when the LUNs alone leave no way out, whatever the nodes: the VMs'
    disks cannot all get room, or every way to give it puts two VMs of one anti-affinity
    class on one exclusive LUN (which runs all its VMs on one node); None otherwise."""
    if not _luns_can_hold(problem, params, ()):
        return (
            "the VMs' disks do not fit the room their LUNs leave; more nodes cannot help: "
            "more LUN room is needed"
        )
    inventory = problem.inventory
    named = [key[1] for key in core if key[0] == "anti-affinity"]
    classes = named or _constrained_classes(problem)
    stuck = [c for c in classes if not _luns_can_hold(problem, params, (c,))]
    if not stuck:
        return None
    names = _names([inventory.class_names[c] for c in stuck])
    return (
        f"every choice of LUNs puts two VMs of anti-affinity class {names} on one "
        "exclusive LUN, and LUN exclusivity runs all VMs of an exclusive LUN on one node; "
        "more nodes cannot help: give them room on separate LUNs (or a Cluster Shared "
        "Volume), or drop them from the class"
    )


def _constrained_classes(problem: ClusterProblem) -> list[int]:
    """The classes the cluster's nodes hold apart (a class with more VMs than nodes is
    exempt, as Windows then ignores it)."""
    members = problem.inventory.vm_classes[problem.inventory.vms_of(problem.cluster)].sum(axis=0)
    return [int(c) for c in np.flatnonzero((members >= 2) & (members <= problem.n_nodes))]


def _luns_can_hold(problem: ClusterProblem, params: Params, classes: tuple[int, ...]) -> bool:
    """Whether the free VMs can go on LUNs with room so that no exclusive LUN holds two
    VMs of any of `classes` (fixed VMs included): the LUN rules with nodes left out."""
    inventory, model = problem.inventory, cp_model.CpModel()
    on = {
        (v, lun): model.new_bool_var(f"on[{v},{lun}]")
        for v, candidates in problem.lun_candidates.items()
        for lun in candidates
    }
    for v, candidates in problem.lun_candidates.items():
        model.add_exactly_one(on[v, lun] for lun in candidates)
    room = lun_room(inventory)
    fixed = _fixed_class_counts(problem)
    for lun in problem.luns:
        chosen = [(lit, v) for (v, at), lit in on.items() if at == lun]
        if chosen and room[lun] < np.iinfo(np.int64).max:
            model.add(
                sum(int(inventory.vm_disk_mib[v]) * lit for lit, v in chosen) <= int(room[lun])
            )
        if inventory.lun_shared[lun]:
            continue
        for c in classes:
            joining = [lit for lit, v in chosen if inventory.vm_classes[v, c]]
            model.add(int(fixed[lun, c]) + sum(joining) <= 1)
    _, status = run_cpsat(model, params, 5.0, workers=1)
    return status is not Status.INFEASIBLE


def _fixed_class_counts(problem: ClusterProblem) -> np.ndarray:
    """[LUN, class]: how many VMs of the class the inventory fixes on the LUN."""
    inventory = problem.inventory
    counts = np.zeros((inventory.n_luns, len(inventory.class_names)), dtype=np.int64)
    fixed = inventory.vm_lun >= 0
    np.add.at(counts, inventory.vm_lun[fixed], inventory.vm_classes[fixed].astype(np.int64))
    return counts


def _exclusivity_matters(problem: ClusterProblem, params: Params, seconds: float) -> bool:
    """True when the cluster has a plan once every LUN is a Cluster Shared Volume: then
    LUN exclusivity (VMs of one LUN run and fail over together) is part of the reason."""
    inventory = problem.inventory
    if not (~inventory.lun_shared[problem.luns]).any():
        return False
    shared = dataclasses.replace(inventory, lun_shared=np.ones(inventory.n_luns, dtype=bool))
    relaxed = cluster_problem(shared, problem.cluster, problem.failures, params.disabled)
    if impossibility_reasons(relaxed, params.disabled):
        return False
    plan_model = build_model(relaxed, params.objective, params.disabled, scores_moves=False)
    _, status = run_cpsat(plan_model.model, params, seconds)
    return status.has_plan


def _sentence(problem: ClusterProblem, core: list[Key], exclusive: bool) -> str:
    parts = []
    capacity: dict[str, list[str]] = {}
    for key in core:
        if key[0] == "capacity":
            capacity.setdefault(key[1], []).append(problem.node_name(key[2]))
    for label, nodes in capacity.items():
        parts.append(f"the {label} of {_names(nodes)}")
    failures = [key[1] for key in core if key[0] == "failure"]
    classes = [problem.inventory.class_names[key[1]] for key in core if key[0] == "anti-affinity"]
    luns = [problem.inventory.lun_names[key[1]] for key in core if key[0] == "lun"]
    if classes:
        parts.append(f"anti-affinity class {_names(classes)}")
    if luns:
        parts.append(f"the capacity of LUN {_names(luns)}")
    if exclusive:
        parts.append("LUN exclusivity (the VMs of one exclusive LUN run and fail over together)")
    text = "the VMs cannot fit " + " together with ".join(parts) if parts else "the rules clash"
    if failures:
        sets = ", ".join("{" + ", ".join(problem.node_name(n) for n in f) + "}" for f in failures)
        text += f" when any of these node sets fails: {sets} (N+{problem.failures})"
    return text + _NODES_HELP


def _names(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
