"""The PowerShell script: names only as safe single-quoted literals, the plan as data."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.errors import InputError
from data.export.powershell import QUOTES, encode, literal, powershell_script
from data.export.powershell_moves import reversed_placement
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.moves import Move
from data.plan import Plan
from solver.sequencing import sequence_moves

DOUBLE_QUOTES = '"\u201c\u201d\u201e'  # would start an interpolating string
HOSTILE = "a'b; Remove-Item C:\\ -Recurse #"
INFO = {
    "status": "optimal",
    "failures": 1,
    "objective": "balance",
    "objective_value": 612,
    "input_sha256": "ab" * 32,
}


# A reference reader for PowerShell's quoting, written from the language spec, not from
# data/export/powershell.py: a single-quoted string opens and closes at any of U+0027, U+2018,
# U+2019, U+201A and U+201B, and any two of them in a row stand for one (the second).
def read_literal(text: str, start: int = 0) -> tuple[str, int]:
    """The value of the single-quoted literal at text[start] and the index after it."""
    assert text[start] in QUOTES, f"no literal at {start}: {text[start : start + 20]!r}"
    value, i = [], start + 1
    while True:
        if i >= len(text):
            raise ValueError("unterminated literal")
        c = text[i]
        if c in QUOTES:
            if i + 1 < len(text) and text[i + 1] in QUOTES:
                value.append(text[i + 1])
                i += 2
                continue
            return "".join(value), i + 1
        value.append(c)
        i += 1


def split_script(script: str) -> list[tuple[str, str]]:
    """The script as ("code", text), ("literal", value) and ("comment", text) pieces."""
    pieces: list[tuple[str, str]] = []
    code: list[str] = []
    i = 0
    while i < len(script):
        c = script[i]
        if c in QUOTES or c == "#":
            pieces.append(("code", "".join(code)))
            code = []
            if c == "#":
                end = script.find("\n", i)
                end = len(script) if end < 0 else end
                pieces.append(("comment", script[i:end]))
                i = end
            else:
                value, i = read_literal(script, i)
                pieces.append(("literal", value))
            continue
        code.append(c)
        i += 1
    pieces.append(("code", "".join(code)))
    return pieces


def data_objects(script: str, variable: str) -> list[dict[str, Any]]:
    """The [pscustomobject] lines of `$variable = @( ... )`, read back as Python dicts."""
    lines = script.split("\r\n")
    start = lines.index(f"${variable} = @(")
    end = lines.index(")", start)
    return [_object(line) for line in lines[start + 1 : end]]


def _object(line: str) -> dict[str, Any]:
    python = []
    for kind, text in split_script(line.strip()):
        if kind == "literal":
            python.append(repr(text))
        elif kind == "code":
            text = text.replace("[pscustomobject]@{", "{").replace("@(", "[").replace(")", "]")
            text = text.replace("$true", "True").replace("$false", "False").replace(";", ",")
            python.append(re.sub(r"(\w+) = ", r"'\1': ", text))
        else:
            raise AssertionError(f"a comment inside data: {text!r}")
    return ast.literal_eval("".join(python))


def inventory(
    vm_names: tuple[str, ...] = ("app", "db", "web"),
    node_names=("hv1", "hv2", "hv3"),
    current=("hv1", "", "hv2"),
    classes=("", "sql;dc", ""),
) -> Inventory:
    nodes = [{"node": n, "memory_mb": 65536, "logical_processors": 16} for n in node_names]
    luns = [
        {"lun": "lun1", "capacity_gb": 100},
        {"lun": "csv1", "capacity_gb": 100, "shared": True},
    ]
    lun_of = ("lun1", "lun1", "csv1")
    vms = [
        {
            "vm": name,
            "memory_mb": 2048,
            "vcpus": 1,
            "lun": lun_of[i],
            "node": current[i],
            "anti_affinity": classes[i],
        }
        for i, name in enumerate(vm_names)
    ]
    return build_inventory(
        table("nodes.csv", nodes), table("vms.csv", vms), table("luns.csv", luns)
    )


# app and db share exclusive lun1 (owners hv1, hv3); web is on CSV csv1 (hv3, hv2).
PLAN = Plan.from_lists([0, 0, 1], [[0, 2], [0, 2], [2, 1]])


def script_for(inv: Inventory, plan: Plan = PLAN, info: dict[str, Any] = INFO) -> str:
    return powershell_script(inv, plan, info, 0, sequence_moves(inv, plan))


# quoting ------------------------------------------------------------------------------


@given(
    st.text(
        alphabet=st.one_of(st.sampled_from(QUOTES + DOUBLE_QUOTES + "$`#;\r\n"), st.characters())
    )
)
def test_literal_reads_back_as_the_same_string(text: str) -> None:
    quoted = literal(text)
    assert read_literal(quoted) == (text, len(quoted))


@given(st.text(alphabet=st.sampled_from(QUOTES + "ab")), st.text(alphabet=st.sampled_from("ab")))
def test_literal_ends_exactly_where_it_should(text: str, after: str) -> None:
    """Whatever follows the literal is not swallowed into it, and nothing inside escapes it."""
    quoted = literal(text)
    assert read_literal(quoted + ", " + after) == (text, len(quoted))


def test_literal_doubles_every_kind_of_single_quote() -> None:
    assert literal("it's") == "'it''s'"
    assert literal("\u2018x\u2019") == "'\u2018\u2018x\u2019\u2019'"
    assert literal("\u201a\u201b") == "'\u201a\u201a\u201b\u201b'"
    assert literal('say "$(rm)"') == "'say \"$(rm)\"'"  # no interpolation in '...'


# the script ---------------------------------------------------------------------------


def test_script_hostile_names_stay_literals() -> None:
    nasty_node = "hv\u2019 | Stop-Computer \u201b"
    inv = inventory(
        vm_names=(HOSTILE, "db\u2018$(x)", 'web"`n'),
        node_names=("hv1", "hv2", nasty_node),
        current=("hv1", "", nasty_node),
    )
    script = script_for(inv)
    pieces = split_script(script)
    code = "".join(text for kind, text in pieces if kind == "code")
    assert not set(code) & set(QUOTES + DOUBLE_QUOTES)  # every quote is inside a literal
    assert "Remove-Item" not in code and "Stop-Computer" not in code
    literals = {text for kind, text in pieces if kind == "literal"}
    assert {HOSTILE, "db\u2018$(x)", 'web"`n', nasty_node} <= literals


def test_script_comments_cannot_be_broken_out_of() -> None:
    info = {**INFO, "status": "optimal\r\nRemove-Item x\u2028Stop-Computer"}
    inv = inventory()
    pieces = split_script(script_for(inv, info=info))
    code = "".join(text for kind, text in pieces if kind == "code")
    assert "Remove-Item" not in code and "Stop-Computer" not in code
    assert "# Plan: status optimal??Remove-Item x?Stop-Computer, objective balance" in script_for(
        inv, info=info
    )


def test_script_roles_carry_the_placement_owners_in_order() -> None:
    roles_data = data_objects(script_for(inventory()), "Roles")
    assert roles_data == [
        {
            "Name": "app",
            "Owners": ["hv1", "hv3"],
            "AntiAffinity": [],
            "Node": "hv1",
            "From": "hv1",
            "Lun": "lun1",
            "Shared": False,
        },
        {
            "Name": "db",
            "Owners": ["hv1", "hv3"],
            "AntiAffinity": ["dc", "sql"],
            "Node": "hv1",
            "From": "",
            "Lun": "lun1",
            "Shared": False,
        },
        {
            "Name": "web",
            "Owners": ["hv3", "hv2"],
            "AntiAffinity": [],
            "Node": "hv3",
            "From": "hv2",
            "Lun": "csv1",
            "Shared": True,
        },
    ]


def test_script_sets_owners_from_the_data_once_per_group() -> None:
    script = script_for(inventory())
    code = [line.strip() for line in script.split("\r\n") if not line.startswith("#")]
    calls = [line for line in code if "Set-ClusterOwnerNode" in line]
    assert calls == [
        "Set-ClusterOwnerNode -Group $role.Group -Owners $role.Owners -Cluster $Cluster |"
    ]
    assert "$classes = New-Object System.Collections.Specialized.StringCollection" in script
    assert ".AntiAffinityClassNames = $classes" in script


def test_script_without_moves_csv_moves_each_changed_group_once() -> None:
    moves_data = data_objects(script_for(inventory(current=("hv2", "", "hv2"))), "Steps")
    # app runs on hv2 (db's node unknown): lun1 moves once, with both, by quick migration;
    # web changes hv2 -> hv3 on the CSV: a live migration of web alone.
    assert [(m["Group"], m["Vms"], m["From"], m["To"], m["Live"]) for m in moves_data] == [
        ("lun1", ["app", "db"], "hv2", "hv1", False),
        ("web", ["web"], "hv2", "hv3", True),
    ]
    assert [m["MemoryMB"] for m in moves_data] == [2 * (2048 + 40), 2048 + 40]


def test_script_has_no_moves_when_nothing_changes() -> None:
    inv = inventory(current=("hv1", "hv1", "hv3"))
    assert data_objects(script_for(inv), "Steps") == []
    assert sequence_moves(inv, PLAN) == ()


def test_script_is_a_dry_run_unless_applied() -> None:
    script = script_for(inventory())
    lines = script.split("\r\n")
    assert "[CmdletBinding(SupportsShouldProcess)]" in lines
    assert (
        "param([switch]$Apply, [string]$Cluster = '.', [string]$LogDirectory = '', "
        "[int]$MarginMB = 0)"
    ) in lines
    apply = lines.index("if (-not $Apply) {")
    assert "    $WhatIfPreference = $true" in lines[apply : lines.index("}", apply)]
    assert "$ErrorActionPreference = 'Stop'" in lines
    # every changing command sits in the block of a ShouldProcess call
    for command in (
        "Set-ClusterOwnerNode",
        "Move-ClusterGroup ",
        "Move-ClusterVirtualMachineRole",
        ".AntiAffinityClassNames = ",
    ):
        at = next(i for i, line in enumerate(lines) if command in line and "#" not in line)
        assert "$PSCmdlet.ShouldProcess(" in _block_opener(lines, at)
    assert "-MigrationType Live" in script
    assert script.index("$Roles = @(") < script.index("# ---- logic")


def _block_opener(lines: list[str], at: int) -> str:
    """The nearest line above `at` indented less than it: the statement whose block it is in."""
    depth = len(lines[at]) - len(lines[at].lstrip())
    return next(line for line in reversed(lines[:at]) if len(line) - len(line.lstrip()) < depth)


def test_script_header_names_the_plan_and_how_to_run_it() -> None:
    header = script_for(inventory()).split("[CmdletBinding")[0]
    assert "status optimal, objective balance, objective_value 612, failures 1" in header
    assert "input_sha256 " + "ab" * 32 in header
    assert "-Apply" in header and "dry run" in header


def test_script_lines_end_in_crlf_and_bytes_start_with_a_bom() -> None:
    script = script_for(inventory(vm_names=("äpp", "db", "wéb")))
    assert script.endswith("\r\n") and "\n" not in script.replace("\r\n", "")
    data = encode(script)
    assert data.startswith(b"\xef\xbb\xbf")
    assert "'äpp'".encode() in data


def test_script_only_holds_the_chosen_cluster() -> None:
    nodes = [
        {"node": n, "memory_mb": 65536, "logical_processors": 16, "cluster": c}
        for n, c in (("a1", "A"), ("a2", "A"), ("b1", "B"), ("b2", "B"))
    ]
    vms = [
        {"vm": v, "memory_mb": 1024, "vcpus": 1, "cluster": c}
        for v, c in (("va", "A"), ("vb", "B"))
    ]
    inv = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    plan = Plan.from_lists([0, 1], [[0, 1], [2, 3]])
    b = inv.clusters.index("B")
    assert [
        r["Name"] for r in data_objects(powershell_script(inv, plan, INFO, b, ()), "Roles")
    ] == ["vb"]


def test_script_refuses_names_windows_cannot_tell_apart() -> None:
    with pytest.raises(InputError, match="'App' and 'app' differ only in case"):
        script_for(inventory(vm_names=("App", "app", "web")))


def test_script_refuses_a_vm_without_owners() -> None:
    with pytest.raises(ValueError, match="'web' has no owners"):
        powershell_script(
            inventory(), Plan.from_lists([0, 0, 1], [[0, 2], [0, 2], []]), INFO, 0, ()
        )


# looking groups up ---------------------------------------------------------------------


def _lookup_section(script: str) -> str:
    """The logic before the first change: where groups and nodes are looked up."""
    logic = script[script.index("# ---- logic") :]
    return logic[: logic.index("$PSCmdlet.ShouldProcess(")]


def test_script_never_asks_for_a_group_by_name_pattern() -> None:
    """Get-ClusterGroup -Name takes a StringCollection that the 2012 help lists as accepting
    wildcards: a VM called 'web[1]' could match the group 'web1'. Groups come from one full
    listing per phase and are matched by exact name."""
    script = script_for(inventory(vm_names=("web[1]", "db*", "app?")))
    calls = [
        line.strip()
        for line in script.split("\r\n")
        if "Get-ClusterGroup" in line and not line.lstrip().startswith("#")
    ]
    assert calls and all("@(Get-ClusterGroup -Cluster $Cluster)" in call for call in calls)
    code = "".join(text for kind, text in split_script(script) if kind == "code")
    assert "Get-ClusterGroup -Name" not in code


def test_script_acts_only_on_virtual_machine_roles() -> None:
    """A file server or SQL role that happens to carry a VM's name is never moved."""
    lookup = _lookup_section(script_for(inventory()))
    assert "[string]$group.GroupType -eq 'VirtualMachine'" in lookup


