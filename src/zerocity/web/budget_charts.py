"""The budget page's chart: one axis (mitigation or adaptation) as a horizontal bar of the
in-scope base split by tag, drawn by ``web.charts.stacked_bars``. The two axes are two charts,
never one sum (research green-budget-governance.md §6, check 6)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString

from zerocity.web.charts import Bar, Formatter, Series, stacked_bars

# favourable to unfavourable, then undefined and untagged: green, light green, grey,
# vermillion, orange, light grey (Okabe-Ito hues, told apart by lightness as well)
TAG_COLOURS = ("#00734d", "#5fc99b", "#8c8c8c", "#D55E00", "#E69F00", "#d0d0d0")


def tag_bar(parts: Sequence[tuple[str, float]], *, label: str, axis: str, fmt: Formatter,
            total_label: str) -> SafeString:
    """``parts``: each tag's translated name and its share in percent, in the order of
    ``TAG_COLOURS``."""
    series = [Series(name, colour) for (name, _), colour in zip(parts, TAG_COLOURS,
                                                                   strict=False)]
    return stacked_bars([Bar(axis, [share for _, share in parts])], series, label=label,
                        unit="%", fmt=fmt, total_label=total_label)
