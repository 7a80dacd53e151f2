"""Ridership analytics for the transport operator and the climate plan, from the city card's
taps — pseudonymised per period, and aggregated before anything leaves this module.

For a month, every accepted bus and bike tap becomes a *leg* whose rider is
``HMAC-SHA256(month's key, account pseudonym)``: the month's key (``PseudonymKey``) is random,
kept apart from the trip data and destroyed with the retention window, so legs of different
months cannot be linked to each other and, once the key is gone, not to anyone. From the legs:

- boardings per route, stop and hour of the day, and transfers;
- origin–destination flows by trip chaining (the standard method for entry-only fare
  systems): a bus leg ends where the rider's next leg of the day begins; the day's last leg
  ends where the first began. A flow of fewer than ``MIN_FLOW`` legs is shown only as part of
  "other";
- passenger-km: a chained bus leg is the straight line between its stops times a detour
  factor; a leg that cannot be chained counts the month's mean chained length (the mode's
  default when there is none); a bike leg is its minutes at an average speed;
- avoided car emissions: passenger-km times a car's emissions per passenger-km (the factors
  below, each with its source, and kept with every result).

``publish`` hands the month's totals per mode to the data platform as readings of the
``city-card-ridership`` source (open data; plan indicators are fed from it like from any
source). Nothing per person leaves.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils.timezone import now

from zerocity.card.models import PseudonymKey, Stop, Tap
from zerocity.core import audit, hooks
from zerocity.core.actors import Person
from zerocity.core.calendar import CityCalendar
from zerocity.core.models import City

MODES = ("bus", "bike")
MIN_FLOW = 5  # smaller origin–destination cells are merged into "other"
SOURCE_KEY = "city-card-ridership"


@dataclass(frozen=True)
class MobilityFactors:
    """What turns legs into passenger-km and avoided emissions, with where each figure comes
    from. A city sets its own (``ZEROCITY_MOBILITY_FACTORS``)."""

    car_kg_per_vkm: float = 0.17
    car_kg_source: str = ("DEFRA 2023 conversion factors, average diesel car, 0.17 kg CO2e per "
                          "vehicle-km (shared/research/dps-food-procurement.md §7.2)")
    car_occupancy: float = 1.3
    car_occupancy_source: str = ("assumed average occupancy of a car trip; replace with the "
                                 "city's mobility survey")
    detour: float = 1.3
    detour_source: str = ("straight line x 1.3, the usual road-distance fallback "
                          "(shared/research/dps-food-procurement.md §7.1)")
    bike_kmh: float = 12.0
    default_km: dict[str, float] = field(default_factory=lambda: {"bus": 4.0, "bike": 2.0})

    @property
    def car_kg_per_pkm(self) -> float:
        return self.car_kg_per_vkm / self.car_occupancy


def factors() -> MobilityFactors:
    return MobilityFactors(**getattr(settings, "ZEROCITY_MOBILITY_FACTORS", {}))


# -- pseudonyms ---------------------------------------------------------------------------------

def period_of(moment: date | datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def period_key(city: City, period: str) -> bytes | None:
    """The period's secret, made on first use; None once it has been destroyed."""
    key, _ = PseudonymKey.objects.get_or_create(
        city=city, period=period, defaults={"secret": secrets.token_hex(32)})
    return bytes.fromhex(key.secret) if key.secret else None


def pseudonym(key: bytes, account_pseudonym: Any) -> str:
    return hmac.new(key, str(account_pseudonym).encode(), hashlib.sha256).hexdigest()[:32]


# -- stops (GTFS stops.txt) ------------------------------------------------------------------