def test_script_finds_roles_named_the_2008_r2_way() -> None:
    """The Hyper-V importer reads roles called 'Virtual Machine <vm>'; the script finds them."""
    lookup = _lookup_section(script_for(inventory()))
    assert "('Virtual Machine ' + $Vm)" in lookup


def test_script_without_apply_refuses_whatif_false() -> None:
    """-WhatIf:$false outranks $WhatIfPreference in ShouldProcess, so a run without -Apply
    would change the cluster; the script stops before looking anything up."""
    lookup = _lookup_section(script_for(inventory()))
    guard = lookup.index("$PSBoundParameters.ContainsKey('WhatIf')")
    assert guard < lookup.index("$WhatIfPreference = $true") < lookup.index("Get-ClusterNode")
    assert "throw " in lookup[guard : lookup.index("$WhatIfPreference = $true")]


# the move order --------------------------------------------------------------------------

# Hand-built orders (the sequencer's output, as moves.csv holds it): web first, then lun1.
ORDER = (
    Move(1, "web", (2,), 1, 2, live=True),
    Move(2, "lun1", (0, 1), 1, 0, live=False),
)
PARKED = (
    Move(1, "lun1", (0, 1), 1, 0, live=False, parked=True, resume_step=2),
    Move(2, "web", (2,), 1, 2, live=True),
)


