"""The drain rounds as drain.csv rows and one JSON document, and the directory holding
both (written atomically, like a plan)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from data.drain import DrainRound
from data.inventory import Inventory
from data.io.atomic import replace_directory
from data.io.write import write_csv
from data.moves import LIVE, QUICK

DRAIN_CSV = "drain.csv"
DRAIN_JSON = "drain.json"
DRAIN_COLUMNS = ("round", "nodes", "group", "vms", "from", "to", "migration")


def drain_rows(inventory: Inventory, rounds: tuple[DrainRound, ...]) -> list[dict[str, Any]]:
    """One row per group moved; a round with nothing to move is one row with empty cells."""
    rows = []
    for r in rounds:
        nodes = ";".join(inventory.node_names[n] for n in r.nodes)
        moves = [
            {
                "group": m.group,
                "vms": ";".join(inventory.vm_names[v] for v in m.vms),
                "from": inventory.node_names[m.source],
                "to": inventory.node_names[m.target],
                "migration": LIVE if m.live else QUICK,
            }
            for m in r.moves
        ] or [dict.fromkeys(DRAIN_COLUMNS[2:], "")]
        rows += [{"round": r.number, "nodes": nodes, **move} for move in moves]
    return rows


def drain_document(
    inventory: Inventory, rounds: tuple[DrainRound, ...], failures: int
) -> dict[str, Any]:
    names = inventory.node_names
    return {
        "failures": failures,
        "rounds": [
            {
                "round": r.number,
                "cluster": inventory.clusters[r.cluster],
                "nodes": [names[n] for n in r.nodes],
                "peak_permille": r.peak_permille,
                "utilisation_permille": {names[n]: p for n, p in r.utilisation},
                "restarted_vms": r.restarted_vms,
                "quick_gib": round(r.quick_gib, 3),
                "live_vms": r.live_vms,
                "moves": [
                    {
                        "group": m.group,
                        "vms": [inventory.vm_names[v] for v in m.vms],
                        "from": names[m.source],
                        "to": names[m.target],
                        "migration": LIVE if m.live else QUICK,
                        "memory_mb": m.memory_mb,
                    }
                    for m in r.moves
                ],
            }
            for r in rounds
        ],
    }


def drain_json(inventory: Inventory, rounds: tuple[DrainRound, ...], failures: int) -> str:
    document = drain_document(inventory, rounds, failures)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_drain(
    directory: Path, inventory: Inventory, rounds: tuple[DrainRound, ...], failures: int
) -> None:
    """drain.csv and drain.json, replacing a previous drain directory atomically."""

    def fill(temp: Path) -> None:
        write_csv(temp / DRAIN_CSV, DRAIN_COLUMNS, drain_rows(inventory, rounds))
        text = drain_json(inventory, rounds, failures)
        (temp / DRAIN_JSON).write_text(text, encoding="utf-8")

    replace_directory(directory, fill, frozenset((DRAIN_CSV, DRAIN_JSON)))
