"""One broken rule as the checker reports it (data/check/checker.py)."""

from __future__ import annotations

from dataclasses import dataclass

from data.rules import Rule

_RULE_ORDER = {rule: i for i, rule in enumerate(Rule)}
CAPACITY_RULES = (Rule.MEMORY, Rule.CPU, Rule.RESOURCE)


@dataclass(frozen=True)
class Violation:
    """One broken rule: what it is about, under which failed nodes, and the numbers."""

    rule: Rule
    subject: str  # "vm 'sql01'", "node 'hv2'", "lun 'data1'" or "class 'dc'"
    failed: tuple[str, ...]  # names of the failed nodes; () for no failure
    detail: str

    def line(self) -> str:
        if self.failed:
            when = " after failure of {" + ", ".join(self.failed) + "}"
        else:
            when = " with no failure" if self.rule in CAPACITY_RULES else ""
        return f"{self.rule}: {self.subject}{when}: {self.detail}"

    def sort_key(self) -> tuple[int, str, int, tuple[str, ...], str]:
        return (_RULE_ORDER[self.rule], self.subject, len(self.failed), self.failed, self.detail)