def _function(script: str, name: str) -> str:
    """The body of `function name(...) { ... }`: up to the next line at its indentation."""
    lines = script.split("\r\n")
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"function {name}("))
    depth = len(lines[start]) - len(lines[start].lstrip())
    end = next(
        i
        for i in range(start + 1, len(lines))
        if lines[i].strip() == "}" and len(lines[i]) - len(lines[i].lstrip()) == depth
    )
    return "\r\n".join(lines[start : end + 1])


def test_script_steps_follow_the_move_order_given() -> None:
    steps = data_objects(powershell_script(inventory(), PLAN, INFO, 0, ORDER), "Steps")
    assert [(s["Step"], s["Group"], s["Vms"], s["From"], s["To"], s["Live"]) for s in steps] == [
        (1, "web", ["web"], "hv2", "hv3", True),
        (2, "lun1", ["app", "db"], "hv2", "hv1", False),
    ]
    assert [(s["Parked"], s["ResumeStep"]) for s in steps] == [(False, 0), (False, 0)]
    script = powershell_script(inventory(), PLAN, INFO, 0, ORDER)
    assert "foreach ($step in $Steps) {" in script  # one pass, in the data's order


def test_script_steps_carry_the_memory_a_group_needs() -> None:
    """Memory incl. Hyper-V overhead: 2048 MiB VMs cost 2048 + 32 + 8 each."""
    steps = data_objects(powershell_script(inventory(), PLAN, INFO, 0, ORDER), "Steps")
    assert [s["MemoryMB"] for s in steps] == [2088, 2 * 2088]


