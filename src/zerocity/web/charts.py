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
# For charts with many series (wedges): Okabe-Ito without black, then darker colours from
# Paul Tol's muted scheme and Tableau's brown, told apart by lightness as well as hue; yellow
# (the palest) comes last. Never reused within one chart: past twelve series, the smallest are
# grouped as "other" in OTHER grey.
CATEGORICAL = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#882255",
               "#117733", "#332288", "#999933", "#9C755F", "#F0E442")
OTHER = "#8c8c8c"


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
        # the stylesheet's .chart scales the drawing down to a phone's width (the viewBox keeps
        # its proportions); no style attribute, which the Content-Security-Policy would refuse
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
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


def _value_grid(ticks: list[float], y: Callable[[float], float], left: float, right: float,
                fmt: Formatter) -> list[str]:
    """A horizontal grid line at each value tick across the plot, labelled on the left."""
    out = []
    for t in ticks:
        out.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{right}" y2="{y(t):.1f}" '
                   f'stroke="{GRID}" stroke-width="1" />')
        out.append(_text(left - 8, y(t) + 4, fmt(t), anchor="end", size=12, fill=MUTED))
    return out


def _value_columns(ticks: list[float], x: Callable[[float], float], top: float,
                   axis_y: float, fmt: Formatter) -> list[str]:
    """A vertical grid line at each value tick of a bar chart, labelled under the axis."""
    out = []
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{axis_y}" '
                   f'stroke="{GRID}" stroke-width="1" />')
        out.append(_text(x(t), axis_y + 18, fmt(t), anchor="middle", size=12, fill=MUTED))
    return out


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
    body += _value_columns(ticks, x, top - 6, axis_y, fmt)
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
    body += _value_grid(ticks, py, pad_l, width - pad_r, fmt)
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
    body += _value_columns(ticks, x, top - 6, axis_y, fmt)
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
                 label: str, unit: str, fmt: Formatter, other_label: str = "Other",
                 width: int = 760, height: int = 360) -> SafeString:
    """Wedges: ``layers`` stacked downwards from ``top_line`` (e.g. the baseline) towards
    ``bottom_line`` (e.g. the plan scenario); each layer is one action's share of the gap.
    Each layer has its own colour of ``CATEGORICAL``; beyond as many layers as colours, the
    smallest are added up into one ``other_label`` layer in grey. The legend names every
    layer, two to a row."""
    grouped = len(layers) > len(CATEGORICAL)
    layers = group_smallest(layers, len(CATEGORICAL), other_label)
    rows = (len(layers) + (2 if top_line or bottom_line else 0) + 1) // 2
    pad_l, pad_r, top, bottom = 84, 20, 30 + 18 * rows, 40
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
    body += _value_grid(ticks, py, pad_l, width - pad_r, fmt)
    body.append(_text(pad_l - 8, top - 10, unit, anchor="end", size=12, fill=MUTED))
    step = max(1, round(len(years) / 8))
    for i, year in enumerate(years):
        if i % step == 0 or i == len(years) - 1:
            body.append(_text(px(year), height - bottom + 18, str(year), anchor="middle",
                              size=12, fill=MUTED))
    upper = list(highs)
    legend: list[Series] = []
    colours = list(CATEGORICAL[:len(layers) - 1]) + [OTHER] if grouped \
        else list(CATEGORICAL[:len(layers)])
    for (name, values), color in zip(layers, colours, strict=True):
        lower = [u - v for u, v in zip(upper, values, strict=True)]
        pts = [f"{px(y):.1f},{py(u):.1f}" for y, u in zip(years, upper, strict=True)]
        pts += [f"{px(y):.1f},{py(v):.1f}" for y, v in reversed(list(zip(years, lower,
                                                                        strict=True)))]
        body.append(f'<polygon points="{" ".join(pts)}" fill="{color}" stroke="#ffffff" '
                    f'stroke-width="0.5" data-layer="{escape(name)}">'
                    f'<title>{escape(name)}</title></polygon>')
        legend.append(Series(name, color))
        upper = lower
    line_dash: dict[str, str] = {}
    for line, color, dash in ((top_line, TEXT, ""), (bottom_line, TEXT, ' stroke-dasharray="6 4"')):
        if line is None:
            continue
        path = " ".join(f"{px(y):.1f},{py(v):.1f}" for y, v in zip(years, line[1], strict=True))
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"'
                    f'{dash}><title>{escape(line[0])}</title></polyline>')
        legend.append(Series(line[0], color))
        line_dash[line[0]] = dash
    col_w = plot_w / 2
    for n, s in enumerate(legend):  # two to a row, in fixed columns; long names are cut
        x, y = pad_l + (n % 2) * col_w, 16 + 18 * (n // 2)
        sample = (f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 16:.1f}" y2="{y - 4:.1f}" '
                  f'stroke="{s.color}" stroke-width="2"{line_dash[s.name]} />'
                  if s.name in line_dash else
                  f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="14" height="14" '
                  f'fill="{s.color}" stroke="{TEXT}" stroke-width="0.5" />')
        body.append(f'<g data-legend="{escape(s.name)}"><title>{escape(s.name)}</title>'
                    + sample + _text(x + 20, y, _fit(s.name, col_w - 28, 13)) + "</g>")
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
    body += _value_grid(ticks, y, pad_l, width - pad_r, fmt)
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


