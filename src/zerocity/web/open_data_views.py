"""The city's open data for everyone: the catalogue with charts of the main series and this
year's nowcast, and a page per dataset. Only aggregates of published sources are shown
(``zerocity.data.opendata``); downloads and DCAT-AP metadata are served by the API."""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zerocity.core.access import public
from zerocity.core.models import City
from zerocity.core.selectors import get_city
from zerocity.data import opendata, selectors
from zerocity.data.outputs import CARRIERS
from zerocity.engage.selectors import climate_status
from zerocity.web import charts

PREVIEW_ROWS = 36


def fmt_number(decimals: int = 0) -> charts.Formatter:
    return lambda v: formats.number_format(round(v, decimals), decimals, use_l10n=True,
                                           force_grouping=True)


def _month(year: int, month: int) -> str:
    return f"{month:02d}/{year}"


def _span(df: pd.DataFrame) -> tuple[str, str]:
    """The first and last month (or service date) a dataset's rows cover, as the page says
    them; empty without rows."""
    span = opendata.time_span(df)
    if span is None:
        return "", ""
    if "year" in df and "month" in df:
        return _month(span[0].year, span[0].month), _month(span[1].year, span[1].month)
    return formats.date_format(span[0], "SHORT_DATE_FORMAT"), formats.date_format(
        span[1], "SHORT_DATE_FORMAT")


def downloads(city: City, key: str) -> list[dict[str, str]]:
    return [{"format": fmt.upper(), "url": reverse("api:open_data_download",
                                                   kwargs={"slug": city.slug, "key": key,
                                                           "fmt": fmt})}
            for fmt in opendata.FORMATS]


def energy_chart(df: pd.DataFrame, city: City) -> SafeString | None:
    """Monthly metered energy, a segment per carrier (withheld figures are left out)."""
    if df.empty:
        return None
    pivot = df.pivot_table(index=["year", "month"], columns="carrier", values="mwh",
                           aggfunc="sum").sort_index()
    carriers = [c for c in CARRIERS if c in pivot.columns]
    names = {"electricity": _("Electricity"), "natural_gas": _("Natural gas"),
             "district_heat": _("District heat")}
    series = [charts.Series(names[c], charts.PALETTE[i]) for i, c in enumerate(carriers)]
    rows = [[None if pd.isna(pivot.loc[idx, c]) else float(pivot.loc[idx, c]) for c in carriers]
            for idx in pivot.index]
    return charts.columns([_month(y, m) for y, m in pivot.index], series, rows,
                          label=_("Metered energy use in %(city)s by month") % {
                              "city": city.name},
                          unit="MWh", fmt=fmt_number(), every=3)


def _series(df: pd.DataFrame, quantity: str) -> pd.Series:
    rows = df[(df["quantity"] == quantity) & ~df["withheld"]]
    return rows.groupby(["year", "month"])["total"].sum().sort_index()


def pv_chart(df: pd.DataFrame, city: City) -> SafeString | None:
    pv = _series(df, "pv_energy") / 1000  # kWh -> MWh
    if pv.empty:
        return None
    return charts.columns([_month(y, m) for y, m in pv.index],
                          [charts.Series(_("PV production"), charts.PALETTE[1])],
                          [[float(v)] for v in pv], label=_("Solar electricity produced in "
                                                           "%(city)s by month") % {
                              "city": city.name},
                          unit="MWh", fmt=fmt_number(), every=3)


def renewable_heat_chart(df: pd.DataFrame, city: City) -> SafeString | None:
    renewable, total = _series(df, "heat_production_renewable"), _series(df, "heat_production")
    share = (100 * renewable / total).dropna()
    if share.empty:
        return None
    return charts.columns([_month(y, m) for y, m in share.index],
                          [charts.Series(_("Renewables and waste heat"), charts.PALETTE[2])],
                          [[float(v)] for v in share],
                          label=_("Share of renewables and waste heat in district heating in "
                                  "%(city)s by month") % {"city": city.name},
                          unit="%", fmt=fmt_number(), every=3)


