"""The transport pages' own charts, inline SVG drawn on the server like ``web.charts`` (whose
helpers they share): a bus run's load along its route against the vehicle's capacity, and the
accessibility of a city's grid cells as a map. Pure functions from numbers and translated
labels to markup; every mark has a <title>, and the pages give the same figures as a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString

from zerocity.web.charts import (
    FLAG,
    GRID,
    MUTED,
    PALETTE,
    TEXT,
    Formatter,
    _svg,
    _text,
    _value_grid,
    nice_ticks,
)

# viridis in five steps: ordered by lightness, readable with the common colour-vision
# deficiencies and in greyscale
SEQUENTIAL = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


@dataclass(frozen=True)
class Segment:
    """The load between a stop (``position``, 1 for the run's first) and the next."""

    position: int
    stop: str  # the stop's name, where the segment begins
    next_stop: str
    load: float


def load_profile(segments: Sequence[Segment], *, capacity: float, peak: int, label: str,
                 unit: str, fmt: Formatter, capacity_label: str, peak_label: str,
                 width: int = 760, height: int = 300) -> SafeString:
    """A column per segment between consecutive stops (its load), the segment where the
    maximum load begins (``peak``: its position) marked, and a dashed line at the capacity."""
    pad_l, pad_r, top, bottom = 64, 16, 44, 40
    plot_w, plot_h = width - pad_l - pad_r, height - top - bottom
    ticks = nice_ticks(0.0, max(capacity, *(s.load for s in segments), 1.0))
    hi = ticks[-1] or 1.0
    step = plot_w / max(len(segments), 1)
    col_w = max(step * 0.8, 1.0)

    def y(v: float) -> float:
        return top + (hi - v) / hi * plot_h

    body = _value_grid(ticks, y, pad_l, width - pad_r, fmt)
    body.append(_text(pad_l - 8, top - 16, unit, anchor="end", size=12, fill=MUTED))
    every = max(1, round(len(segments) / 20))
    for i, s in enumerate(segments):
        x = pad_l + i * step + (step - col_w) / 2
        marked = s.position == peak
        colour = PALETTE[5] if marked else PALETTE[0]
        tip = f"{s.position}. {s.stop} – {s.next_stop}: {fmt(s.load)} {unit}"
        if marked:
            tip += f" ({peak_label})"
        body.append(f'<rect x="{x:.1f}" y="{y(s.load):.1f}" width="{col_w:.1f}" '
                    f'height="{max(y(0) - y(s.load), 0.5):.1f}" fill="{colour}"'
                    f'{" data-peak" if marked else ""}><title>{escape(tip)}</title></rect>')
        if marked:
            body.append(_text(x + col_w / 2, y(s.load) - 6, f"▼ {fmt(s.load)}",
                              anchor="middle", size=12, weight="600", halo=True))
        if i % every == 0:
            body.append(_text(x + col_w / 2, height - bottom + 18, str(s.position),
                              anchor="middle", size=12, fill=MUTED))
    body.append(f'<line x1="{pad_l}" y1="{y(0):.1f}" x2="{width - pad_r}" y2="{y(0):.1f}" '
                f'stroke="{TEXT}" stroke-width="1.5" />')
    body.append(f'<line x1="{pad_l}" y1="{y(capacity):.1f}" x2="{width - pad_r}" '
                f'y2="{y(capacity):.1f}" stroke="{FLAG}" stroke-width="2" '
                f'stroke-dasharray="8 5" data-capacity="{capacity:g}"><title>'
                f'{escape(capacity_label)}: {escape(fmt(capacity))}</title></line>')
    body.append(_text(width - pad_r, y(capacity) - 6, f"{capacity_label}: {fmt(capacity)}",
                      anchor="end", size=12, fill=FLAG, weight="600", halo=True))
    body.append(f'<rect x="{pad_l}" y="6" width="14" height="14" fill="{PALETTE[5]}" />')
    body.append(_text(pad_l + 20, 18, peak_label))
    return _svg(width, height, label, body)


@dataclass(frozen=True)
class Cell:
    row: int  # south to north
    col: int  # west to east
    share: float | None  # 0..1; None: nothing to reach counts (the kind's total is 0)
    tip: str


def share_bin(share: float) -> int:
    """The legend's class of a share: 0-20 %, 20-40 %, ... 80-100 %."""
    return min(int(share * 5), 4)


def grid_map(cells: Sequence[Cell], *, rows: int, cols: int, label: str,
             legend: Sequence[str], width: int = 760) -> SafeString:
    """The grid's cells as squares, north up, coloured by their share in five classes whose
    names ``legend`` gives (lowest first)."""
    key_h = 34
    size = min(width / max(cols, 1), 560 / max(rows, 1))  # a tall city stays on a screen
    height = int(rows * size + key_h + 8)
    body = [f'<rect x="0" y="{key_h}" width="{cols * size:.1f}" height="{rows * size:.1f}" '
            f'fill="#ffffff" stroke="{GRID}" />']
    for c in cells:
        x, y = c.col * size, key_h + (rows - 1 - c.row) * size
        fill = GRID if c.share is None else SEQUENTIAL[share_bin(c.share)]
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{size:.2f}" height="{size:.2f}" '
                    f'fill="{fill}"><title>{escape(c.tip)}</title></rect>')
    x = 0.0
    for colour, words in zip(SEQUENTIAL, legend, strict=True):
        body.append(f'<rect x="{x:.1f}" y="8" width="14" height="14" fill="{colour}" '
                    f'stroke="{MUTED}" stroke-width="0.5" />')
        body.append(_text(x + 18, 20, words, size=12))
        x += 30 + 7 * len(words)
    return _svg(int(max(width, x)), height, label, body)
