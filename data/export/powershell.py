"""A PowerShell script that applies a plan to a Windows failover cluster.

Data first (one [pscustomobject] per VM role, then the moves), then fixed
logic that does not depend on the plan. Names only ever appear as
single-quoted string literals (`literal`), never inside code or a
double-quoted string, so no name can become code. Plan figures in the header
comment are reduced to printable characters so they cannot end the comment.
The script is a dry run unless started with -Apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from data.errors import InputError
from data.export.powershell_logic import APPLY, PARAMS
from data.export.powershell_moves import group_memory_mb, steps_of_cluster
from data.inventory import Inventory
from data.moves import Move, failover_groups
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


def powershell_script(
    inventory: Inventory,
    plan: Plan,
    info: Mapping[str, Any],
    cluster: int,
    steps: Sequence[Move],
    *,
    rollback: bool = False,
) -> str:
    """The script for one cluster of a valid plan, with CRLF line ends. `steps` is the move
    order (moves.csv, or the sequencer's). A rollback script
    (`plan` then the reversed one) only moves: it knows no earlier owners or classes."""
    check_distinct_for_windows(inventory, cluster)
    planned = roles(inventory, plan, cluster)
    mine = steps_of_cluster(inventory, tuple(steps), cluster)
    set_classes = inventory.classes_known and not rollback
    lines = [
        *_header(info, inventory.clusters[cluster], rollback, set_classes),
        *([] if not any(m.parked for m in mine) else [_HYPERV]),
        "[CmdletBinding(SupportsShouldProcess)]",
        PARAMS.format(extra=""),
        "",
        f"$ScriptKind = {literal('rollback' if rollback else 'apply')}",
        f"$SetOwners = {ps_bool(not rollback)}",
        f"$SetClasses = {ps_bool(set_classes)}",
        "# The plan: one VM role per line (Owners in failover order, first = Node; From =",
        "# the inventory's current node, empty when unknown; Shared = on a CSV).",
        "$Roles = @(",
        *(f"    {role_line(role)}" for role in planned),
        ")",
        "# The moves in order (moves.csv): MemoryMB = the group's memory incl. Hyper-V overhead;",
        "# a Parked group is saved at its Step and started on To after step ResumeStep.",
        "$Steps = @(",
        *(f"    {step_line(inventory, move)}" for move in mine),
        ")",
        "# Every other group of the plan and its node: moved after the steps when it is not",
        "# there (its node was unknown to the inventory, or it moved since).",
        "$Rest = @(",
        *(f"    {line}" for line in rest_lines(inventory, plan, cluster, mine)),
        ")",
        "$Moving = $Steps",
        *APPLY.splitlines(),
    ]
    return NEWLINE.join(lines) + NEWLINE


def rest_lines(inventory: Inventory, plan: Plan, cluster: int, steps: list[Move]) -> list[str]:
    """The groups of the cluster that no step moves, each with its planned node."""
    moved = {m.group for m in steps}
    lines = []
    for name, vms, live, _ in failover_groups(inventory, plan):
        if name in moved or inventory.vm_cluster[vms[0]] != cluster:
            continue
        to = inventory.node_names[int(plan.owners[vms[0], 0])]
        lines.append(
            f"[pscustomobject]@{{ Group = {literal(name)}; "
            f"Vms = {array(inventory.vm_names[v] for v in vms)}; To = {literal(to)}; "
            f"Live = {ps_bool(live)}; MemoryMB = {group_memory_mb(inventory, vms)} }}"
        )
    return lines


def step_line(inventory: Inventory, move: Move) -> str:
    """One move as a data line (names as literals, figures as integers)."""
    vms = array(inventory.vm_names[v] for v in move.vms)
    return (
        f"[pscustomobject]@{{ Step = {move.step}; Group = {literal(move.group)}; Vms = {vms}; "
        f"From = {literal(inventory.node_names[move.source])}; "
        f"To = {literal(inventory.node_names[move.target])}; Live = {ps_bool(move.live)}; "
        f"Parked = {ps_bool(move.parked)}; ResumeStep = {move.resume_step or 0}; "
        f"MemoryMB = {group_memory_mb(inventory, move.vms)} }}"
    )


def encode(script: str) -> bytes:
    """UTF-8 with a BOM, so Windows PowerShell 5.1 reads non-ASCII names correctly."""
    return BOM + script.encode("utf-8")


def _header(info: Mapping[str, Any], cluster: str, rollback: bool, set_classes: bool) -> list[str]:
    figures = ", ".join(
        f"{key} {comment(str(info.get(key, '?')))}"
        for key in ("status", "objective", "objective_value", "failures", "input_sha256")
    )
    name = "rollback-plan.ps1" if rollback else "apply-plan.ps1"
    return [
        "#Requires -Version 5.1",
        "#Requires -Modules FailoverClusters",
        *(_ROLLBACK if rollback else _APPLY),
        f"# Plan: {figures}",
        f"# Inventory cluster: {comment(cluster)}",
        "#",
        *([] if rollback or set_classes else _CLASSES_UNKNOWN),
        *_RUNNING,
        f"#   .\\{name}           # dry run: prints 'What if: ...' for each change",
        f"#   .\\{name} -Apply    # makes the changes (add -Confirm to approve each)",
        "",
    ]


# Parked steps save VMs with Stop-VM (the Hyper-V module); checked before anything runs.
_HYPERV = "#Requires -Modules Hyper-V"
_APPLY = (
    "# Applies an hvplace plan to a Hyper-V failover cluster (written by hvplace export).",
    "# For each VM role (the virtual machine group named after the VM) it sets the preferred",
    "# owners (Set-ClusterOwnerNode) to the plan's failover order and the group's",
    "# AntiAffinityClassNames, then makes the moves in the order of moves.csv: a group on an",
    "# exclusive LUN by quick migration with its LUN and all its VMs (Move-ClusterGroup),",
    "# a VM on a Cluster Shared Volume by live migration (Move-ClusterVirtualMachineRole),",
    "# a parked group saved to disk and started on its target later. Before each move it",
    "# checks the target's free memory and stops, with the reason, if it is short.",
)
_ROLLBACK = (
    "# Rolls an applied hvplace plan back (written by hvplace export --rollback): moves each",
    "# group back to the node it ran on before (vms.node / luns.node), in a safe order.",
    "# Preferred owners and anti-affinity classes are left as they are: the inventory holds",
    "# no earlier preferred-owner lists, so only the placement is restored; set the owners",
    "# by hand if they must be as before. A group whose earlier node is unknown stays.",
)
_CLASSES_UNKNOWN = (
    "# Anti-affinity: the inventory did not read the classes from the cluster (no",
    "# Get-ClusterGroup export, or no anti_affinity column), so AntiAffinityClassNames are",
    "# left as they are.",
    "#",
)
_RUNNING = (
    "# Every group and node is looked up before anything changes; the first error stops it.",
    "# Each run writes a transcript hvplace-<kind>-<time>.log (-LogDirectory, default here).",
    "#",
    "# Run it on a cluster node as a cluster administrator (elsewhere, -Cluster NAME; live",
    "# migration from another computer needs CredSSP):",
)


def role_line(role: Role) -> str:
    return (
        f"[pscustomobject]@{{ Name = {literal(role.name)}; Owners = {array(role.owners)}; "
        f"AntiAffinity = {array(role.anti_affinity)}; Node = {literal(role.node)}; "
        f"From = {literal(role.current)}; Lun = {literal(role.lun)}; "
        f"Shared = {ps_bool(role.shared)} }}"
    )


def ps_bool(value: bool) -> str:
    return "$true" if value else "$false"


def check_distinct_for_windows(inventory: Inventory, cluster: int) -> None:
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
