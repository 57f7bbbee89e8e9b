"""Suite-wide settings: Hypothesis profiles.

Choose one with HYPOTHESIS_PROFILE=ci|dev|soak (default ci). Tests that set their own
`max_examples` keep it; the solver's property tests scale theirs from the profile
(see tests/solver/conftest.py `examples`).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES = {"ci": 100, "dev": 8, "soak": 1500}  # soak: a long hunt for new counterexamples
for name, examples in PROFILES.items():
    settings.register_profile(
        name,
        max_examples=examples,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
