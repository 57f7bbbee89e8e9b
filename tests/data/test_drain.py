"""Drain rounds: every node once, at most k at a time, groups where the checker's failover
puts them, and utilisation as the checker's figures give it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.loads import down_mask, memory_permille, runners, valid_owners
from data.drain import DrainError, choose_rounds, drain_rounds
from data.inventory import Inventory
from data.io.build import build_inventory, table
from data.plan import Plan


@st.composite
def planned(draw: st.DrawFn) -> tuple[Inventory, Plan, int]:
    """A cluster of 2-7 nodes, k in 1..n-1 (at most 3), VMs on exclusive LUNs (some
    shared by two VMs) and on a CSV, each group with k+1 distinct owners."""
    n = draw(st.integers(2, 7))
    k = draw(st.integers(1, min(3, n - 1)))
    names = [f"hv{i + 1}" for i in range(n)]
    nodes = [
        {"node": name, "memory_mb": draw(st.integers(32, 128)) * 1024, "logical_processors": 32}
        for name in names
    ]
    count = draw(st.integers(1, 9))
    luns = [{"lun": "csv", "capacity_gb": 1e6, "shared": True}] + [
        {"lun": f"L{i}", "capacity_gb": 1e6} for i in range(count)
    ]
    vms, vm_lun, owners = [], [], []
    lun_owners: dict[int, list[int]] = {}
    for v in range(count):
        lun = draw(st.sampled_from([0, 1 + v, 1 + v // 2]))
        own = lun_owners.get(lun) if lun else None
        if own is None:
            own = draw(st.permutations(range(n)))[: k + 1]
            if lun:
                lun_owners[lun] = own
        vms.append({"vm": f"vm{v}", "memory_mb": draw(st.integers(1, 8)) * 1024, "vcpus": 1})
        vm_lun.append(lun)
        owners.append(list(own))
    inv = build_inventory(table("nodes", nodes), table("vms", vms), table("luns", luns))
    return inv, Plan.from_lists(vm_lun, owners), k


@settings(max_examples=60)
@given(planned())
def test_drain_rounds_cover_every_node_once_at_most_k_at_a_time(case) -> None:
    inv, plan, k = case
    rounds = drain_rounds(inv, plan, k)
    drained = [n for r in rounds for n in r.nodes]
    assert sorted(drained) == list(range(inv.n_nodes))
    assert all(1 <= len(r.nodes) <= k for r in rounds)
    assert len(rounds) == -(-inv.n_nodes // min(k, inv.n_nodes - 1))
    assert [r.number for r in rounds] == list(range(1, len(rounds) + 1))


@settings(max_examples=60)
@given(planned())
def test_drain_targets_are_the_checkers_failover_targets(case) -> None:
    inv, plan, k = case
    owners = valid_owners(inv, plan)
    for r in drain_rounds(inv, plan, k):
        runner = runners(owners, down_mask(inv.n_nodes, r.nodes))
        moved = {v for m in r.moves for v in m.vms}
        assert moved == {v for v in range(inv.n_vms) if plan.owners[v, 0] in r.nodes}
        for m in r.moves:
            assert m.source in r.nodes and m.target not in r.nodes
            assert {int(runner[v]) for v in m.vms} == {m.target}


@settings(max_examples=60)
@given(planned())
def test_drain_utilisation_matches_the_checkers_permille(case) -> None:
    inv, plan, k = case
    by_set = {failed: permille for _, failed, permille in memory_permille(inv, plan, k)}
    for r in drain_rounds(inv, plan, k):
        expected = by_set[tuple(sorted(r.nodes))]
        others = [n for n in range(inv.n_nodes) if n not in r.nodes]
        assert dict(r.utilisation) == {n: int(expected[n]) for n in others}
        assert r.peak_permille == max(int(expected[n]) for n in others)


def test_drain_downtime_counts_quick_and_live_apart() -> None:
    """lun1 (a 4 GiB and a 2 GiB VM) restarts; web on the CSV live-migrates."""
    nodes = [{"node": n, "memory_mb": 65536, "logical_processors": 16} for n in ("hv1", "hv2")]
    vms = [
        {"vm": "app", "memory_mb": 4096, "vcpus": 1, "lun": "lun1"},
        {"vm": "db", "memory_mb": 2048, "vcpus": 1, "lun": "lun1"},
        {"vm": "web", "memory_mb": 1024, "vcpus": 1, "lun": "csv1"},
    ]
    luns = [
        {"lun": "lun1", "capacity_gb": 100},
        {"lun": "csv1", "capacity_gb": 100, "shared": True},
    ]
    inv = build_inventory(table("nodes", nodes), table("vms", vms), table("luns", luns))
    plan = Plan.from_lists([0, 0, 1], [[0, 1], [0, 1], [0, 1]])
    first, second = drain_rounds(inv, plan, 1)
    assert (first.restarted_vms, first.quick_gib, first.live_vms) == (2, 6.0, 1)
    assert [(m.group, m.target) for m in first.moves] == [("lun1", 1), ("web", 1)]
    assert second.moves == () and (second.restarted_vms, second.live_vms) == (0, 0)
    # hv2 carries everything while hv1 is drained: 7168 MiB + overhead of 7 GiB (40+24+32)
    assert first.utilisation == ((1, -(-1000 * (7168 + 96) // (65536 - 2048))),)


def test_choose_rounds_pairs_nodes_to_keep_the_worse_round_low() -> None:
    """Draining a with b, or c with d, is heavy; the two light pairings win."""
    heavy = {frozenset("ab"), frozenset("cd")}

    def score(nodes: tuple[int, ...]) -> tuple[int, int]:
        return 0, 900 if frozenset("abcd"[n] for n in nodes) in heavy else 500

    rounds = choose_rounds([0, 1, 2, 3], 2, score)
    assert sorted(rounds) == [(0, 2), (1, 3)] or sorted(rounds) == [(0, 3), (1, 2)]


def test_drain_refuses_a_plan_for_n_plus_0() -> None:
    nodes = [{"node": n, "memory_mb": 65536, "logical_processors": 16} for n in ("hv1", "hv2")]
    inv = build_inventory(
        table("nodes", nodes), table("vms", [{"vm": "a", "memory_mb": 1, "vcpus": 1}])
    )
    with pytest.raises(DrainError, match="N\\+0"):
        drain_rounds(inv, Plan.from_lists([0], [[0]]), 0)
