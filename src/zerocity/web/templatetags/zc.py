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
from zerocity.web import charts, labels, maps

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
def day(value: date | datetime | str | None) -> str:
    """A day in the active language's one date format (5. 12. 2026; 5 Dec 2026); a moment is
    first taken to the city's zone. An ISO day ("2026-12-05", as plain data gives it) too."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
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


@register.filter
def clock(value: datetime | None) -> str:
    """The time of day of a moment in the city's zone, on a 24-hour clock (07:05)."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "TIME_FORMAT")


@register.filter
def span(start: datetime | None, end: datetime | None) -> str:
    """How long from ``start`` to ``end`` in hours and minutes (1 h 5 min; 20 min), counted
    between the clock minutes the page shows (06:59 to 07:20 is 21 min); the symbols are the
    same in both languages."""
    if not start or not end:
        return ""
    minutes = round((end.replace(second=0, microsecond=0)
                     - start.replace(second=0, microsecond=0)).total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}\u00a0h {rest}\u00a0min" if hours else f"{rest}\u00a0min"


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
def swatch(colour: str) -> SafeString:
    """A route's colour as a short line (the planner's legend and legs)."""
    return maps.swatch(colour)


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
    """The wedges, each named by its action (not its code), in a colour of its own."""
    return charts.stacked_area(
        charts_data["years"],
        [(w.get("name") or w["action"], w["values"]) for w in charts_data["wedges"]],
        top_line=(_("With existing policies"), charts_data["existing"]),
        bottom_line=(_("With the plan"), charts_data["plan"]), unit=TCO2E, fmt=num,
        other_label=_("Other actions"),
        label=_("What each action contributes, year by year, %(city)s (t CO₂e)")
        % {"city": city_name})


def _pairs(by_year: dict[str, Any]) -> list[tuple[float, float]]:
    return [(float(y), float(v)) for y, v in by_year.items() if v is not None]


def _listing(pairs: list[tuple[float, float]], unit: str) -> str:
    return ", ".join(f"{y:g}: {_figure(v)} {unit}" for y, v in pairs)


def _figure(value: float) -> str:
    """A figure with one decimal where it has one (17.5), none where it is whole (20)."""
    return num(value, 0 if float(value).is_integer() else 1)


@register.simple_tag
def indicator_chart(ind: dict[str, Any]) -> SafeString:
    """An indicator's observations against its targets and baseline (``indicator_overview``'s
    row); the dashed line is the straight path the status is measured against."""
    unit = ind["unit"]
    targets, observed = _pairs(ind["targets"]), _pairs(ind["observations"])
    baseline = [(float(ind["baseline"][0]), float(ind["baseline"][1]))] \
        if ind.get("baseline") else []
    lines = [
        charts.Line("path", "", charts.MUTED, baseline + targets[:1], dash="3 4",
                    marker="none") if baseline and targets else None,
        charts.Line("target", _("Target"), "#D55E00", targets, dash="6 4", marker="diamond",
                    hollow=True),
        charts.Line("baseline", _("Baseline"), charts.TEXT, baseline, marker="square",
                    connect=False),
        charts.Line("observed", _("Observed"), charts.PALETTE[0], observed),
    ]
    parts = []
    if baseline:
        parts.append(_("Baseline %(list)s.") % {"list": _listing(baseline, unit)})
    if targets:
        parts.append(_("Targets %(list)s.") % {"list": _listing(targets, unit)})
    parts.append(_("Observed %(list)s.") % {"list": _listing(observed, unit)} if observed
                 else _("No observations yet."))
    return charts.small_lines(
        [ln for ln in lines if ln is not None], unit=unit, fmt=_figure,
        empty_note=_("No observations yet"), description=" ".join(parts),
        label=_("%(indicator)s: observed values against the targets (%(unit)s)")
        % {"indicator": f"{ind['code']} {ind['name']}", "unit": unit})


@register.simple_tag
def budget_chart(row: dict[str, Any], years: list[int], name: str) -> SafeString:
    """A sector's (or all sectors') emission ceiling against the projections, year by year;
    years over the ceiling are marked."""
    def pairs(values: list[float]) -> list[tuple[float, float]]:
        return [(float(y), float(v)) for y, v in zip(years, values, strict=True)]

    over = [(float(y), float(p)) for y, p, m in zip(years, row["projected"], row["margin"],
                                                    strict=True) if m < 0]
    lines = [
        charts.Line("ceiling", _("Ceiling"), charts.TEXT, pairs(row["ceiling"]), dash="6 4",
                    marker="none"),
        charts.Line("existing", _("With existing policies"), charts.MUTED,
                    pairs(row["existing"]), dash="2 3", marker="none"),
        charts.Line("projected", _("Projected with the plan"), charts.PALETTE[0],
                    pairs(row["projected"])),
        charts.Line("over", _("Over the ceiling"), "#D55E00", over, connect=False),
    ]
    last = len(years) - 1
    words = _("In %(year)s the ceiling is %(ceiling)s t CO₂e and the plan is projected to "
              "leave %(projected)s t CO₂e.") % {
        "year": years[last], "ceiling": num(row["ceiling"][last]),
        "projected": num(row["projected"][last])}
    if over:
        words += " " + _("Over the ceiling in %(years)s.") % {
            "years": ", ".join(f"{y:g}" for y, _v in over)}
    return charts.small_lines(
        lines, unit=TCO2E, fmt=num, description=words,
        label=_("%(sector)s: emission ceiling and projected emissions (t CO₂e a year)")
        % {"sector": name})


@register.simple_tag
def mac_chart(mac: list[dict[str, Any]], city_name: str) -> SafeString:
    """The marginal abatement cost curve of the investment plan's ``mac`` rows."""
    bars = [charts.MacBar(m["code"], m["name"], float(m["reduction_tco2e"]),
                          float(m["cost_per_tonne_eur"])) for m in mac]
    return charts.mac_curve(
        bars, fmt=num, x_unit=_("t CO₂e a year"), y_unit=_("EUR per t CO₂e"),
        x_title=_("Bar width: t CO₂e a year"),
        description=_("Each bar is an action: as wide as the tonnes it reduces each year by "
                      "the target year, as high as what each tonne costs; the cheapest "
                      "tonne is on the left."),
        label=_("Marginal abatement cost curve, %(city)s: cost per tonne against tonnes "
                "reduced") % {"city": city_name})


@register.filter
def status_label(status: str) -> str:
    """An action status (ActionStatus) or an indicator status, in the page's language."""
    from zerocity.plan.models import ActionStatus

    if status in ActionStatus.values:
        return str(ActionStatus(status).label)
    return str(labels.INDICATOR_STATUS.get(status, status))


@register.simple_tag
def target_chart(path: dict[str, Any], city_name: str) -> SafeString:
    """The published inventories, the modelled path and the allowed level of the target
    year (``plan.figures.target_path``)."""
    measured = [charts.Point(str(i["year"]), i["year"], i["tco2e"], flagged=i["illustrative"])
                for i in path["inventories"]]
    return charts.path_to_target(
        measured, [(float(y), v) for y, v in path["modelled"]], path["allowed"],
        unit=TCO2E, fmt=num, flag_label=_("illustrative"),
        measured_name=_("Inventories"), path_name=_("Modelled path"),
        allowed_name=_("Allowed in %(year)s") % {"year": path["target_year"]},
        label=_("%(city)s: emissions measured by the inventories, the path the pathway model "
                "expects and the level allowed in %(year)s (t CO₂e)")
        % {"city": city_name, "year": path["target_year"]})
