"""The report's chart: per cluster, each node's memory before the plan, now and at its
worst (with the worst of every other resource as markers), and beside it a heat map
of each survivor's load when one node fails.

matplotlib comes with hvplace but is imported only when a picture is asked for, so
the commands that draw nothing do not wait for it. The Figure is drawn without
pyplot: no global state, Agg for PNG.
One block per cluster, blocks laid out in a grid, so a fleet of hundreds of nodes
stays readable: no panel holds more than one cluster's nodes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cli.heatmap import heat_font_size, heat_panel, heat_top, heat_width
from data.check.metrics import Load, NodeLoads

MISSING_MATPLOTLIB = (
    "pictures need matplotlib, a dependency of hvplace missing from this environment: "
    "pip install matplotlib"
)
_BEFORE, _NOW, _WORST = "#bbbbbb", "#4c72b0", "#dd8452"
_MARKERS = ("v", "^", "s", "D", "P", "X")
_FONT = 10.0  # tick label size in points, at most
_CHAR = 0.65  # a generous average character width, in font sizes
_MARGIN = 1.2  # inches of a bar panel's width left of and right of the axes
_MAX_WIDTH = 40.0  # inches: blocks wrap onto the next row beyond this


@dataclass(frozen=True)
class Extras:
    """What the chart adds to the loads: `heat[f][n]`, the memory (MiB) node n runs when
    f alone fails (nodes of f's cluster, k >= 1), and `before[n]`, the memory node n
    runs on today's placement (given only for a plan with moves)."""

    heat: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    before: Mapping[str, int] = field(default_factory=dict)


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def percent(used: int, capacity: int) -> float:
    """used in % of capacity; NaN (no bar) when a node has none of the resource."""
    if capacity > 0:
        return 100 * used / capacity
    return 0.0 if used == 0 else math.nan


def panels(nodes: list[NodeLoads]) -> list[tuple[str, list[Load]]]:
    """(title, one Load per node) for memory, vCPUs and each extra resource."""
    if not nodes:
        return []
    out = [
        ("memory (incl. overhead)", [n.memory for n in nodes]),
        ("vCPUs", [n.vcpus for n in nodes]),
    ]
    for name in nodes[0].resources:
        out.append((name, [n.resources[name] for n in nodes]))
    return out


def clusters_of(nodes: list[NodeLoads]) -> list[tuple[str, list[NodeLoads]]]:
    """The nodes split by cluster, keeping the order they come in."""
    out: dict[str, list[NodeLoads]] = {}
    for n in nodes:
        out.setdefault(n.cluster, []).append(n)
    return list(out.items())


def chart_png(nodes: list[NodeLoads], failures: int, extras: Extras | None = None) -> bytes:
    """The chart as PNG bytes (metadata left out so equal plans give equal files)."""
    import matplotlib

    figure = _draw(nodes, failures, extras)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"savefig.dpi": 100}):
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _draw(nodes: list[NodeLoads], failures: int, extras: Extras | None = None) -> Any:
    from matplotlib.figure import Figure

    extras = extras or Extras()
    blocks = clusters_of(nodes) or [("", [])]
    grid = _Grid.of(blocks, bool(extras.heat))
    figure = Figure(figsize=(grid.width, grid.height))
    top = heat_top([n for _, members in blocks for n in members], extras.heat)
    image = None
    for i, (cluster, members) in enumerate(blocks):
        x, y = grid.origin(i)
        bar = grid.axes(figure, x + _BAR_LEFT, y, grid.bar - _BAR_LEFT - _GAP)
        _bars(bar, cluster, members, failures, extras.before, grid.bar)
        if extras.heat:
            heat = grid.axes(figure, x + grid.bar + grid.heat_left, y, grid.heat - grid.heat_left)
            image = heat_panel(heat, cluster, members, extras.heat, grid.panel, top)
    if image is not None:
        strip = grid.axes(figure, grid.width - 1.05, grid.legend, 0.2, fixed_height=True)
        figure.colorbar(image, cax=strip, label="% of capacity")
    failed = f"{failures} failed node" + ("s" if failures != 1 else "")
    title = f"Load per node, now and at its worst with up to {failed}"
    figure.suptitle(title, y=1 - 0.15 / grid.height, va="top")
    handles, labels = figure.axes[0].get_legend_handles_labels()  # alike in every block
    figure.legend(handles, labels, loc="lower center", ncols=len(labels), fontsize="small")
    return figure


_BAR_LEFT, _GAP, _TITLE = 0.8, 0.35, 0.45  # inches around each panel
_SUPTITLE, _LEGEND, _COLOUR_BAR = 0.5, 0.45, 1.3