def test_script_checks_the_targets_memory_before_every_move() -> None:
    script = powershell_script(inventory(), PLAN, INFO, 0, PARKED)
    for function, command in (
        ("Move-Role", "Move-ClusterVirtualMachineRole"),
        ("Move-Role", "Move-ClusterGroup "),
        ("Resume-Role", "Move-ClusterGroup "),
        ("Resume-Role", "Start-ClusterGroup"),
    ):
        body = _function(script, function)
        assert "Assert-Room $" in body
        assert body.index("Assert-Room $") < body.index(command)
    room = _function(script, "Assert-Room")
    assert "Get-CimInstance -ClassName Win32_OperatingSystem -ComputerName $Node" in room
    assert "FreePhysicalMemory / 1024" in room
    assert "throw (" in room and "stopped before moving it" in room
    code = [line for line in script.split("\r\n") if not line.lstrip().startswith("#")]
    moving = [line for line in code if "Move-Cluster" in line]
    assert len(moving) == 3  # only in Move-Role (live, quick) and Resume-Role


def test_script_writes_a_transcript_named_with_the_time() -> None:
    script = script_for(inventory())
    lines = [line.strip() for line in script.split("\r\n")]
    start = lines.index(
        "Start-Transcript -Path $transcript -WhatIf:$false -Confirm:$false | Out-Null"
    )
    assert "$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'" in lines[:start]
    assert start < lines.index("try {") < lines.index("} finally {")
    assert lines.index("try {") < next(
        i for i, line in enumerate(lines) if "Get-ClusterGroup" in line
    )
    assert lines[lines.index("} finally {") :] == [
        "} finally {",
        "Stop-Transcript | Out-Null",
        "}",
        "",
    ]


