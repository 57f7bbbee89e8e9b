"""Synthetic fleets: seeded, accepted by the builder, realistic, N+k feasible by witness."""

from __future__ import annotations

import math
import re
import time
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.check.checker import check_plan, utilisation_permille
from data.io.build import BuildReport
from data.synth.fleet import Fleet, fleet_inventory, generate_fleet, witness_plan
from data.synth.witness import assign_owners, worst_loads

COMBINATIONS = [
    dict(clusters=1, nodes=4, vms=30, seed=1),
    dict(clusters=2, nodes=6, vms=40, seed=2),
    dict(clusters=1, nodes=5, vms=50, seed=3, luns=True),
    dict(clusters=2, nodes=8, vms=60, seed=4, luns=True, failures=2),
    dict(clusters=1, nodes=3, vms=20, seed=5, tight=True, failures=2),
    dict(clusters=2, nodes=4, vms=25, seed=6, luns=True, tight=True, failures=0),
    dict(clusters=1, nodes=1, vms=5, seed=7, failures=0),
    dict(clusters=1, nodes=16, vms=200, seed=8, luns=True, tight=True, failures=2),
]


def _assert_witness_valid(fleet: Fleet) -> None:
    report = BuildReport()
    inventory = fleet_inventory(fleet, report)
    assert report.warnings == []
    plan = witness_plan(fleet, inventory)
    assert plan.owners.shape == (inventory.n_vms, fleet.failures + 1)
    assert [v.line() for v in check_plan(inventory, plan, fleet.failures)] == []


# determinism --------------------------------------------------------------------------


def test_synth_same_seed_gives_identical_fleets() -> None:
    first = generate_fleet(2, 5, 40, 11, luns=True, failures=2)
    second = generate_fleet(2, 5, 40, 11, luns=True, failures=2)
    assert first == second


def test_synth_different_seed_gives_different_tables() -> None:
    first = generate_fleet(1, 5, 40, 11)
    second = generate_fleet(1, 5, 40, 12)
    assert first.tables["vms"] != second.tables["vms"]


def test_synth_rejects_impossible_arguments() -> None:
    for args in [(0, 4, 10, 1), (1, 2, 10, 1), (1, 4, 0, 1)]:
        with pytest.raises(ValueError, match="nodes >= failures"):
            generate_fleet(*args, failures=2)


# the builder accepts the tables and the witness passes every rule ------------------------


@pytest.mark.parametrize("arguments", COMBINATIONS, ids=lambda a: "-".join(map(str, a.values())))
def test_synth_witness_passes_check_plan(arguments: dict) -> None:
    fleet = generate_fleet(**arguments)
    assert fleet.failures == arguments.get("failures", 1)
    assert set(fleet.tables) == {"nodes", "vms"} | ({"luns"} if arguments.get("luns") else set())
    _assert_witness_valid(fleet)


@settings(max_examples=30, deadline=None)
@given(
    clusters=st.integers(1, 2),
    extra_nodes=st.integers(0, 5),
    vms=st.integers(1, 40),
    seed=st.integers(0, 2**32),
    luns=st.booleans(),
    tight=st.booleans(),
    failures=st.integers(0, 2),
)
def test_synth_any_fleet_has_a_valid_witness(
    clusters: int, extra_nodes: int, vms: int, seed: int, luns: bool, tight: bool, failures: int
) -> None:
    fleet = generate_fleet(
        clusters, failures + 1 + extra_nodes, vms, seed, luns=luns, tight=tight, failures=failures
    )
    _assert_witness_valid(fleet)


def test_synth_tight_fleet_has_little_headroom_default_has_a_margin() -> None:
    for tight, low, high in [(True, 950, 1000), (False, 1, 800)]:
        fleet = generate_fleet(2, 16, 200, 3, tight=tight, failures=2)
        inventory = fleet_inventory(fleet)
        used = utilisation_permille(inventory, witness_plan(fleet, inventory), 2)
        assert low <= used <= high


def test_synth_owners_spread_so_the_worst_load_is_near_the_bound() -> None:
    cost = np.random.default_rng(0).choice([1, 2, 4, 8, 16], 400) * 1024
    eligible = np.ones((400, 16), dtype=bool)
    for failures in (1, 2):
        owners = assign_owners(cost, eligible, np.full(400, -1), failures)
        worst = worst_loads(owners, cost.reshape(-1, 1), 16, failures)[:, 0]
        assert worst.max() <= 1.1 * cost.sum() / (16 - failures)


# shape and realism ----------------------------------------------------------------------


def test_synth_names_and_clusters() -> None:
    fleet = generate_fleet(2, 12, 30, 5, luns=True)
    nodes, vms = fleet.tables["nodes"], fleet.tables["vms"]
    assert [r["node"] for r in nodes[:3]] == ["c1-hv01", "c1-hv02", "c1-hv03"]
    assert all(re.fullmatch(r"c[12]-vm\d{4}", r["vm"]) for r in vms)
    assert Counter(r["cluster"] for r in nodes) == {"c1": 12, "c2": 12}
    assert Counter(r["cluster"] for r in vms) == {"c1": 30, "c2": 30}
    assert all(r["lun"].startswith(r["cluster"]) for r in vms if r["lun"])
    single = generate_fleet(1, 3, 5, 5)
    assert {r["cluster"] for r in single.tables["nodes"] + single.tables["vms"]} == {"c1"}


