"""Template filters and tags of the public pages: locale-aware numbers, money, days and
moments (one format per language), content in the page's language with a marked fallback,
translated taxonomy labels and the inline SVG charts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from zerocity.core.translations import Text, active, text
from zerocity.web import charts, labels

register = template.Library()

TCO2E = "t CO₂e"


@register.filter
def num(value: Any, decimals: int = 0) -> str:
    """A number in the active language's format, always with thousands grouped
    (Slovenian 238.832,3; English 238,832.3). Blank for None."""
    if value is None or value == "":
        return ""
    rounded = round(float(value), int(decimals))
    if rounded == 0:
        rounded = 0.0  # no "-0"
    return number_format(rounded, decimal_pos=int(decimals), use_l10n=True, force_grouping=True)


@register.filter
def money(value: Any, currency: str = "EUR") -> str:
    """An amount of money in the active language's format with two decimals and its currency
    after a no-break space (Slovenian 1.234,50 EUR; English 1,234.50 EUR). Blank for None."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    if amount == 0:
        amount = Decimal("0.00")
    return f"{number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)}" \
           f"\u00a0{currency}"


@register.filter
def qty(value: Any, unit: str) -> str:
    """A quantity: its number as ``num`` and its unit after a no-break space ("3,9 t")."""
    if value is None or value == "":
        return ""
    decimals = 1 if isinstance(value, (float, Decimal)) and abs(float(value)) < 100 else 0
    return f"{num(value, decimals)}\u00a0{unit}"


@register.filter
def day(value: date | datetime | None) -> str:
    """A day in the active language's one date format (5. 12. 2026; 5 Dec 2026); a moment is
    first taken to the city's zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATE_FORMAT")


@register.filter
def when(value: date | datetime | None) -> str:
    """A moment in the city's zone, in the active language's one format
    (5. 12. 2026, 08:26; 5 Dec 2026, 08:26)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return day(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATETIME_FORMAT")


IN_LANGUAGE = {"en": gettext_lazy("(in English)"), "sl": gettext_lazy("(in Slovenian)")}


def _marked(shown: Text) -> SafeString:
    if not shown.fallback:
        return format_html("{}", shown)
    note = IN_LANGUAGE.get(shown.language) or _("(in %(language)s)") % {
        "language": get_language_info(shown.language)["name_translated"]}
    return format_html('<span lang="{}">{}</span> <small class="meta">{}</small>',
                       shown.language, shown, note)


@register.simple_tag
def tr(obj: Any, field: str) -> SafeString:
    """A translated field of ``obj`` in the page's language; when it has none yet, the text
    in another language, marked with its ``lang`` and "(in English)"."""
    return _marked(text(obj, field, active()))


@register.filter
def in_language(value: Any) -> SafeString:
    """A text from a selector (core.translations.Text) shown as ``tr`` shows it."""
    if isinstance(value, Text):
        return _marked(value)
    return format_html("{}", value if value is not None else "")


@register.filter
def sector_name(code: str) -> str:
    return labels.sector_name(code)


@register.filter
def subsector_name(name: str) -> str:
    return labels.subsector_name(name)


@register.filter
def data_quality(code: str | None) -> str:
    return str(labels.DATA_QUALITY_WORDS.get(code or "", "—"))


@register.filter
def notation_key(code: str | None) -> str:
    return str(labels.NOTATION_KEYS.get(code or "", ""))


@register.filter
def ccc_row(key: str) -> str:
    return str(labels.CCC_ROWS.get(key, key))


@register.filter
def level(key: str) -> str:
    return str(labels.LEVELS.get(key, key))


@register.simple_tag
def notation_keys() -> list[tuple[str, str, str]]:
    """(key, name, meaning) for the legend under the line table."""
    return [(k, str(v), str(labels.NOTATION_KEY_HELP[k])) for k, v in labels.NOTATION_KEYS.items()]


@register.simple_tag
def sector_chart(summary: dict[str, Any]) -> SafeString:
    series = [charts.Series(_("Scope %(n)s") % {"n": n}, charts.PALETTE[n - 1]) for n in (1, 2, 3)]
    bars = [
        charts.Bar(f"{code} {labels.sector_name(code)}",
                   [v["scope1"], v["scope2"], v["scope3"]])
        for code, v in summary["sectors"].items()
    ]
    return charts.stacked_bars(
        bars, series, unit=TCO2E, fmt=num, total_label=_("Total"),
        label=_("Emissions by GPC sector and scope, %(city)s %(year)s (t CO₂e)")
        % {"city": summary["city_name"], "year": summary["year"]},
    )


@register.simple_tag
def trend_chart(trend: list[dict[str, Any]], city_name: str) -> SafeString:
    points = [
        charts.Point(str(t["year"]), t["year"], t["mission"], flagged=t["illustrative"],
                     note=_("draft") if t["status"] == "draft" else "")
        for t in trend
    ]
    return charts.line_chart(
        points, unit=TCO2E, fmt=num, series_name=_("EU Mission inventory total"),
        flag_label=_("illustrative"),
        label=_("EU Mission inventory total by year, %(city)s (t CO₂e)") % {"city": city_name},
    )


@register.filter
def percent(share: Any, decimals: int = 0) -> str:
    """A share (0.8) as a percentage in the active language ("80 %")."""
    if share is None or share == "":
        return ""
    return f"{num(float(share) * 100, decimals)} %"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


def _step_label(step: dict[str, Any]) -> str:
    label: str = step["label"]
    if step["action"]:
        return f"{step['action']} {label}"
    return {"baseline": _("Without action (baseline projection)"),
            "existing measures": _("Existing national and regional policies"),
            "plan": _("Result of the plan")}.get(label, label)


@register.simple_tag
def waterfall_chart(charts_data: dict[str, Any], city_name: str) -> SafeString:
    steps = [charts.Step(_step_label(s), s["value"], s["kind"] == "total")
             for s in charts_data["waterfall"]]
    return charts.waterfall(
        steps, unit=TCO2E, fmt=num,
        label=_("From the baseline projection to the plan's result in %(year)s, %(city)s "
                "(t CO₂e)") % {"year": charts_data["target_year"], "city": city_name})


@register.simple_tag
def wedge_chart(charts_data: dict[str, Any], city_name: str) -> SafeString:
    return charts.stacked_area(
        charts_data["years"], [(w["action"], w["values"]) for w in charts_data["wedges"]],
        top_line=(_("With existing policies"), charts_data["existing"]),
        bottom_line=(_("With the plan"), charts_data["plan"]), unit=TCO2E, fmt=num,
        label=_("What each action contributes, year by year, %(city)s (t CO₂e)")
        % {"city": city_name})


@register.filter
def status_label(status: str) -> str:
    """An action status (ActionStatus) or an indicator status, in the page's language."""
    from zerocity.plan.models import ActionStatus

    if status in ActionStatus.values:
        return str(ActionStatus(status).label)
    return str(labels.INDICATOR_STATUS.get(status, status))
