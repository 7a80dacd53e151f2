"""Template filters and tags of the public pages: locale-aware numbers, translated taxonomy
labels and the inline SVG charts."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

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
