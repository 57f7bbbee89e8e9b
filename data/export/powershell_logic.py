"""The fixed part of the apply script (data/export/powershell.py writes the data before it).

It reads only $Roles, $Moves, $Apply and $Cluster; there are no double-quoted
strings, so nothing is ever interpolated, and names reach cluster cmdlets only
as variables. The FailoverClusters cmdlets it calls take no -WhatIf, so every
change is gated by $PSCmdlet.ShouldProcess: without -Apply ($WhatIfPreference)
each prints "What if: ..." and nothing changes.
"""

LOGIC = r"""
# ---- logic -----------------------------------------------------------------------
$ErrorActionPreference = 'Stop'
if (-not $Apply) {
    # ShouldProcess obeys -WhatIf:$false over $WhatIfPreference: that would make changes.
    if ($PSBoundParameters.ContainsKey('WhatIf') -and -not $PSBoundParameters['WhatIf'].IsPresent) {
        throw 'without -Apply nothing is changed: drop -WhatIf:$false or add -Apply'
    }
    $WhatIfPreference = $true
}
$ownersSet = 0; $classesSet = 0; $quickMoves = 0; $liveMoves = 0

# Look everything up before changing anything. A VM's group is the virtual machine role
# named after it ('Virtual Machine <vm>' on clusters built with Windows Server 2008 R2); a
# VM on an exclusive LUN without a role of its own is in its LUN's one role, named after
# another VM of that LUN. Groups come from full listings matched by exact name, never from
# Get-ClusterGroup -Name (whose names may be read as wildcards: [ ] * ?).
$Groups = @{}
foreach ($group in @(Get-ClusterGroup -Cluster $Cluster)) {
    if ([string]$group.GroupType -eq 'VirtualMachine') { $Groups[$group.Name] = $group }
}
function Find-Role([string]$Vm) {
    foreach ($name in @($Vm, ('Virtual Machine ' + $Vm))) {
        if ($Groups.ContainsKey($name)) { return $Groups[$name].Name }
    }
    return $null
}
$Nodes = @{}
foreach ($node in @(Get-ClusterNode -Cluster $Cluster)) { $Nodes[$node.Name] = $true }
$missing = @()
foreach ($role in $Roles) {
    foreach ($owner in $role.Owners) {
        $what = 'node ' + $owner
        if (-not $Nodes.ContainsKey($owner) -and $missing -notcontains $what) { $missing += $what }
    }
    $group = Find-Role $role.Name
    if ($null -eq $group -and -not $role.Shared) {
        $mates = @($Roles | Where-Object {
            -not $_.Shared -and $_.Lun -ceq $role.Lun -and $null -ne (Find-Role $_.Name) })
        if ($mates.Count -eq 1) { $group = Find-Role $mates[0].Name }
    }
    if ($null -eq $group) {
        $missing += 'virtual machine role ' + $role.Name
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
    $have = @($Groups[$role.Group].AntiAffinityClassNames)
    $kept = @($want | Where-Object { $have -ccontains $_ })
    if ($have.Count -ne $want.Count -or $kept.Count -ne $want.Count) {
        $shown = if ($want.Count -gt 0) { $want -join ', ' } else { '(none)' }
        if ($PSCmdlet.ShouldProcess($role.Group, 'set anti-affinity classes to ' + $shown)) {
            $classes = New-Object System.Collections.Specialized.StringCollection
            foreach ($class in $want) { [void]$classes.Add($class) }
            $Groups[$role.Group].AntiAffinityClassNames = $classes
            $classesSet++
        } elseif ($WhatIfPreference) { $classesSet++ }
    }
}

# Moves, skipping a group that already runs on its planned node (listed again now: setting
# preferred owners can fail a group back).
$Running = @{}
foreach ($group in @(Get-ClusterGroup -Cluster $Cluster)) {
    $Running[$group.Name] = $group.OwnerNode.Name
}
foreach ($move in $Moves) {
    $moving = New-Object System.Collections.Generic.List[string]
    foreach ($role in $Roles) {
        if ($move.Vms -ccontains $role.Name -and -not $moving.Contains($role.Group)) {
            $moving.Add($role.Group)
        }
    }
    foreach ($group in $moving) {
        $from = $Running[$group]
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
