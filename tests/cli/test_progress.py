"""The progress bar names the criterion a later phase's figures are in."""

from __future__ import annotations

import pytest

from cli.progress import _phase_label
from data.rules import Objective


@pytest.mark.parametrize(
    ("objective", "phase", "label"),
    [
        (Objective.BALANCE, 1, ""),
        (Objective.BALANCE, 2, " (moves)"),
        (Objective.BALANCE, 3, " (U exactly)"),
        (Objective.BALANCE, 4, " (U with no failure)"),
        (Objective.NODES, 2, " (U)"),
        (Objective.MOVES, 2, " (U)"),
    ],
)
def test_phase_label_names_the_criterion_of_the_phase(
    objective: Objective, phase: int, label: str
) -> None:
    assert _phase_label(objective, phase) == label
