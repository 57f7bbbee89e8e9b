"""The fixed part of the scripts (data/export/powershell.py and powershell_drain.py write
the data before it).

It reads only the data variables ($Roles, $Steps or $Rounds and $DrainMoves, $SetOwners,
$SetClasses, $ScriptKind) and the parameters; there are no double-quoted strings, so
nothing is ever interpolated, and names reach cluster cmdlets only as variables. The
FailoverClusters cmdlets it calls take no -WhatIf, so every change is gated by
$PSCmdlet.ShouldProcess: without -Apply ($WhatIfPreference) each prints "What if: ..."
and nothing changes. Declining a change under -Confirm stops the script: later moves
may need the room that one would have made.
"""

from __future__ import annotations

import textwrap

PARAMS = (
    "param([switch]$Apply, [string]$Cluster = '.', [string]$LogDirectory = '', "
    "[int]$MarginMB = 0{extra})"
)

GUARD = r"""
# ---- logic -----------------------------------------------------------------------
$ErrorActionPreference = 'Stop'
if (-not $Apply) {
    # ShouldProcess obeys -WhatIf:$false over $WhatIfPreference: that would make changes.
    if ($PSBoundParameters.ContainsKey('WhatIf') -and -not $PSBoundParameters['WhatIf'].IsPresent) {
        throw 'without -Apply nothing is changed: drop -WhatIf:$false or add -Apply'
    }
    $WhatIfPreference = $true
}
# A transcript of every run (dry runs too), named with the time, beside the script or in
# -LogDirectory. Start-Transcript honours $WhatIfPreference, hence -WhatIf:$false.
if (-not $LogDirectory) { $LogDirectory = (Get-Location).Path }
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
$transcript = Join-Path $LogDirectory ('hvplace-' + $ScriptKind + '-' + $stamp + '.log')
Start-Transcript -Path $transcript -WhatIf:$false -Confirm:$false | Out-Null
"""

LOOKUP = r"""
$ownersSet = 0; $classesSet = 0; $quickMoves = 0; $liveMoves = 0; $parkedGroups = 0
$skipped = 0

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
foreach ($node in @(Get-ClusterNode -Cluster $Cluster)) { $Nodes[$node.Name] = [string]$node.State }
$missing = @()
$named = @($Roles | ForEach-Object { $_.Owners }) + @($Moving | ForEach-Object { $_.From; $_.To })
foreach ($owner in $named) {
    $what = 'node ' + $owner
    if (-not $Nodes.ContainsKey($owner) -and $missing -notcontains $what) { $missing += $what }
}
foreach ($role in $Roles) {
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
function Find-Group($Move) {
    foreach ($role in $Roles) { if ($role.Name -ceq $Move.Vms[0]) { return $role.Group } }
    throw ('no role for VM ' + $Move.Vms[0])
}
$Running = @{}
foreach ($group in $Groups.Values) { $Running[$group.Name] = [string]$group.OwnerNode.Name }
"""

ROOM = r"""
# Room on the target before every move: the node's free memory read from the node
# (Win32_OperatingSystem.FreePhysicalMemory, KiB; not the 'Available MBytes' counter,
# whose path Windows translates) against the group's memory incl. Hyper-V overhead plus
# -MarginMB. A dry run reads each node once and then keeps a ledger of the moves.
$Free = @{}
function Assert-Room([string]$Node, [int64]$NeedMB, [string]$What) {
    if (-not $WhatIfPreference -or -not $Free.ContainsKey($Node)) {
        $os = Get-CimInstance -ClassName Win32_OperatingSystem -ComputerName $Node
        $Free[$Node] = [int64][math]::Floor([double]$os.FreePhysicalMemory / 1024)
    }
    if ($Free[$Node] - $NeedMB -lt $MarginMB) {
        throw ($What + ': stopped before moving it: ' + $Node + ' has ' + $Free[$Node] +
            ' MB free, the group needs ' + $NeedMB + ' MB (incl. Hyper-V overhead) and ' +
            $MarginMB + ' MB must stay free. The steps before it are done; a re-run skips them.')
    }
}
function Update-Room([string]$From, [string]$To, [int64]$MB) {
    if ($To -and $Free.ContainsKey($To)) { $Free[$To] = $Free[$To] - $MB }
    if ($From -and $Free.ContainsKey($From)) { $Free[$From] = $Free[$From] + $MB }
}
function Move-Role([string]$Group, [string]$To, [bool]$Live, [int64]$MB, [string]$What) {
    $from = $Running[$Group]
    if ($from -eq $To) {
        Write-Host ($What + ': ' + $Group + ' already runs on ' + $To + '; skipped')
        $script:skipped++
        return
    }
    Assert-Room $To $MB $What
    if ($Live) {
        $action = 'live-migrate from ' + $from + ' to ' + $To
        if ($PSCmdlet.ShouldProcess($Group, $action)) {
            Move-ClusterVirtualMachineRole -Name $Group -Node $To -MigrationType Live `
                -Cluster $Cluster | Out-Null
        } elseif (-not $WhatIfPreference) { throw ($What + ': declined; stopped') }
        $script:liveMoves++
    } else {
        $action = 'quick-migrate (its VMs restart) from ' + $from + ' to ' + $To
        if ($PSCmdlet.ShouldProcess($Group, $action)) {
            Move-ClusterGroup -Name $Group -Node $To -Cluster $Cluster | Out-Null
        } elseif (-not $WhatIfPreference) { throw ($What + ': declined; stopped') }
        $script:quickMoves++
    }
    $Running[$Group] = $To
    Update-Room $from $To $MB
}
"""

