"""Naming the rules behind a proven infeasibility (unsat core over rule items)."""

from __future__ import annotations

from solver.cpsat import run_cpsat
from solver.model import build_model
from solver.params import Params
from solver.problem import ClusterProblem
from solver.result import Status
from solver.switches import Key

CORE_SECONDS = 20.0  # at most this long on the explanation


def infeasibility_core(problem: ClusterProblem, params: Params, budget: float) -> list[str]:
    """Sentences naming rule items that cannot hold together; [] if none were found."""
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
    return [_sentence(problem, core)] if core else []


def _sentence(problem: ClusterProblem, core: list[Key]) -> str:
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
    text = "the VMs cannot fit " + " together with ".join(parts) if parts else "the rules clash"
    if failures:
        sets = ", ".join("{" + ", ".join(problem.node_name(n) for n in f) + "}" for f in failures)
        text += f" when any of these node sets fails: {sets} (N+{problem.failures})"
    return text + "; more or larger nodes, or fewer VMs, are needed"


def _names(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
