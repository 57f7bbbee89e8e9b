"""--max-moves: why a cap made a cluster infeasible, and the fewest moves that would do.

The cap is a constraint of the model (build_model's max_moves). When CP-SAT
proves a capped cluster infeasible, the cap alone may be the cause: solving the
`moves` objective without it tells, and its optimum is the figure to quote.
"""

from __future__ import annotations

import math

from solver.cpsat import run_cpsat
from solver.model import build_model
from solver.params import Objective, Params
from solver.problem import ClusterProblem
from solver.result import Status


def cap_reason(problem: ClusterProblem, params: Params, seconds: float) -> str | None:
    """The sentence for a cluster that no plan within params.max_moves can serve, or None
    when the rules cannot hold even with unlimited moves (another reason is needed)."""
    plan_model = build_model(problem, Objective.MOVES, params.disabled, scores_moves=True)
    plan_model.model.minimize(plan_model.moves)
    solver, status = run_cpsat(plan_model.model, params, max(seconds, 0.1))
    if status is Status.INFEASIBLE:
        return None
    head = f"N+{problem.failures} cannot be reached within {params.max_moves} moves"
    if status is Status.OPTIMAL:
        return f"{head}; the fewest that can is {round(solver.objective_value)}"
    if status is Status.FEASIBLE:
        bound = math.ceil(solver.best_objective_bound - 1e-6)
        fewest = max(bound, (params.max_moves or 0) + 1)
        return f"{head}; {round(solver.objective_value)} can, and no fewer than {fewest}"
    return f"{head} (the fewest that can was not found in the time left)"