def path_to_target(
    measured: Sequence[Point], path: Sequence[tuple[float, float]], allowed: float, *,
    label: str, unit: str, fmt: Formatter, measured_name: str, path_name: str,
    allowed_name: str, flag_label: str, width: int = 760, height: int = 320,
) -> SafeString:
    """Will the city reach its target? The measured years (points; flagged ones hollow), a
    modelled path (a dashed line, (x, value) pairs) and the allowed level (a horizontal line
    in the target colour, labelled with its value)."""
    pad_l, pad_r, top, bottom = 84, 28, 64, 48
    plot_w, plot_h = width - pad_l - pad_r, height - top - bottom
    values = [p.value for p in measured] + [v for _, v in path] + [allowed]
    ticks = nice_ticks(0.0, max(values))
    lo, hi = ticks[0], ticks[-1]
    xs = [p.x for p in measured] + [x for x, _ in path]
    x_lo, x_hi = min(xs), max(xs)

    def px(v: float) -> float:
        return pad_l + 12 + ((v - x_lo) / (x_hi - x_lo) if x_hi > x_lo else 0.5) * (plot_w - 24)

    def py(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    body = []
    body += _value_grid(ticks, py, pad_l, width - pad_r, fmt)
    body.append(_text(pad_l - 8, top - 22, unit, anchor="end", size=12, fill=MUTED))
    target = PALETTE[5]
    body.append(f'<g data-line="allowed"><title>{escape(allowed_name)}: {escape(fmt(allowed))} '
                f'{escape(unit)}</title><line x1="{pad_l}" y1="{py(allowed):.1f}" '
                f'x2="{width - pad_r}" y2="{py(allowed):.1f}" stroke="{target}" '
                f'stroke-width="2.5" /></g>')
    body.append(_text(width - pad_r, py(allowed) - 8, fmt(allowed), anchor="end",
                      weight="600", fill=target, halo=True))
    if path:
        coords = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in path)
        end_x, end_v = path[-1]
        body.append(f'<g data-line="modelled"><title>{escape(path_name)}: {escape(fmt(end_v))} '
                    f'{escape(unit)}</title><polyline points="{coords}" fill="none" '
                    f'stroke="{PALETTE[0]}" stroke-width="2.5" stroke-dasharray="7 5" /></g>')
        body.append(_text(px(end_x), py(end_v) - 10, fmt(end_v), anchor="end", weight="600",
                          fill=PALETTE[0], halo=True))
    for p in measured:
        fill = "#ffffff" if p.flagged else TEXT
        tip = f"{p.label}: {fmt(p.value)} {unit}" + (f" ({flag_label})" if p.flagged else "")
        body.append(f'<g><title>{escape(tip)}</title><circle cx="{px(p.x):.1f}" '
                    f'cy="{py(p.value):.1f}" r="5" fill="{fill}" stroke="{TEXT}" '
                    'stroke-width="2" /></g>')
    base = height - bottom
    for x in sorted({int(p.x) for p in measured} | ({int(path[-1][0])} if path else set())):
        body.append(_text(px(x), base + 20, str(x), anchor="middle", size=12, fill=MUTED))
    legend = [(measured_name, TEXT, ""), (path_name, PALETTE[0], ' stroke-dasharray="7 5"'),
              (allowed_name, target, "")]
    lx: float = 8
    for name, colour, dash in legend:
        body.append(f'<line x1="{lx:.1f}" y1="14" x2="{lx + 22:.1f}" y2="14" stroke="{colour}" '
                    f'stroke-width="3"{dash} />')
        body.append(_text(lx + 28, 18, name, size=12))
        lx += 44 + 6.5 * len(name)
    return _svg(width, height, label, body)


