"""A network picture (PNG or SVG) of ``registry.network.Network``, drawn with matplotlib.

Layered: owners, supervisors and those it supplies above; the organisation (bold border)
with its joint labs and partners in the middle row; subsidiaries, labs and suppliers
below. Each box gives the English name, the Chinese name and, for a listed organisation
(red), its lists' short names; each arrow reads "subject → object" with the tie type on
it. A legend, and a caption with the data date and how many ties were left out.

matplotlib is imported here only, and this module only when a picture is asked for:
``mcf-bot ask`` never loads it. The shipped CJK font (``bot.fonts``) draws every
label; SVG output carries glyphs as paths, so it needs no font where it is opened.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Any

from bot.fonts import cjk_font
from registry.network import Network, Node
from registry.text import clean_text

# One box: ~26 Latin characters a line at 8 pt; boxes a row, before the row wraps.
BOX_CHARS = 26
PER_ROW = 5
NATIVE_CHARS = 16  # a Chinese character is about two Latin ones wide
# Inches: a box's slot, a row's height, room for the title, the legend and the caption.
SLOT_W = 2.6
ROW_H = 1.25
TOP_IN = 0.7
BOTTOM_IN = 1.1
DPI = 110  # ~1,430 px wide at five boxes: sharp in Slack and Teams, under 1 MB
FONT_PT = 7.5

LISTED_FILL, LISTED_EDGE = "#fbdad6", "#b3261e"
PLAIN_FILL, PLAIN_EDGE = "#f1f3f4", "#5f6368"
CENTRE_FILL = "#dce8f8"
EDGE_COLOUR = "#80868b"


@dataclass(frozen=True)
class Placed:
    node: Node
    x: float
    y: float


def rows(network: Network) -> list[list[Node]]:
    """Nodes by row, top to bottom: a layer's nodes in rows of at most ``PER_ROW``;
    below the organisation, listed ones first."""
    out: list[list[Node]] = []
    for layer in sorted({n.layer for n in network.nodes}):
        nodes = [n for n in network.nodes if n.layer == layer]
        nodes.sort(key=lambda n: (not n.centre, not n.listed))
        if layer == 0:  # the organisation in the middle of its row
            centre = [n for n in nodes if n.centre]
            others = [n for n in nodes if not n.centre]
            half = min(len(others), PER_ROW - 1) // 2
            nodes = others[:half] + centre + others[half:]
        out += [nodes[i : i + PER_ROW] for i in range(0, len(nodes), PER_ROW)]
    return out


def size_inches(network: Network) -> tuple[float, float]:
    grid = rows(network)
    width = max(len(r) for r in grid) * SLOT_W
    return max(width, 2 * SLOT_W + 1), len(grid) * ROW_H + TOP_IN + BOTTOM_IN


def size_pixels(network: Network) -> tuple[int, int]:
    """The PNG's width and height."""
    w, h = size_inches(network)
    return round(w * DPI), round(h * DPI)


def _label(node: Node) -> str:
    lines = textwrap.wrap(clean_text(node.name), BOX_CHARS, max_lines=3, placeholder="…")
    if node.native_name:
        native = clean_text(node.native_name)  # no spaces to wrap at: cut by characters
        lines.append(native if len(native) <= NATIVE_CHARS else native[: NATIVE_CHARS - 1] + "…")
    if node.lists:
        lines.append("listed: " + ", ".join(node.lists))
    return "\n".join(lines)