def test_script_parks_a_group_and_resumes_it_at_its_step() -> None:
    script = powershell_script(inventory(), PLAN, INFO, 0, PARKED)
    steps = data_objects(script, "Steps")
    assert [(s["Group"], s["Parked"], s["ResumeStep"]) for s in steps] == [
        ("lun1", True, 2),
        ("web", False, 0),
    ]
    save = _function(script, "Save-Role")
    assert "Stop-VM -VM $found[0] -Save" in save
    assert save.index("Stop-VM") < save.index("Stop-ClusterGroup -Name $Group")
    assert "Where-Object { $_.Name -ceq $vm }" in save  # never Stop-VM -Name (wildcards)
    assert "$_.ResumeStep -eq $step.Step" in script
    assert "#Requires -Modules Hyper-V" in script
    assert "#Requires -Modules Hyper-V" not in powershell_script(inventory(), PLAN, INFO, 0, ORDER)


def test_script_parked_changes_sit_behind_should_process() -> None:
    lines = powershell_script(inventory(), PLAN, INFO, 0, PARKED).split("\r\n")
    for command in ("Stop-VM -VM", "Stop-ClusterGroup", "Start-ClusterGroup"):
        at = next(i for i, line in enumerate(lines) if command in line and "#" not in line)
        assert any("$PSCmdlet.ShouldProcess(" in opener for opener in _openers(lines, at))


