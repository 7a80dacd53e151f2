"""A timetable scenario against its base (docs/mobility-scenarios.md, "What a scenario is
worth"): a year of service on both feeds, its operating cost, its buses' energy and CO2 by GPC
row, the ridership response as a short- and long-run range, the car-km that response takes
off the road, and the plan's typed effects that carry it into the pathway model.

A year of service is counted exactly without computing 365 days: the days of the year fall into
a few *day types* (the same set of services runs on each day of a type: school days, holidays,
Saturdays, Sundays), and one day of each type is computed and multiplied by its days.

Pure but for reading the stored tables; the arithmetic of cost, energy and ridership is
``service_costs``', the statistics ``service_stats``'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from zerocity.mobility import service_stats
from zerocity.mobility.planner.timetable import active_services
from zerocity.mobility.service_costs import (
    DIESEL_ROW,
    GRID_ROW,
    CostRates,
    FleetEnergy,
    OperatingCost,
    RidershipResponse,
    fleet_energy,
    operating_cost,
    ridership_response,
)

# A car's energy per vehicle-km, from the two figures ZeroCity already uses for a car: 0.17 kg
# CO2e per vehicle-km (DEFRA 2023, an average diesel car: card.ridership.MobilityFactors) over
# the inventory's diesel factor 0.267 t CO2 per MWh (CCC Table, research §5).
CAR_KG_PER_VKM = Decimal("0.17")
DIESEL_T_PER_MWH = Decimal("0.267")
CAR_KWH_PER_VKM = CAR_KG_PER_VKM / DIESEL_T_PER_MWH
CAR_CARRIER = "diesel"
EFFECT_NOTE = "timetable scenario"  # how an action's effects from a scenario are told apart


@dataclass(frozen=True)
class DayType:
    """Days of a year on which the same services run; ``sample`` stands for all of them."""

    sample: date
    days: int
    services: frozenset[str]


def day_types(calendar: dict[str, Any], first: date, last: date) -> list[DayType]:
    """The day types of ``first``..``last`` (both included) under a feed's calendar and
    calendar_dates (``calendar``: those two tables), in date order of their first day; days
    with no service are left out."""
    seen: dict[frozenset[str], list[date]] = {}
    day = first
    while day <= last:
        running = frozenset(active_services(calendar, day))
        if running:
            seen.setdefault(running, []).append(day)
        day += timedelta(days=1)
    return [DayType(days[0], len(days), services) for services, days in seen.items()]


@dataclass(frozen=True)
class Year:
    """A feed's service over a year: bus-km, bus-hours and trips summed over its days, the
    most buses under way at once on any day, and the day type with the most days (its
    ``busiest`` sample day stands for the fleet the timetable needs)."""

    bus_km: Decimal
    bus_hours: Decimal
    trips: int
    service_days: int
    peak_vehicles: int
    typical_day: date | None = None
    fleet: int | None = None  # the fewest vehicles that run the typical day (fleet_feed)


def _calendar(folder: Path) -> dict[str, Any]:
    import pandas as pd

    out: dict[str, Any] = {}
    for name in ("calendar", "calendar_dates"):
        path = folder / f"{name}.parquet"
        if path.exists():
            out[name] = pd.read_parquet(path).astype(str)
    return out


def year_of_service(folder: Path, first: date, last: date) -> Year:
    """The service of the feed stored in ``folder`` from ``first`` to ``last``."""
    types = day_types(_calendar(folder), first, last)
    km = hours = Decimal(0)
    trips = peak = days = 0
    con = service_stats.open_folder(folder)
    try:
        for t in types:
            n = service_stats.compute(con, t.sample).network
            km += Decimal(repr(n.bus_km or 0.0)) * t.days
            hours += Decimal(repr(n.service_hours)) * t.days
            trips += n.trips * t.days
            peak = max(peak, n.peak_vehicles)
            days += t.days
    finally:
        con.close()
    typical = max(types, key=lambda t: t.days).sample if types else None
    return Year(km, hours, trips, days, peak, typical)


@dataclass(frozen=True)
class Assumptions:
    """What turns a change of service into money, energy and car-km; each shown with the
    answer. ``boardings_per_year`` and ``km_per_boarding`` come from the card's taps where a
    city has them (``compare_scenario``)."""

    battery_share: Decimal = Decimal(0)  # of bus-km run by battery buses, base and scenario
    rates: CostRates = CostRates()
    boardings_per_year: Decimal = Decimal(0)
    boardings_source: str = "no taps: the city gives its boardings"
    km_per_boarding: Decimal = Decimal("4.0")  # card.ridership's default bus leg
    from_car: Decimal = Decimal(1)  # share of the new passenger-km that were car trips
    from_car_source: str = ("upper bound: every new bus passenger-km replaces a car's, as the "
                            "card's avoided-emissions report counts")
    car_occupancy: Decimal = Decimal("1.3")  # card.ridership.MobilityFactors


@dataclass(frozen=True)
class OdTime:
    """An origin-destination pair the card's riders travel, and its mean door-to-door time
    (minutes from the asked departure, waiting included) on each timetable; None where no
    journey was found."""

    origin: str
    destination: str
    legs: int
    base_min: float | None
    scenario_min: float | None


def weighted_minutes(pairs: tuple[OdTime, ...]) -> tuple[float, float] | None:
    """The legs-weighted mean minutes on the base and on the scenario, over the pairs with a
    journey on both (None without any)."""
    both = [p for p in pairs if p.base_min is not None and p.scenario_min is not None]
    weight = sum(p.legs for p in both)
    if not weight:
        return None
    return (sum(p.legs * (p.base_min or 0.0) for p in both) / weight,
            sum(p.legs * (p.scenario_min or 0.0) for p in both) / weight)


@dataclass(frozen=True)
class Comparison:
    first: date
    last: date
    base: Year
    scenario: Year
    base_cost: OperatingCost
    scenario_cost: OperatingCost
    base_energy: FleetEnergy
    scenario_energy: FleetEnergy
    ridership: RidershipResponse
    new_boardings: tuple[Decimal, Decimal]  # a year, short and long run
    car_km_avoided: tuple[Decimal, Decimal]
    car_mwh_avoided: tuple[Decimal, Decimal]
    assumptions: Assumptions
    od: tuple[OdTime, ...] = ()

    @property
    def service_change(self) -> Decimal:
        return self.ridership.service_change

    def effects(self, *, start_year: int, full_year: int, label: str) -> list[dict[str, Any]]:
        """The plan's typed effects of the long-run response (docs/plan.md): the buses' extra
        diesel in II.1.1 and electricity in II.1.2, and the car fuel the new riders leave in
        the tank, from ``start_year`` to ``full_year``; every effect noted with ``label``."""
        ramp = {"start": start_year, "full": full_year}
        note = f"{EFFECT_NOTE}: {label}"
        out: list[dict[str, Any]] = []
        for carrier, row, mwh in (
                ("diesel", DIESEL_ROW,
                 self.scenario_energy.diesel_mwh - self.base_energy.diesel_mwh),
                ("electricity", GRID_ROW,
                 self.scenario_energy.battery_mwh - self.base_energy.battery_mwh)):
            if mwh > 0:
                out.append({"type": "change_activity", "mwh": round(float(mwh), 3),
                            "carrier": carrier, "to_gpc": row, "ramp": ramp, "note": note})
            elif mwh < 0:
                out.append({"type": "change_activity", "mwh": round(float(mwh), 3),
                            "carrier": carrier, "target": {"gpc": [row]}, "ramp": ramp,
                            "note": note})
        car = self.car_mwh_avoided[1]
        if car != 0:
            out.append({"type": "change_activity", "mwh": round(float(-car), 3),
                        "carrier": CAR_CARRIER, "target": {"gpc": [DIESEL_ROW]},
                        "ramp": ramp, "note": note})
        return out


def compare(base: Year, scenario: Year, first: date, last: date,
            assumptions: Assumptions = Assumptions()) -> Comparison:
    """The scenario's year against the base's."""
    a = assumptions
    if base.bus_km <= 0:
        raise ValueError("the base timetable runs no bus-km in the period compared")
    response = ridership_response((scenario.bus_km - base.bus_km) / base.bus_km)
    new = (a.boardings_per_year * response.short_run, a.boardings_per_year * response.long_run)
    car_km = tuple(n * a.km_per_boarding * a.from_car / a.car_occupancy for n in new)
    car_mwh = tuple(k * CAR_KWH_PER_VKM / 1000 for k in car_km)
    return Comparison(
        first, last, base, scenario,
        operating_cost(base.bus_hours, base.bus_km, a.rates),
        operating_cost(scenario.bus_hours, scenario.bus_km, a.rates),
        fleet_energy(base.bus_km, a.battery_share),
        fleet_energy(scenario.bus_km, a.battery_share),
        response, new, (car_km[0], car_km[1]), (car_mwh[0], car_mwh[1]), a)


def _d(x: Decimal, places: str = "0.01") -> str:
    return str(x.quantize(Decimal(places)))


def _year_json(y: Year) -> dict[str, Any]:
    return {"bus_km": _d(y.bus_km, "0.1"), "bus_hours": _d(y.bus_hours, "0.1"),
            "trips": y.trips, "service_days": y.service_days,
            "peak_vehicles": y.peak_vehicles,
            "typical_day": y.typical_day.isoformat() if y.typical_day else None,
            "fleet": y.fleet}


def _energy_json(e: FleetEnergy) -> dict[str, Any]:
    return {"diesel_mwh": _d(e.diesel_mwh, "0.001"), "electricity_mwh": _d(e.battery_mwh, "0.001"),
            "t_co2": {row: _d(t, "0.001") for row, t in e.gpc.items()}}


def _min(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def to_json(c: Comparison) -> dict[str, Any]:
    """Decimal figures as strings, shares in percent."""
    a = c.assumptions

    def pct(x: Decimal) -> str:
        return _d(x * 100, "0.1")

    return {
        "period": {"first": c.first.isoformat(), "last": c.last.isoformat()},
        "base": _year_json(c.base), "scenario": _year_json(c.scenario),
        "change": {"bus_km": _d(c.scenario.bus_km - c.base.bus_km, "0.1"),
                   "bus_hours": _d(c.scenario.bus_hours - c.base.bus_hours, "0.1"),
                   "bus_km_percent": pct(c.service_change)},
        "cost": {"currency": a.rates.currency,
                 "base": str(c.base_cost.total.amount),
                 "scenario": str(c.scenario_cost.total.amount),
                 "change": str(c.scenario_cost.total.amount - c.base_cost.total.amount),
                 "per_bus_hour": str(a.rates.per_bus_hour),
                 "per_bus_km": str(a.rates.per_bus_km)},
        "energy": {"base": _energy_json(c.base_energy),
                   "scenario": _energy_json(c.scenario_energy),
                   "battery_share": str(a.battery_share)},
        "ridership": {"short_run_percent": pct(c.ridership.short_run),
                      "long_run_percent": pct(c.ridership.long_run),
                      "elasticities": [str(c.ridership.short_elasticity),
                                       str(c.ridership.long_elasticity)],
                      "source": c.ridership.source,
                      "boardings_per_year": _d(a.boardings_per_year, "1"),
                      "boardings_source": a.boardings_source,
                      "new_boardings_per_year": [_d(n, "1") for n in c.new_boardings]},
        "od": {"pairs": [{"origin": p.origin, "destination": p.destination, "legs": p.legs,
                          "base_min": _min(p.base_min), "scenario_min": _min(p.scenario_min)}
                         for p in c.od],
               "weighted_mean_min": (None if (w := weighted_minutes(c.od)) is None
                                     else [round(w[0], 1), round(w[1], 1)])},
        "car": {"km_avoided_per_year": [_d(k, "1") for k in c.car_km_avoided],
                "mwh_avoided_per_year": [_d(m, "0.001") for m in c.car_mwh_avoided],
                "t_co2_avoided_per_year": [_d(m * DIESEL_T_PER_MWH, "0.001")
                                           for m in c.car_mwh_avoided],
                "km_per_boarding": str(a.km_per_boarding),
                "from_car": str(a.from_car), "from_car_source": a.from_car_source,
                "occupancy": str(a.car_occupancy),
                "kwh_per_vkm": _d(CAR_KWH_PER_VKM, "0.001")},
    }