def group_smallest(layers: Sequence[tuple[str, Sequence[float]]], limit: int,
                   other_label: str) -> list[tuple[str, Sequence[float]]]:
    """At most ``limit`` layers: the ``limit - 1`` largest (by their sum, in their given order)
    and the rest added up, year by year, as ``other_label`` at the end. Unchanged when there
    are no more than ``limit``."""
    if len(layers) <= limit:
        return list(layers)
    by_size = sorted(range(len(layers)), key=lambda i: -math.fsum(layers[i][1]))
    keep = set(by_size[:limit - 1])
    rest = [layers[i][1] for i in range(len(layers)) if i not in keep]
    other = [math.fsum(col) for col in zip(*rest, strict=True)]
    return [layers[i] for i in range(len(layers)) if i in keep] + [(other_label, other)]


def _fit(words: str, room: float, size: int = 13) -> str:
    """``words`` cut with an ellipsis to about ``room`` pixels at font ``size`` (the full words
    stay in the mark's <title>)."""
    return _cut(words, int(room / (0.56 * size)))


def _cut(words: str, chars: int) -> str:
    chars = max(chars, 4)
    return words if len(words) <= chars else words[:chars - 1].rstrip() + "…"


def _every_few(xs: Sequence[float], most: int) -> list[float]:
    """At most about ``most`` of ``xs`` to label, evenly spaced, the first and the last always
    (the last takes the place of a label too close to it)."""
    every = max(1, math.ceil(len(xs) / most))
    picked = list(xs[::every])
    if xs and picked[-1] != xs[-1]:
        if (len(xs) - 1) % every < max(2, every / 2) and len(picked) > 1:
            picked[-1] = xs[-1]
        else:
            picked.append(xs[-1])
    return picked


def _desc(words: str) -> str:
    return f"<desc>{escape(words)}</desc>" if words else ""


@dataclass(frozen=True)
class Line:
    """One series of a small line chart. ``key`` names it in the markup (``data-series``);
    ``marker`` is circle, diamond, square or none; ``connect`` False draws markers only."""

    key: str
    name: str
    color: str
    points: Sequence[tuple[float, float]]  # (year, value)
    dash: str = ""
    marker: str = "circle"
    hollow: bool = False
    connect: bool = True


def _marker(shape: str, cx: float, cy: float, color: str, hollow: bool) -> str:
    fill = "#ffffff" if hollow else color
    paint = f'fill="{fill}" stroke="{color}" stroke-width="2"'
    if shape == "diamond":
        return (f'<polygon points="{cx:.1f},{cy - 6:.1f} {cx + 6:.1f},{cy:.1f} '
                f'{cx:.1f},{cy + 6:.1f} {cx - 6:.1f},{cy:.1f}" {paint} />')
    if shape == "square":
        return f'<rect x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" {paint} />'
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" {paint} />'


