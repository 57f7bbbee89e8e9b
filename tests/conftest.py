"""Suite-wide settings: Hypothesis profiles.

Choose one with HYPOTHESIS_PROFILE=ci|dev|soak (default ci). Tests that set their own
`max_examples` keep it; the solver's property tests scale theirs from the profile
(see tests/solver/conftest.py `examples`).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=8,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "soak",  # a long hunt for new counterexamples: HYPOTHESIS_PROFILE=soak pytest tests/solver
    max_examples=1500,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
