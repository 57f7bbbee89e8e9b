"""benchmarks/run.py end to end on tiny sections: rows for every method, certified plans,
separate section runs merged into one table, the markdown and the PNG written."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from data.inventory import Inventory
from data.io.build import build_inventory, table

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def run() -> Any:
    """benchmarks/run.py imports its siblings by bare name, as when run as a script."""
    sys.path.insert(0, str(BENCHMARKS))
    import run as module

    yield module
    sys.path.remove(str(BENCHMARKS))


@dataclass(frozen=True, eq=False)
class StandInVbp:
    """The fields benchmarks/vbp.py's VbpInstance has."""

    name: str
    cls: int
    d: int
    n: int
    inventory: Inventory
    bound: int


def _stand_in_vbp(classes: Any, dims: Any, items: Any, seeds: Any) -> list[StandInVbp]:
    """Four items of half a bin each, three bins: two bins are optimal."""
    nodes = [
        {"node": f"bin{i}", "memory_mb": 4128, "reserve_mb": 0, "logical_processors": 8}
        for i in range(3)
    ]
    vms = [{"vm": f"item{i}", "memory_mb": 2000, "vcpus": 1} for i in range(4)]
    inventory = build_inventory(table("nodes", nodes), table("vms", vms), None)
    return [StandInVbp(f"stand-in-{s}", 1, 2, 4, inventory, 2) for s in seeds]


def test_run_quick_single_section_certifies_every_plan(run: Any, tmp_path: Path) -> None:
    markdown = tmp_path / "r.md"
    argv = ["--quick", "--only", "single", "--time-limit", "1", "--out", str(tmp_path)]
    assert run.main([*argv, "--markdown", str(markdown)]) == 0
    rows = pq.read_table(tmp_path / "quick-single.parquet").to_pylist()
    methods = {r["method"]: r for r in rows}
    assert set(methods) == {"hvplace", "ffd_check", "naive", "lower_bound"}
    assert methods["ffd_check"]["status"] == "feasible"
    assert methods["ffd_check"]["check_violations"] == 0
    assert methods["ffd_check"]["nodes_used"] >= methods["lower_bound"]["nodes_used"]
    assert methods["hvplace"]["check_violations"] == 0
    assert "| single | 1x8n-100vm-k1-s0 |" in markdown.read_text()
    assert (tmp_path / "quick.png").stat().st_size > 0


def test_run_merges_separate_section_runs_and_uses_vbp_lazily(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "vbp", types.SimpleNamespace(vbp_instances=_stand_in_vbp))
    argv = ["--quick", "--only", "vbp", "--time-limit", "1", "--out", str(tmp_path)]
    argv += ["--markdown", str(tmp_path / "r.md")]
    assert run.main(argv) == 0
    rows = pq.read_table(tmp_path / "quick-vbp.parquet").to_pylist()
    ffd = next(r for r in rows if r["method"] == "ffd_check")
    assert (ffd["status"], ffd["nodes_used"], ffd["lower_bound"]) == ("feasible", 2, 2)
    earlier = [{**r, "section": "fleet", "instance": "earlier-run"} for r in rows]
    run.write_tables(earlier, tmp_path, "quick-fleet")  # as a separate --only fleet run
    assert run.main(argv) == 0
    merged = pq.read_table(tmp_path / "quick.parquet").to_pylist()
    assert sorted({r["section"] for r in merged}) == ["fleet", "vbp"]
    assert "| fleet | earlier-run |" in (tmp_path / "r.md").read_text()


def test_harness_certifies_a_fleet_cluster_by_cluster_as_the_whole_checker_does(
    run: Any,
) -> None:
    import harness
    from methods import Outcome

    from data.check.checker import check_plan, nodes_used, utilisation_permille
    from data.plan import Plan
    from data.synth.fleet import fleet_inventory, generate_fleet, witness_plan

    fleet = generate_fleet(3, 4, 20, seed=1, failures=1)
    inventory = fleet_inventory(fleet)
    plan = witness_plan(fleet, inventory)
    good = harness.certify(Outcome("feasible", plan, None, 0.0), inventory, 1)
    assert (good.status, good.violations) == ("feasible", 0)
    assert good.nodes == nodes_used(inventory, plan)
    assert good.utilisation == utilisation_permille(inventory, plan, 1)
    owners = plan.owners.copy()
    owners[0, 1] = inventory.nodes_of(1)[0]  # a failover node of another cluster
    bad = Plan(plan.vm_lun, owners)
    rejected = harness.certify(Outcome("feasible", bad, None, 0.0), inventory, 1)
    assert rejected.status == "rejected"
    assert rejected.nodes is None
    assert rejected.violations == len(check_plan(inventory, bad, 1)) > 0


def test_vbp_section_reads_the_real_vbp_module(run: Any) -> None:
    """The sweep's vbp section and benchmarks/vbp.py agree on the instance fields."""
    sections = sys.modules["sections"]
    instances = sections.vbp(True, (0,))
    assert len(instances) == 1
    item = instances[0]
    assert item.failures == 0 and item.vms == 120
    assert 0 < item.known_bound() <= item.inventory().n_nodes
    assert item.name == "ct1-d3-n120-s0"  # the seed named once
