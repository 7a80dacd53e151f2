"""What the data platform hands to the rest of ZeroCity, with its provenance: measured lines for
an inventory year, and observations of the plan's indicators.

Measured lines come from :func:`zerocity.data.pipelines.gpc_activity` (one per GPC row, carrier
and CCC sector). Fed into an inventory year they supersede the estimates of the same carrier in
the same GPC sub-sector and CCC sector (Kranj's baseline, for instance, estimated district heat
under I.1.1 where the meters report it under I.1.2: the same heat, counted once). The lines go
through the inventory's own import, so factors, checks, audit and "the same data again changes
nothing" are the inventory's; the superseded lines are kept, as they were, in the feed's record.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.units import UnitError, conversion_factor
from zerocity.data import store
from zerocity.data.models import DataSource, IndicatorFeed, InventoryFeed
from zerocity.data.pipelines import gpc_activity, yearly_activity
from zerocity.inventory.exports import line_to_record
from zerocity.inventory.models import Inventory, InventoryLine
from zerocity.inventory.parsing import COLUMNS, ImportRejected
from zerocity.inventory.services import import_activity_file, quarantine
from zerocity.plan.models import Indicator, Observation
from zerocity.plan.services import record_observation

CARRIERS = {"electricity": "Electricity", "natural_gas": "Natural gas",
            "district_heat": "District heat"}
# Data quality of a measured line by the share of the readings owed that arrived.
QUALITY = ((0.95, "H"), (0.80, "M"))


def readings_path() -> Path:
    return store.readings_dir()


def frequencies(city: City) -> dict[str, str]:
    """Source key -> reading frequency, as the pipelines take it."""
    return dict(DataSource.objects.filter(city=city).values_list("key", "frequency"))


def city_scope(city: City) -> dict[str, Any]:
    """What every pipeline run for a city is given: its sources' frequencies, its readings
    only, and its own zone to count local months and years in."""
    return {"frequencies": frequencies(city), "city": city.slug, "tz": city.timezone}


def quality(coverage: float | None) -> str:
    for floor, grade in QUALITY:
        if coverage is not None and coverage >= floor:
            return grade
    return "L"


def _fuel_key(fuel: str) -> str:
    return fuel.rpartition(":")[2]


def _subsector(ref: str) -> str:
    return ref.rsplit(".", 1)[0]


# -- measured lines for the inventory ---------------------------------------------------------

@dataclass(frozen=True)
class MeasuredLine:
    year: int
    gpc_ref: str
    carrier: str
    ccc_sector: str
    mwh: float
    readings: int
    meters: int
    coverage: float | None
    sources: tuple[str, ...]
    batches: tuple[int, ...]

    @property
    def activity(self) -> str:
        name = f"{CARRIERS.get(self.carrier, self.carrier)}, metered"
        return name + (f" ({self.ccc_sector} in the CCC tables)" if self.ccc_sector else "")

    @property
    def data_quality(self) -> str:
        return quality(self.coverage)

    @property
    def match(self) -> tuple[str, str, str]:
        """What an estimate must share to be superseded: sub-sector, carrier, CCC sector."""
        return (_subsector(self.gpc_ref), self.carrier, self.ccc_sector)

    def source_text(self) -> str:
        batches = [b for b in self.batches if b]
        told = (f"batches {batches[0]}" if len(batches) == 1 else
                f"{len(batches)} batches, {batches[0]} to {batches[-1]}") if batches else \
            "synthetic readings"
        cover = "coverage unknown" if self.coverage is None else \
            f"{self.coverage:.1%} of the readings owed"
        return (f"ZeroCity data platform: {', '.join(self.sources)}; {told}; "
                f"{self.readings:,} readings of {self.meters:,} meters; {cover}")[:500]

    def provenance(self) -> dict[str, Any]:
        return {"gpc_ref": self.gpc_ref, "activity": self.activity, "carrier": self.carrier,
                "ccc_sector": self.ccc_sector, "mwh": self.mwh, "readings": self.readings,
                "meters": self.meters, "coverage": self.coverage,
                "data_quality": self.data_quality, "sources": list(self.sources),
                "batches": list(self.batches)}

    def record(self, fuel: str) -> dict[str, object]:
        rec: dict[str, object] = {c: "" for c in COLUMNS}
        rec.update(gpc_ref=self.gpc_ref, activity=self.activity, amount=repr(self.mwh),
                   unit="MWh", fuel=fuel, data_quality=self.data_quality,
                   source=self.source_text(), ccc_sector=self.ccc_sector)
        return rec


def measured_lines(city: City, year: int, *, engine: Any = None) -> list[MeasuredLine]:
    """The year's metered activity per GPC row, carrier and CCC sector, with provenance."""
    df = gpc_activity(readings_path(), per="year", engine=engine, **city_scope(city))
    df = df[df["year"] == year]
    return [
        MeasuredLine(
            year=year, gpc_ref=r.gpc_ref, carrier=r.carrier, ccc_sector=r.ccc_sector or "",
            mwh=round(float(r.mwh), 3), readings=int(r.readings), meters=int(r.meters),
            coverage=None if r.coverage != r.coverage or r.coverage is None
            else round(float(r.coverage), 6),
            sources=tuple(r.sources), batches=tuple(int(b) for b in r.batches))
        for r in df.itertuples(index=False)
    ]


