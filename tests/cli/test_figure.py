"""The report chart's figures: percentages, panels, and a PNG even for odd capacities."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from cli.figure import Extras, _draw, chart_png, panels, percent
from cli.heatmap import heat_matrix
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


def _tick_boxes(nodes: list[NodeLoads], extras: Extras | None = None) -> list[list[Any]]:
    """Per axis of every panel: the boxes of its tick labels, as drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(_draw(nodes, 1, extras))
    canvas.draw()
    renderer = canvas.get_renderer()
    return [
        [label.get_window_extent(renderer) for label in labels]
        for ax in canvas.figure.axes
        for labels in (ax.get_xticklabels(), ax.get_yticklabels())
        if labels and labels[0].get_text().startswith(("c", "h"))  # node names, not numbers
    ]


def _fleet_nodes(names: list[str]) -> list[NodeLoads]:
    return [
        NodeLoads(name, name.split("-")[0], 1, Load(100, 200, 150, ()), Load(1, 8, 2, ()), {})
        for name in names
    ]


def _even_heat(nodes: list[NodeLoads]) -> Extras:
    """Every survivor of a cluster at 120 MiB when one node fails."""
    heat = {f.node: {n.node: 120 for n in nodes if n.cluster == f.cluster} for f in nodes}
    return Extras(heat=heat, before={n.node: 50 for n in nodes})


NAMES = [
    [f"c{c}-hv{n:02d}" for c in (1, 2) for n in range(1, 21)],  # two clusters
    [f"c1-hv{n:02d}" for n in range(64)],  # the most nodes a cluster holds
    [f"hyperv-production-node-{n}" for n in range(4)],  # few, long names
]


@pytest.mark.parametrize("names", NAMES, ids=["two-clusters", "64-nodes", "long-names"])
def test_chart_node_labels_do_not_overlap(names: list[str]) -> None:
    boxes = _tick_boxes(_fleet_nodes(names))
    assert sum(len(axis) for axis in boxes) == len(names)  # one bar panel per cluster
    for axis in boxes:
        assert not [(a, b) for a, b in itertools.pairwise(axis) if a.overlaps(b)]


@pytest.mark.parametrize("names", NAMES, ids=["two-clusters", "64-nodes", "long-names"])
def test_chart_heat_map_labels_do_not_overlap(names: list[str]) -> None:
    nodes = _fleet_nodes(names)
    boxes = _tick_boxes(nodes, _even_heat(nodes))
    assert len(boxes) == 3 * len({n.cluster for n in nodes})  # bars x, heat x and y
    for axis in boxes:
        assert not [(a, b) for a, b in itertools.pairwise(axis) if a.overlaps(b)]


def test_chart_one_block_per_cluster_and_a_shared_colour_bar() -> None:
    nodes = _fleet_nodes(NAMES[0])
    figure = _draw(nodes, 1, _even_heat(nodes))
    titles = [ax.get_title(loc="left") for ax in figure.axes]
    assert titles == [
        "c1: memory incl. overhead",
        "c1: one node down",
        "c2: memory incl. overhead",
        "c2: one node down",
        "",  # the colour bar
    ]


def test_heat_matrix_is_percent_of_capacity_with_no_figure_for_the_failed_node() -> None:
    nodes = _fleet_nodes(["c1-a", "c1-b"])
    matrix = heat_matrix(nodes, {"c1-a": {"c1-b": 150}, "c1-b": {"c1-a": 40}})
    assert math.isnan(matrix[0][0]) and math.isnan(matrix[1][1])
    assert matrix[0][1] == 75.0 and matrix[1][0] == 20.0
