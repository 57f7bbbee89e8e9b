"""The report's chart: per resource, each node's load now and at its worst, in % of capacity.

matplotlib comes with hvplace but is imported only when a picture is asked for, so
the commands that draw nothing do not wait for it. The Figure is drawn without
pyplot: no global state, Agg for PNG.
"""

from __future__ import annotations

import io
import math
from typing import Any

from data.check.metrics import Load, NodeLoads

MISSING_MATPLOTLIB = (
    "pictures need matplotlib, a dependency of hvplace missing from this environment: "
    "pip install matplotlib"
)
_NOW, _WORST = "#4c72b0", "#dd8452"
_FONT = 10.0  # tick label size in points, at most
_CHAR = 0.65  # a generous average character width, in font sizes
_MARGIN = 1.2  # inches of the figure's width left of and right of the axes


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


def chart_png(nodes: list[NodeLoads], failures: int) -> bytes:
    """The chart as PNG bytes (metadata left out so equal plans give equal files)."""
    import matplotlib

    figure = _draw(nodes, failures)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"savefig.dpi": 100}):
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _draw(nodes: list[NodeLoads], failures: int) -> Any:
    from matplotlib.figure import Figure

    rows = panels(nodes)
    width = min(40.0, max(6.0, 1.0 + 0.6 * len(nodes)))  # inches; many nodes get thin bars
    figure = Figure(figsize=(width, 2.8 * max(1, len(rows))), layout="constrained")
    axes = figure.subplots(max(1, len(rows)), 1, squeeze=False)[:, 0]
    several = len({n.cluster for n in nodes}) > 1
    labels = [f"{n.node} ({n.cluster})" if several else n.node for n in nodes]
    ticks = _tick_style(labels, width)
    for ax, (title, loads) in zip(axes, rows, strict=False):
        _panel(ax, title, labels, loads, failures, ticks)
    failed = f"{failures} failed node" + ("s" if failures != 1 else "")
    figure.suptitle(f"Load per node, now and at its worst with up to {failed}")
    return figure


def _tick_style(labels: list[str], width: float) -> dict[str, Any]:
    """One line per label; upright (90 degrees) when they would not fit side by side, in a
    font small enough that upright labels stay apart however many nodes there are."""
    room = 72 * (width - _MARGIN) / max(1, len(labels))  # points per node on the x axis
    size = min(_FONT, 0.7 * room)
    side_by_side = max((len(label) for label in labels), default=0) * _CHAR * size <= 0.9 * room
    return {"rotation": 0 if side_by_side else 90, "fontsize": size}


def _panel(
    ax: Any, title: str, labels: list[str], loads: list[Load], failures: int, ticks: dict[str, Any]
) -> None:
    positions = range(len(labels))
    now = [percent(load.used, load.capacity) for load in loads]
    worst = [percent(load.worst, load.capacity) for load in loads]
    ax.bar([p - 0.2 for p in positions], now, width=0.4, color=_NOW, label="now")
    ax.bar(
        [p + 0.2 for p in positions], worst, width=0.4, color=_WORST, label=f"worst (N+{failures})"
    )
    ax.axhline(100, color="black", linewidth=1, linestyle="--", label="capacity")
    ax.set_title(title, loc="left")
    ax.set_ylabel("% of capacity")
    ax.set_xticks(list(positions), labels, **ticks)
    top = max([100.0, *(v for v in now + worst if not math.isnan(v))])
    ax.set_ylim(0, top * 1.25)  # room for the legend above the line
    ax.legend(loc="upper right", fontsize="small", ncols=3)
