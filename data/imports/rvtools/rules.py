"""DRS rules as vInfo shows them: `Cluster rule(s)` (each rule's kind) and `Cluster rule
name(s)` (its name), one entry per rule the VM is in, in the same order.

A rule the export shows keeping VMs apart (a VM-VM anti-affinity rule, "Separate Virtual
Machines") becomes an anti-affinity class named after the rule, which is what a Hyper-V
cluster's AntiAffinityClassNames does on failover. Other kinds (keep together, VM-host,
dependency) have no counterpart in a plan and are reported. A rule whose kind the export
does not show (no kind column, an empty kind, kinds and names that do not pair up) is
reported and never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from data.imports.common import ImportReport, column, few
from data.imports.rvtools.sheets import SourceVm
from data.io.build import RawTable
from data.schema import CLASS_SEPARATOR

RULE_KINDS, RULE_NAMES = "Cluster rule(s)", "Cluster rule name(s)"  # vInfo's columns
_SPLIT = re.compile(r"\s*[,;\r\n]+\s*")
_APART = ("antiaffinity", "separate")  # ClusterAntiAffinityRuleSpec, "Separate VMs"
_HOSTS = ("vmhost", "tohost")  # ClusterVmHostRuleInfo, "Virtual Machines to Hosts"
_TOGETHER = ("affinity", "together")  # ClusterAffinityRuleSpec, "Keep VMs Together"
_DEPENDS = ("dependency", "tovirtual")  # ClusterDependencyRuleInfo, "VMs to VMs"


@dataclass
class Tally:
    apart: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    other: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unshown: list[str] = field(default_factory=list)  # "vm: rule" whose kind is not shown


def kind_of(text: str) -> str | None:
    """apart, together, hosts or depends, or None when the text names no kind known."""
    key = re.sub(r"[^a-z]", "", text.casefold())
    for kind, marks in (
        ("apart", _APART),
        ("hosts", _HOSTS),
        ("depends", _DEPENDS),
        ("together", _TOGETHER),
    ):
        if any(mark in key for mark in marks):
            return kind
    return None


def apply_rules(vms: list[SourceVm], tables: Sequence[RawTable], report: ImportReport) -> None:
    """Set anti_affinity from the rules that keep VMs apart; report the others."""
    names_columns = {t.file: column(t, RULE_NAMES) for t in tables}
    if not any(names_columns.values()):
        return
    tally = Tally()
    for vm in vms:
        names_column = names_columns[vm.cells.table.file]
        kinds_column = column(vm.cells.table, RULE_KINDS)
        names = listed(vm.cells.text(names_column))
        kinds = listed(vm.cells.text(kinds_column))
        found = classes(str(vm.row["vm"]), names, kinds, tally)
        vm.row["anti_affinity"] = CLASS_SEPARATOR.join(found)
        if found and names_column:
            vm.columns["anti_affinity"] = names_column
    report_rules(tally, report)


def listed(text: str) -> list[str]:
    return [part for part in _SPLIT.split(text.strip()) if part] if text.strip() else []


def classes(vm: str, names: list[str], kinds: list[str], tally: Tally) -> list[str]:
    if not names:
        return []
    if len(kinds) != len(names):
        tally.unshown += [f"{vm}: {name}" for name in names]
        return []
    classes = []
    for name, text in zip(names, kinds, strict=True):
        kind = kind_of(text)
        if kind is None:
            tally.unshown.append(f"{vm}: {name} ({text})")
        elif kind == "apart":
            classes.append(name.replace(CLASS_SEPARATOR, ","))
            tally.apart[name].append(vm)
        else:
            tally.other[kind].append(name)
    return list(dict.fromkeys(classes))


_WHAT = {
    "together": "keep-together rules (no plan rule keeps VMs on one node)",
    "hosts": "VM-host rules (hosts are replaced; a plan places VMs on any node)",
    "depends": "VM-VM dependency rules (start order, not placement)",
}


def report_rules(tally: Tally, report: ImportReport) -> None:
    if tally.apart:
        rules = few(f"{name} ({len(vms)} VMs)" for name, vms in tally.apart.items())
        report.mapped.append(
            f"vInfo Cluster rule(s) / Cluster rule name(s): {len(tally.apart)} DRS rules keeping "
            f"VMs apart -> anti_affinity classes named after the rule: {rules}"
        )
    for kind, names in tally.other.items():
        report.dropped.append(f"DRS {_WHAT[kind]}: {few(names)}")
    if tally.unshown:
        report.dropped.append(
            f"DRS rules whose kind vInfo does not show (Cluster rule(s) empty, unknown or not "
            f"paired with the names), not guessed, not applied: {few(tally.unshown)}"
        )