@dataclass
class FeedPlan:
    """What feeding the year would do: the measured lines, each with the estimates it
    supersedes and the line it updates (a previous feed's)."""

    year: int
    inventory: Inventory | None
    lines: list[MeasuredLine]
    superseded: dict[MeasuredLine, list[InventoryLine]] = field(default_factory=dict)
    current: dict[MeasuredLine, InventoryLine] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.inventory is not None and self.inventory.is_published


def plan_feed(city: City, year: int, *, engine: Any = None) -> FeedPlan:
    lines = measured_lines(city, year, engine=engine)
    inventory = Inventory.objects.filter(city=city, year=year).first()
    plan = FeedPlan(year, inventory, lines, {m: [] for m in lines})
    if inventory is None:
        return plan
    by_name = {(m.gpc_ref, m.activity): m for m in lines}
    by_match = {m.match: m for m in lines}
    for ln in inventory.lines.order_by("position"):
        if (ln.gpc_id, ln.activity) in by_name:
            plan.current[by_name[(ln.gpc_id, ln.activity)]] = ln
            continue
        m = by_match.get((_subsector(ln.gpc_id), _fuel_key(ln.fuel), ln.ccc_sector))
        if m is not None and ln.fuel and not ln.notation_key:
            plan.superseded[m].append(ln)
    return plan


@dataclass(frozen=True)
class FeedResult:
    plan: FeedPlan
    feed: InventoryFeed | None  # None: the inventory already held these figures

    @property
    def unchanged(self) -> bool:
        return self.feed is None


def feed_inventory(city: City, year: int, *, by: Person | None = None, actor: str = "",
                   engine: Any = None) -> FeedResult:
    """Put the year's measured lines into the city's inventory for ``year`` (a draft; created
    if there is none). Feeding the same readings again changes nothing."""
    plan = plan_feed(city, year, engine=engine)
    if not plan.lines:
        raise Conflict(f"no metered energy readings of {year} for {city.slug}")
    if plan.published:
        raise Conflict(f"inventory {city.slug} {year} is published; unpublish it before "
                       "feeding measured figures into it")
    replaced_by = {ln.pk: m for m, lns in plan.superseded.items() for ln in lns}
    updated = {ln.pk: m for m, ln in plan.current.items()}
    fuel = {m: (lns[0].fuel if lns else m.carrier) for m, lns in plan.superseded.items()}
    for m, ln in plan.current.items():
        if not plan.superseded[m]:
            fuel[m] = ln.fuel or m.carrier
    records: list[dict[str, object]] = []
    placed: set[MeasuredLine] = set()
    existing = plan.inventory.lines.order_by("position") if plan.inventory else []
    for ln in existing:
        measured = replaced_by.get(ln.pk) or updated.get(ln.pk)
        if measured is None:
            records.append(line_to_record(ln))
        elif measured not in placed:  # where the (first) estimate stood
            records.append(measured.record(fuel[measured]))
            placed.add(measured)
    records += [m.record(fuel[m]) for m in plan.lines if m not in placed]

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    data, name = buffer.getvalue().encode("utf-8"), f"data-platform-{city.slug}-{year}.csv"
    try:
        with transaction.atomic():  # the lines and the feed's record land together
            result = import_activity_file(city, year, data, name, mode="replace", by=by,
                                          actor=actor)
            if result.unchanged:
                return FeedResult(plan, None)
            superseded = [{**line_to_record(ln), "position": ln.position,
                           "co2e_direct": ln.co2e_direct, "superseded_by": m.activity}
                          for m, lns in plan.superseded.items() for ln in lns]
            feed = InventoryFeed.objects.create(
                inventory=result.inventory, import_batch=result.batch,
                lines=[m.provenance() for m in plan.lines], superseded=superseded,
                by_label=actor or audit.actor_label(by))
            audit.record("data.inventory_fed", city=city, user=by, actor=actor, obj=feed,
                         year=year, lines=len(plan.lines), superseded=len(superseded),
                         mwh=round(sum(m.mwh for m in plan.lines), 3))
    except ImportRejected as exc:
        # kept for the staff, like any refused file (the import's own copy was rolled back)
        quarantine(city, year, data, name, exc.errors, by=by, actor=actor)
        raise
    return FeedResult(plan, feed)


# -- indicator observations for the plan ------------------------------------------------------

@dataclass(frozen=True)
class IndicatorValue:
    feed: IndicatorFeed
    year: int
    value: float
    readings: int
    coverage: float | None

    @property
    def complete(self) -> bool:
        return self.coverage is not None and self.coverage >= self.feed.min_coverage

    def source_text(self) -> str:
        what = self.feed.quantity + (f" / {self.feed.share_of}" if self.feed.share_of else "")
        cover = "coverage unknown" if self.coverage is None else f"coverage {self.coverage:.1%}"
        return (f"ZeroCity data platform: {self.feed.source.key} {what}; "
                f"{self.readings:,} readings; {cover}")[:300]


