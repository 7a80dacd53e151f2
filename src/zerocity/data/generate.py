"""Synthetic meter readings for a city, written straight into the readings store's layout
(``source=<key>/year=YYYY/month=MM/<batch>-<n>.parquet``, partitioned by the UTC month of ``ts``).

For Kranj: 15-minute electricity of households, services, industry, transport (charging) and
waste services from the distribution operator; daily gas and district heat (heating-degree
shaped) from Domplan; 15-minute PV production. Each stream is calibrated so that the local calendar
year 2018 sums to its target (Kranj's 2018 activity data, Action Plan A-1.1/A-1.4) whatever the
number of meters: the stream's profile is scaled to the target over 2018, meters get random
shares that add up to one, and each meter's random noise is normalised within every month, so
no randomness reaches the totals (readings are rounded to 1 Wh / 1 litre, which moves them by
far less than 0.01 %). Other years follow the same profiles with their own weather and calendar
and a small yearly trend per stream.

Vectorised with numpy and pyarrow, one local month and at most ``BLOCK_ROWS`` readings at a
time, so memory stays bounded however many readings are written (the benchmark writes 50
million).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zerocity.data.pipelines.calendar import frequency_seconds
from zerocity.data.pipelines.engines import STORE_SCHEMA, constant_column, store_table
from zerocity.data.pipelines.gpc import GAS_KWH_PER_M3

READINGS_SCHEMA = STORE_SCHEMA
BLOCK_ROWS = 2_000_000  # readings built and written at a time
CALIBRATION_YEAR = 2018
# Kranj (settlement centre): for the sun's position and the climate.
LATITUDE, LONGITUDE = 46.24, 14.36


@dataclass(frozen=True)
class Stream:
    """One calibrated group of meters: a source's quantity for one customer class."""

    source: str
    quantity: str
    unit: str
    customer_class: str | None
    profile: str
    frequency: str
    target_mwh: float  # over the calibration year, in MWh
    meter_weight: float  # share of the meters (Kranj's order of magnitude of metering points)
    prefix: str  # meter ids: <prefix>-000001
    noise: float  # sigma of the lognormal noise of one reading
    growth: float  # per year, relative, from the calibration year on
    reference: str
    illustrative: bool = False


@dataclass(frozen=True)
class Source:
    key: str
    kind: str  # DataSource.kind
    owner: str
    frequency: str
    quantity: str
    unit: str


