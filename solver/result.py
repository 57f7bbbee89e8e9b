"""What a solve returns: a status in our words, the plan, figures per cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from data.plan import Plan


class Status(StrEnum):
    OPTIMAL = "optimal"  # the first criterion is proven
    FEASIBLE = "feasible"  # a plan, not proven best
    INFEASIBLE = "infeasible"  # no plan can exist (reasons say why)
    UNKNOWN = "unknown"  # no plan found within the time limit

    @property
    def has_plan(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class ClusterResult:
    cluster: str
    status: Status
    objective_value: int | None
    bound: int
    seconds: float
    owners: dict[int, tuple[int, ...]] = field(default_factory=dict)  # vm -> global nodes
    luns: dict[int, int] = field(default_factory=dict)  # vm -> LUN
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    status: Status
    objective: str
    objective_value: int | None
    bound: int
    seconds: float
    clusters: tuple[ClusterResult, ...]
    plan: Plan | None
    # stopped by the caller's token: the plan, if any, is the best found so far
    interrupted: bool = False

    @property
    def reasons(self) -> list[str]:
        return [
            r if f"cluster {c.cluster!r}" in r else f"cluster {c.cluster!r}: {r}"
            for c in self.clusters
            for r in c.reasons
        ]


@dataclass(frozen=True)
class Progress:
    """One improvement reported while solving (for progress bars)."""

    cluster: str
    phase: int  # 1: first criterion, 2: second
    objective: float
    bound: float
    seconds: float
