"""How long the move order (moves.csv) takes, and how many hops and parks it needs.

    python benchmarks/sequencing.py [--sizes 1000 10000] [--seed 1]

Each size is size/1000 clusters (at least one) of 16 nodes, tight (nodes sized to the witness plan),
its LUNs from a table; the plan is the fleet's witness and today's placement puts
every group on a random node of its cluster that still has room, so the start is
within capacity and unlike the plan. Every order is replayed by the checker.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from data.check.moves import check_moves
from data.inventory import Inventory
from data.plan import Plan
from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan
from solver.sequencing import sequence_moves


def shuffled_within_capacity(inventory: Inventory, plan: Plan, seed: int) -> Inventory:
    """Each failover group on a random node of its cluster with room (else its planned node)."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, int], list[int]] = {}
    for v in range(inventory.n_vms):
        lun = int(plan.vm_lun[v])
        groups.setdefault(("vm", v) if inventory.lun_shared[lun] else ("lun", lun), []).append(v)
    room = inventory.node_capacity_mb.copy()
    vm_node = np.full(inventory.n_vms, -1)
    for vms in (list(groups.values())[i] for i in rng.permutation(len(groups))):
        need = int(inventory.vm_cost_mb[vms].sum())
        nodes = inventory.nodes_of(int(inventory.vm_cluster[vms[0]]))
        fit = [int(n) for n in nodes if room[n] >= need and inventory.eligible[vms][:, n].all()]
        node = int(rng.choice(fit)) if fit else int(plan.vm_node[vms[0]])
        room[node] -= need
        vm_node[vms] = node
    return dataclasses.replace(inventory, vm_node=vm_node)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("vms,nodes,rows,parked,hops,sequence_s,replay_s,violations")
    for size in args.sizes:
        clusters = max(1, size // 1000)
        fleet = generate_fleet(clusters, 16, size // clusters, args.seed, luns=True, tight=True)
        plan = witness_plan(fleet, fleet_inventory(fleet))
        inventory = shuffled_within_capacity(fleet_inventory(fleet), plan, args.seed)
        started = time.perf_counter()
        moves = sequence_moves(inventory, plan)
        sequenced = time.perf_counter() - started
        violations = check_moves(inventory, plan, moves)
        replayed = time.perf_counter() - started - sequenced
        parked = sum(m.parked for m in moves)
        hops = len(moves) - len({m.group for m in moves})
        print(
            f"{size},{inventory.n_nodes},{len(moves)},{parked},{hops},"
            f"{sequenced:.2f},{replayed:.2f},{len(violations)}"
        )


if __name__ == "__main__":
    main()
