"""What a timetable scenario is worth, for a city: its comparison with the base over a year of
the base feed (``compare``), the boardings the card's taps give it, and the plan action it
becomes an effect of (docs/mobility-scenarios.md, "What a scenario is worth")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Min
from django.utils.translation import get_language
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


@dataclass(frozen=True)
class Tapped:
    """What the card's taps tell a comparison: bus boardings a year and what they are,
    passenger-km per boarding, and the latest month's origin-destination pairs."""

    per_year: Decimal
    source: str
    km_per_boarding: Decimal | None = None
    od: tuple[tuple[str, str, int], ...] = ()
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)


def tapped(scenario: Scenario) -> Tapped:
    """Bus boardings a year from the card's accepted taps of the last year on record (scaled
    to a year when fewer days are on record), and from the card's ridership of the latest
    month the passenger-km per boarding and the pairs riders travel between."""
    from zerocity.card.models import Tap
    from zerocity.card.ridership import analyse, stop_positions

    city = scenario.city
    taps = Tap.objects.filter(validator__city=city, accepted=True, service="bus")
    last = taps.aggregate(Max("at"))["at__max"]
    if last is None:
        return Tapped(Decimal(0), _("no bus taps on record: give the boardings a year"))
    since = last - timedelta(days=YEAR_DAYS)
    recent = taps.filter(at__gt=since)
    first = recent.aggregate(Min("at"))["at__min"] or last
    days = (city.calendar.local_date(last) - city.calendar.local_date(first)).days + 1
    count = recent.count()
    per_year = Decimal(count) * YEAR_DAYS / days
    day = city.calendar.local_date(last)
    month = analyse(city, day)
    legs = month.legs_by_mode.get("bus", 0)
    km = (Decimal(repr(month.passenger_km["bus"])) / legs).quantize(Decimal("0.01")) \
        if legs else None
    source = _("%(n)s bus boardings tapped from %(first)s to %(last)s, scaled to a year") % {
        "n": count, "first": city.calendar.local_date(first).isoformat(),
        "last": day.isoformat()}
    positions = {k: (v[1], v[2]) for k, v in stop_positions(city, day).items()}
    return Tapped(per_year, source, km, tuple((o, d, n) for o, d, n, _km in month.od),
                  positions)


OD_PAIRS = 20  # the busiest pairs of the card's latest month
# departures every 10 minutes from 06:00 to 19:50, so that the mean counts the wait a rider
# meets when arriving at the stop at any time, not at a time that suits one timetable
OD_TIMES = tuple(time(h, m) for h in range(6, 20) for m in range(0, 60, 10))


def od_times(scenario: Scenario, version: ScenarioVersion, day: date,
             taps: Tapped) -> tuple[cmp.OdTime, ...]:
    """The busiest pairs the card's riders travel, planned on the base and on the scenario
    from stop to stop at each of ``OD_TIMES`` of ``day``: the mean minutes from the asked
    departure to the earliest arrival (waiting included, so that a shorter wait counts),
    without real time on either; None where a start finds no journey."""
    from zerocity.mobility import timetables, walking
    from zerocity.mobility.planner import Query, plan

    tz = scenario.city.timezone
    walk = walking.arrays(walking.current(scenario.city))
    tables = [timetables.compiled(source, day, tz, walk) for source in (scenario.base, version)]
    out = []
    for o, d, legs in taps.od[:OD_PAIRS]:
        if o not in taps.positions or d not in taps.positions:
            continue
        means: list[float | None] = []
        for tt in tables:
            minutes = []
            for at in OD_TIMES:
                when = datetime.combine(day, at, ZoneInfo(tz))
                found = plan(tt, Query(taps.positions[o], taps.positions[d], when)).itineraries
                if found:
                    minutes.append(min(i.arrive for i in found).timestamp() / 60
                                   - when.timestamp() / 60)
            means.append(sum(minutes) / len(minutes) if len(minutes) == len(OD_TIMES)
                         else None)
        out.append(cmp.OdTime(o, d, legs, means[0], means[1]))
    return tuple(out)


def compare_scenario(scenario: Scenario, *, number: int | None = None,
                     battery_share: Decimal | None = None, from_car: Decimal | None = None,
                     boardings_per_year: Decimal | None = None
                     ) -> tuple[ScenarioVersion, cmp.Comparison]:
    """The scenario's version ``number`` (its latest when None) against its base, over a
    year of the base feed; the city's parameters (``mobility.parameters``: unit costs, the
    battery share unless given) price it."""
    from zerocity.mobility.parameters import city_parameters

    city = city_parameters(scenario.city)
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
    a = cmp.Assumptions(battery_share=city.battery_share if battery_share is None
                        else battery_share, rates=city.rates)
    if boardings_per_year is not None:
        a = replace(a, boardings_per_year=boardings_per_year,
                    boardings_source=_("given by the city"))
    taps = tapped(scenario)
    if boardings_per_year is None:
        a = replace(a, boardings_per_year=taps.per_year, boardings_source=taps.source)
    if taps.km_per_boarding is not None:
        a = replace(a, km_per_boarding=taps.km_per_boarding)
    if from_car is not None:
        a = replace(a, from_car=from_car, from_car_source=_("given by the city"))
    try:
        c = cmp.compare(base, changed, first, last, a)
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
    if base.typical_day is not None and taps.od:
        c = replace(c, od=od_times(scenario, version, base.typical_day, taps))
    return version, c


COMPARISON_SECONDS = 24 * 3600


def cached_comparison(scenario: Scenario, *, number: int | None = None,
                      battery_share: Decimal | None = None, from_car: Decimal | None = None,
                      boardings_per_year: Decimal | None = None
                      ) -> tuple[ScenarioVersion, cmp.Comparison]:
    """``compare_scenario``, kept in the cache for a day (the public API and the staff's page
    ask it; it takes seconds). The key holds everything the answer rests on: the version (its
    id and SHA-256), the options, the city's parameters, the latest bus tap (boardings and
    riders' pairs come from the taps) and the reader's language (its sources are worded)."""
    from zerocity.card.models import Tap
    from zerocity.mobility.parameters import city_parameters

    version = scenario_version(scenario, number)
    last_tap = Tap.objects.filter(validator__city=scenario.city, accepted=True,
                                  service="bus").aggregate(Max("pk"))["pk__max"]
    key = "zc:scenario-compare:" + hashlib.sha256(json.dumps([
        version.pk, version.sha256, str(battery_share), str(from_car), str(boardings_per_year),
        city_parameters(scenario.city).to_json(), last_tap, get_language()]).encode()
    ).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compare_scenario(scenario, number=version.number, battery_share=battery_share,
                                 from_car=from_car, boardings_per_year=boardings_per_year)
        cache.set(key, found, COMPARISON_SECONDS)
    return found  # type: ignore[no-any-return]


def attach_to_action(scenario: Scenario, plan_code: str, *, number: int | None = None,
                     battery_share: Decimal | None = None, from_car: Decimal | None = None,
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