class StopsError(ValueError):
    """A stops file refused, with every mistake as ``line N, column: reason`` in line order:
    whoever fixes the file meets them all at once, not one per try."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


STOP_COLUMNS = ("stop_id", "stop_name", "stop_lat", "stop_lon")


@transaction.atomic
def load_stops(city: City, text: str, *, by: Person | None = None, actor: str = "") -> int:
    """Load or update stops from a GTFS ``stops.txt`` (stop_id, stop_name, stop_lat,
    stop_lon); a file with a bad row or a missing column is refused whole, with every mistake's
    line and column. The same file again changes nothing."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = set(STOP_COLUMNS) - set(reader.fieldnames or [])
    errors = [f"line 1: missing column(s) {', '.join(sorted(missing))}"] if missing else []
    rows = []
    first_line: dict[str, int] = {}  # stop_id -> the line that gave it first
    for row in reader:
        # the file's line of the row: DictReader skips blank lines, so counting rows would not
        # number them as the file does
        line = reader.line_num
        point: tuple[float, float] | None = None
        # a column the header lacks has its message there, not one on every row
        if not missing & {"stop_lat", "stop_lon"}:
            try:
                point = float(row["stop_lat"]), float(row["stop_lon"])
            except (TypeError, ValueError):
                errors.append(f"line {line}, stop_lat/stop_lon: not a number")
            else:
                if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
                    errors.append(f"line {line}, stop_lat/stop_lon: outside the globe")
        stop_id = "" if "stop_id" in missing else (row["stop_id"] or "").strip()
        if "stop_id" not in missing and not stop_id:
            errors.append(f"line {line}, stop_id: empty")
        elif stop_id in first_line:
            errors.append(f"line {line}, stop_id: {stop_id!r} is on line {first_line[stop_id]} "
                          "already")
        elif stop_id:
            first_line[stop_id] = line
        if not errors and point is not None:  # once refused, the rows are only checked
            rows.append((stop_id, (row["stop_name"] or "").strip(), *point))
    if errors:
        raise StopsError(errors)
    have = {s.stop_id: (s.name, s.lat, s.lon) for s in Stop.objects.filter(city=city)}
    changed = [r for r in rows if have.get(r[0]) != r[1:]]
    for stop_id, name, lat, lon in changed:
        Stop.objects.update_or_create(city=city, stop_id=stop_id,
                                      defaults={"name": name, "lat": lat, "lon": lon})
    if changed:  # the same file again changes nothing
        audit.record("card.stops", city=city, user=by, actor=actor, stops=len(rows),
                     changed=len(changed))
    return len(rows)


def stop_positions(city: City, month: date) -> dict[str, tuple[str, float, float]]:
    """stop_id -> (name, lat, lon): where the city's timetable feed puts its stops during the
    month (the versions in force on its first and last days, the later one winning), and for
    stops the feed lacks, the stops file loaded with ``load_stops`` (the fallback)."""
    placed = {s.stop_id: (s.name, s.lat, s.lon) for s in Stop.objects.filter(city=city)}
    network = hooks.transit()
    if network is not None:
        first = month.replace(day=1)
        last = first.replace(day=city.calendar.days_in_month(first.year, first.month))
        placed.update(network.stop_positions(city, first))
        placed.update(network.stop_positions(city, last))
    return placed


# -- legs ---------------------------------------------------------------------------------------

LEG_COLUMNS = ["rider", "at", "service", "route", "stop", "reason", "units"]


def legs(city: City, month: date) -> pd.DataFrame:
    """The month's accepted bus and bike taps as pseudonymous legs (no card, no account)."""
    key = period_key(city, period_of(month))
    cal = city.calendar
    start, end = cal.month_bounds(month.year, month.month)
    rows = (Tap.objects.filter(validator__city=city, accepted=True, service__in=MODES,
                               medium__isnull=False, at__gte=start, at__lt=end)
            .values_list("medium__account__pseudonym", "at", "service", "route", "stop",
                         "reason", "units").order_by("at", "id"))
    if key is None:
        return pd.DataFrame(columns=LEG_COLUMNS)
    df = pd.DataFrame.from_records(
        ((pseudonym(key, r[0]), *r[1:]) for r in rows.iterator(chunk_size=10_000)),
        columns=LEG_COLUMNS)
    if not df.empty:
        df["at"] = pd.to_datetime(df["at"], utc=True).dt.tz_convert(cal.timezone)
    return df


