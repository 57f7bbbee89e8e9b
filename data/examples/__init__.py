"""Bundled example inventories, shipped as package data (see pyproject.toml)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from data.errors import InputError

EXAMPLES: dict[str, str] = {
    "two-node": "two 128 GiB hosts, 12 VMs, one LUN per VM: the classic N+1 design",
    "four-node": "four hosts (one without VLAN tagging), 24 VMs on shared LUNs, CSVs and res_iops",
    "no-n1": "two 64 GiB hosts and 92 GiB of VMs: fits while both run, no N+1 plan exists",
}


def example_path(name: str) -> Path:
    """The directory of a bundled example inventory."""
    if name not in EXAMPLES:
        known = ", ".join(EXAMPLES)
        raise InputError(f"unknown example {name!r}; the examples are {known}")
    # a regular (not zipped) install: the package's files are plain files on disk
    return Path(str(resources.files(__name__) / name))
