"""The report's tables as text cells, shared by the terminal and the HTML page: per node
load and headroom, each survivor's load when one node fails, and the moves."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from cli.heatmap import heat_matrix
from cli.render import gib, percent
from data.check.before_after import restart_mb
from data.check.metrics import Load, NodeLoads, permille, single_failure_memory
from data.inventory import Inventory
from data.moves import Move
from data.plan import Plan

HEAT_TABLE_UP_TO = 32  # nodes per cluster: bigger maps are only drawn, not tabulated


@dataclass(frozen=True)
class Section:
    """One table: a title, its headers and rows; the first `left` columns are names."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    left: int = 2


def node_section(nodes: list[NodeLoads], failures: int, before: Mapping[str, int]) -> Section:
    """Per node: load now (and before the plan, for a plan with moves), its worst under
    k failures, the headroom in GiB (used, taken on in its worst failure, left)."""
    resources = list(nodes[0].resources) if nodes else []
    headers = ["node", "cluster", "VMs"]
    headers += ["memory before"] if before else []
    headers += ["memory now", "memory worst", "worst if down"]
    headers += ["used GiB", "takes on GiB", "left GiB", "vCPUs now", "vCPUs worst"]
    for name in resources:
        headers += [f"{name} now", f"{name} worst"]
    rows = []
    for n in nodes:
        row = [n.node, n.cluster, str(n.vms)]
        row += [_share(before.get(n.node, 0), n.memory.capacity)] if before else []
        row += [_memory_now(n.memory), _share(n.memory.worst, n.memory.capacity)]
        row += [", ".join(n.memory.worst_failed) or "(none)"]
        row += [gib(n.memory.used), gib(n.taken_on_mb), gib(n.left_mb)]
        row += [_used(n.vcpus.used, n.vcpus), _used(n.vcpus.worst, n.vcpus)]
        for name in resources:
            load = n.resources[name]
            row += [_used(load.used, load), _used(load.worst, load)]
        rows.append(row)
    return Section(f"Per-node load, now and worst (N+{failures})", headers, rows)


def failure_heat(inventory: Inventory, plan: Plan) -> dict[str, dict[str, int]]:
    """failed node -> node of its cluster -> memory (MiB) it runs when that node alone fails."""
    names = inventory.node_names
    return {
        names[f]: {names[n]: mb for n, mb in per_node.items() if n != f}
        for f, per_node in single_failure_memory(inventory, plan).items()
    }


def heat_sections(
    clusters: list[tuple[str, list[NodeLoads]]], heat: Mapping[str, Mapping[str, int]]
) -> list[Section]:
    """Per cluster (up to HEAT_TABLE_UP_TO nodes): rows failed node, columns node, in %."""
    sections = []
    for cluster, nodes in clusters:
        if len(nodes) > HEAT_TABLE_UP_TO:
            continue
        matrix = heat_matrix(nodes, heat)
        rows = [
            [f.node, *("—" if math.isnan(v) else f"{v:.1f}%" for v in values)]
            for f, values in zip(nodes, matrix, strict=True)
        ]
        title = f"{cluster}: memory of each node when one node fails (% of capacity)"
        sections.append(Section(title, ["failed node", *(n.node for n in nodes)], rows, 1))
    return sections


def move_sections(inventory: Inventory, moves: tuple[Move, ...]) -> list[Section]:
    """The moves in step order: quick migrations with the memory each restarts, then the
    live migrations apart (no restart)."""
    names = inventory.node_names
    quick = [
        [
            str(m.step),
            m.group,
            ";".join(inventory.vm_names[v] for v in m.vms),
            names[m.source],
            names[m.target],
            gib(restart_mb(inventory, m)),
            f"until step {m.resume_step}" if m.parked else "",
        ]
        for m in moves
        if not m.live
    ]
    live = [[str(m.step), m.group, names[m.source], names[m.target]] for m in moves if m.live]
    sections = []
    if quick:
        headers = ["step", "group", "VMs", "from", "to", "restarts GiB", "parked"]
        sections.append(Section("Moves that restart VMs (quick migration)", headers, quick, 5))
    if live:
        headers = ["step", "VM", "from", "to"]
        sections.append(Section("Live migrations (no restart)", headers, live, 4))
    return sections


def moves_line(inventory: Inventory, moves: tuple[Move, ...]) -> str:
    """How many moves, and the downtime they cost."""
    quick = [m for m in moves if not m.live]
    restarted = sum(restart_mb(inventory, m) for m in quick)
    return (
        f"{len(moves)} moves: {len(quick)} quick migrations restart "
        f"{gib(restarted)} GiB of VMs, {len(moves) - len(quick)} live migrations restart none"
    )


def _memory_now(load: Load) -> str:
    return f"{_share(load.used, load.capacity)} of {gib(load.capacity)} GiB"


def _share(used: int, capacity: int) -> str:
    return percent(permille(used, capacity))


def _used(used: int, load: Load) -> str:
    return f"{used:,}/{load.capacity:,}"