SETTINGS = r"""
# Preferred owners and anti-affinity classes, once per group ($SetOwners, $SetClasses: only
# what the plan knows).
$done = New-Object System.Collections.Generic.List[string]
foreach ($role in $Roles) {
    if ($done.Contains($role.Group)) { continue }
    $done.Add($role.Group)
    if ($SetOwners) {
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
    }
    if (-not $SetClasses) { continue }
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
"""

STEPS = r"""
# The moves, step by step in the order of moves.csv, each after a check of the target's
# room. A group already on its target is skipped, so a re-run continues where one stopped.
# A parked group is saved to disk (Stop-VM -Save, then Stop-ClusterGroup) at its step and
# started on its target (Move-ClusterGroup while offline, Start-ClusterGroup) once the
# step named in ResumeStep is done.
function Save-Role([string]$Group, $Step, [string]$What) {
    $at = $Running[$Group]
    if ($PSCmdlet.ShouldProcess($Group, 'save its VMs to disk and take it offline on ' + $at)) {
        $onHost = @(Get-VM -ComputerName $at)
        foreach ($vm in $Step.Vms) {
            $found = @($onHost | Where-Object { $_.Name -ceq $vm })
            if ($found.Count -eq 1 -and [string]$found[0].State -eq 'Running') {
                Stop-VM -VM $found[0] -Save
            }
        }
        Stop-ClusterGroup -Name $Group -Cluster $Cluster | Out-Null
    } elseif (-not $WhatIfPreference) { throw ($What + ': declined; stopped') }
    $script:parkedGroups++
    $Running[$Group] = ''
    Update-Room $at '' $Step.MemoryMB
}
function Resume-Role([string]$Group, $Step) {
    $What = 'step ' + $Step.Step + ' (' + $Step.Group + ', parked)'
    Assert-Room $Step.To $Step.MemoryMB $What
    if ($PSCmdlet.ShouldProcess($Group, 'start it on ' + $Step.To + ' from its saved state')) {
        Move-ClusterGroup -Name $Group -Node $Step.To -Cluster $Cluster | Out-Null
        Start-ClusterGroup -Name $Group -Cluster $Cluster | Out-Null
    } elseif (-not $WhatIfPreference) { throw ($What + ': declined; stopped') }
    $Running[$Group] = $Step.To
    Update-Room '' $Step.To $Step.MemoryMB
}
$resumes = @()
foreach ($step in $Steps) {
    $group = Find-Group $step
    $what = 'step ' + $step.Step + ' (' + $step.Group + ')'
    if (-not $step.Parked) {
        Move-Role $group $step.To $step.Live $step.MemoryMB $what
    } elseif ($Running[$group] -eq $step.To -and [string]$Groups[$group].State -eq 'Online') {
        Write-Host ($what + ': ' + $group + ' already runs on ' + $step.To + '; skipped')
        $skipped++
    } else {
        if ([string]$Groups[$group].State -ne 'Offline') { Save-Role $group $step $what }
        $resumes += $step
    }
    foreach ($held in @($resumes | Where-Object { $_.ResumeStep -eq $step.Step })) {
        Resume-Role (Find-Group $held) $held
    }
}
# Then every other group, when it is not on its planned node yet: by name, each after
# the same memory check.
foreach ($rest in $Rest) {
    $group = Find-Group $rest
    if ($Running[$group] -ne $rest.To) {
        Move-Role $group $rest.To $rest.Live $rest.MemoryMB ('group ' + $rest.Group)
    }
}
"""

SUMMARY = r"""
$verb = if ($WhatIfPreference) { 'Would change' } else { 'Changed' }
$summary = '{0}: {1} owners lists, {2} anti-affinity class lists, {3} quick, {4} live ' +
    'migrations, {5} groups parked; {6} moves already done'
Write-Host ($summary -f $verb, $ownersSet, $classesSet, $quickMoves, $liveMoves,
    $parkedGroups, $skipped)
if ($WhatIfPreference) {
    Write-Host 'Dry run: nothing was changed. Run again with -Apply to make these changes.'
}
"""


def logic(*parts: str) -> str:
    """GUARD, then the parts inside try/finally so the transcript stops even on an error."""
    body = "".join(parts).strip("\n")
    return (
        GUARD
        + "try {\n"
        + textwrap.indent(body, "    ", lambda line: bool(line.strip()))
        + "\n} finally {\n    Stop-Transcript | Out-Null\n}\n"
    )


APPLY = logic(LOOKUP, ROOM, SETTINGS, STEPS, SUMMARY)