def chain(df: pd.DataFrame) -> pd.DataFrame:
    """Add ``dest`` to bus legs by trip chaining (see the module's docstring)."""
    df = df.copy()
    df["dest"] = None
    bus = df[(df["service"] == "bus") & (df["stop"] != "")].sort_values(["rider", "at"])
    if bus.empty:
        return df
    day = bus["at"].dt.date
    nxt = bus.groupby([bus["rider"], day])["stop"].shift(-1)
    first = bus.groupby([bus["rider"], day])["stop"].transform("first")
    size = bus.groupby([bus["rider"], day])["stop"].transform("size")
    dest = nxt.where(nxt.notna(), first.where(size > 1))
    dest = dest.where(dest != bus["stop"])  # the same stop again says nothing
    df.loc[bus.index, "dest"] = dest
    return df


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# -- the month's figures ---------------------------------------------------------------------

@dataclass
class Ridership:
    city: City
    month: date
    legs: int
    legs_by_mode: dict[str, int]
    riders: int
    boardings_by_route: list[tuple[str, int]]
    boardings_by_stop: list[tuple[str, str, int]]
    boardings_by_hour: list[int]
    transfers: int
    od: list[tuple[str, str, int, float]]  # origin, destination, legs, km per leg
    od_other: int
    chained_share: float | None
    passenger_km: dict[str, float]
    avoided_kg: dict[str, float]
    factors: MobilityFactors

    @property
    def avoided_t(self) -> float:
        return sum(self.avoided_kg.values()) / 1000


def analyse(city: City, month: date, *, mobility: MobilityFactors | None = None) -> Ridership:
    f = mobility or factors()
    df = chain(legs(city, month))
    stops = stop_positions(city, month)
    bus = df[df["service"] == "bus"]
    by_route = bus[bus["route"] != ""].groupby("route").size().sort_values(ascending=False)
    by_stop = bus[bus["stop"] != ""].groupby("stop").size().sort_values(ascending=False)
    hours = [0] * 24
    for hour, n in df.groupby(df["at"].dt.hour).size().items() if not df.empty else []:
        hours[int(hour)] = int(n)

    def km(o: str, d: str) -> float | None:
        if o in stops and d in stops:
            return _haversine_km(stops[o][1:], stops[d][1:]) * f.detour
        return None

    chained = bus[bus["dest"].notna()]
    flows = chained.groupby(["stop", "dest"]).size() if not chained.empty else pd.Series()
    od = sorted(((o, d, int(n), km(o, d) or 0.0) for (o, d), n in flows.items()
                 if n >= MIN_FLOW), key=lambda r: -r[2])
    lengths = [km(o, d) for o, d in zip(chained["stop"], chained["dest"], strict=True)]
    known = [x for x in lengths if x is not None]
    mean_bus = sum(known) / len(known) if known else f.default_km["bus"]
    bus_km = sum(known) + (len(bus) - len(known)) * mean_bus
    bike = df[df["service"] == "bike"]
    minutes = bike["units"].dropna()
    bike_km = (float(minutes.sum()) * f.bike_kmh / 60
               + (len(bike) - len(minutes)) * f.default_km["bike"])
    pkm = {"bus": round(bus_km, 1), "bike": round(bike_km, 1)}
    return Ridership(
        city=city, month=month.replace(day=1), legs=len(df),
        legs_by_mode={m: int((df["service"] == m).sum()) for m in MODES},
        riders=int(df["rider"].nunique()),
        boardings_by_route=[(str(r), int(n)) for r, n in by_route.items()],
        boardings_by_stop=[(str(s), stops[s][0] if s in stops else "", int(n))
                           for s, n in by_stop.items()],
        boardings_by_hour=hours,
        transfers=int((df["reason"] == "transfer").sum()),
        od=od, od_other=int(len(chained) - sum(r[2] for r in od)),
        chained_share=(len(chained) / len(bus[bus["stop"] != ""])
                       if len(bus[bus["stop"] != ""]) else None),
        passenger_km=pkm,
        avoided_kg={m: round(v * f.car_kg_per_pkm, 1) for m, v in pkm.items()},
        factors=f)


