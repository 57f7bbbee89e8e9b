"""A PowerShell script that applies a plan to a Windows failover cluster.

Data first (one [pscustomobject] per VM role, then the moves), then fixed
logic that does not depend on the plan. Names only ever appear as
single-quoted string literals (`literal`), never inside code or a
double-quoted string, so no name can become code. Plan figures in the header
comment are reduced to printable characters so they cannot end the comment.
The script is a dry run unless started with -Apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from data.errors import InputError
from data.export.powershell_logic import LOGIC
from data.inventory import Inventory
from data.plan import Plan

# PowerShell ends a single-quoted string at any of these, and reads any of them
# doubled as one quote character.
QUOTES = "'\u2018\u2019\u201a\u201b"
BOM = b"\xef\xbb\xbf"  # Windows PowerShell 5.1 reads a BOM-less script as ANSI
NEWLINE = "\r\n"


@dataclass(frozen=True)
class Role:
    """One VM role (cluster group named after the VM) as the plan wants it."""

    name: str
    owners: tuple[str, ...]  # preferred owners, failover order; owners[0] = node
    anti_affinity: tuple[str, ...]
    node: str  # planned
    current: str  # the inventory's vms.node; "" when unknown
    lun: str
    shared: bool  # on a Cluster Shared Volume

    @property
    def moves(self) -> bool:
        return self.current != self.node


@dataclass(frozen=True)
class Move:
    """One move: an exclusive LUN's VMs together (quick migration) or one CSV VM (live)."""

    vms: tuple[str, ...]
    lun: str
    shared: bool
    node: str


def literal(text: str) -> str:
    """`text` as a PowerShell single-quoted string literal: every quote character doubled."""
    return "'" + "".join(c + c if c in QUOTES else c for c in text) + "'"


def array(items: Iterable[str]) -> str:
    return "@(" + ", ".join(literal(item) for item in items) + ")"


def comment(text: str) -> str:
    """`text` made safe for a `#` comment: line breaks and other unprintables become '?'."""
    return "".join(c if c.isprintable() else "?" for c in text)


def roles(inventory: Inventory, plan: Plan, cluster: int) -> list[Role]:
    """The VM roles of one cluster, sorted by VM name; every VM must have owners and a LUN."""
    out = []
    for v in sorted(inventory.vms_of(cluster), key=lambda v: inventory.vm_names[v]):
        owners = tuple(inventory.node_names[n] for n in plan.owners_of(int(v)))
        lun = int(plan.vm_lun[v])
        if not owners or lun < 0:
            raise ValueError(f"VM {inventory.vm_names[v]!r} has no owners or no LUN")
        classes = [inventory.class_names[c] for c in np.flatnonzero(inventory.vm_classes[v])]
        current = int(inventory.vm_node[v])
        out.append(
            Role(
                name=inventory.vm_names[v],
                owners=owners,
                anti_affinity=tuple(sorted(classes)),
                node=owners[0],
                current=inventory.node_names[current] if current >= 0 else "",
                lun=inventory.lun_names[lun],
                shared=bool(inventory.lun_shared[lun]),
            )
        )
    return out


def moves(all_roles: list[Role]) -> list[Move]:
    """The moves, by first VM name: each CSV VM whose node changes (or is unknown), and
    once each exclusive LUN any of whose VMs' node changes (or is unknown)."""
    by_lun: dict[str, list[Role]] = {}
    for role in all_roles:
        if not role.shared:
            by_lun.setdefault(role.lun, []).append(role)
    out = [Move((r.name,), r.lun, True, r.node) for r in all_roles if r.shared and r.moves]
    for lun, members in by_lun.items():
        if any(r.moves for r in members):
            out.append(Move(tuple(r.name for r in members), lun, False, members[0].node))
    return sorted(out, key=lambda m: m.vms[0])


