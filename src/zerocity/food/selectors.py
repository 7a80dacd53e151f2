"""Reads of local food procurement."""

from __future__ import annotations

from typing import Any

from zerocity.core.models import City
from zerocity.food import outcomes
from zerocity.food.models import Delivery, Dps, Institution


def local_time_data(city: City) -> str | None:
    """Published DPSs run on time limits counted in the city's days (``core.hooks``)."""
    published = Dps.objects.filter(city=city, notice_sent_at__isnull=False).count()
    noun = "system" if published == 1 else "systems"
    return f"{published} published dynamic purchasing {noun}" if published else None


def outcome_years(city: City) -> list[int]:
    """The years with deliveries to the city's institutions, the newest first."""
    return sorted({d.year for d in Delivery.objects.filter(
        contract__institution__city=city).dates("delivered_on", "year")}, reverse=True)


def default_outcome_year(city: City) -> int:
    """The year the public food page opens on: that of the latest delivery, or the city's
    current year before any."""
    latest = (Delivery.objects.filter(contract__institution__city=city)
              .order_by("-delivered_on").values_list("delivered_on", flat=True).first())
    return latest.year if latest else city.calendar.today().year


def public_outcomes(city: City, year: int | None = None) -> dict[str, Any]:
    """The year's outcome indicators (``outcomes.Outcomes.kpis``) for the whole city and for
    each institution that received food that year, as the public food page shows them; the
    page's year when none is given. Outcome measures only: never award criteria, prices of
    single deliveries or the people behind them."""
    year = default_outcome_year(city) if year is None else year
    city_wide, per_institution = outcomes.by_institution(city, year)
    institutions = []
    for institution in Institution.objects.filter(city=city, pk__in=list(per_institution)):
        kpis = per_institution[institution.pk].kpis()
        if kpis["value"]:
            institutions.append({"code": institution.code, "name": institution.name,
                                 "kind": institution.kind, **_plain(kpis)})
    return {"city": city.slug, "year": year, "years": outcome_years(city),
            "city_wide": _plain(city_wide.kpis()), "institutions": institutions}


def _plain(kpis: dict[str, Any]) -> dict[str, Any]:
    """The figures of ``kpis`` with the production emissions by food group as named pairs."""
    return {**kpis, "by_group": [{"food_group": group, "kg_co2e": kg}
                                 for group, kg in kpis["by_group"]]}