def small_lines(lines: Sequence[Line], *, label: str, unit: str, fmt: Formatter,
                description: str = "", empty_note: str = "", width: int = 380,
                height: int = 250) -> SafeString:
    """A small line chart over years for small multiples (an indicator against its targets, a
    sector against its ceiling): the y axis starts at zero, every mark carries ``data-series``,
    ``data-x``, ``data-value`` and a <title>; grid lines carry ``data-tick``. ``empty_note`` is
    written after the legend when a series has no points (e.g. "no observations yet")."""
    shown = [ln for ln in lines if ln.points]
    rows, x, legend = 1, 4.0, []
    for ln in (ln for ln in shown if ln.name):  # the legend flows over as many rows as it needs
        w = 22 + 0.56 * 12 * len(ln.name) + 14
        if x > 4 and x + w > width - 8:
            rows, x = rows + 1, 4.0
        legend.append((ln, x, rows))
        x += w
    note = None  # the words for a series without points go after the legend
    if empty_note and any(not ln.points for ln in lines):
        if x > 4 and x + 0.56 * 12 * len(empty_note) > width - 8:
            rows, x = rows + 1, 4.0
        note = (rows, x)
    pad_l, pad_r, top, bottom = 58, 14, 22 + 16 * rows, 30
    plot_w, plot_h = width - pad_l - pad_r, height - top - bottom
    values = [v for ln in shown for _, v in ln.points] or [0.0]
    ticks = nice_ticks(min(0.0, *values), max(0.0, *values), 4)
    lo, hi = ticks[0], ticks[-1]
    xs = sorted({px for ln in shown for px, _ in ln.points}) or [0.0]
    x_lo, x_hi = xs[0], xs[-1]

    def sx(v: float) -> float:
        if x_hi == x_lo:
            return pad_l + plot_w / 2
        return pad_l + 12 + (v - x_lo) / (x_hi - x_lo) * (plot_w - 24)

    def sy(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    body = [_desc(description)]
    for t in ticks:
        body.append(f'<line x1="{pad_l}" y1="{sy(t):.1f}" x2="{width - pad_r}" '
                    f'y2="{sy(t):.1f}" stroke="{TEXT if t == 0 else GRID}" '
                    f'stroke-width="{1.5 if t == 0 else 1}" data-tick="{t:g}" />')
        body.append(_text(pad_l - 6, sy(t) + 4, fmt(t), anchor="end", size=11, fill=MUTED))
    body.append(_text(4, top - 8, unit, size=11, fill=MUTED))
    for year in _every_few(xs, 6):
        body.append(_text(sx(year), height - bottom + 16, f"{year:g}", anchor="middle",
                          size=11, fill=MUTED))
    for ln in shown:
        pts = sorted(ln.points)
        if ln.connect and len(pts) > 1:
            dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
            path = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{ln.color}" '
                        f'stroke-width="2"{dash} data-line="{escape(ln.key)}" />')
        if ln.marker == "none":
            continue
        for a, b in pts:
            tip = f"{ln.name}, {a:g}: {fmt(b)} {unit}"
            body.append(f'<g data-series="{escape(ln.key)}" data-x="{a:g}" data-value="{b:g}">'
                        f'<title>{escape(tip)}</title>'
                        + _marker(ln.marker, sx(a), sy(b), ln.color, ln.hollow) + "</g>")
    if note:
        row, nx = note
        body.append(_text(nx, 14 + 16 * (row - 1), empty_note, size=12, fill=MUTED))
    for ln, lx, row in legend:
        y = 14 + 16 * (row - 1)
        sample = (_marker(ln.marker, lx + 9, y - 4, ln.color, ln.hollow)
                  if ln.marker != "none" else "")
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        stroke = (f'<line x1="{lx:.1f}" y1="{y - 4}" x2="{lx + 18:.1f}" y2="{y - 4}" '
                  f'stroke="{ln.color}" stroke-width="2"{dash} />' if ln.connect else "")
        body.append(f'<g data-legend="{escape(ln.key)}">' + stroke + sample
                    + _text(lx + 22, y, ln.name, size=12) + "</g>")
    return _svg(width, height, label, body)


@dataclass(frozen=True)
class MacBar:
    """One action on a marginal abatement cost curve."""

    key: str  # e.g. the action's code, written as ``data-bar``
    name: str
    tonnes: float  # abatement, t CO2e a year: the bar's width
    cost: float  # EUR per t CO2e: the bar's height (below the axis when negative)


def _wrap(words: str, chars: int, most: int) -> list[str]:
    """``words`` in lines of about ``chars`` characters, at most ``most`` lines (the last cut
    with an ellipsis when they do not fit)."""
    lines: list[str] = []
    for word in words.split():
        if lines and len(lines[-1]) + 1 + len(word) <= chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = _cut(lines[-1] + " …", chars)
    return [_cut(line, chars) for line in lines]