def nowcast_summary(df: pd.DataFrame, city: City) -> dict[str, Any] | None:
    """The latest month of this year's nowcast, and a chart: measured to date, and what the
    estimate adds for the rest of the year."""
    if df.empty:
        return None
    last = df.iloc[-1]
    chart = charts.columns(
        [_month(int(r.year), int(r.month)) for r in df.itertuples()],
        [charts.Series(_("Measured so far"), charts.PALETTE[0]),
         charts.Series(_("Estimated for the rest of the year"), charts.PALETTE[4])],
        [[float(r.tco2e_to_date), max(float(r.tco2e_estimate - r.tco2e_to_date), 0.0)]
         for r in df.itertuples()],
        label=_("Nowcast of %(year)s emissions from metered energy in %(city)s, as of each "
                "month") % {"year": int(last.year), "city": city.name},
        unit="t CO2e", fmt=fmt_number())
    previous = float(last.tco2e_previous_year)
    return {"year": int(last.year), "month": int(last.month),
            "estimate": float(last.tco2e_estimate), "to_date": float(last.tco2e_to_date),
            "previous": previous or None,
            "change": (float(last.tco2e_estimate) / previous - 1) if previous else None,
            "change_abs": abs(float(last.tco2e_estimate) / previous - 1) if previous else None,
            "coverage": None if pd.isna(last.coverage) else float(last.coverage),
            "year_share": float(last.year_share), "method": str(last.method), "chart": chart}


@public
@require_GET
def catalogue(request: HttpRequest, city: str) -> HttpResponse:
    obj = get_city(city)
    frames = selectors.open_data_frames(obj)  # the store walked once for the whole page
    energy, series = frames["energy-use"], frames["monthly-series"]
    datasets = []
    for d in opendata.datasets():
        df = frames[d.key]
        first, last = _span(df)
        datasets.append({"dataset": d, "rows": len(df), "downloads": downloads(obj, d.key),
                         "first": first, "last": last})
    nowcast = nowcast_summary(frames["emissions-nowcast"], obj)
    latest = climate_status(obj).get("latest")  # the public's latest inventory, kept a minute
    if nowcast and latest and latest["mission"]:
        # metered energy is a part of the inventory only: say how large a part
        nowcast = {**nowcast, "share_of_inventory": nowcast["estimate"] / latest["mission"],
                   "inventory_year": latest["year"]}
    return render(request, "web/open_data/catalogue.html", {
        "city": obj, "datasets": datasets, "nowcast": nowcast,
        "energy_chart": energy_chart(energy[~energy["withheld"]], obj),
        "pv_chart": pv_chart(series, obj), "heat_chart": renewable_heat_chart(series, obj),
        "licence": settings.OPEN_DATA_LICENCE,
        "licence_url": settings.OPEN_DATA_LICENCE_URL,
        "min_meters": settings.OPEN_DATA_MIN_METERS,
    })


@public
@require_GET
def dataset(request: HttpRequest, city: str, key: str) -> HttpResponse:
    obj = get_city(city)
    spec, df, modified = selectors.open_dataset(obj, key)
    preview = df.tail(PREVIEW_ROWS)
    columns = [c.name for c in spec.columns]
    return render(request, "web/open_data/dataset.html", {
        "city": obj, "dataset": spec, "rows": len(df), "downloads": downloads(obj, key),
        "columns": spec.columns, "modified": modified, "updated": _updated(spec.frequency),
        "preview": [[_cell(row[c]) for c in columns] for _i, row in preview.iterrows()],
        "withheld": int(df["withheld"].sum()) if "withheld" in df else 0,
        "licence": settings.OPEN_DATA_LICENCE,
        "licence_url": settings.OPEN_DATA_LICENCE_URL,
        "min_meters": settings.OPEN_DATA_MIN_METERS,
    })


def _updated(frequency: str) -> str:
    """How often a dataset changes, in words (the EU frequency code of its DCAT entry)."""
    words = {"MONTHLY": _("monthly"), "DAILY": _("daily"), "IRREG": _("irregularly")}
    return words.get(frequency, frequency)


def _cell(value: Any) -> str:
    """A value as the preview table shows it, in the page's locale."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return _("yes") if value else ""
    if isinstance(value, float):
        return formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    if isinstance(value, int) or type(value).__name__.startswith("int"):
        return str(value) if 1900 <= value <= 2200 else formats.number_format(
            value, 0, use_l10n=True, force_grouping=True)
    return str(value)
