"""Bar charts as SVG written on the server: no chart library, no script, nothing inline to
allow in the Content-Security-Policy (colours are classes of the stylesheet).

A chart reads in the page's direction: in Arabic the first month is on the right. Every
chart has a title and a description for screen readers, and the page shows the same numbers
in a table beside it.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
TOP, BOTTOM, SIDE = 16, 28, 8


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]
    #: a stylesheet class: bar-1, bar-2, bar-3
    css: str


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, rtl: bool = False
) -> Markup:
    """Grouped bars, one group per label, scaled to the largest value (0 draws flat)."""
    count = max(len(labels), 1)
    highest = max((v for s in series for v in s.values), default=0) or 1
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 2 * SIDE) / count
    bar_w = slot * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{_id(title)}-t" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}-t">{escape(title)}</title>',
        f'<line class="axis" x1="{SIDE}" y1="{TOP + plot_h}" x2="{WIDTH - SIDE}" '
        f'y2="{TOP + plot_h}"/>',
    ]
    for index, label in enumerate(labels):
        position = count - 1 - index if rtl else index
        left = SIDE + position * slot + slot * 0.1
        for number, s in enumerate(series):
            value = s.values[index] if index < len(s.values) else 0
            height = plot_h * value / highest
            x = left + (len(series) - 1 - number if rtl else number) * bar_w
            parts.append(
                f'<rect class="{s.css}" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
                f'width="{bar_w:.1f}" height="{height:.1f}">'
                f"<title>{escape(label)} · {escape(s.label)}: {value:,}</title></rect>"
            )
        centre = SIDE + position * slot + slot / 2
        parts.append(
            f'<text class="tick" x="{centre:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _id(title: str) -> str:
    return f"chart-{zlib.crc32(title.encode()):08x}"
