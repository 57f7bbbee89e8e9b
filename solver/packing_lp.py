"""The column-generation lower bound of a vector bin packing, remembered per instance
(solver/packing_cg.py computes it); imports nothing heavy, so solver/bounds.py can
read it anywhere, `hvplace --help` included.

The packing search (solver/packing.py) pays for the bound in a share of its time, only
when its plan is above the analytic bound; solver/bounds.py's nodes bound of a
packing-shaped cluster (k = 0, is_packing) reads what was proven, so the hint is
proven optimal by it without another computation.
"""

from __future__ import annotations

import numpy as np

from data.inventory import IntArray
from solver.problem import ClusterProblem

LP_MAX_ITEMS = 1500  # past this the pricing knapsack alone takes too long
MAX_REMEMBERED = 64  # instances whose LP bound is remembered

Key = tuple[bytes, tuple[int, ...], bytes]
_PROVEN: dict[Key, tuple[int, float]] = {}  # bound, seconds spent on it


def known_lp_bound(weights: IntArray, room: IntArray) -> int:
    """The LP bound lp_bound has proven for this instance so far (0 if none): free, so
    every caller of solver/bounds.py shares what the packing search paid for."""
    key, _, _ = instance_key(weights, room)
    return _PROVEN.get(key, (0, 0.0))[0] if key is not None else 0


def forget_lp_bounds() -> None:
    """Drop the remembered bounds (tests, and callers that time the bound itself)."""
    _PROVEN.clear()


def proven(key: Key) -> tuple[int, float]:
    """The bound proven for an instance and the seconds spent on it ((0, 0.0) if none)."""
    return _PROVEN.get(key, (0, 0.0))


def remember(key: Key, bound: int, seconds: float) -> None:
    """Keep a bound proven in `seconds` (all are dropped past MAX_REMEMBERED)."""
    if len(_PROVEN) >= MAX_REMEMBERED:
        _PROVEN.clear()  # all of them: simple, and a fleet rarely revisits a cluster
    _PROVEN[key] = (bound, seconds)


def instance_key(weights: IntArray, room: IntArray) -> tuple[Key | None, IntArray, IntArray]:
    """The reduced instance and its key (None when it is empty or too large)."""
    weights, room = reduced(np.asarray(weights, dtype=np.int64), np.asarray(room))
    if len(weights) == 0 or len(weights) > LP_MAX_ITEMS:
        return None, weights, room
    return (weights.tobytes(), weights.shape, room.tobytes()), weights, room


def reduced(weights: IntArray, room: IntArray) -> tuple[IntArray, IntArray]:
    """The instance without what cannot matter: items of size 0 (they fit anywhere),
    dimensions no subset of items can overflow; rows sorted so equal instances share
    a cache entry."""
    room = np.asarray(room, dtype=np.int64).reshape(-1)
    weights = weights.reshape(len(weights), len(room))
    rows, binding = reduction(weights, room)
    if len(rows) == 0 or not binding.any():
        return np.zeros((0, 1), dtype=np.int64), np.ones(1, dtype=np.int64)
    return weights[rows][:, binding], room[binding]


def reduction(weights: IntArray, room: IntArray) -> tuple[IntArray, np.ndarray]:
    """reduced()'s rows (item indices, in its order) and binding dimensions (a mask), so
    that a plan of the reduced instance maps back to the items."""
    nonzero = np.flatnonzero(weights.any(axis=1))
    binding = weights[nonzero].sum(axis=0) > room
    if not binding.any():
        return nonzero[:0], binding
    return nonzero[np.lexsort(weights[nonzero][:, binding].T[::-1])], binding


def is_packing(problem: ClusterProblem) -> bool:
    """k = 0, no VM whose LUN the planner chooses, no anti-affinity class in use: the
    `nodes` objective is then a vector bin packing of the units."""
    if problem.failures != 0 or problem.lun_candidates:
        return False
    members = [v for unit in problem.units for v in unit.members]
    return not problem.inventory.vm_classes[members].any()


def packing_lp_bound(problem: ClusterProblem) -> int:
    """The LP bound the packing search (solver/packing.py) proved on the nodes of this
    packing-shaped cluster (is_packing), else 0."""
    if not is_packing(problem):
        return 0
    weights = problem.weight[[bool(unit.members) for unit in problem.units]]
    return known_lp_bound(weights, problem.capacity.max(axis=1))
