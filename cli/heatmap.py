"""The failed-node x surviving-node heat map of one cluster: each survivor's memory in %
of its capacity when one node alone has failed (what N+1 asks of every node)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from data.check.metrics import NodeLoads

_FONT = 9.0  # label size in points, at most
_SMALLEST = 5.0  # below this, labels are thinned rather than shrunk
_NUMBERS_UP_TO = 16  # nodes: cells carry their number up to this size


def heat_width(nodes: int) -> float:
    """Inches for one cluster's heat map and its colour bar."""
    return min(14.0, max(4.0, 2.2 + 0.16 * nodes))


def heat_matrix(nodes: list[NodeLoads], heat: Mapping[str, Mapping[str, int]]) -> list[list[float]]:
    """Rows: failed node, columns: node, in `nodes` order; % of capacity, NaN on the
    diagonal (a failed node runs nothing) and where no figure is given."""
    matrix = []
    for f in nodes:
        row = heat.get(f.node, {})
        matrix.append(
            [
                math.nan
                if n.node == f.node or n.node not in row or n.memory.capacity <= 0
                else 100 * row[n.node] / n.memory.capacity
                for n in nodes
            ]
        )
    return matrix


def heat_top(nodes: list[NodeLoads], heat: Mapping[str, Mapping[str, int]]) -> float:
    """The colour scale's top, shared by every cluster's map: 100% or the highest load."""
    values = [v for row in heat_matrix(nodes, heat) for v in row if not math.isnan(v)]
    return max([100.0, *values])


def heat_panel(
    ax: Any,
    cluster: str,
    nodes: list[NodeLoads],
    heat: Mapping[str, Mapping[str, int]],
    height: float,
    top: float,
) -> Any:
    """Draw the map on `ax`, `height` inches tall, colours 0..top; labels thinned when
    nodes are many. Returns the image, for a colour bar."""
    matrix = heat_matrix(nodes, heat)
    image = ax.imshow(
        matrix, cmap="YlOrRd", vmin=0, vmax=top, aspect="auto", interpolation="nearest"
    )
    labels = [n.node for n in nodes]
    size, step = heat_font_size(len(labels), height), _step(len(labels), height)
    ticks = list(range(0, len(labels), step))
    ax.set_xticks(ticks, [labels[i] for i in ticks], rotation=90, fontsize=size)
    ax.set_yticks(ticks, [labels[i] for i in ticks], fontsize=size)
    ax.set_xlabel("node")
    ax.set_ylabel("failed node")
    ax.set_title(f"{cluster}: one node down" if cluster else "one node down", loc="left")
    if len(labels) <= _NUMBERS_UP_TO:
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if not math.isnan(value):
                    colour = "white" if value > 0.6 * top else "black"
                    ax.text(
                        j, i, f"{value:.0f}", ha="center", va="center", fontsize=7, color=colour
                    )
    return image


def heat_font_size(count: int, height: float) -> float:
    """Label size for `count` rows in `height` inches: shrunk to fit, down to _SMALLEST."""
    return max(_SMALLEST, min(_FONT, 0.75 * _room(count, height)))


def _step(count: int, height: float) -> int:
    """Every how many nodes a label goes, so labels at heat_font_size never overlap."""
    return max(1, math.ceil(_SMALLEST / (0.75 * _room(count, height))))


def _room(count: int, height: float) -> float:
    return 72 * height / max(1, count)  # points per row of the map
