"""What a timetable scenario is worth, for a city: its comparison with the base over a year of
the base feed (``compare``), the boardings the card's taps give it, and the plan action it
becomes an effect of (docs/mobility-scenarios.md, "What a scenario is worth")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Min
from django.utils.translation import gettext as _

from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound
from zerocity.mobility.fleet_feed import fleet_size
from zerocity.mobility.models import Scenario, ScenarioVersion
from zerocity.mobility.scenarios import compare as cmp
from zerocity.mobility.scenarios.selectors import scenario_version

YEAR_DAYS = 365


def _period(scenario: Scenario) -> tuple[date, date]:
    """A year from the base feed's first day, or as much of it as the feed covers."""
    first = scenario.base.start_date
    return first, min(scenario.base.end_date, first + timedelta(days=YEAR_DAYS - 1))


def _per_year(y: cmp.Year, days: int) -> cmp.Year:
    if days == YEAR_DAYS:
        return y
    k = Decimal(YEAR_DAYS) / days
    return replace(y, bus_km=y.bus_km * k, bus_hours=y.bus_hours * k,
                   trips=round(y.trips * k), service_days=round(y.service_days * k))


def tapped_boardings(scenario: Scenario) -> tuple[Decimal, str, Decimal | None]:
    """Bus boardings a year from the card's accepted taps of the last year on record (scaled
    to a year when fewer days are on record), what they are, and passenger-km per boarding
    from the card's ridership of the latest month (None without taps)."""
    from zerocity.card.models import Tap
    from zerocity.card.ridership import analyse

    city = scenario.city
    taps = Tap.objects.filter(validator__city=city, accepted=True, service="bus")
    last = taps.aggregate(Max("at"))["at__max"]
    if last is None:
        return Decimal(0), _("no bus taps on record: give the boardings a year"), None
    since = last - timedelta(days=YEAR_DAYS)
    recent = taps.filter(at__gt=since)
    first = recent.aggregate(Min("at"))["at__min"] or last
    days = (city.calendar.local_date(last) - city.calendar.local_date(first)).days + 1
    count = recent.count()
    per_year = Decimal(count) * YEAR_DAYS / days
    month = analyse(city, city.calendar.local_date(last))
    legs = month.legs_by_mode.get("bus", 0)
    km = (Decimal(repr(month.passenger_km["bus"])) / legs).quantize(Decimal("0.01")) \
        if legs else None
    source = _("%(n)s bus boardings tapped from %(first)s to %(last)s, scaled to a year") % {
        "n": count, "first": city.calendar.local_date(first).isoformat(),
        "last": city.calendar.local_date(last).isoformat()}
    return per_year, source, km


def compare_scenario(scenario: Scenario, *, number: int | None = None,
                     battery_share: Decimal = Decimal(0), from_car: Decimal | None = None,
                     boardings_per_year: Decimal | None = None
                     ) -> tuple[ScenarioVersion, cmp.Comparison]:
    """The scenario's version ``number`` (its latest when None) against its base, over a
    year of the base feed."""
    version = scenario_version(scenario, number)
    first, last = _period(scenario)
    days = (last - first).days + 1
    root = Path(settings.DATA_DIR)
    base = _per_year(cmp.year_of_service(root / scenario.base.path, first, last), days)
    changed = _per_year(cmp.year_of_service(root / version.path, first, last), days)
    if base.typical_day is not None:
        # both on the base's typical day, so that the two fleets answer the same question
        tz, day = scenario.city.timezone, base.typical_day
        base = replace(base, fleet=fleet_size(scenario.base, day, tz))
        changed = replace(changed, typical_day=day, fleet=fleet_size(version, day, tz))
    a = cmp.Assumptions(battery_share=battery_share)
    if boardings_per_year is not None:
        a = replace(a, boardings_per_year=boardings_per_year,
                    boardings_source=_("given by the city"))
    else:
        boardings, source, km = tapped_boardings(scenario)
        a = replace(a, boardings_per_year=boardings, boardings_source=source,
                    km_per_boarding=km if km is not None else a.km_per_boarding)
    if from_car is not None:
        a = replace(a, from_car=from_car, from_car_source=_("given by the city"))
    try:
        return version, cmp.compare(base, changed, first, last, a)
    except ValueError as exc:
        raise Conflict(str(exc)) from exc


def attach_to_action(scenario: Scenario, plan_code: str, *, number: int | None = None,
                     battery_share: Decimal = Decimal(0), from_car: Decimal | None = None,
                     boardings_per_year: Decimal | None = None, by: Person | None = None,
                     actor: str = "") -> tuple[cmp.Comparison, list[dict[str, object]], bool]:
    """Make the scenario the effect of the city's plan action ``plan_code``: its effects from
    an earlier scenario are replaced, its other effects kept. Returns the comparison, the
    action's effects and whether they changed."""
    from zerocity.plan.models import Action
    from zerocity.plan.services import set_action_effects

    action = (Action.objects.filter(plan__city=scenario.city, code=plan_code)
              .select_related("plan__city").order_by("-plan__pk").first())
    if action is None:
        raise NotFound(_("%(city)s's plan has no action %(code)s.")
                       % {"city": scenario.city.name, "code": plan_code})
    declared = sum(r.tco2e for r in action.reductions.all())
    if declared and not action.effects:
        # its effects would replace the calibration on its declared tonnes, not add to it
        raise Conflict(_("Action %(code)s is modelled from its declared reductions "
                         "(%(t)s t CO2e); a scenario's effects would replace them. Attach the "
                         "scenario to an action modelled with typed effects, or to one of its "
                         "own.") % {"code": plan_code, "t": f"{declared:,.0f}"})
    version, c = compare_scenario(scenario, number=number, battery_share=battery_share,
                                  from_car=from_car, boardings_per_year=boardings_per_year)
    year = c.first.year
    label = f"#{scenario.pk} v{version.number} {scenario.name}"
    kept = [e for e in action.effects
            if not str(e.get("note", "")).startswith(cmp.EFFECT_NOTE)]
    effects = kept + c.effects(start_year=year, full_year=year, label=label)
    changed = set_action_effects(action, effects, source=f"mobility scenario {label}", by=by,
                                 actor=actor)
    return c, effects, changed
