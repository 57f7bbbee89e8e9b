"""`hvplace grow` on stdout: a short table per cluster and one sentence per cluster."""

from __future__ import annotations

from rich.table import Table

from cli.common import stdout
from cli.grow_output import Grown, bought_text, today_nodes
from cli.render import percent
from data.check.checker import utilisation_permille
from solver.growth.estate import MAX_PARTS, EstateSizing
from solver.growth.sizing import Outcome, Sizing

_PROOF = {Outcome.PROVEN: "proven", Outcome.GAP: "gap"}


def money(value: float) -> str:
    """9600 -> "9,600"; fractions only where there are any."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def print_grow(sized: EstateSizing, grown: Grown | None, failures: int, max_nodes: int) -> None:
    console = stdout()
    table = Table("cluster", "today", "to buy", "cost", "U after", "proven", box=None)
    for c, sizing in enumerate(sized.sizings):
        table.add_row(*_row(sized, grown, c, sizing))
    console.print(table)
    for split in sized.splits:
        parts = ", ".join(_part(sized, name) for name in split.parts)
        console.print(
            f"{split.cluster}: N+{failures} would need more than {max_nodes} nodes in one "
            f"cluster: split into {parts} (exclusive LUNs and anti-affinity classes kept whole)",
            markup=False,
            highlight=False,
        )
    for c, sizing in enumerate(sized.sizings):
        line = sentence(sizing, today_nodes(sized, c), failures, max_nodes)
        console.print(line, markup=False, highlight=False)


def _part(sized: EstateSizing, name: str) -> str:
    c = sized.inventory.clusters.index(name)
    return f"{name} ({sized.inventory.vms_of(c).size} VMs)"


def _row(sized: EstateSizing, grown: Grown | None, c: int, sizing: Sizing) -> list[str]:
    today = str(today_nodes(sized, c))
    if sizing.outcome not in _PROOF or grown is None:
        return [sizing.cluster, today, "-", "-", "-", str(sizing.outcome)]
    period = grown.period
    p = period.inventory.clusters.index(sizing.cluster)
    u = utilisation_permille(period.inventory, period.plan, period.summary.failures, p)
    proof = _PROOF[sizing.outcome]
    if sizing.outcome is Outcome.GAP:
        proof += f" {money(sizing.cost - sizing.cost_bound)}"
    return [
        sizing.cluster,
        today,
        bought_text(sizing) or "nothing",
        money(sizing.cost),
        percent(u),
        proof,
    ]


def sentence(sizing: Sizing, today: int, failures: int, max_nodes: int) -> str:
    """ "CLU-A: N+1 needs 2 more nodes: buy 2 x R740-512 (9,600); proven minimal"."""
    name, need = sizing.cluster, f"N+{failures}"
    if sizing.outcome is Outcome.IMPOSSIBLE:
        return f"{name}: no purchase can make it {need}: " + "; ".join(sizing.reasons)
    if sizing.outcome is Outcome.UNKNOWN:
        return (
            f"{name}: no purchase found within the time limit (a lower bound: "
            f"{sizing.nodes_bound} nodes, cost {money(sizing.cost_bound)})"
        )
    if sizing.outcome is Outcome.TOO_LARGE:
        return (
            f"{name}: {need} needs more than {max_nodes} nodes, and no split into at most "
            f"{MAX_PARTS} clusters helps"
        )
    if sizing.outcome is Outcome.PROVEN:
        proof = "proven minimal"
    else:
        proof = (
            f"not proven minimal: no purchase costs less than {money(sizing.cost_bound)} "
            f"(gap {money(sizing.cost - sizing.cost_bound)})"
        )
    if not sizing.bought:
        return f"{name}: {need} holds with its {today} nodes: buy nothing; {proof}"
    more = f"{sizing.bought} {'more ' if today else ''}node" + ("s" if sizing.bought > 1 else "")
    return f"{name}: {need} needs {more}: buy {bought_text(sizing)} ({money(sizing.cost)}); {proof}"
