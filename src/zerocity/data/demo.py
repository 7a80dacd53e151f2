"""Kranj's data sources, registered as the city's data team would (research note
ghg-standards.md §8: who supplies which data; anchors-citycard-engagement.md §C.3: the
Smart Data Models the devices speak). Quantity names match what the NGSI-LD intake maps the
models' attributes to (``zerocity.data.ngsi``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from zerocity.core.models import City
from zerocity.data.models import DataSource, IndicatorFeed
from zerocity.data.services import add_source
from zerocity.plan.models import Plan

RESTRICTED = "Restricted: per-meter data; published only aggregated"
CC_BY = "CC BY 4.0"

KRANJ_SOURCES: list[dict[str, Any]] = [
    {
        "key": "electricity-meters",
        "name": "Electricity distribution meters",
        "kind": "electricity_meters",
        "owner": "Elektro Gorenjska d.d. (distribution system operator)",
        "frequency": "15min",
        "schema": {"active_energy": {"unit": "kWh", "min": 0, "max": 100000},
                   "active_energy_export": {"unit": "kWh", "min": 0, "max": 100000}},
        "licence": RESTRICTED,
        "publication": "aggregated",
        "description": "15-minute active energy per metering point in the municipality, with "
                       "the customer class (household, services, industry, public lighting); "
                       "feeds GPC I.1.2, I.2.2 and I.3.2.",
    },
    {
        "key": "gas-meters",
        "name": "Natural gas meters",
        "kind": "gas_meters",
        "owner": "Domplan d.d. (gas distribution concessionaire)",
        "frequency": "daily",
        "schema": {"gas_volume": {"unit": "m3", "min": 0, "max": 1000000},
                   "gas_energy": {"unit": "kWh", "min": 0, "max": 10000000}},
        "licence": RESTRICTED,
        "publication": "aggregated",
        "description": "Daily gas volumes per metering point; feeds GPC I.x.1 natural gas.",
    },
    {
        "key": "district-heat-meters",
        "name": "District heat meters",
        "kind": "heat_meters",
        "owner": "Domplan d.d. (district heating concessionaire)",
        "frequency": "daily",
        "schema": {"heat_energy": {"unit": "kWh", "min": 0, "max": 10000000}},
        "licence": RESTRICTED,
        "publication": "aggregated",
        "description": "Daily heat delivered per substation of the Planina, Vodovodni stolp "
                       "and Zlato polje systems; feeds GPC I.x.2 district heat.",
    },
    {
        "key": "district-heat-production",
        "name": "District heat production",
        "kind": "heat_meters",
        "owner": "Domplan d.d. (district heating concessionaire)",
        "frequency": "daily",
        "schema": {"heat_production": {"unit": "kWh", "min": 0, "max": 5000000},
                   "heat_production_renewable": {"unit": "kWh", "min": 0, "max": 5000000}},
        "licence": CC_BY,
        "publication": "open",
        "description": "Daily heat fed into the networks by each plant, and the part of it "
                       "from renewables and waste heat; the plan's indicator OI 1.1.",
    },
    {
        "key": "pv-production",
        "name": "PV production",
        "kind": "pv_production",
        "owner": "Elektro Gorenjska d.d. (production meters)",
        "frequency": "15min",
        "schema": {"pv_energy": {"unit": "kWh", "min": 0, "max": 50000}},
        "licence": RESTRICTED,
        "publication": "aggregated",
        "description": "Energy fed in by solar plants in the municipality; the plan's "
                       "indicator OI 1.2 (green electricity production).",
    },
    {
        "key": "air-quality",
        "name": "Air quality",
        "kind": "air_quality",
        "owner": "ARSO - Slovenian Environment Agency, and the city's own sensors",
        "frequency": "hourly",
        "schema": {"no2": {"unit": "ug/m3", "min": 0, "max": 2000},
                   "pm10": {"unit": "ug/m3", "min": 0, "max": 5000},
                   "pm25": {"unit": "ug/m3", "min": 0, "max": 5000},
                   "o3": {"unit": "ug/m3", "min": 0, "max": 2000},
                   "air_temperature": {"unit": "degC", "min": -40, "max": 50}},
        "licence": CC_BY,
        "publication": "open",
        "description": "Hourly AirQualityObserved from the stations in Kranj.",
    },
    {
        "key": "traffic-counters",
        "name": "Traffic counters",
        "kind": "traffic_counters",
        "owner": "DRSI - Slovenian Infrastructure Agency, and the city's counters",
        "frequency": "hourly",
        "schema": {"vehicle_count": {"unit": "count", "min": 0, "max": 20000},
                   "vehicle_speed": {"unit": "km/h", "min": 0, "max": 250}},
        "licence": CC_BY,
        "publication": "open",
        "description": "Hourly TrafficFlowObserved per counting point; feeds GPC II.1 and "
                       "the mobility indicators.",
    },
]


def ensure_sources(city: City, *, actor: str = "demo") -> list[DataSource]:
    """Register Kranj's sources; a source the city already has (same key) is left as it is,
    so running this again changes nothing."""
    out = []
    for spec in KRANJ_SOURCES:
        existing = DataSource.objects.filter(city=city, key=spec["key"]).first()
        if existing is not None:
            out.append(existing)
            continue
        fields = {k: v for k, v in spec.items() if k != "key"}
        out.append(add_source(city, spec["key"], actor=actor, **fields))
    return out


# The demo's slice of synthetic readings: from January 2024 to the end of last month, so that
# the 2024 inventory (a draft) can be fed measured lines, 2025 is a complete year for the
# indicators and the nowcast of this year has last year to scale by. At least three meters per
# stream, so the open data has aggregates it may publish. ``make bench`` writes 50 million.
DEMO_FIRST_DAY = date(2024, 1, 1)
DEMO_METERS = 60
DEMO_MIN_METERS = 3

# The plan's indicators the data platform computes (Kranj's MEL table B-3.1).
KRANJ_INDICATOR_FEEDS: list[dict[str, Any]] = [
    {"code": "OI 1.1", "source": "district-heat-production",
     "quantity": "heat_production_renewable", "share_of": "heat_production"},
    {"code": "OI 1.2", "source": "pv-production", "quantity": "pv_energy"},
]


def ensure_readings(city: City, today: date | None = None) -> str:
    """Write the demo's slice of synthetic readings, on the city's clock, unless it is there
    already."""
    from zerocity.data.generate import default_out_dir, generate

    out = default_out_dir()
    first = DEMO_FIRST_DAY
    if any(out.glob(f"source=*/year={first.year}/month={first.month:02d}/0-*.parquet")):
        return "synthetic readings already there"
    today = today or city.calendar.today()
    days = (date(today.year, today.month, 1) - first).days
    made = generate(out, city=city.slug, meters=DEMO_METERS, days=days, start=first,
                    min_meters=DEMO_MIN_METERS, tz=city.timezone)
    return f"synthetic readings: {made.readings:,} ({first} to the end of last month)"


def ensure_indicator_feeds(city: City, plan: Plan, *, actor: str = "demo") -> list[IndicatorFeed]:
    from zerocity.data.outputs import set_indicator_feed

    feeds = []
    for spec in KRANJ_INDICATOR_FEEDS:
        indicator = plan.indicators.get(code=spec["code"])
        source = DataSource.objects.get(city=city, key=spec["source"])
        current = IndicatorFeed.objects.filter(indicator=indicator).first()
        if current is not None:
            feeds.append(current)
            continue
        feeds.append(set_indicator_feed(indicator, source, spec["quantity"],
                                        share_of=spec.get("share_of", ""), actor=actor))
    return feeds