def powershell_script(
    inventory: Inventory, plan: Plan, info: Mapping[str, Any], cluster: int
) -> str:
    """The script for one cluster of a valid plan, with CRLF line ends."""
    _check_distinct_for_windows(inventory, cluster)
    planned = roles(inventory, plan, cluster)
    lines = [
        *_header(info, inventory.clusters[cluster]),
        "[CmdletBinding(SupportsShouldProcess)]",
        "param([switch]$Apply, [string]$Cluster = '.')",
        "",
        "# The plan: one VM role per line (Owners in failover order, first = Node; From =",
        "# the inventory's current node, empty when unknown; Shared = on a CSV).",
        "$Roles = @(",
        *(f"    {_role_line(role)}" for role in planned),
        ")",
        "# Moves: a VM whose node changes (or is unknown); an exclusive LUN's VMs move together.",
        "$Moves = @(",
        *(f"    {_move_line(move)}" for move in moves(planned)),
        ")",
        *LOGIC.splitlines(),
    ]
    return NEWLINE.join(lines) + NEWLINE


def encode(script: str) -> bytes:
    """UTF-8 with a BOM, so Windows PowerShell 5.1 reads non-ASCII names correctly."""
    return BOM + script.encode("utf-8")


def _header(info: Mapping[str, Any], cluster: str) -> list[str]:
    figures = ", ".join(
        f"{key} {comment(str(info.get(key, '?')))}"
        for key in ("status", "objective", "objective_value", "failures", "input_sha256")
    )
    return [
        "#Requires -Version 5.1",
        "#Requires -Modules FailoverClusters",
        "# Applies an hvplace plan to a Hyper-V failover cluster (written by hvplace export).",
        f"# Plan: {figures}",
        f"# Inventory cluster: {comment(cluster)}",
        "#",
        "# For each VM role (the virtual machine group named after the VM) it sets the preferred",
        "# owners (Set-ClusterOwnerNode) to the plan's failover order and the group's",
        "# AntiAffinityClassNames, then moves the VMs whose node changes: a group on an",
        "# exclusive LUN by quick migration with its LUN and all its VMs (Move-ClusterGroup),",
        "# a VM on a Cluster Shared Volume by live migration (Move-ClusterVirtualMachineRole).",
        "# Every group and node is looked up before anything changes; the first error stops it.",
        "#",
        "# Run it on a cluster node as a cluster administrator (elsewhere, -Cluster NAME; live",
        "# migration from another computer needs CredSSP):",
        "#   .\\apply-plan.ps1           # dry run: prints 'What if: ...' for each change",
        "#   .\\apply-plan.ps1 -Apply    # makes the changes (add -Confirm to approve each)",
        "",
    ]


def _role_line(role: Role) -> str:
    return (
        f"[pscustomobject]@{{ Name = {literal(role.name)}; Owners = {array(role.owners)}; "
        f"AntiAffinity = {array(role.anti_affinity)}; Node = {literal(role.node)}; "
        f"From = {literal(role.current)}; Lun = {literal(role.lun)}; "
        f"Shared = {_bool(role.shared)} }}"
    )


def _move_line(move: Move) -> str:
    return (
        f"[pscustomobject]@{{ Vms = {array(move.vms)}; Lun = {literal(move.lun)}; "
        f"Shared = {_bool(move.shared)}; Node = {literal(move.node)} }}"
    )


def _bool(value: bool) -> str:
    return "$true" if value else "$false"


def _check_distinct_for_windows(inventory: Inventory, cluster: int) -> None:
    """Windows compares cluster group and node names without case: two names that differ
    only in case would be one group (or node) there."""
    vms = [inventory.vm_names[v] for v in inventory.vms_of(cluster)]
    nodes = [inventory.node_names[n] for n in inventory.nodes_of(cluster)]
    for what, names in (("VMs", vms), ("nodes", nodes)):
        seen: dict[str, str] = {}
        for name in names:
            other = seen.setdefault(name.casefold(), name)
            if other != name:
                raise InputError(
                    f"{what} {other!r} and {name!r} differ only in case; "
                    "a failover cluster cannot tell them apart"
                )
