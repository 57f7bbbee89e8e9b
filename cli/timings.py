"""Where `plan`'s wall time goes (the hidden --timings): --time-limit bounds the whole
command; the solve gets it less an estimate of certifying, writing and showing
(cli/budget.py), which are linear in the inventory, so these laps calibrate it."""

from __future__ import annotations

import time

from cli.common import stderr


class Laps:
    """Seconds per named phase, each lap from the end of the one before."""

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self.last = time.monotonic()
        self.seconds: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.last
        self.last = now

    def show(self) -> None:
        """One line on stderr, e.g. `hvplace: seconds read 0.21 solve 19.93 ...`."""
        if self.shown:
            laps = " ".join(f"{name} {s:.2f}" for name, s in self.seconds.items())
            stderr().print(f"hvplace: seconds {laps}", markup=False)
