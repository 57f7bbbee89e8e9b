"""The report chart's figures: percentages, panels, and a PNG even for odd capacities."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from cli.figure import _draw, chart_png, panels, percent
from data.check.metrics import Load, NodeLoads

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _node(name: str, iops: Load) -> NodeLoads:
    return NodeLoads(
        name, "c", 1, Load(100, 200, 150, ("x",)), Load(1, 8, 2, ("x",)), {"res_iops": iops}
    )


def test_percent_of_capacity() -> None:
    assert percent(150, 200) == 75.0
    assert percent(0, 0) == 0.0
    assert math.isnan(percent(5, 0))  # a node without the resource running some: no bar


def test_panels_memory_vcpus_then_each_resource() -> None:
    nodes = [_node("a", Load(10, 100, 20, ())), _node("b", Load(5, 0, 5, ()))]
    assert [(title, [load.used for load in loads]) for title, loads in panels(nodes)] == [
        ("memory (incl. overhead)", [100, 100]),
        ("vCPUs", [1, 1]),
        ("res_iops", [10, 5]),
    ]
    assert panels([]) == []


def test_chart_png_draws_odd_capacities() -> None:
    nodes = [_node("a", Load(10, 100, 250, ("b",))), _node("b", Load(5, 0, 5, ()))]
    assert chart_png(nodes, 1).startswith(PNG_MAGIC)


def _tick_boxes(nodes: list[NodeLoads]) -> list[list[Any]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(_draw(nodes, 1))
    canvas.draw()
    renderer = canvas.get_renderer()
    return [
        [label.get_window_extent(renderer) for label in ax.get_xticklabels()]
        for ax in canvas.figure.axes
    ]


@pytest.mark.parametrize(
    "names",
    [
        [f"c{c}-hv{n:02d}" for c in (1, 2) for n in range(1, 21)],  # two clusters
        [f"hv{n:03d}" for n in range(300)],  # many nodes
        [f"hyperv-production-node-{n}" for n in range(4)],  # few, long names
    ],
    ids=["two-clusters", "300-nodes", "long-names"],
)
def test_chart_node_labels_do_not_overlap(names: list[str]) -> None:
    nodes = [
        NodeLoads(name, name.split("-")[0], 1, Load(100, 200, 150, ()), Load(1, 8, 2, ()), {})
        for name in names
    ]
    for boxes in _tick_boxes(nodes):
        assert len(boxes) == len(names)
        assert not [(a, b) for a, b in itertools.pairwise(boxes) if a.overlaps(b)]
