"""A deadline for building the exact model, checked between its constraint families.

Whether the model is built is decided by its calibrated, load-free size estimate
(solver/large_result.py exact_model_fits), so the same inventory and parameters always
choose the same method. On a machine much slower than calibrated the build can still
overrun: it is then abandoned at a family boundary and the large path answers, which
keeps --time-limit at the cost of the only load-dependent choice left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# Share of the build's time behind it after each family (measured at 16-24 nodes, k = 1
# and 2: add_assignment 0.41-0.55 of it, add_capacity to 0.85-0.9); read optimistically
# so that only a build that is clearly late is abandoned
AFTER_ASSIGNMENT = 0.55
AFTER_CAPACITY = 0.9
AFTER_ANTI_AFFINITY = 0.95
# What follows the build before the steps after it stop at their deadlines, in build
# times: the hint (first-fit, the large path's plan, add_hint: 11 s after a 20 s build at
# 24 nodes, 400 VMs, N+1 under a load of 10 on 2 cores) and the later phases' own model
# (solver/phases.py builds it afresh, with no deadline: as long again)
AFTER_BUILD = 1.5


class BuildOverrun(Exception):
    """The exact model's build would end past its deadline."""


@dataclass
class BuildClock:
    """Abandons a build that, with the hint after it, is projected to end past
    `deadline` (None: never)."""

    deadline: float | None
    begun: float = field(default_factory=time.monotonic)

    def check(self, done: float) -> None:
        """Raise BuildOverrun when, with the share `done` of the build behind it at the
        pace so far, the rest of it and the hint would end past the deadline."""
        if self.deadline is None:
            return
        projected = (time.monotonic() - self.begun) / done * (1 + AFTER_BUILD)
        if self.begun + projected > self.deadline:
            raise BuildOverrun(f"the build and hint would end {projected:.1f} s in")