def _figure(network: Network) -> Any:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Patch

    font = FontProperties(fname=str(cjk_font()), size=FONT_PT)
    w, h = size_inches(network)
    fig = Figure(figsize=(w, h), dpi=DPI)
    ax = fig.add_axes((0, BOTTOM_IN / h, 1, (h - TOP_IN - BOTTOM_IN) / h))
    grid = rows(network)
    ax.set_xlim(0, w)
    ax.set_ylim(-0.5, len(grid) - 0.5)
    ax.axis("off")
    placed: dict[int, Placed] = {}
    for r, row in enumerate(grid):
        y = len(grid) - 1 - r
        start = (w - len(row) * SLOT_W) / 2
        for c, node in enumerate(row):
            placed[node.id] = Placed(node, start + (c + 0.5) * SLOT_W, y)
    boxes = {}
    for p in placed.values():
        fill = LISTED_FILL if p.node.listed else CENTRE_FILL if p.node.centre else PLAIN_FILL
        edge = LISTED_EDGE if p.node.listed else PLAIN_EDGE
        boxes[p.node.id] = ax.text(
            p.x,
            p.y,
            _label(p.node),
            ha="center",
            va="center",
            fontproperties=font,
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.4",
                "facecolor": fill,
                "edgecolor": edge,
                "linewidth": 2.2 if p.node.centre else 0.9,
            },
        )
    # Lay the boxes out once, so the arrows below are clipped at their real edges.
    fig.draw_without_rendering()
    labelled: set[tuple[float, float, str]] = set()
    for e in network.edges:
        a, b = placed.get(e.subject_id), placed.get(e.object_id)
        if a is None or b is None:
            continue
        ax.annotate(
            "",
            xy=(b.x, b.y),
            xytext=(a.x, a.y),
            zorder=1,
            arrowprops={
                "arrowstyle": "-|>",
                "color": EDGE_COLOUR,
                "linewidth": 0.8,
                "patchA": boxes[e.subject_id].get_bbox_patch(),
                "patchB": boxes[e.object_id].get_bbox_patch(),
                "shrinkA": 2,
                "shrinkB": 2,
                "mutation_scale": 12,
            },
        )
        # One label per tie type between two rows: a fan of twenty "subsidiary of" says
        # no more than one, and hides the boxes.
        key = (a.y, b.y, e.label)
        if key in labelled:
            continue
        labelled.add(key)
        # Near the subject's end: arrows into one box do not stack their labels there.
        t = 0.3 if a.y != b.y else 0.5
        ax.text(
            a.x + (b.x - a.x) * t,
            a.y + (b.y - a.y) * t,
            e.label,
            ha="center",
            va="center",
            fontproperties=font,
            fontsize=FONT_PT - 1.5,
            color="#3c4043",
            zorder=2,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )
    centre = network.centre
    title = clean_text(centre.name) + (
        f" ({clean_text(centre.native_name)})" if centre.native_name else ""
    )
    fig.text(
        0.5,
        1 - 0.35 / h,
        f"Network of {title}",
        ha="center",
        va="center",
        fontproperties=font,
        fontsize=FONT_PT + 3,
        weight="bold",
    )
    legend = [
        Patch(
            facecolor=LISTED_FILL,
            edgecolor=LISTED_EDGE,
            label="on a list of legal effect (lists named)",
        ),
        Patch(facecolor=PLAIN_FILL, edgecolor=PLAIN_EDGE, label="on none of the lists loaded"),
        Patch(
            facecolor=CENTRE_FILL,
            edgecolor=PLAIN_EDGE,
            linewidth=2.2,
            label="the organisation asked about",
        ),
    ]
    fig.legend(
        handles=legend,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.38 / h),
        ncol=3,
        prop=font,
        frameon=False,
    )
    caption = f'Arrows read "A -> B: A is <tie> B". {network.caption()}.'
    fig.text(
        0.5,
        0.18 / h,
        caption,
        ha="center",
        va="center",
        fontproperties=font,
        fontsize=FONT_PT - 0.5,
        color="#5f6368",
    )
    return fig


def render(network: Network, fmt: str = "png") -> bytes:
    """The picture as PNG or SVG bytes."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"a picture is png or svg, not {fmt!r}")
    fig = _figure(network)
    out = io.BytesIO()
    fig.savefig(
        out, format=fmt, dpi=DPI, metadata={"Software": "mcf-bot"} if fmt == "png" else None
    )
    return out.getvalue()
