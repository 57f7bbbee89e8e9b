"""`hvplace grow`'s results: the certified period plan, the grow directory's rows and
grow.json, and the table and sentences on stdout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cli.plan import certified_move_order, certify_plan, plan_summary
from data.check.checker import moves, nodes_used, utilisation_permille
from data.growth.nodes import purchase_nodes
from data.growth.period import period_inventory, plan_from_witness
from data.growth.write import PeriodPlan
from data.inventory import Inventory
from data.rules import Objective
from solver.growth.estate import EstateSizing
from solver.growth.sizing import Outcome, Sizing
from solver.params import Params
from solver.result import ClusterResult, Result, Status


@dataclass(frozen=True, eq=False)
class Grown:
    """Period 0 planned: the sizing it came from and the certified plan directory."""

    sized: EstateSizing
    period: PeriodPlan
    sha: str
    replaced: bool


def certified_period(
    sized: EstateSizing,
    helped: list[int],
    params: Params,
    sha: str,
    replaced: bool,
    solve: Callable[[Inventory, Params], Result],
) -> Grown:
    """Solve period 0 with the chosen objective; where the solve finds no plan in time,
    the plan found while sizing stands in. The checker certifies it before any write."""
    inv = period_inventory(sized.inventory, helped)
    result = solve(inv, params)
    if result.plan is None:
        result = _sizing_plan(inv, result, [sized.sizings[i] for i in helped], params)
    certify_plan(inv, result, params.failures, None)
    summary = plan_summary(inv, result, params.failures, sha)
    assert result.plan is not None
    period = PeriodPlan(0, inv, result.plan, summary, certified_move_order(inv, result.plan))
    return Grown(sized, period, sha, replaced)


def _sizing_plan(inv: Inventory, result: Result, sizings: list[Sizing], params: Params) -> Result:
    witness = {vm: found for s in sizings for vm, found in s.witness.items()}
    plan = plan_from_witness(inv, witness)
    clusters = tuple(
        ClusterResult(
            name,
            Status.FEASIBLE,
            _value(inv, plan, params, c),
            0,
            0.0,
            {v: plan.owners_of(v) for v in inv.vms_of(c)},
            {int(v): int(plan.vm_lun[v]) for v in inv.vms_of(c)},
        )
        for c, name in enumerate(inv.clusters)
    )
    value = params.objective.combine(int(c.objective_value or 0) for c in clusters)
    return Result(Status.FEASIBLE, params.objective.value, value, 0, result.seconds, clusters, plan)


def _value(inv: Inventory, plan: Any, params: Params, cluster: int) -> int:
    if params.objective is Objective.NODES:
        return nodes_used(inv, plan, cluster)
    if params.objective is Objective.MOVES:
        return moves(inv, plan, cluster)
    u = utilisation_permille(inv, plan, params.failures, cluster)
    return -(-u // params.tolerance) * params.tolerance


def bought_text(sizing: Sizing) -> str:
    return ", ".join(f"{n} x {m.name}" for m, n in sizing.purchase)


def today_nodes(sized: EstateSizing, c: int) -> int:
    return int(sized.inventory.nodes_of(c).size) - sized.sizings[c].bought


def grow_files(grown: Grown) -> tuple[list[dict], list[dict], dict, list[PeriodPlan]]:
    """timeline rows, purchases rows, grow.json and the period plans, for write_grow."""
    sized, rows = grown.sized, []
    for c, sizing in enumerate(sized.sizings):
        rows.append(_timeline_row(grown, c, sizing))
    purchases = [
        {"period": 0, "cluster": s.cluster, "model": m.name, "node": node, "cost": m.cost}
        for s in sized.sizings
        if s.outcome in (Outcome.PROVEN, Outcome.GAP)
        for node, m in purchase_nodes(s.cluster, s.models, s.counts)
    ]
    return rows, purchases, _grow_json(grown, rows), [grown.period]


def _timeline_row(grown: Grown, c: int, sizing: Sizing) -> dict[str, Any]:
    sized, period = grown.sized, grown.period
    inv, vms = sized.inventory, sized.inventory.vms_of(c)
    row: dict[str, Any] = {
        "period": 0,
        "cluster": sizing.cluster,
        "nodes": int(inv.nodes_of(c).size),
        "bought": "",
        "cost": 0.0,
        "cumulative_cost": 0.0,
        "vms": int(vms.size),
        "memory_demand_mb": int(inv.vm_cost_mb[vms].sum()),
        "status": str(sizing.outcome),
        "utilisation": 0,
        "bound": 0,
        "moves": 0,
        "seconds": 0.0,
    }
    if sizing.cluster not in period.inventory.clusters:
        row["status"] = "impossible" if sizing.outcome is not Outcome.UNKNOWN else "unknown"
        return row
    p = period.inventory.clusters.index(sizing.cluster)
    summary = next(s for s in period.summary.clusters if s.cluster == sizing.cluster)
    row.update(
        bought=bought_text(sizing),
        cost=sizing.cost,
        cumulative_cost=sizing.cost,
        status=summary.status,
        utilisation=utilisation_permille(period.inventory, period.plan, period.summary.failures, p),
        bound=summary.bound,
        moves=summary.moves,
        seconds=summary.solve_seconds,
    )
    return row


def _grow_json(grown: Grown, rows: list[dict[str, Any]]) -> dict[str, Any]:
    sized = grown.sized
    helped = [s for s in sized.sizings if s.outcome in (Outcome.PROVEN, Outcome.GAP)]
    total = sum(s.cost for s in helped)
    return {
        "status": "optimal" if all(s.outcome is Outcome.PROVEN for s in helped) else "feasible",
        "failures": grown.period.summary.failures,
        "horizon": 0,
        "total_cost": total,
        "cost_bound": sum(s.cost_bound for s in helped),
        "input_sha256": grown.sha,
        "replace": grown.replaced,
        "periods": [{"period": 0, "cost": total, "cumulative_cost": total, "clusters": rows}],
        "clusters": [_cluster_info(sized, c, s) for c, s in enumerate(sized.sizings)],
        "splits": [{"cluster": s.cluster, "parts": list(s.parts)} for s in sized.splits],
    }


def _cluster_info(sized: EstateSizing, c: int, sizing: Sizing) -> dict[str, Any]:
    return {
        "cluster": sizing.cluster,
        "outcome": str(sizing.outcome),
        "today": today_nodes(sized, c),
        "bought": {m.name: n for m, n in sizing.purchase},
        "cost": sizing.cost,
        "cost_bound": sizing.cost_bound,
        "reasons": list(sizing.reasons),
    }