@dataclass(frozen=True)
class _Grid:
    """A fixed layout in inches, one block (bars, heat map) per cluster, wrapped at
    _MAX_WIDTH. Not matplotlib's constrained layout: at hundreds of axes it costs
    more than all the drawing."""

    bar: float  # block widths
    heat: float
    heat_left: float  # room for the heat map's node names
    panel: float  # axes height
    bottom: float  # room under the axes for the node names
    per_row: int
    rows: int

    @staticmethod
    def of(blocks: list[tuple[str, list[NodeLoads]]], heat: bool) -> _Grid:
        most = max(len(members) for _, members in blocks)
        longest = max((len(n.node) for _, members in blocks for n in members), default=1)
        bar = min(_MAX_WIDTH - 2, max(5.0, 1.5 + 0.45 * most))
        panel = min(12.0, max(2.4, 0.6 + 0.14 * most))
        style = _tick_style(["x" * longest] * most, bar)
        below = longest * _CHAR * style["fontsize"] / 72 if style["rotation"] else 0.25
        heat_font = heat_font_size(most, panel)
        names = longest * _CHAR * heat_font / 72 + 0.45 if heat else 0.0
        widths = bar + (heat_width(most) + names if heat else 0.0)
        per_row = max(1, min(len(blocks), int(_MAX_WIDTH // widths)))
        bottom = max(below, names - 0.45 if heat else 0.0) + 0.45
        rows = -(-len(blocks) // per_row)
        return _Grid(bar, widths - bar, names, panel, bottom, per_row, rows)

    @property
    def row(self) -> float:
        return _TITLE + self.panel + self.bottom

    @property
    def width(self) -> float:
        return self.per_row * (self.bar + self.heat) + (_COLOUR_BAR if self.heat else 0.0)

    @property
    def height(self) -> float:
        return _SUPTITLE + self.rows * self.row + _LEGEND

    @property
    def legend(self) -> float:
        return _LEGEND + self.bottom

    def origin(self, block: int) -> tuple[float, float]:
        """Inches from the figure's lower left to block's lower left, its axes' bottom."""
        row, column = divmod(block, self.per_row)
        y = self.height - _SUPTITLE - (row + 1) * self.row + self.bottom
        return column * (self.bar + self.heat), y

    def axes(
        self, figure: Any, x: float, y: float, width: float, fixed_height: bool = False
    ) -> Any:
        height = self.height - _SUPTITLE - _TITLE - self.legend if fixed_height else self.panel
        box = (x / self.width, y / self.height, width / self.width, height / self.height)
        return figure.add_axes(box)


def _tick_style(labels: list[str], width: float) -> dict[str, Any]:
    """One line per label; upright (90 degrees) when they would not fit side by side, in a
    font small enough that upright labels stay apart however many nodes there are."""
    room = 72 * (width - _MARGIN) / max(1, len(labels))  # points per node on the x axis
    size = min(_FONT, 0.7 * room)
    side_by_side = max((len(label) for label in labels), default=0) * _CHAR * size <= 0.9 * room
    return {"rotation": 0 if side_by_side else 90, "fontsize": size}


def _bars(
    ax: Any,
    cluster: str,
    nodes: list[NodeLoads],
    failures: int,
    before: Mapping[str, int],
    width: float,
) -> None:
    """Memory bars (before, now, worst) and the other resources' worst as markers."""
    positions = list(range(len(nodes)))
    series = [("now (the plan)", _NOW, [n.memory.used for n in nodes])]
    if before:
        series.insert(0, ("before (vms.node)", _BEFORE, [before.get(n.node, 0) for n in nodes]))
    series.append((f"worst (N+{failures})", _WORST, [n.memory.worst for n in nodes]))
    bar = 0.8 / len(series)
    tops = [100.0]
    for i, (label, colour, used) in enumerate(series):
        shares = [percent(u, n.memory.capacity) for u, n in zip(used, nodes, strict=True)]
        offset = (i - (len(series) - 1) / 2) * bar
        ax.bar([p + offset for p in positions], shares, width=bar, color=colour, label=label)
        tops += [s for s in shares if not math.isnan(s)]
    for marker, (title, loads) in zip(_MARKERS, panels(nodes)[1:], strict=False):
        worst = [percent(load.worst, load.capacity) for load in loads]
        ax.plot(
            positions,
            worst,
            linestyle="none",
            marker=marker,
            markersize=4,
            color="black",
            label=f"{title} worst",
        )
        tops += [w for w in worst if not math.isnan(w)]
    ax.axhline(100, color="black", linewidth=1, linestyle="--", label="capacity")
    ax.set_title(f"{cluster}: memory incl. overhead" if cluster else "memory", loc="left")
    ax.set_ylabel("% of capacity")
    labels = [n.node for n in nodes]
    ax.set_xticks(positions, labels, **_tick_style(labels, width))
    ax.set_ylim(0, max(tops) * 1.08)