# -- what leaves the module --------------------------------------------------------------------

SCHEMA = {"passenger_km": {"unit": "km", "min": 0},
          "boardings": {"unit": "count", "min": 0},
          "avoided_co2e": {"unit": "kg", "min": 0}}


def source(city: City) -> Any:
    from zerocity.data.models import Publication, SourceKind
    from zerocity.data.services import add_source

    return add_source(
        city, SOURCE_KEY, name="City card ridership (aggregated)",
        kind=SourceKind.CITY_CARD_USAGE, schema=SCHEMA, owner=f"{city.name} city card",
        frequency="monthly", timezone=city.timezone, licence="CC-BY-4.0",
        publication=Publication.OPEN, actor="city card",
        description="Passenger-km, boardings and avoided car emissions per mode and month, "
                    "from the city card's taps; no personal data.")


def readings(r: Ridership, cal: CityCalendar) -> list[dict[str, Any]]:
    """The month's totals per mode: the only ridership data that leaves this module."""
    at = cal.month_start(r.month.year, r.month.month).isoformat()
    out = []
    for mode in MODES:
        values = {"passenger_km": (r.passenger_km[mode], "km"),
                  "avoided_co2e": (r.avoided_kg[mode], "kg"),
                  "boardings": (r.legs_by_mode[mode], "count")}
        out += [{"meter": mode, "time": at, "quantity": q, "value": v, "unit": u}
                for q, (v, u) in values.items()]
    return out


def publish(city: City, month: date, *, by: Person | None = None, actor: str = "") -> Any:
    """Hand the month's aggregates to the data platform (the intake commits on its own,
    atomically); the same month again changes nothing, a different figure for it is refused
    there as a conflict, kept in the batch's quarantine."""
    from zerocity.data.services import ingest_records

    r = analyse(city, month)
    done = ingest_records(source(city), readings(r, city.calendar), by=by,
                          actor=actor or "city card", filename=f"ridership-{period_of(month)}.json")
    if not done.replayed:
        audit.record("card.ridership_published", city=city, user=by, actor=actor,
                     month=period_of(month), batch=done.value.pk, passenger_km=r.passenger_km)
    return done.value


# -- retention ------------------------------------------------------------------------------------

def retention_days() -> int:
    return int(getattr(settings, "ZEROCITY_CARD_TRIP_RETENTION_DAYS", 400))


@dataclass(frozen=True)
class Erased:
    taps: int
    keys: int


@transaction.atomic
def apply_retention(city: City, *, today: date | None = None) -> Erased:
    """Past the retention window, a tap keeps only what the money records need (its time,
    fare and payment); its medium, vehicle, route and stop are erased, and the pseudonym keys
    of the periods wholly before the window are destroyed. Running it again changes nothing."""
    cal = city.calendar
    today = today or cal.today()
    cutoff = cal.day_start(today - timedelta(days=retention_days()))
    taps = Tap.objects.filter(validator__city=city, at__lt=cutoff,
                              location_erased_at__isnull=True).update(
        medium=None, token_hash="", vehicle="", route="", stop="", location_erased_at=now())
    keys = PseudonymKey.objects.filter(city=city,
                                       period__lt=period_of(cal.local_date(cutoff)),
                                       destroyed_at__isnull=True).update(
        secret="", destroyed_at=now())
    if taps or keys:
        audit.record("card.retention", city=city, actor="retention", taps=taps, keys=keys,
                     before=cal.local_date(cutoff).isoformat())
    return Erased(taps, keys)
