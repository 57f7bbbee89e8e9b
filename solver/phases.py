"""Lexicographic objectives as phases: solve one criterion, hold it, improve the next.

Phases rather than one weighted sum: every phase keeps CP-SAT's proof and
bound in the unit of its own criterion (plan.json's bound is the first one's),
and the hint of each phase is the previous plan, so a phase cut short by the
time limit still returns a plan at least as good as the one it started from.
A weighted sum would need weights of ~1000^3 x VMs to be safe and would prove
the first criterion only once the whole sum was proven.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.cpsat import run_cpsat, stop_requested
from solver.greedy import GreedyPlan, first_fit_decreasing
from solver.model import build_model, moves_of, read_luns, read_owners
from solver.moves_bound import fewest_moves
from solver.params import Objective, Params
from solver.phase_floors import MOVES, criterion_floor, criterion_of, within_gap
from solver.problem import ClusterProblem
from solver.repair import move_back
from solver.result import Status
from solver.size_estimate import estimate_model
from solver.stay_repair import stay_put
from solver.symmetry import canonical_hint

Owners = list[tuple[int, ...]]
PROBE_SECONDS = 0.5  # at most, per value of the floor tried
LATER_SECONDS = 1.0  # under --gap, the least the later phases of a cluster get together
# a later search, in build estimates (size_estimate): its load and light presolve, 0.65
# of one at 8 nodes, N+3; with the phases' model still to build (1.2-2 estimates) first
SEARCH_COST = 1.0
BUILD_AND_SEARCH_COST = 3.0
Reporter = Callable[[int], object]  # phase number -> a CP-SAT callback (or None)


def moves_count(problem: ClusterProblem) -> bool:
    """Moves only count where some VM of the cluster names its current node."""
    vms = [v for unit in problem.units for v in unit.members]
    return bool((problem.inventory.vm_node[vms] >= 0).any())


def later_criteria(problem: ClusterProblem, params: Params) -> list[int]:
    """Indices (into PlanModel.criteria) of the criteria after the first that can differ
    between plans of equal first criterion."""
    if params.objective is not Objective.BALANCE:
        return [1]
    later = [1] if moves_count(problem) else []
    if params.tolerance > 1:
        later.append(2)  # U exactly, once its steps of the tolerance are fixed
    return [*later, 3]


def search_seconds(params: Params, begun: float | None) -> float:
    """How long the later phases' searches may take together; `begun` is when the
    cluster's solve began (None: the time limit decides).

    Under --gap a later phase ends at its floor or within the gap of it; where the
    floor is weak no search can show that, and it ran to the time limit for a promise
    it could not keep. So with --gap the later phases' searches get together as long
    as the first criterion took (at least LATER_SECONDS): the first criterion is the
    one within the gap (plan.json's status and bound speak of it), the later ones are
    the best found in that time. Without --gap the time limit decides.
    """
    if params.gap <= 0 or begun is None:
        return math.inf
    return max(time.monotonic() - begun, LATER_SECONDS)


def first_phase_share(problem: ClusterProblem, params: Params) -> float:
    """The part of a cluster's budget the first criterion may use when it is not proven.

    Under `balance` a move costs a restart, so the moves phase must get time even
    when U is never proven (large clusters); elsewhere the later criteria are
    tie-breaks and only get what a proven first criterion leaves.
    """
    return 0.5 if params.objective is Objective.BALANCE and moves_count(problem) else 1.0


def _repaired(
    problem: ClusterProblem,
    params: Params,
    first_value: int,
    plan: tuple[Owners, dict[int, int]],
    quarter: float,
) -> tuple[Owners, dict[int, int]]:
    """The plan, or a repair of the current placement within the same rounded U when it
    moves fewer VMs: a far better start for the moves phase than a plan built from
    scratch, which moves nearly every VM (CP-SAT alone rarely undoes that in time).
    The repairs start no new attempt past `quarter` (time.monotonic()), nor once the
    run is stopped (Ctrl+C: the plan in hand is kept)."""
    if first_phase_share(problem, params) == 1.0 or stop_requested():
        return plan
    stayed = stay_put(problem, first_value, quarter)
    fewest = None if params.disabled else fewest_moves(problem, first_value)
    if stayed is not None and fewest is not None and moves_of(problem, stayed.owners) <= fewest:
        return stayed.owners, stayed.luns  # the fewest moves: no other repair can beat it
    best = move_back(problem, GreedyPlan(*plan), first_value, quarter)
    for repair in (stayed, first_fit_decreasing(problem, True, quarter, stay_within=first_value)):
        if repair is not None and moves_of(problem, repair.owners) < moves_of(problem, best.owners):
            best = repair
    return best.owners, best.luns


def later_phases(
    problem: ClusterProblem,
    params: Params,
    first_value: int,
    plan: tuple[Owners, dict[int, int]],
    deadline: float,
    reporter: Reporter,
    begun: float | None = None,
) -> tuple[Owners, dict[int, int]]:
    """Hold the first criterion at `first_value`, then minimise each later one in turn,
    holding it at its value before the next; each phase starts from the last plan.
    The searches take at most search_seconds (`begun`: when the cluster's solve began).

    A phase whose plan already meets a proven floor of its criterion (or comes within
    --gap of it) needs no search; the model is built only once some phase does. A
    fresh model, not the first one with one more constraint: which node symmetry may
    be broken depends on whether moves count, which differs between phases.
    """
    searching = search_seconds(params, begun)
    quarter = time.monotonic() + (deadline - time.monotonic()) / 4
    owners, luns = _repaired(problem, params, first_value, plan, quarter)
    deadline = min(deadline, time.monotonic() + searching)  # the repairs are no search
    todo = later_criteria(problem, params)
    held: dict[int, int] = {}
    phases: _Phases | None = None
    for i in todo:
        left = deadline - time.monotonic()
        if left <= 0.01:
            break
        value = criterion_of(problem, params.objective, i, owners)
        floor = criterion_floor(problem, params, i, first_value, held)
        if floor is not None and within_gap(value, floor, params.gap):
            held[i] = value
            _report_settled(reporter(i + 1), value, floor)
            continue
        seconds = left if i == todo[-1] else left * (0.75 if i == 1 else 0.5)  # moves first
        if not _worth_a_search(problem, phases is not None, seconds):
            break
        phases = phases or _Phases(problem, params, first_value)
        phases.hold(held)
        solved = phases.improve(i, (owners, luns), floor, seconds, reporter(i + 1))
        if solved is None:
            break
        owners, luns, held[i] = solved
    return owners, luns


def _worth_a_search(problem: ClusterProblem, built: bool, seconds: float) -> bool:
    """Whether a phase's search can do anything in `seconds`: CP-SAT loads and presolves
    the model before it looks at its time limit, and the phases' model is built afresh
    with no deadline, so a short share overran --time-limit (8 nodes, 100 VMs, N+3, T = 5:
    a 1.1 s build, then 0.37 s for each search given 0.04 and 0.01 s; solve 7.2 s). Both
    scale as the calibrated build estimate, which depends on the problem alone."""
    cost = estimate_model(problem).build_seconds()
    return seconds > (SEARCH_COST if built else BUILD_AND_SEARCH_COST) * cost


def _report_settled(callback: object, value: int, floor: int) -> None:
    """Show a phase its floor settled as a phase that found its plan at once."""
    report = getattr(callback, "report", None)
    if report is not None:
        report(float(value), float(floor), 0.0)


class _Phases:
    """The later phases' model, built on first need, and the criteria it holds."""

    def __init__(self, problem: ClusterProblem, params: Params, first_value: int) -> None:
        objective = params.objective
        self.problem, self.params = problem, params
        self.scores = objective is not Objective.NODES or params.max_moves is not None
        self.plan_model = build_model(
            problem, objective, params.disabled, self.scores, max_moves=params.max_moves
        )
        self.criteria = self.plan_model.criteria(objective, params.tolerance)
        self.plan_model.model.add(self.criteria[0] <= first_value)
        self.held: set[int] = set()

    def hold(self, held: dict[int, int]) -> None:
        for i, value in held.items():
            if i not in self.held:
                self.plan_model.model.add(self.criteria[i] <= value)
                self.held.add(i)

    def improve(
        self,
        i: int,
        plan: tuple[Owners, dict[int, int]],
        floor: int | None,
        seconds: float,
        callback: object,
    ) -> tuple[Owners, dict[int, int], int] | None:
        """Minimise criterion i from `plan` for at most `seconds` (its floor stated, so
        --gap can end the search); the plan found and its value, held from now on."""
        plan_model, model = self.plan_model, self.plan_model.model
        end = time.monotonic() + seconds
        # moves are few and each is worth a probe; utilisations step in permille
        if floor is not None and (self.params.objective, i) == (Objective.BALANCE, MOVES):
            value = criterion_of(self.problem, self.params.objective, i, plan[0])
            floor, at_floor = self._probe(i, floor, value, end)
            if at_floor is not None:
                return self._read(i, at_floor)
        if floor is not None:
            model.add(self.criteria[i] >= floor)
        model.clear_hints()
        plan_model.add_hint(canonical_hint(self.problem, plan[0], self.scores), plan[1])
        model.minimize(self.criteria[i])
        # --gap ends every phase, not only the first: a plan within the gap is the answer
        left = end - time.monotonic()
        solver, status = run_cpsat(
            model, self.params, left, callback, gap=self.params.gap, light_presolve=True
        )
        if not status.has_plan:
            return None
        return self._read(i, solver)

    def _probe(
        self, i: int, floor: int, value: int, end: float
    ) -> tuple[int, cp_model.CpSolver | None]:
        """Raise the floor while a short search proves that criterion i cannot reach it;
        stop at a plan that meets it (then optimal). A search for any plan at the floor,
        with no objective and no hint (the plan in hand breaks it), is cheap where the
        holds leave little freedom: on the 40-cluster fleet often 0.1 s."""
        model = self.plan_model.model
        while floor < value:
            seconds = min(PROBE_SECONDS, (end - time.monotonic()) / 4)
            if seconds <= 0.01:
                break
            at_floor = model.new_bool_var(f"probe[{i}, {floor}]")
            model.add(self.criteria[i] <= floor).only_enforce_if(at_floor)
            probe = model.clone()  # the literal fixed, so presolve uses the cap
            probe.clear_hints()
            probe.clear_objective()
            probe.add_bool_or([probe.get_bool_var_from_proto_index(at_floor.index)])
            solver, status = run_cpsat(probe, self.params, seconds, light_presolve=True)
            if status.has_plan:
                return floor, solver
            if status is not Status.INFEASIBLE:
                break
            floor += 1
        return floor, None

    def _read(self, i: int, solver: cp_model.CpSolver) -> tuple[Owners, dict[int, int], int]:
        value = int(solver.value(self.criteria[i]))
        self.hold({i: value})
        return read_owners(self.plan_model, solver), read_luns(self.plan_model, solver), value