def mac_curve(bars: Sequence[MacBar], *, label: str, x_unit: str, y_unit: str,
              fmt: Formatter, x_title: str = "", description: str = "", width: int = 760,
              height: int = 420) -> SafeString:
    """A marginal abatement cost curve: one bar per action, cheapest first, as wide as the
    tonnes it abates and as high as its cost per tonne; a negative cost (a saving) hangs below
    the axis. Names are written at the foot, each in a slot of its own joined by a thin line
    to its bar, so a narrow bar keeps a readable name: across when the slots are wide enough,
    upwards when they are not."""
    ordered = sorted((b for b in bars if b.tonnes > 0), key=lambda b: (b.cost, b.key))
    total = math.fsum(b.tonnes for b in ordered) or 1.0
    pad_l, pad_r, top = 72, 20, 28
    plot_w = width - pad_l - pad_r
    slot = plot_w / max(len(ordered), 1)
    across = slot >= 90
    size = 12 if slot >= 15 else 10
    chars = int((slot - 8) / (0.56 * size))
    label_h = 34 + 15 * 4 if across else 34 + 140
    plot_h = height - top - label_h - 8
    costs = [b.cost for b in ordered] or [0.0]
    ticks = nice_ticks(min(0.0, *costs), max(0.0, *costs))
    lo, hi = ticks[0], ticks[-1]

    def sx(t: float) -> float:
        return pad_l + t / total * plot_w

    def sy(v: float) -> float:
        return top + (hi - v) / (hi - lo) * plot_h

    body = [_desc(description)]
    base = top + plot_h
    for t in ticks:
        body.append(f'<line x1="{pad_l}" y1="{sy(t):.1f}" x2="{width - pad_r}" y2="{sy(t):.1f}" '
                    f'stroke="{GRID}" stroke-width="1" data-tick="{t:g}" />')
        body.append(_text(pad_l - 6, sy(t) + 4, fmt(t), anchor="end", size=12, fill=MUTED))
    body.append(_text(4, top - 12, y_unit, size=12, fill=MUTED))
    for t in nice_ticks(0.0, total, 5):
        if t <= total:
            body.append(_text(sx(t), base + 16, fmt(t), anchor="middle", size=11, fill=MUTED))
    body.append(_text(width - pad_r, top - 12, x_title or x_unit, anchor="end", size=12,
                      fill=MUTED))
    foot = base + 34
    running = 0.0
    colours = [CATEGORICAL[i % len(CATEGORICAL)] for i in range(len(ordered))]
    for i, (b, color) in enumerate(zip(ordered, colours, strict=True)):
        a, z = sx(running), sx(running + b.tonnes)
        running += b.tonnes
        y0, y1 = sorted((sy(b.cost), sy(0.0)))
        tip = f"{b.name}: {fmt(b.tonnes)} {x_unit}, {fmt(b.cost)} {y_unit}"
        mid = (a + z) / 2
        name_x = pad_l + slot * (i + 0.5)
        if across:
            name = "".join(
                f'<tspan x="{name_x:.1f}" dy="{0 if j == 0 else 15}">{escape(line)}</tspan>'
                for j, line in enumerate(_wrap(b.name, chars, 4)))
            name = (f'<text x="{name_x:.1f}" y="{foot + 6:.1f}" text-anchor="middle" '
                    f'font-size="{size}" fill="{TEXT}" {FONT}>{name}</text>')
        else:
            name = (f'<text transform="translate({name_x + size / 3:.1f},{foot:.1f}) '
                    f'rotate(-90)" text-anchor="end" font-size="{size}" fill="{TEXT}" {FONT}>'
                    f'{escape(_fit(b.name, label_h - 42, size))}</text>')
        body.append(
            f'<g data-bar="{escape(b.key)}" data-cost="{b.cost:g}" data-tonnes="{b.tonnes:g}">'
            f'<title>{escape(tip)}</title>'
            f'<rect x="{a:.2f}" y="{y0:.2f}" width="{max(z - a, 0.01):.2f}" '
            f'height="{max(y1 - y0, 0.5):.2f}" fill="{color}" />'
            f'<polyline points="{mid:.1f},{base + 20:.1f} {mid:.1f},{base + 24:.1f} '
            f'{name_x:.1f},{foot - 8:.1f}" fill="none" stroke="{MUTED}" stroke-width="0.75" />'
            + name + "</g>")
    body.append(f'<line x1="{pad_l}" y1="{sy(0):.1f}" x2="{width - pad_r}" y2="{sy(0):.1f}" '
                f'stroke="{TEXT}" stroke-width="1.5" data-axis="zero" />')
    return _svg(width, height, label, body)