def _openers(lines: list[str], at: int) -> list[str]:
    """Every statement whose block line `at` is in, innermost first."""
    found = []
    while len(lines[at]) - len(lines[at].lstrip()) > 0:
        found.append(_block_opener(lines, at))
        at = lines.index(found[-1])
    return found


def test_script_skips_moves_already_done() -> None:
    body = _function(script_for(inventory()), "Move-Role")
    skip = body.index("if ($from -eq $To) {")
    assert skip < body.index("Assert-Room") and "return" in body[skip : body.index("Assert-Room")]


def test_script_leaves_anti_affinity_alone_when_the_classes_are_unknown() -> None:
    nodes = [{"node": n, "memory_mb": 65536, "logical_processors": 16} for n in ("hv1", "hv2")]
    vms = [{"vm": v, "memory_mb": 2048, "vcpus": 1, "node": "hv1"} for v in ("a", "b")]
    unknown = build_inventory(table("nodes.csv", nodes), table("vms.csv", vms))
    plan = Plan.from_lists([0, 1], [[0, 1], [1, 0]])
    script = powershell_script(unknown, plan, INFO, 0, sequence_moves(unknown, plan))
    header = script.split("[CmdletBinding")[0]
    assert "AntiAffinityClassNames are\r\n# left as they are" in header
    assert "$SetClasses = $false" in script.split("\r\n")
    assert script.index("if (-not $SetClasses) { continue }") < script.index(
        ".AntiAffinityClassNames = $classes"
    )
    known = script_for(inventory())
    assert "$SetClasses = $true" in known.split("\r\n")
    assert "left as they are" not in known.split("[CmdletBinding")[0]


def test_rollback_script_restores_the_previous_nodes_and_only_them() -> None:
    inv = inventory(current=("hv2", "hv2", "hv2"))  # lun1 and web both ran on hv2
    back_inv, back = reversed_placement(inv, PLAN)
    assert back.vm_node.tolist() == [1, 1, 1]
    assert back_inv.vm_node.tolist() == PLAN.vm_node.tolist()
    steps = sequence_moves(back_inv, back)
    script = powershell_script(back_inv, back, INFO, 0, steps, rollback=True)
    steps = data_objects(script, "Steps")
    assert sorted((s["Group"], s["From"], s["To"]) for s in steps) == [
        ("lun1", "hv1", "hv2"),
        ("web", "hv3", "hv2"),
    ]
    lines = script.split("\r\n")
    assert "$SetOwners = $false" in lines and "$SetClasses = $false" in lines
    assert "$ScriptKind = 'rollback'" in lines
    header = script.split("[CmdletBinding")[0]
    assert "no earlier preferred-owner lists, so only the placement is restored" in header


def test_rollback_keeps_a_group_whose_earlier_node_is_unknown() -> None:
    inv = inventory(current=("", "", "hv2"))
    _, back = reversed_placement(inv, PLAN)
    assert back.vm_node.tolist() == [0, 0, 1]  # lun1 stays on hv1; web goes back to hv2


def test_script_places_the_groups_no_step_moves_after_the_steps() -> None:
    """db's node is unknown, so no step can move lun1; the script still puts it on hv1."""
    script = powershell_script(inventory(current=("", "", "hv2")), PLAN, INFO, 0, ORDER[:1])
    assert [(r["Group"], r["Vms"], r["To"], r["Live"]) for r in data_objects(script, "Rest")] == [
        ("lun1", ["app", "db"], "hv1", False)
    ]
    logic = script[script.index("foreach ($step in $Steps) {") :]
    rest = logic.index("foreach ($rest in $Rest) {")
    assert "if ($Running[$group] -ne $rest.To) {" in logic[rest:]
    assert "Move-Role $group $rest.To" in logic[rest:]  # with its memory check