def test_synth_vlan_nodes_about_a_quarter_without_but_enough_for_owners() -> None:
    for nodes, failures in [(8, 1), (16, 2), (4, 2), (3, 1)]:
        fleet = generate_fleet(1, nodes, 20, nodes, failures=failures)
        without = sum(not r["vlan"] for r in fleet.tables["nodes"])
        expected = min(round(nodes / 4), nodes - failures - 1) if nodes >= 4 else 0
        assert without == expected


def test_synth_vm_mix_is_skewed_like_a_cloud() -> None:
    vms = generate_fleet(1, 16, 2000, 42, luns=True).tables["vms"]
    vcpus = np.array([r["vcpus"] for r in vms])
    memory = np.array([r["memory_mb"] for r in vms])
    disk = np.array([r["disk_gb"] for r in vms])
    assert 0.4 <= np.mean(vcpus == 1) <= 0.6
    assert 2048 <= np.median(memory) <= 8192
    assert np.all(memory % 512 == 0) and memory.min() >= 512 and memory.max() <= 65536
    assert disk.min() >= 40 and disk.max() <= 2000 and np.median(disk) < 200
    iops = np.array([r["res_iops"] for r in vms])
    assert iops.min() >= 50 and iops.max() <= 2000
    assert 0.15 <= np.mean([r["vlan"] for r in vms]) <= 0.25
    assert 0.08 <= np.mean([r["lun"] == "" for r in vms]) <= 0.12
    assert 0.85 <= np.mean([r["node"] != "" for r in vms]) <= 0.95


def test_synth_without_luns_some_vms_share_named_luns_by_two_to_four() -> None:
    vms = generate_fleet(1, 8, 1000, 9).tables["vms"]
    sizes = Counter(r["lun"] for r in vms if r["lun"])
    assert set(sizes.values()) <= {2, 3, 4}
    assert 0.12 <= sum(sizes.values()) / len(vms) <= 0.15


def test_synth_luns_leave_room_and_hold_one_to_eight_vms() -> None:
    fleet = generate_fleet(2, 6, 300, 13, luns=True)
    need = Counter[str]()
    for r in fleet.tables["vms"]:
        need[fleet.witness_lun[r["vm"]]] += int(r["disk_gb"])
    luns = fleet.tables["luns"]
    assert all(r["capacity_gb"] >= math.ceil(need[r["lun"]] * 1.3) for r in luns)
    assert 2 <= sum(r["shared"] for r in luns) <= 8
    exclusive = {r["lun"] for r in luns if not r["shared"]}
    per_lun = Counter(r["lun"] for r in fleet.tables["vms"] if r["lun"] in exclusive)
    assert max(per_lun.values()) <= 8
    assert any(need[lun] == 0 for lun in exclusive)  # spare LUNs


def test_synth_anti_affinity_classes_never_share_an_exclusive_lun() -> None:
    fleet = generate_fleet(1, 6, 400, 21, luns=True)
    inventory = fleet_inventory(fleet)
    assert 2 <= len(inventory.class_names) <= 8
    assert {"c1-dc", "c1-sql-ag"} <= set(inventory.class_names)
    for c in range(len(inventory.class_names)):
        members = inventory.vm_classes[:, c]
        assert 2 <= members.sum() <= 4
        luns = inventory.vm_lun[members]
        fixed = luns[(luns >= 0) & ~inventory.lun_shared[luns]]
        assert len(set(fixed.tolist())) == len(fixed)


def test_synth_current_node_is_mostly_the_witness_primary() -> None:
    fleet = generate_fleet(1, 8, 1000, 4)
    given_nodes = [r for r in fleet.tables["vms"] if r["node"]]
    moved = [r for r in given_nodes if r["node"] != fleet.witness[r["vm"]][0]]
    assert 0.04 <= len(moved) / len(given_nodes) <= 0.2


def test_synth_16_nodes_200_vms_n_plus_2_generates_fast() -> None:
    start = time.perf_counter()
    generate_fleet(2, 16, 200, 0, failures=2)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("failures", [1, 2])
def test_synth_lun_vms_puts_most_vms_on_large_exclusive_luns(failures: int) -> None:
    fleet = generate_fleet(1, 8, 200, seed=3, failures=failures, lun_vms=(5, 20))
    _assert_witness_valid(fleet)
    sizes = Counter(row["lun"] for row in fleet.tables["vms"] if row["lun"])
    assert all(5 <= size <= 20 for size in sizes.values())
    assert sum(sizes.values()) >= 0.5 * 200


def test_synth_lun_vms_rejects_a_luns_table_and_an_empty_range() -> None:
    with pytest.raises(ValueError, match="lun_vms"):
        generate_fleet(1, 4, 20, seed=0, luns=True, lun_vms=(5, 20))
    with pytest.raises(ValueError, match="lun_vms"):
        generate_fleet(1, 4, 20, seed=0, lun_vms=(6, 5))
