"""How names sort for people: hv2 before hv10, in every per-node output."""

from __future__ import annotations

import re

NaturalKey = tuple[tuple[tuple[int, str, int], ...], str]


def natural_key(name: str) -> NaturalKey:
    """Sort key putting hv2 before hv10: digit runs compare as numbers, text without case;
    the name itself breaks ties so the order is total."""
    parts = re.split(r"([0-9]+)", name)
    return tuple(
        (1, "", int(p)) if i % 2 else (0, p.casefold(), 0) for i, p in enumerate(parts)
    ), name


def node_order(cluster: str, node: str) -> tuple[NaturalKey, NaturalKey]:
    """The one order of nodes in every per-node output: by cluster, then node, naturally."""
    return natural_key(cluster), natural_key(node)
