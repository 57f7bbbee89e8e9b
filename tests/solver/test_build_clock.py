"""solver/build_clock.py: a build projected to end past its deadline is abandoned."""

from __future__ import annotations

import time

import pytest

from solver.build_clock import BuildClock, BuildOverrun


def test_build_clock_without_a_deadline_never_stops_a_build() -> None:
    BuildClock(None, begun=time.monotonic() - 1e6).check(0.01)


def test_build_clock_projects_the_build_and_hint_at_the_pace_so_far() -> None:
    """4 s for the first half: the build takes ~8 s and what follows it ~12 s more,
    past a deadline 18 s after the start but before one 22 s after it."""
    begun = time.monotonic() - 4.0
    BuildClock(begun + 22.0, begun).check(0.5)
    with pytest.raises(BuildOverrun):
        BuildClock(begun + 18.0, begun).check(0.5)
