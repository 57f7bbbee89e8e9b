"""The vectorised unit conversions give exactly the values of the one-at-a-time
Fraction arithmetic they replace (speed only: a plan must not change)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.inventory import (
    ceil_product,
    floor_product,
    scaled_to_mib,
    vm_costs_mb,
    vm_overhead_mb,
)

# what inventories hold: short decimals, whole MiB, any float, values past 2**20 GiB
_GIB = st.one_of(
    st.decimals(min_value=0, max_value=10**7, places=3).map(float),
    st.integers(min_value=0, max_value=2**40).map(lambda m: m / 1024),
    st.floats(min_value=0, max_value=2.0**52, allow_nan=False),  # MiB fit an int64
    st.floats(min_value=2.0**19, max_value=2.0**23, allow_nan=False),
)


@given(st.lists(_GIB, max_size=30))
def test_scaled_to_mib_equals_the_fraction_arithmetic(values: list[float]) -> None:
    gib = np.array(values, dtype=np.float64)
    assert scaled_to_mib(gib, "ceil").tolist() == [ceil_product(g, 1024) for g in values]
    assert scaled_to_mib(gib, "floor").tolist() == [floor_product(g, 1024) for g in values]


def test_scaled_to_mib_meets_whole_mib_exactly() -> None:
    gib = np.array([2.3, 0.1, 1 / 1024, 40.0, 0.0, 2.0**20 + 0.5])
    assert scaled_to_mib(gib, "ceil").tolist() == [2356, 103, 1, 40960, 0, 2**30 + 512]
    assert scaled_to_mib(gib, "floor").tolist() == [2355, 102, 1, 40960, 0, 2**30 + 512]


def test_scaled_to_mib_refuses_nan_as_the_fraction_does() -> None:
    with pytest.raises(ValueError):
        scaled_to_mib(np.array([1.0, math.nan]), "ceil")


@given(st.lists(st.integers(min_value=1, max_value=2**60), max_size=30))
def test_vm_cost_mb_equals_the_per_vm_overhead(memory: list[int]) -> None:
    costs = vm_costs_mb(np.array(memory, dtype=np.int64))
    assert costs.tolist() == [m + vm_overhead_mb(m) for m in memory]
