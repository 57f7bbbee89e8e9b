"""The planner's LUN choice for VMs that name none, and what that choice binds.

Rules: a VM with an empty `lun` goes on exactly one LUN of its cluster's luns
table; the disk of a LUN's VMs fits its capacity; and a VM that joins an
exclusive LUN runs on, and fails over with, that LUN's owners list.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from data.inventory import UNLIMITED
from data.rules import Rule
from solver.owners import OwnerVars
from solver.problem import ClusterProblem, lun_room
from solver.switches import Switches

OnLun = dict[tuple[int, int], cp_model.IntVar]  # (vm, lun) -> literal


def add_lun_choice(model: cp_model.CpModel, problem: ClusterProblem) -> OnLun:
    """Each free VM goes on exactly one of its candidate LUNs."""
    on_lun: OnLun = {}
    for v, candidates in problem.lun_candidates.items():
        vm = problem.inventory.vm_names[v]
        for lun in candidates:
            name = f"on_lun[{vm}|{problem.inventory.lun_names[lun]}]"
            on_lun[v, lun] = model.new_bool_var(name)
        model.add_exactly_one(on_lun[v, lun] for lun in candidates)
    return on_lun


def add_lun_capacity(
    model: cp_model.CpModel, problem: ClusterProblem, on_lun: OnLun, switches: Switches
) -> None:
    """The disk of the VMs the planner adds fits the room the fixed VMs leave."""
    inventory = problem.inventory
    room = lun_room(inventory)
    for lun in problem.luns:
        chosen = [
            (lit, int(inventory.vm_disk_mib[v])) for (v, on), lit in on_lun.items() if on == lun
        ]
        if inventory.lun_capacity_mib[lun] == UNLIMITED or not chosen:
            continue
        constraint = model.add(sum(disk * lit for lit, disk in chosen) <= int(room[lun]))
        switches.guard(constraint, ("lun", int(lun)))


def add_lun_exclusivity(
    model: cp_model.CpModel, problem: ClusterProblem, owners: OwnerVars, on_lun: OnLun
) -> None:
    """A free VM on an exclusive LUN has, position by position, the LUN's owners."""
    unit_of_lun = problem.unit_of_lun()
    unit_of_vm = {u.members[0]: i for i, u in enumerate(problem.units) if u.free}
    for (v, lun), chosen in on_lun.items():
        if problem.inventory.lun_shared[lun]:
            continue
        vm_unit, lun_unit = unit_of_vm[v], unit_of_lun[lun]
        for j in range(problem.failures + 1):
            for n in range(problem.n_nodes):
                mine = owners.at_position(vm_unit, j, n)
                theirs = owners.at_position(lun_unit, j, n)
                if mine or theirs:
                    model.add(sum(mine) == sum(theirs)).only_enforce_if(chosen)


def add_luns(
    model: cp_model.CpModel,
    problem: ClusterProblem,
    owners: OwnerVars,
    disabled: frozenset[Rule],
    switches: Switches,
) -> OnLun:
    on_lun = add_lun_choice(model, problem)
    if Rule.LUN_CAPACITY not in disabled:
        add_lun_capacity(model, problem, on_lun, switches)
    if Rule.LUN_EXCLUSIVITY not in disabled:
        add_lun_exclusivity(model, problem, owners, on_lun)
    return on_lun
