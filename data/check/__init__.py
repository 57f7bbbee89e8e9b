"""The independent checker: every rule checked against a plan, its loads, per-node metrics."""
