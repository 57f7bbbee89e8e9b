"""A PowerShell script for rolling maintenance: the drain rounds (data/drain.py), round by
round. It moves each group of the round's nodes to its planned failover target itself
(live migration for a CSV VM, quick migration for an exclusive LUN), so the cluster's own
drain logic cannot pick another node; pauses the nodes (Suspend-ClusterNode without
-Drain: nothing is left to drain); waits for the admin to patch them and confirm; resumes
them without failback and moves the groups back, each move after a memory check. A dry
run unless started with -Apply, like the apply script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from data.drain import DrainMove, DrainRound
from data.export.powershell import (
    NEWLINE,
    array,
    check_distinct_for_windows,
    comment,
    literal,
    ps_bool,
    role_line,
    roles,
)
from data.export.powershell_logic import LOOKUP, PARAMS, ROOM, logic
from data.inventory import Inventory
from data.plan import Plan

DRAIN = r"""
# Round by round: move the groups off, pause the nodes, wait for the patch, resume, move
# the groups back. -FromRound N starts at round N (the rounds before it are done).
foreach ($round in $Rounds) {
    if ($round.Round -lt $FromRound) { continue }
    $what = 'round ' + $round.Round + ' (' + ($round.Nodes -join ', ') + ')'
    $moves = @($DrainMoves | Where-Object { $_.Round -eq $round.Round })
    foreach ($move in $moves) {
        Move-Role (Find-Group $move) $move.To $move.Live $move.MemoryMB $what
    }
    foreach ($node in $round.Nodes) {
        if ($Nodes[$node] -eq 'Paused') { continue }
        $action = 'pause (Suspend-ClusterNode without -Drain: its roles were moved above)'
        if ($PSCmdlet.ShouldProcess($node, $action)) {
            Suspend-ClusterNode -Name $node -Cluster $Cluster | Out-Null
        } elseif (-not $WhatIfPreference) { throw ($what + ': declined; stopped') }
    }
    if ($WhatIfPreference) {
        Write-Host ('What if: wait for ' + ($round.Nodes -join ', ') + ' to be patched')
    } else {
        do {
            $answer = Read-Host ('Patch and restart ' + ($round.Nodes -join ', ') +
                '; once they are back (Paused), type yes to resume them')
        } until ($answer -eq 'yes')
        $states = @{}
        foreach ($n in @(Get-ClusterNode -Cluster $Cluster)) { $states[$n.Name] = [string]$n.State }
        foreach ($node in $round.Nodes) {
            if ($states[$node] -ne 'Paused') {
                throw ($what + ': ' + $node + ' is ' + $states[$node] + ', not Paused; run ' +
                    'again with -FromRound ' + $round.Round + ' once it is back')
            }
        }
    }
    foreach ($node in $round.Nodes) {
        if ($PSCmdlet.ShouldProcess($node, 'resume without failback')) {
            Resume-ClusterNode -Name $node -Failback NoFailback -Cluster $Cluster | Out-Null
        } elseif (-not $WhatIfPreference) { throw ($what + ': declined; stopped') }
    }
    [array]::Reverse($moves)
    foreach ($move in $moves) {
        Move-Role (Find-Group $move) $move.From $move.Live $move.MemoryMB ($what + ', back')
    }
}
$verb = if ($WhatIfPreference) { 'Would make' } else { 'Made' }
Write-Host ($verb + ' ' + $quickMoves + ' quick and ' + $liveMoves + ' live migrations in ' +
    $Rounds.Count + ' rounds; ' + $skipped + ' moves already done')
if ($WhatIfPreference) {
    Write-Host 'Dry run: nothing was changed. Run again with -Apply to make these changes.'
}
"""

DRAIN_LOGIC = logic(LOOKUP, ROOM, DRAIN)


def drain_script(
    inventory: Inventory,
    plan: Plan,
    info: Mapping[str, Any],
    cluster: int,
    rounds: Sequence[DrainRound],
) -> str:
    """The rolling-maintenance script for one cluster of a valid plan, CRLF line ends."""
    check_distinct_for_windows(inventory, cluster)
    mine = [r for r in rounds if r.cluster == cluster]
    lines = [
        *_header(info, inventory.clusters[cluster]),
        "[CmdletBinding(SupportsShouldProcess)]",
        PARAMS.format(extra=", [int]$FromRound = 1"),
        "",
        f"$ScriptKind = {literal('drain')}",
        "# The plan's VM roles (used to find each group; nothing about them is changed).",
        "$Roles = @(",
        *(f"    {role_line(role)}" for role in roles(inventory, plan, cluster)),
        ")",
        "# The rounds: nodes drained together (a failure set the plan is certified for).",
        "$Rounds = @(",
        *(f"    {_round_line(inventory, r)}" for r in mine),
        ")",
        "# Each group of a round's nodes and its failover target under the round's set;",
        "# MemoryMB = its VMs' memory incl. Hyper-V overhead.",
        "$DrainMoves = @(",
        *(f"    {_move_line(inventory, r.number, m)}" for r in mine for m in r.moves),
        ")",
        "$Moving = $DrainMoves",
        *DRAIN_LOGIC.splitlines(),
    ]
    return NEWLINE.join(lines) + NEWLINE


def _round_line(inventory: Inventory, r: DrainRound) -> str:
    nodes = array(inventory.node_names[n] for n in r.nodes)
    return (
        f"[pscustomobject]@{{ Round = {r.number}; Nodes = {nodes}; "
        f"PeakPermille = {r.peak_permille} }}"
    )


def _move_line(inventory: Inventory, number: int, m: DrainMove) -> str:
    memory = int(sum(int(inventory.vm_cost_mb[v]) for v in m.vms))
    return (
        f"[pscustomobject]@{{ Round = {number}; Group = {literal(m.group)}; "
        f"Vms = {array(inventory.vm_names[v] for v in m.vms)}; "
        f"From = {literal(inventory.node_names[m.source])}; "
        f"To = {literal(inventory.node_names[m.target])}; Live = {ps_bool(m.live)}; "
        f"MemoryMB = {memory} }}"
    )


def _header(info: Mapping[str, Any], cluster: str) -> list[str]:
    figures = ", ".join(
        f"{key} {comment(str(info.get(key, '?')))}"
        for key in ("status", "objective", "failures", "input_sha256")
    )
    return [
        "#Requires -Version 5.1",
        "#Requires -Modules FailoverClusters",
        "# Rolling maintenance for an hvplace plan (written by hvplace export --drain): round",
        "# by round it moves the groups of the round's nodes to their planned failover targets",
        "# (live migration for a VM on a CSV, quick migration with its LUN otherwise), pauses",
        "# the nodes (Suspend-ClusterNode, no -Drain: the cluster's drain could pick another",
        "# node), waits while you patch them, resumes them (Resume-ClusterNode, no failback)",
        "# and moves the groups back. Each move first checks the target's free memory.",
        f"# Plan: {figures}",
        f"# Inventory cluster: {comment(cluster)}",
        "# Each run writes a transcript hvplace-drain-<time>.log (-LogDirectory, default here).",
        "#",
        "#   .\\drain-plan.ps1                 # dry run: prints 'What if: ...' for each change",
        "#   .\\drain-plan.ps1 -Apply          # does it, asking before each round's resume",
        "#   .\\drain-plan.ps1 -Apply -FromRound 3   # goes on from round 3",
        "",
    ]