# The keys and frequencies of Kranj's registered sources (zerocity.data.demo.KRANJ_SOURCES).
KRANJ_SOURCES = (
    Source("electricity-meters", "electricity_meters", "Elektro Gorenjska d.d.", "15min",
           "active_energy", "kWh"),
    Source("gas-meters", "gas_meters", "Domplan d.d.", "daily", "gas_volume", "m3"),
    Source("district-heat-meters", "heat_meters", "Domplan d.d.", "daily", "heat_energy", "kWh"),
    Source("district-heat-production", "heat_meters", "Domplan d.d.", "daily",
           "heat_production", "kWh"),
    Source("pv-production", "pv_production", "Elektro Gorenjska d.d.", "15min",
           "pv_energy", "kWh"),
)
A11 = "Kranj Action Plan A-1.1 (LEK 2020), split by A-1.4"
KRANJ_STREAMS = (
    Stream("electricity-meters", "active_energy", "kWh", "household", "household_electricity",
           "15min", 42_682.1, 24_000, "EH", 0.45, 0.01, A11 + ": electricity, residential"),
    Stream("electricity-meters", "active_energy", "kWh", "services", "services_electricity",
           "15min", 25_896.9, 3_000, "ES", 0.2, 0.005,
           A11 + ": electricity, commercial and public"),
    Stream("electricity-meters", "active_energy", "kWh", "industry", "industry_electricity",
           "15min", 30_000.0, 300, "EI", 0.15, 0.0,
           "illustrative: Kranj's baseline has no industrial electricity", illustrative=True),
    Stream("electricity-meters", "active_energy", "kWh", "transport", "transport_electricity",
           "15min", 2_016.0, 20, "ET", 0.35, 0.08, "Kranj Action Plan A-1.1: transport"),
    Stream("electricity-meters", "active_energy", "kWh", "waste_services",
           "waste_electricity", "15min", 1_085.0, 20, "EW", 0.1, 0.0,
           "Kranj Action Plan A-1.1: waste (electricity)"),
    Stream("gas-meters", "gas_volume", "m3", "household", "household_gas", "daily",
           51_875.0, 8_000, "GH", 0.12, -0.02, A11 + ": natural gas, residential"),
    Stream("gas-meters", "gas_volume", "m3", "services", "services_gas", "daily", 18_976.0,
           600, "GS", 0.12, -0.02, A11 + ": natural gas, commercial and public"),
    Stream("gas-meters", "gas_volume", "m3", "industry", "industry_gas", "daily", 79_655.0,
           80, "GI", 0.1, -0.01, "Kranj Action Plan A-1.1: IPPU natural gas"),
    Stream("district-heat-meters", "heat_energy", "kWh", "household", "household_heat", "daily",
           36_126.0, 400, "HH", 0.08, -0.01, A11 + ": district heat, residential"),
    Stream("district-heat-meters", "heat_energy", "kWh", "services", "services_heat", "daily",
           13_215.0, 80, "HS", 0.08, -0.01, A11 + ": district heat, commercial and public"),
    Stream("district-heat-meters", "heat_energy", "kWh", "industry", "industry_heat", "daily",
           8_347.0, 10, "HI", 0.08, -0.01, "Kranj Action Plan A-1.1: IPPU district heat"),
    # Heat fed into the networks by Domplan's plants (delivered 57,688 MWh in 2018 plus about
    # 12 % network losses), and the part of it from renewables and waste heat: 30 % in 2018 by
    # the Action Plan's impact pathway for action 1.1 (research note ghg-standards.md 7.7).
    Stream("district-heat-production", "heat_production", "kWh", None, "dh_production",
           "daily", 65_600.0, 3, "DP", 0.05, -0.01,
           "illustrative: 2018 heat delivered (A-1.1) plus network losses", illustrative=True),
    Stream("district-heat-production", "heat_production_renewable", "kWh", None,
           "dh_production", "daily", 19_680.0, 2, "DR", 0.05, 0.09,
           "illustrative: 30 % renewable in 2018 (impact pathway of action 1.1)",
           illustrative=True),
    Stream("pv-production", "pv_energy", "kWh", None, "pv", "15min", 12_000.0, 600,
           "PV", 0.08, 0.15, "illustrative: local PV production", illustrative=True),
)
CALIBRATIONS: dict[str, tuple[Stream, ...]] = {"kranj": KRANJ_STREAMS}
SOURCES: dict[str, tuple[Source, ...]] = {"kranj": KRANJ_SOURCES}

# Slovenian public holidays on fixed dates (Easter Monday moves and is left out): services and
# industry run as on a Sunday.
HOLIDAYS = {(1, 1), (1, 2), (2, 8), (4, 27), (5, 1), (5, 2), (6, 25), (8, 15), (10, 31),
            (11, 1), (12, 25), (12, 26)}


@dataclass
class GenerateResult:
    out_dir: Path
    readings: int
    files: int
    meters: dict[str, int]  # per stream (meter prefix)


def _streams(city: str) -> tuple[Stream, ...]:
    if city not in CALIBRATIONS:
        raise ValueError(f"no calibration for {city!r} (known: {', '.join(CALIBRATIONS)})")
    return CALIBRATIONS[city]


def frequencies(city: str = "kranj") -> dict[str, str]:
    """Source key -> reading frequency, as the pipelines take it."""
    _streams(city)
    return {s.key: s.frequency for s in SOURCES[city]}


def allocate_meters(total: int, streams: tuple[Stream, ...], minimum: int = 1) -> list[int]:
    """``total`` meters over the streams: ``minimum`` each, the rest by weight (largest
    remainder)."""
    if minimum < 1:
        raise ValueError("every stream needs at least one meter")
    if total < minimum * len(streams):
        raise ValueError(f"at least {minimum * len(streams)} meters are needed ({minimum} per "
                         "stream)")
    rest = total - minimum * len(streams)
    weights = np.array([s.meter_weight for s in streams], dtype=float)
    exact = rest * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: rest - int(counts.sum())]:
        counts[i] += 1
    return [int(c) + minimum for c in counts]


# -- the local calendar ---------------------------------------------------------------------

def _local_months(start: date, end: date) -> Iterator[tuple[date, date]]:
    """[first, last) local dates of each month between ``start`` and ``end``."""
    cur = start
    while cur < end:
        nxt = date(cur.year + (cur.month == 12), cur.month % 12 + 1, 1)
        yield cur, min(nxt, end)
        cur = nxt


def _utc_us(day: date, tz: str) -> int:
    """Microseconds since the epoch of local midnight starting ``day``."""
    instant = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return int(instant.timestamp()) * 1_000_000


