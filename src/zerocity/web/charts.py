"""Charts as inline SVG, drawn on the server: no JavaScript, no external library, readable when
printed and by screen readers (role="img", an aria-label, a <title> on every mark).

Pure functions from numbers and already-translated labels to markup. Numbers are formatted by
the ``fmt`` callable the caller passes in, so the charts follow the page's locale.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

Formatter = Callable[[float], str]

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
TEXT = "#1a1a1a"
MUTED = "#595959"
GRID = "#d0d0d0"
FLAG = "#a3244f"  # illustrative figures, as the page's banner
FLAG_BG = "#fbe9ef"
FONT = 'font-family="inherit"'


@dataclass(frozen=True)
class Series:
    name: str
    color: str


@dataclass(frozen=True)
class Bar:
    label: str
    values: Sequence[float]  # one per series


@dataclass(frozen=True)
class Point:
    label: str  # the x label, e.g. the year
    x: float
    value: float
    flagged: bool = False  # drawn hollow and dashed, with ``flag_label`` under the x label
    note: str = ""  # a second line under the x label (e.g. "draft")


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (0 always included when in range)."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    steps = math.ceil(round((hi - start) / step, 9))
    # computed from the index, not summed, so 0.2 * 3 does not drift to 0.6000000000000001;
    # "+ 0.0" turns -0.0 into 0.0
    return [round(start + i * step, 9) + 0.0 for i in range(steps + 1)]


def _svg(width: int, height: int, label: str, body: list[str]) -> SafeString:
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        # the drawing scales down to a phone's width (the viewBox keeps its proportions) even
        # where the stylesheet does not reach, such as a page saved or embedded elsewhere
        'style="max-width:100%;height:auto" '
        f'role="img" aria-label="{escape(label)}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(label)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # every text in it is escaped


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 13,
          fill: str = TEXT, weight: str = "normal", cls: str = "", halo: bool = False) -> str:
    extra = f' class="{cls}"' if cls else ""
    if halo:  # a white outline under the glyphs keeps text readable across grid lines
        extra += ' stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{fill}" {FONT}{extra}>{escape(content)}</text>'
    )


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for s in series:
        out.append(f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="14" height="14" '
                   f'fill="{s.color}" />')
        out.append(_text(x + 20, y, s.name))
        x += 28 + 7.5 * len(s.name)
    return out


def stacked_bars(
    bars: Sequence[Bar], series: Sequence[Series], *, label: str, unit: str, fmt: Formatter,
    total_label: str, width: int = 760,
) -> SafeString:
    """Horizontal stacked bars, one per category, a segment per series. Positive values stack
    right of zero, negative ones (sinks) left of it; the net total is written after the bar."""
    pad_l, pad_r, top = 12, 120, 44
    row_h, bar_h = 56, 22
    plot_w = width - pad_l - pad_r
    height = top + row_h * max(len(bars), 1) + 34

    lows = [sum(v for v in b.values if v < 0) for b in bars] or [0.0]
    highs = [sum(v for v in b.values if v > 0) for b in bars] or [0.0]
    ticks = nice_ticks(min(0.0, *lows), max(0.0, *highs))
    lo, hi = ticks[0], ticks[-1]

    def x(v: float) -> float:
        return pad_l + (v - lo) / (hi - lo) * plot_w

    body = _legend(series, pad_l, 20)
    axis_y = top + row_h * len(bars)
    for t in ticks:
        body.append(f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{axis_y}" '
                    f'stroke="{GRID}" stroke-width="1" />')
        body.append(_text(x(t), axis_y + 18, fmt(t), anchor="middle", size=12, fill=MUTED))
    body.append(_text(width - 4, axis_y + 18, unit, anchor="end", size=12, fill=MUTED))

    for i, bar in enumerate(bars):
        y0 = top + i * row_h
        body.append(_text(pad_l + 4, y0 + 12, bar.label, weight="600", halo=True))
        bar_y = y0 + 18
        pos, neg = 0.0, 0.0
        for s, value in zip(series, bar.values, strict=True):
            if value == 0:
                continue
            if value > 0:
                a, b = x(pos), x(pos + value)
                pos += value
            else:
                a, b = x(neg + value), x(neg)
                neg += value
            tip = f"{bar.label} — {s.name}: {fmt(value)} {unit}"
            body.append(
                f'<rect x="{a:.1f}" y="{bar_y}" width="{max(b - a, 0.5):.1f}" height="{bar_h}" '
                f'fill="{s.color}"><title>{escape(tip)}</title></rect>'
            )
        net = sum(bar.values)
        tip = f"{bar.label} — {total_label}: {fmt(net)} {unit}"
        body.append(f'<g><title>{escape(tip)}</title>'
                    + _text(x(pos) + 6, bar_y + 16, fmt(net), weight="600", halo=True) + "</g>")
    body.append(f'<line x1="{x(0):.1f}" y1="{top - 6}" x2="{x(0):.1f}" y2="{axis_y}" '
                f'stroke="{TEXT}" stroke-width="1.5" />')
    return _svg(width, height, label, body)


def line_chart(
    points: Sequence[Point], *, label: str, unit: str, fmt: Formatter, series_name: str,
    flag_label: str, color: str = PALETTE[0], width: int = 760, height: int = 320,
) -> SafeString:
    """One series over time. Flagged points (illustrative figures) are hollow, the segments
    touching them dashed, and ``flag_label`` is written under their x label."""
    pad_l, pad_r, top, bottom = 84, 28, 64, 64
    plot_w, plot_h = width - pad_l - pad_r, height - top - bottom
    values = [p.value for p in points] or [0.0]
    ticks = nice_ticks(min(0.0, *values), max(0.0, *values))
    lo, hi = ticks[0], ticks[-1]
    xs = [p.x for p in points] or [0.0]
    x_lo, x_hi = min(xs), max(xs)

    def px(v: float) -> float:
        if x_hi == x_lo:
            return pad_l + plot_w / 2
        return pad_l + 24 + (v - x_lo) / (x_hi - x_lo) * (plot_w - 48)

    def py(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    body = []
    for p in points:  # a shaded band behind each flagged year, so it reads as different
        if p.flagged:
            body.append(f'<rect x="{px(p.x) - 30:.1f}" y="{top - 4}" width="60" '
                        f'height="{plot_h + 50}" fill="{FLAG_BG}" />')
    for t in ticks:
        body.append(f'<line x1="{pad_l}" y1="{py(t):.1f}" x2="{width - pad_r}" y2="{py(t):.1f}" '
                    f'stroke="{GRID}" stroke-width="1" />')
        body.append(_text(pad_l - 8, py(t) + 4, fmt(t), anchor="end", size=12, fill=MUTED))
    body.append(_text(pad_l - 8, top - 22, unit, anchor="end", size=12, fill=MUTED))
    body.append(f'<line x1="{pad_l}" y1="{py(0):.1f}" x2="{width - pad_r}" y2="{py(0):.1f}" '
                f'stroke="{TEXT}" stroke-width="1.5" />')

    for a, b in zip(points, points[1:], strict=False):
        dash = ' stroke-dasharray="6 5"' if a.flagged or b.flagged else ""
        body.append(f'<line x1="{px(a.x):.1f}" y1="{py(a.value):.1f}" x2="{px(b.x):.1f}" '
                    f'y2="{py(b.value):.1f}" stroke="{color}" stroke-width="2.5"{dash} />')
    base = height - bottom
    for p in points:
        cx, cy = px(p.x), py(p.value)
        fill = "#ffffff" if p.flagged else color
        tip = f"{p.label}: {fmt(p.value)} {unit}" + (f" ({flag_label})" if p.flagged else "") \
            + (f" ({p.note})" if p.note else "")
        body.append(f'<g><title>{escape(tip)}</title><circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" '
                    f'fill="{fill}" stroke="{color}" stroke-width="2.5" />'
                    + _text(cx, cy - 12, fmt(p.value), anchor="middle", size=12, weight="600",
                            halo=True)
                    + "</g>")
        body.append(_text(cx, base + 20, p.label, anchor="middle", weight="600"))
        under = [words for words in (flag_label if p.flagged else "", p.note) if words]
        for j, words in enumerate(under):
            body.append(_text(cx, base + 36 + 14 * j, words, anchor="middle", size=12,
                              fill=FLAG if words == flag_label else MUTED, weight="600",
                              cls="flag"))

    legend_x: float = pad_l
    body.append(f'<circle cx="{legend_x + 6}" cy="14" r="5" fill="{color}" stroke="{color}" '
                'stroke-width="2" />')
    body.append(_text(legend_x + 16, 18, series_name))
    if any(p.flagged for p in points):
        legend_x += 40 + 7.5 * len(series_name)
        body.append(f'<rect x="{legend_x - 4}" y="2" width="{28 + 7.5 * len(flag_label):.1f}" '
                    f'height="22" fill="{FLAG_BG}" />')
        body.append(f'<circle cx="{legend_x + 6}" cy="14" r="5" fill="#ffffff" '
                    f'stroke="{color}" stroke-width="2" />')
        body.append(_text(legend_x + 16, 18, flag_label, fill=FLAG, weight="600"))
    return _svg(width, height, label, body)


@dataclass(frozen=True)
class Step:
    """One bar of a waterfall: a ``total`` stands on zero, a ``delta`` floats from the running
    total (negative deltas are reductions)."""

    label: str
    value: float
    total: bool = False


def waterfall(steps: Sequence[Step], *, label: str, unit: str, fmt: Formatter,
              width: int = 760) -> SafeString:
    """Horizontal waterfall, one row per step, from the first total down to the last."""
    pad_l, pad_r, top = 12, 110, 16
    row_h, bar_h = 40, 20
    plot_w = width - pad_l - pad_r
    height = top + row_h * max(len(steps), 1) + 34
    running, spans = 0.0, []
    for s in steps:
        if s.total:
            spans.append((0.0, s.value))
            running = s.value
        else:
            spans.append((running, running + s.value))
            running += s.value
    ticks = nice_ticks(min(0.0, *(min(a, b) for a, b in spans)) if spans else 0.0,
                       max(0.0, *(max(a, b) for a, b in spans)) if spans else 1.0)
    lo, hi = ticks[0], ticks[-1]

    def x(v: float) -> float:
        return pad_l + (v - lo) / (hi - lo) * plot_w

    body = []
    axis_y = top + row_h * len(steps)
    for t in ticks:
        body.append(f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{axis_y}" '
                    f'stroke="{GRID}" stroke-width="1" />')
        body.append(_text(x(t), axis_y + 18, fmt(t), anchor="middle", size=12, fill=MUTED))
    body.append(_text(width - 4, axis_y + 18, unit, anchor="end", size=12, fill=MUTED))
    for i, (s, (a, b)) in enumerate(zip(steps, spans, strict=True)):
        y0 = top + i * row_h
        color = TEXT if s.total else (PALETTE[2] if s.value < 0 else PALETTE[5])
        left, right = min(a, b), max(a, b)
        tip = f"{s.label}: {fmt(s.value)} {unit}"
        w = max(x(right) - x(left), 1)
        body.append(f'<g data-step="{escape(s.label)}"><title>{escape(tip)}</title>'
                    f'<rect x="{x(left):.1f}" y="{y0 + 14}" width="{w:.1f}" '
                    f'height="{bar_h}" fill="{color}" opacity="{1 if s.total else 0.85}" />'
                    + _text(x(right) + 6, y0 + 29, fmt(s.value), weight="600", halo=True)
                    + "</g>")
        body.append(_text(pad_l + 2, y0 + 10, s.label, size=12, halo=True))
    return _svg(width, height, label, body)


def stacked_area(years: Sequence[int], layers: Sequence[tuple[str, Sequence[float]]], *,
                 top_line: tuple[str, Sequence[float]] | None = None,
                 bottom_line: tuple[str, Sequence[float]] | None = None,
                 label: str, unit: str, fmt: Formatter, width: int = 760,
                 height: int = 360) -> SafeString:
    """Wedges: ``layers`` stacked downwards from ``top_line`` (e.g. the baseline) towards
    ``bottom_line`` (e.g. the plan scenario); each layer is one action's share of the gap."""
    pad_l, pad_r, top, bottom = 84, 20, 30 + 18 * ((len(layers) + 3) // 4), 40
    plot_w, plot_h = width - pad_l - pad_r, height - top - bottom
    highs = list(top_line[1]) if top_line else [sum(v[i] for _, v in layers)
                                                 for i in range(len(years))]
    ticks = nice_ticks(0.0, max([0.0, *highs]))
    lo, hi = ticks[0], ticks[-1]
    y_lo, y_hi = (years[0], years[-1]) if years else (0, 1)

    def px(year: float) -> float:
        return pad_l + (year - y_lo) / max(y_hi - y_lo, 1) * plot_w

    def py(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    body = []
    for t in ticks:
        body.append(f'<line x1="{pad_l}" y1="{py(t):.1f}" x2="{width - pad_r}" y2="{py(t):.1f}" '
                    f'stroke="{GRID}" stroke-width="1" />')
        body.append(_text(pad_l - 8, py(t) + 4, fmt(t), anchor="end", size=12, fill=MUTED))
    body.append(_text(pad_l - 8, top - 10, unit, anchor="end", size=12, fill=MUTED))
    step = max(1, round(len(years) / 8))
    for i, year in enumerate(years):
        if i % step == 0 or i == len(years) - 1:
            body.append(_text(px(year), height - bottom + 18, str(year), anchor="middle",
                              size=12, fill=MUTED))
    upper = list(highs)
    legend: list[Series] = []
    for n, (name, values) in enumerate(layers):
        lower = [u - v for u, v in zip(upper, values, strict=True)]
        color = PALETTE[n % len(PALETTE)]
        pts = [f"{px(y):.1f},{py(u):.1f}" for y, u in zip(years, upper, strict=True)]
        pts += [f"{px(y):.1f},{py(v):.1f}" for y, v in reversed(list(zip(years, lower,
                                                                        strict=True)))]
        body.append(f'<polygon points="{" ".join(pts)}" fill="{color}" opacity="0.8">'
                    f'<title>{escape(name)}</title></polygon>')
        legend.append(Series(name, color))
        upper = lower
    for line, color, dash in ((top_line, TEXT, ""), (bottom_line, TEXT, ' stroke-dasharray="6 4"')):
        if line is None:
            continue
        path = " ".join(f"{px(y):.1f},{py(v):.1f}" for y, v in zip(years, line[1], strict=True))
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"'
                    f'{dash}><title>{escape(line[0])}</title></polyline>')
        legend.append(Series(line[0], color))
    for n, s in enumerate(legend):  # four to a row, in fixed columns
        x, y = pad_l + (n % 4) * plot_w / 4, 16 + 18 * (n // 4)
        body.append(f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="14" height="14" '
                    f'fill="{s.color}" />')
        body.append(_text(x + 20, y, s.name))
    return _svg(width, height, label, body)


def columns(
    labels: Sequence[str], series: Sequence[Series], values: Sequence[Sequence[float | None]],
    *, label: str, unit: str, fmt: Formatter, every: int = 1, width: int = 760,
    height: int = 300,
) -> SafeString:
    """Vertical columns over time (e.g. months), a stacked segment per series; ``values`` has
    one row per column, one value per series (None: no figure, e.g. withheld). Every
    ``every``-th label is written under the axis; each segment has its own <title>."""
    pad_l, pad_r, top, bottom = 84, 16, 40, 40
    plot_w, plot_h = width - pad_l - pad_r, height - top - bottom
    totals = [sum(v or 0.0 for v in row) for row in values] or [0.0]
    ticks = nice_ticks(0.0, max(0.0, *totals))
    hi = ticks[-1] or 1.0
    step = plot_w / max(len(labels), 1)
    col_w = max(step * 0.72, 1.0)

    def y(v: float) -> float:
        return top + (hi - v) / hi * plot_h

    body = _legend(series, pad_l, 16) if len(series) > 1 else []
    for t in ticks:
        body.append(f'<line x1="{pad_l}" y1="{y(t):.1f}" x2="{width - pad_r}" y2="{y(t):.1f}" '
                    f'stroke="{GRID}" stroke-width="1" />')
        body.append(_text(pad_l - 8, y(t) + 4, fmt(t), anchor="end", size=12, fill=MUTED))
    body.append(_text(pad_l - 8, top - 14, unit, anchor="end", size=12, fill=MUTED))
    for i, (name, row) in enumerate(zip(labels, values, strict=True)):
        x = pad_l + i * step + (step - col_w) / 2
        base = 0.0
        for s, value in zip(series, row, strict=True):
            if not value:
                continue
            tip = f"{name} — {s.name}: {fmt(value)} {unit}"
            body.append(f'<rect x="{x:.1f}" y="{y(base + value):.1f}" width="{col_w:.1f}" '
                        f'height="{max(y(base) - y(base + value), 0.5):.1f}" fill="{s.color}">'
                        f'<title>{escape(tip)}</title></rect>')
            base += value
        if i % every == 0:
            body.append(_text(x + col_w / 2, height - bottom + 18, name, anchor="middle",
                              size=12, fill=MUTED))
    body.append(f'<line x1="{pad_l}" y1="{y(0):.1f}" x2="{width - pad_r}" y2="{y(0):.1f}" '
                f'stroke="{TEXT}" stroke-width="1.5" />')
    return _svg(width, height, label, body)