def set_indicator_feed(indicator: Indicator, source: DataSource, quantity: str, *,
                       share_of: str = "", min_coverage: float = 0.95, by: Person | None = None,
                       actor: str = "") -> IndicatorFeed:
    """Compute ``indicator`` from ``source``'s readings from now on (replacing any feed it had).
    The quantities must be in the source's schema and convert to the indicator's unit (a share
    is in %)."""
    if indicator.plan.city_id != source.city_id:
        raise Conflict("the indicator and the source belong to different cities")
    for q in filter(None, (quantity, share_of)):
        if q not in source.schema:
            raise Conflict(f"source {source.key} has no quantity {q!r} "
                           f"({', '.join(sorted(source.schema))})")
    try:
        if share_of:
            conversion_factor(source.schema[share_of]["unit"], source.schema[quantity]["unit"])
            conversion_factor("percent", indicator.unit)
        else:
            conversion_factor(source.schema[quantity]["unit"], indicator.unit)
    except UnitError as exc:
        raise Conflict(f"indicator {indicator.code}: {exc}") from None
    if not 0 <= min_coverage <= 1:
        raise Conflict("min_coverage is a share between 0 and 1")
    feed, _ = IndicatorFeed.objects.update_or_create(
        indicator=indicator, defaults={"source": source, "quantity": quantity,
                                       "share_of": share_of, "min_coverage": min_coverage})
    audit.record("data.indicator_feed", city=source.city, user=by, actor=actor, obj=feed,
                 indicator=indicator.code, source=source.key, quantity=quantity,
                 share_of=share_of)
    return feed


@dataclass(slots=True)
class _YearTotal:
    total: float = 0.0  # in the unit asked for
    readings: int = 0
    expected: float = 0.0  # readings owed; nan when unknown


def _yearly_totals(df: Any, source: str, quantity: str, to_unit: str) -> dict[int, _YearTotal]:
    """year -> total in ``to_unit``, readings, expected readings or nan."""
    out: dict[int, _YearTotal] = {}
    rows = df[(df["source"] == source) & (df["quantity"] == quantity)]
    for r in rows.itertuples(index=False):
        acc = out.setdefault(int(r.year), _YearTotal())
        acc.total += float(r.value) * conversion_factor(r.unit, to_unit)
        acc.readings += int(r.readings)
        acc.expected += float(r.expected_readings)  # nan stays nan: coverage unknown
    return out


def source_year(city: City, key: str, year: int) -> dict[str, dict[str, Any]]:
    """One source's yearly totals per quantity (value, unit, coverage), read from that
    source's part of the store only; empty when the source has no readings that year."""
    if not DataSource.objects.filter(city=city, key=key).exists():
        return {}
    path = store.source_dir(key)
    if not path.exists():
        return {}
    df = yearly_activity(path, **city_scope(city))
    rows = df[(df["source"] == key) & (df["year"] == year)]
    return {str(r.quantity): {"value": float(r.value), "unit": str(r.unit),
                              "coverage": None if r.coverage != r.coverage else float(
                                  r.coverage)}
            for r in rows.itertuples(index=False)}


def indicator_values(city: City, *, engine: Any = None) -> list[IndicatorValue]:
    """Every fed indicator's value for every year its source has readings of."""
    feeds = list(IndicatorFeed.objects.filter(source__city=city)
                 .select_related("indicator", "source"))
    if not feeds:
        return []
    df = yearly_activity(readings_path(), **city_scope(city),
                         engine=engine)
    values = []
    for feed in feeds:
        unit = feed.source.schema[feed.quantity]["unit"]
        num = _yearly_totals(df, feed.source.key, feed.quantity, unit)
        den = _yearly_totals(df, feed.source.key, feed.share_of, unit) if feed.share_of else {}
        for year, t in sorted(num.items()):
            total, readings, expected = t.total, t.readings, t.expected
            if feed.share_of:
                if year not in den or not den[year].total:
                    continue
                value = 100 * total / den[year].total * conversion_factor("percent",
                                                                          feed.indicator.unit)
                readings += den[year].readings
                expected += den[year].expected
            else:
                value = total * conversion_factor(unit, feed.indicator.unit)
            coverage = readings / expected if expected == expected and expected else None
            values.append(IndicatorValue(feed, year, round(value, 6), readings, coverage))
    return values


def feed_indicators(city: City, *, by: Person | None = None, actor: str = "",
                    engine: Any = None) -> list[Observation]:
    """Record the observation of every fed indicator for every year the readings cover well
    enough. Recording the same values again changes nothing."""
    return [record_observation(v.feed.indicator, v.year, v.value, source=v.source_text(),
                               by=by, actor=actor)
            for v in indicator_values(city, engine=engine) if v.complete]