def _slots(first: date, last: date, frequency: str, tz: str) -> np.ndarray:
    """UTC microseconds of the readings owed between local midnights ``first`` and ``last``."""
    seconds = frequency_seconds(frequency)
    if seconds == 86_400:
        days = pd.date_range(first, last, freq="D", inclusive="left", tz=tz)
        return np.asarray(days.as_unit("us").asi8, dtype=np.int64)
    if not isinstance(seconds, int):
        raise ValueError(f"cannot generate a {frequency} source")
    step = seconds * 1_000_000
    return np.arange(_utc_us(first, tz), _utc_us(last, tz), step, dtype=np.int64)


# -- weather and profiles -------------------------------------------------------------------

_weather_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def _weather(year: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily mean temperature (deg C) and a clear-sky factor for each day of ``year``: Kranj's
    seasonal cycle (about -1 in January, 20 in July) with seeded day-to-day weather."""
    key = (year, seed)
    if key not in _weather_cache:
        n = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
        rng = np.random.default_rng([seed, year, 7])
        doy = np.arange(1, n + 1)
        anomaly = np.empty(n)
        a = rng.normal(0, 3.0)
        for i, e in enumerate(rng.normal(0, 1.8, n)):
            a = 0.8 * a + e
            anomaly[i] = a
        temperature = 9.5 - 10.5 * np.cos(2 * np.pi * (doy - 18) / 365.25) + anomaly
        cloudy_season = 0.5 + 0.5 * np.cos(2 * np.pi * (doy - 10) / 365.25)  # 1 in winter
        clear = np.clip(rng.beta(2.2, 1.4, n) * (1 - 0.45 * cloudy_season) + 0.12, 0.05, 1.0)
        _weather_cache[key] = (temperature, clear)
    return _weather_cache[key]


def _bump(hour: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hour - centre) / width) ** 2)


# numpy's stubs type some float-times-array products as Any; the profiles name their type.
Curve = npt.NDArray[np.float64]


def _profile(name: str, utc_us: np.ndarray, frequency: str, tz: str, seed: int) -> np.ndarray:
    """The stream's relative consumption in each slot (any scale; calibration fixes it)."""
    local = pd.DatetimeIndex(utc_us.astype("datetime64[us]")).tz_localize("UTC").tz_convert(tz)
    seconds = frequency_seconds(frequency)
    step_h = (seconds if isinstance(seconds, int) else 86_400) / 3600
    hour = np.asarray(local.hour + local.minute / 60, dtype=float) + step_h / 2
    doy = np.asarray(local.day_of_year, dtype=float)
    weekday = np.asarray(local.day_of_week)
    holiday = np.array([(m, d) in HOLIDAYS for m, d in zip(local.month, local.day, strict=True)])
    sunday = (weekday == 6) | holiday
    saturday = (weekday == 5) & ~holiday
    workday = ~(sunday | saturday)
    years = np.asarray(local.year)
    temperature = np.empty(len(utc_us))
    clear = np.empty(len(utc_us))
    for y in np.unique(years):
        t, c = _weather(int(y), seed)
        sel = years == y
        temperature[sel] = t[doy[sel].astype(int) - 1]
        clear[sel] = c[doy[sel].astype(int) - 1]
    hdd = np.maximum(0.0, 18.0 - temperature)
    winter = np.cos(2 * np.pi * (doy - 15) / 365.25)  # +1 mid-January, -1 mid-July

    if name == "household_electricity":
        morning = np.where(workday, _bump(hour, 7.3, 1.0), _bump(hour, 9.5, 1.6))
        midday = np.where(workday, 0.25, 0.5) * _bump(hour, 12.8, 1.5)
        evening = 1.0 * _bump(hour, 20.0, 1.8)
        household: Curve = (0.45 + 0.5 * morning + midday + evening) * (1 + 0.22 * winter)
        return household
    if name == "services_electricity":
        open_hours = 1 / (1 + np.exp(-(hour - 7.0) * 2)) / (1 + np.exp((hour - 18.0) * 2))
        day_level = np.where(workday, 1.0, np.where(saturday, 0.45, 0.12))
        summer_cooling = 0.12 * np.exp(-(((doy - 200) / 32) ** 2))
        services: Curve = (0.3 + day_level * open_hours) * (1 + 0.08 * winter + summer_cooling)
        return services
    if name == "industry_electricity":
        shifts = np.where((hour >= 6) & (hour < 22), 1.0, 0.45)
        level = np.where(workday, shifts, np.where(saturday, 0.6 * shifts, 0.4))
        holidays = np.where(((doy >= 215) & (doy < 229)) | (doy >= 358), 0.6, 1.0)
        return level * holidays
    if name == "transport_electricity":
        charging = np.where((hour >= 22) | (hour < 5), 1.0, 0.35)
        return charging * (1 + 0.15 * winter)
    if name == "waste_electricity":
        return 0.85 + 0.15 * _bump(hour, 11.0, 4.0) + 0.05 * winter
    if name in ("household_gas", "services_gas", "industry_gas"):
        base, heating, weekend = {"household_gas": (1.2, 1.0, 1.0),
                                  "services_gas": (0.8, 1.0, 0.8),
                                  "industry_gas": (8.0, 0.6, 0.6)}[name]
        return (base + heating * hdd) * np.where(workday, 1.0, weekend)
    if name in ("household_heat", "services_heat", "industry_heat", "dh_production"):
        base, heating, weekend = {"household_heat": (2.0, 1.0, 1.0),
                                  "dh_production": (2.2, 1.0, 0.95),
                                  "services_heat": (1.0, 1.0, 0.85),
                                  "industry_heat": (4.0, 0.7, 0.7)}[name]
        return (base + heating * hdd) * np.where(workday, 1.0, weekend)
    if name == "pv":
        utc_hours = (utc_us % 86_400_000_000) / 3.6e9 + step_h / 2
        solar_time = utc_hours + LONGITUDE / 15
        declination = np.radians(23.44) * np.sin(2 * np.pi * (284 + doy) / 365)
        lat = np.radians(LATITUDE)
        angle = np.radians(15 * (solar_time - 12))
        elevation = (np.sin(lat) * np.sin(declination)
                     + np.cos(lat) * np.cos(declination) * np.cos(angle))
        pv: Curve = np.maximum(0.0, elevation) ** 1.2 * clear
        return pv
    raise ValueError(f"unknown profile {name!r}")


def _scale(stream: Stream, frequency: str, tz: str, seed: int) -> float:
    """Target in the stream's unit per unit of profile summed over the calibration year."""
    year = CALIBRATION_YEAR
    total = 0.0
    for first, last in _local_months(date(year, 1, 1), date(year + 1, 1, 1)):
        total += float(_profile(stream.profile, _slots(first, last, frequency, tz), frequency,
                                tz, seed).sum())
    target = stream.target_mwh * 1000.0  # kWh
    if stream.quantity == "gas_volume":
        target /= GAS_KWH_PER_M3  # m3
    return target / total


# -- writing --------------------------------------------------------------------------------

def _table(city: str, stream: Stream, meters: list[str], ts: np.ndarray, values: np.ndarray,
           batch: int) -> pa.Table:
    n_meters, n_slots = values.shape
    n = n_meters * n_slots
    meter_index = np.repeat(np.arange(n_meters, dtype=np.int32), n_slots)
    return store_table({
        "city": constant_column(city, n), "source": constant_column(stream.source, n),
        "meter": pa.DictionaryArray.from_arrays(pa.array(meter_index), pa.array(meters)),
        "quantity": constant_column(stream.quantity, n),
        "ts": pa.array(np.tile(ts, n_meters), pa.timestamp("us", tz="UTC")),
        "value": pa.array(values.ravel()), "unit": constant_column(stream.unit, n),
        "customer_class": constant_column(stream.customer_class, n),
        "batch": pa.array(np.full(n, batch, dtype=np.int64)),
    })


def _utc_months(ts: np.ndarray) -> np.ndarray:
    """yyyymm of each UTC instant (microseconds)."""
    months = ts.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
    return (1970 + months // 12) * 100 + months % 12 + 1


def _clear_batch(out: Path, sources: set[str], batch: int) -> None:
    """Re-running replaces the generator's own batch (its files), nothing else."""
    for source in sources:
        base = out / f"source={source}"
        if base.is_dir():
            for f in base.glob(f"year=*/month=*/{batch}-*.parquet"):
                f.unlink()


def generate(out_dir: str | Path, *, city: str = "kranj", meters: int, days: int,
             start: str | date = "2018-01-01", seed: int = 0, batch: int = 0,
             tz: str, min_meters: int = 1,
             progress: Callable[[int], None] | None = None) -> GenerateResult:
    """Write ``days`` days of synthetic readings of ``meters`` meters (at least ``min_meters``
    per stream) from local midnight of ``start`` into the dataset at ``out_dir``; returns what
    was written. ``progress`` is called with the number of readings after each block written."""
    streams = _streams(city)
    if days < 1:
        raise ValueError("days must be at least 1")
    counts = allocate_meters(meters, streams, min_meters)
    first = start if isinstance(start, date) else date.fromisoformat(start)
    end = first + timedelta(days=days)
    out = Path(out_dir)
    _clear_batch(out, {s.source for s in streams}, batch)
    parts: dict[tuple[str, int], int] = {}
    written = files = 0

    for index, (stream, n_meters) in enumerate(zip(streams, counts, strict=True)):
        scale = _scale(stream, stream.frequency, tz, seed)
        rng = np.random.default_rng([seed, index, 0])
        shares = rng.lognormal(0.0, 0.6, n_meters)
        shares /= shares.sum()
        names = [f"{stream.prefix}-{i:06d}" for i in range(1, n_meters + 1)]
        for m_first, m_last in _local_months(first, end):
            ts = _slots(m_first, m_last, stream.frequency, tz)
            if not len(ts):
                continue
            years = np.asarray(pd.DatetimeIndex(ts.astype("datetime64[us]"))
                               .tz_localize("UTC").tz_convert(tz).year)
            trend = (1 + stream.growth) ** (years - CALIBRATION_YEAR)
            total = _profile(stream.profile, ts, stream.frequency, tz, seed) * scale * trend
            weight = total.sum()
            utc_month = _utc_months(ts)
            block = max(1, BLOCK_ROWS // len(ts))
            for b, lo in enumerate(range(0, n_meters, block)):
                hi = min(n_meters, lo + block)
                brng = np.random.default_rng([seed, index, m_first.year, m_first.month, b])
                noise = brng.lognormal(0.0, stream.noise, (hi - lo, len(ts)))
                if weight > 0:  # each meter's noise adds nothing over the month
                    noise *= weight / (noise @ total)[:, None]
                values = np.round(total[None, :] * shares[lo:hi, None] * noise, 3)
                for period in np.unique(utc_month):
                    cols = utc_month == period
                    table = _table(city, stream, names[lo:hi], ts[cols], values[:, cols], batch)
                    year, month = divmod(int(period), 100)
                    key = (f"source={stream.source}/year={year:04d}/month={month:02d}", batch)
                    n = parts.get(key, 0)
                    parts[key] = n + 1
                    directory = out / key[0]
                    directory.mkdir(parents=True, exist_ok=True)
                    # no Arrow schema in the file: readers see plain strings, UTC timestamps
                    pq.write_table(table, directory / f"{batch}-{n}.parquet",
                                   store_schema=False, compression="zstd")
                    written += table.num_rows
                    files += 1
                if progress is not None:
                    progress(written)
    return GenerateResult(out, written, files,
                          {s.prefix: c for s, c in zip(streams, counts, strict=True)})


def estimate_readings(meters: int, days: int, *, city: str = "kranj",
                      start: str | date = "2018-01-01", tz: str) -> int:
    """How many readings :func:`generate` writes for these arguments (without writing)."""
    streams = _streams(city)
    first = start if isinstance(start, date) else date.fromisoformat(start)
    end = first + timedelta(days=days)
    owed: dict[str, int] = {}
    for s in streams:
        if s.frequency not in owed:
            owed[s.frequency] = sum(len(_slots(a, b, s.frequency, tz))
                                    for a, b in _local_months(first, end))
    counts = allocate_meters(meters, streams)
    return sum(c * owed[s.frequency] for s, c in zip(streams, counts, strict=True))


def meters_for(readings: int, days: int, *, city: str = "kranj",
               start: str | date = "2018-01-01", tz: str) -> int:
    """About how many meters make ``readings`` readings over ``days`` days."""
    streams = _streams(city)
    probe = max(len(streams), 10_000)
    per_meter = estimate_readings(probe, days, city=city, start=start, tz=tz) / probe
    return max(len(streams), math.ceil(readings / per_meter))


def default_out_dir() -> Path:
    """``<DATA_DIR>/readings``: the store the pipelines read."""
    try:
        from django.conf import settings

        return Path(settings.DATA_DIR) / "readings"
    except Exception:  # Django not set up: the same rule as settings.py
        return Path(os.environ.get("ZEROCITY_DATA_DIR", Path.cwd() / "var")) / "readings"


__all__ = ["KRANJ_SOURCES", "KRANJ_STREAMS", "READINGS_SCHEMA", "GenerateResult", "Source",
           "Stream", "allocate_meters", "estimate_readings", "frequencies", "generate",
           "meters_for"]
