"""The budget page's chart: one axis (mitigation or adaptation) as a horizontal bar of the
in-scope base split by tag, inline SVG drawn on the server like ``web.charts`` (whose helpers
it shares), narrow enough to read on a phone: the legend wraps onto rows. The two axes are two
charts, never one sum (research green-budget-governance.md §6, check 6); the page gives the
same figures as a table."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString

from zerocity.web.charts import TEXT, Formatter, _svg, _text, _value_columns

# favourable to unfavourable, then undefined and untagged: green, light green, grey,
# vermillion, orange, light grey (Okabe-Ito hues, told apart by lightness as well)
TAG_COLOURS = ("#00734d", "#5fc99b", "#8c8c8c", "#D55E00", "#E69F00", "#d0d0d0")
WIDTH = 400


def tag_bar(parts: Sequence[tuple[str, float]], *, label: str, fmt: Formatter) -> SafeString:
    """``parts``: each tag's translated name and its share in percent (adding up to 100), in
    the order of ``TAG_COLOURS``."""
    pad = 24  # room for the first and the last tick's label
    body: list[str] = []
    x, y = float(pad), 18.0
    for (name, _share), colour in zip(parts, TAG_COLOURS, strict=False):
        room = 28 + 7.5 * len(name)
        if x + room > WIDTH - pad and x > pad:  # the legend wraps onto another row
            x, y = float(pad), y + 22
        body.append(f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="14" height="14" '
                    f'fill="{colour}" />')
        body.append(_text(x + 20, y, name))
        x += room
    top, bar_h = y + 16, 30
    plot_w = WIDTH - 2 * pad

    def at(value: float) -> float:
        return pad + value / 100 * plot_w

    axis_y = top + bar_h + 6
    body += _value_columns([0, 25, 50, 75, 100], at, top - 4, axis_y, lambda v: f"{v:.0f} %")
    start = 0.0
    for (name, share), colour in zip(parts, TAG_COLOURS, strict=False):
        if share <= 0:
            continue
        a, b = at(start), at(start + share)
        start += share
        body.append(f'<rect x="{a:.1f}" y="{top:.1f}" width="{max(b - a, 0.5):.1f}" '
                    f'height="{bar_h}" fill="{colour}"><title>{escape(name)}: {fmt(share)} %'
                    f'</title></rect>')
    body.append(f'<line x1="{at(0):.1f}" y1="{top - 4:.1f}" x2="{at(0):.1f}" '
                f'y2="{axis_y:.1f}" stroke="{TEXT}" stroke-width="1.5" />')
    return _svg(WIDTH, int(axis_y + 26), label, body)
