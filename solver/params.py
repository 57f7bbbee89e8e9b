"""Solve parameters: a frozen, validated dataclass."""

from dataclasses import dataclass, field

from data.rules import Objective, Rule


def in_steps(value: int, tolerance: int) -> int:
    """`value` rounded up to a multiple of the tolerance: how balance counts U (MODEL.md)."""
    return -(-value // tolerance) * tolerance


@dataclass(frozen=True)
class Params:
    failures: int = 1
    objective: Objective = Objective.BALANCE
    time_limit: float = 60.0  # seconds, for the whole inventory
    workers: int = 0  # 0: one per core
    seed: int = 0
    gap: float = 0.0  # stop once (value - bound) / value <= gap; 0: prove the optimum
    hint: bool = True  # start CP-SAT from the first-fit-decreasing plan
    log: bool = False  # CP-SAT's own search log, as records of the solver.cpsat logger
    disabled: frozenset[Rule] = field(default_factory=frozenset)  # tests only
    tolerance: int = 10  # permille: balance counts U in steps of this (MODEL.md)
    max_moves: int | None = None  # at most this many VMs leave their current node
    model_memory_mb: int = 1536  # the exact model is built only if it fits in this
    # largest exact model (solver/size_estimate.py items); None: time and memory decide,
    # 0 sends every cluster down the large-cluster path (tests)
    max_model_items: int | None = None

    def __post_init__(self) -> None:
        if self.failures < 0:
            raise ValueError(f"failures must be >= 0, not {self.failures}")
        if not self.time_limit > 0:
            raise ValueError(f"time limit must be positive, not {self.time_limit}")
        if not 0 <= self.gap < 1:
            raise ValueError(f"gap must be in [0, 1), not {self.gap}")
        if not 1 <= self.tolerance <= 1000:
            raise ValueError(f"tolerance must be in 1..1000 permille, not {self.tolerance}")
        if self.max_moves is not None and self.max_moves < 0:
            raise ValueError(f"max moves must be >= 0, not {self.max_moves}")
        if self.model_memory_mb <= 0:
            raise ValueError(f"model memory must be positive, not {self.model_memory_mb}")
        if self.max_model_items is not None and self.max_model_items < 0:
            raise ValueError(f"max model items must be >= 0, not {self.max_model_items}")
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, not {self.workers}")
        object.__setattr__(self, "objective", Objective(self.objective))
        object.__setattr__(self, "disabled", frozenset(Rule(r) for r in self.disabled))

    def enabled(self, rule: Rule) -> bool:
        return rule not in self.disabled
