"""The fixed part of the apply script (data/powershell.py writes the data before it).

It reads only $Roles, $Moves, $Apply and $Cluster; there are no double-quoted
strings, so nothing is ever interpolated, and names reach cluster cmdlets only
as variables. Changes are gated by $PSCmdlet.ShouldProcess, so without -Apply
($WhatIfPreference) each prints "What if: ..." and nothing changes.
"""

LOGIC = r"""
# ---- logic -----------------------------------------------------------------------
$ErrorActionPreference = 'Stop'
if (-not $Apply) { $WhatIfPreference = $true }
$ownersSet = 0; $classesSet = 0; $quickMoves = 0; $liveMoves = 0

# Look everything up before changing anything. A VM's group is the one named after it;
# a VM on an exclusive LUN without a group of its own is in its LUN's one group, named
# after another VM of that LUN (one group per LUN, the Windows Server 2008 layout).
$Groups = @{}
foreach ($group in @(Get-ClusterGroup -Cluster $Cluster)) { $Groups[$group.Name] = $group.Name }
$Nodes = @{}
foreach ($node in @(Get-ClusterNode -Cluster $Cluster)) { $Nodes[$node.Name] = $true }
$missing = @()
foreach ($role in $Roles) {
    foreach ($owner in $role.Owners) {
        $what = 'node ' + $owner
        if (-not $Nodes.ContainsKey($owner) -and $missing -notcontains $what) { $missing += $what }
    }
    $group = $null
    if ($Groups.ContainsKey($role.Name)) {
        $group = $Groups[$role.Name]
    } elseif (-not $role.Shared) {
        $mates = @($Roles | Where-Object {
            -not $_.Shared -and $_.Lun -ceq $role.Lun -and $Groups.ContainsKey($_.Name) })
        if ($mates.Count -eq 1) { $group = $Groups[$mates[0].Name] }
    }
    if ($null -eq $group) {
        $missing += 'group ' + $role.Name
    } else {
        Add-Member -InputObject $role -NotePropertyName Group -NotePropertyValue $group
    }
}
if ($missing.Count -gt 0) {
    throw ('not found in cluster ' + $Cluster + ': ' + ($missing -join ', ') +
        '; nothing was changed')
}

# Preferred owners and anti-affinity classes, once per group.
$done = New-Object System.Collections.Generic.List[string]
foreach ($role in $Roles) {
    if ($done.Contains($role.Group)) { continue }
    $done.Add($role.Group)
    $owners = Get-ClusterOwnerNode -Group $role.Group -Cluster $Cluster
    $have = @($owners.OwnerNodes | ForEach-Object { $_.Name })
    if (($have -join ';') -ne ($role.Owners -join ';')) {
        $action = 'set preferred owners to ' + ($role.Owners -join ', ')
        if ($PSCmdlet.ShouldProcess($role.Group, $action)) {
            Set-ClusterOwnerNode -Group $role.Group -Owners $role.Owners -Cluster $Cluster |
                Out-Null
            $ownersSet++
        } elseif ($WhatIfPreference) { $ownersSet++ }
    }
    $want = New-Object System.Collections.Generic.List[string]
    foreach ($member in $Roles) {
        if ($member.Group -cne $role.Group) { continue }
        foreach ($class in $member.AntiAffinity) {
            if (-not $want.Contains($class)) { $want.Add($class) }
        }
    }
    $have = @((Get-ClusterGroup -Name $role.Group -Cluster $Cluster).AntiAffinityClassNames)
    $kept = @($want | Where-Object { $have -ccontains $_ })
    if ($have.Count -ne $want.Count -or $kept.Count -ne $want.Count) {
        $shown = if ($want.Count -gt 0) { $want -join ', ' } else { '(none)' }
        if ($PSCmdlet.ShouldProcess($role.Group, 'set anti-affinity classes to ' + $shown)) {
            $classes = New-Object System.Collections.Specialized.StringCollection
            foreach ($class in $want) { [void]$classes.Add($class) }
            (Get-ClusterGroup -Name $role.Group -Cluster $Cluster).AntiAffinityClassNames = $classes
            $classesSet++
        } elseif ($WhatIfPreference) { $classesSet++ }
    }
}

# Moves, skipping a group that already runs on its planned node.
foreach ($move in $Moves) {
    $groups = New-Object System.Collections.Generic.List[string]
    foreach ($role in $Roles) {
        if ($move.Vms -ccontains $role.Name -and -not $groups.Contains($role.Group)) {
            $groups.Add($role.Group)
        }
    }
    foreach ($group in $groups) {
        $from = (Get-ClusterGroup -Name $group -Cluster $Cluster).OwnerNode.Name
        if ($from -eq $move.Node) { continue }
        if ($move.Shared) {
            $action = 'live-migrate from ' + $from + ' to ' + $move.Node
            if ($PSCmdlet.ShouldProcess($group, $action)) {
                Move-ClusterVirtualMachineRole -Name $group -Node $move.Node -MigrationType Live `
                    -Cluster $Cluster | Out-Null
                $liveMoves++
            } elseif ($WhatIfPreference) { $liveMoves++ }
        } else {
            $action = 'quick-migrate with LUN ' + $move.Lun + ' from ' + $from + ' to ' + $move.Node
            if ($PSCmdlet.ShouldProcess($group, $action)) {
                Move-ClusterGroup -Name $group -Node $move.Node -Cluster $Cluster | Out-Null
                $quickMoves++
            } elseif ($WhatIfPreference) { $quickMoves++ }
        }
    }
}

$verb = if ($WhatIfPreference) { 'Would change' } else { 'Changed' }
$summary = '{0}: {1} owners lists, {2} anti-affinity class lists, {3} quick, {4} live migrations'
Write-Host ($summary -f $verb, $ownersSet, $classesSet, $quickMoves, $liveMoves)
if ($WhatIfPreference) {
    Write-Host 'Dry run: nothing was changed. Run again with -Apply to make these changes.'
}
"""
