"""Synthetic fleets, seeded, N+k feasible by construction (tests and benchmarks)."""
