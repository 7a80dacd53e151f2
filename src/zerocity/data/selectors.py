"""Reads of the data platform, with the rule applied in one place: sources, batches and
quarantine are the city staff's business (quarantine can hold what a utility sent about
a customer's meter); published aggregates are for everyone and live with the open data."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypedDict

import pandas as pd
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django_stubs_ext import WithAnnotations

from zerocity.core import spreadsheet
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.open_datasets import Dataset
from zerocity.core.permissions import is_city_staff
from zerocity.data import opendata, store
from zerocity.data.models import Batch, DataSource, InventoryFeed, QuarantinedRow, SourceToken
from zerocity.data.outputs import indicator_values, plan_feed
from zerocity.data.pipelines.engines import damaged_files, implausible_partitions
from zerocity.plan.models import Observation

QUARANTINE_COLUMNS = ("line", "column", "reason", "raw")
COVERAGE_MONTHS = 24  # the coverage page's window


def sources_for_user(user: Any, city: City) -> QuerySet[DataSource]:
    """The city's sources for its staff; nothing for anyone else."""
    qs = DataSource.objects.filter(city=city).select_related("city")
    return qs if is_city_staff(user, city) else qs.none()


def sources_by_key(user: Any, city: City) -> QuerySet[DataSource]:
    """``sources_for_user`` in the order of their keys, as the pages list and offer them."""
    return sources_for_user(user, city).order_by("key")


def access_source_for_user(user: Any, city: City, key: str) -> DataSource:
    source = sources_for_user(user, city).filter(key=key).first()
    if source is None:
        raise NotFound(f"no data source {key!r} in {city.slug}")
    return source


def batches_for_user(user: Any, city: City) -> QuerySet[Batch]:
    qs = Batch.objects.filter(source__city=city).select_related("source", "source__city")
    return qs if is_city_staff(user, city) else qs.none()


def access_batch_for_user(user: Any, city: City, batch_id: int) -> Batch:
    """The batch if this user may see it; 'not found' otherwise, so nothing leaks."""
    batch = batches_for_user(user, city).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"no batch {batch_id} in {city.slug}")
    return batch


def tokens(source: DataSource) -> QuerySet[SourceToken]:
    return SourceToken.objects.filter(source=source).order_by("created_at")


def quarantine(batch: Batch) -> QuerySet[QuarantinedRow]:
    return QuarantinedRow.objects.filter(batch=batch).order_by("line", "id")


def _raw_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    return json.dumps(raw, ensure_ascii=False, sort_keys=True)  # jsonb keeps no key order


def quarantine_csv(batch: Batch) -> Iterator[str]:
    """A batch's quarantine as CSV text, streamed a few thousand rows at a time (for a
    StreamingHttpResponse or a file): line, column, reason and the row as it was sent."""
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, lineterminator="\n")
    writer.writerow(QUARANTINE_COLUMNS)
    rows = quarantine(batch).values_list("line", "column", "reason", "raw")
    for i, (line, column, reason, raw) in enumerate(rows.iterator(chunk_size=2000), start=1):
        writer.writerow((line, column, reason, _raw_text(raw)))
        if i % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def quarantine_csv_text(batch: Batch) -> str:
    return "".join(quarantine_csv(batch))


class SourceCounts(TypedDict):
    active_tokens: int
    n_batches: int


def sources_with_counts(city: City) -> QuerySet[WithAnnotations[DataSource, SourceCounts]]:
    """A city's sources by key, each with its active tokens (``active_tokens``) and batches
    (``n_batches``) counted in the same query."""
    return DataSource.objects.filter(city=city).annotate(
        active_tokens=Count("tokens", filter=Q(tokens__revoked_at__isnull=True)),
        n_batches=Count("batches", distinct=True)).order_by("key")


def token_by_prefix(source: DataSource, prefix: str) -> SourceToken:
    """The one token of a source whose prefix starts with PREFIX (its first 8 characters:
    the stored prefix is no longer). Compared in Python because SQLite's LIKE ignores case."""
    found = [t for t in tokens(source) if t.prefix.startswith(prefix[:8])]
    if len(found) != 1:
        raise NotFound(f"{len(found)} tokens of {source.city.slug}/{source.key} start with "
                       f"{prefix!r}; give the 8-character prefix `data token list` shows")
    return found[0]


def get_batch(batch_id: int) -> Batch:
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    return batch


def source_batches(source: DataSource, limit: int) -> QuerySet[Batch]:
    """A source's latest batches, newest first."""
    return Batch.objects.filter(source=source).order_by("-id")[:limit]


def local_time_data(city: City) -> str | None:
    """What of the city's readings is summed by its local months (``core.hooks``)."""
    batches = Batch.objects.filter(source__city=city, accepted__gt=0).count()
    noun = "batch" if batches == 1 else "batches"
    return f"{batches:,} {noun} of readings summed by local month" if batches else None


# -- the staff's pages ----------------------------------------------------------------------------

def readings_per_source(city: City) -> dict[str, int]:
    """The readings the store holds for each of the city's sources (by key), read from the
    staff's coverage frame: the one count of readings the sources page and the coverage page
    both show. A re-sent reading is not stored twice and a refused one is not stored, so
    neither is counted; a source without readings is absent."""
    df = opendata.coverage(city)
    if df.empty:
        return {}
    return {str(k): int(v) for k, v in df.groupby("source")["readings"].sum().items()}


def sources_page(user: Any, city: City) -> list[dict[str, Any]]:
    """The city's sources by key (for its staff), each with its latest batch, its tokens and
    the readings stored (``readings_per_source``)."""
    newest = Batch.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-pk")
    sources = list(sources_by_key(user, city).annotate(
        latest_id=Subquery(newest.values("pk")[:1])))
    latest = Batch.objects.in_bulk([s.latest_id for s in sources if s.latest_id])
    stored = readings_per_source(city) if sources else {}
    return [{"source": s, "latest": latest.get(s.latest_id), "tokens": tokens(s),
             "readings": stored.get(s.key, 0)} for s in sources]


def access_token_for_user(user: Any, city: City, key: str, pk: int) -> SourceToken:
    """A token of a source this user may see; not found otherwise."""
    token = SourceToken.objects.filter(source=access_source_for_user(user, city, key),
                                       pk=pk).select_related("source").first()
    if token is None:
        raise NotFound("no such token")
    return token


def batch_list(user: Any, city: City, *, source: str = "", status: str = "",
               limit: int = 200) -> QuerySet[Batch]:
    """The batches this user may see, newest first, of one source (its key) and in one status
    when given."""
    items = batches_for_user(user, city).order_by("-created_at")
    if source:
        items = items.filter(source__key=source)
    if status:
        items = items.filter(status=status)
    return items[:limit]


def coverage_grade(share: float | None) -> str:
    """How complete a month of a source is: good from 98 % of the readings owed, partial from
    80 %."""
    if share is None:
        return "unknown"
    return "good" if share >= 0.98 else "partial" if share >= 0.8 else "poor"


def coverage_table(user: Any, city: City, *, months: int = COVERAGE_MONTHS) -> dict[str, Any]:
    """Per source (the user's) and month (the last ``months`` with readings): the share of the
    readings owed that arrived, the readings and meters, and its grade ("missing" for a month
    without readings); and each source's readings in all (``readings_per_source``, as the
    sources page counts them)."""
    df = opendata.coverage(city)
    stored = readings_per_source(city)
    shown = sorted({(int(y), int(m)) for y, m in zip(df["year"], df["month"], strict=True)})
    shown = shown[-months:]
    cells = {(r.source, int(r.year), int(r.month)): r for r in df.itertuples()}
    rows = []
    for source in sources_by_key(user, city):
        row = []
        for y, m in shown:
            r = cells.get((source.key, y, m))
            share = None if r is None or pd.isna(r.coverage) else float(r.coverage)
            row.append({"share": share, "readings": int(r.readings) if r is not None else 0,
                        "meters": int(r.meters) if r is not None else 0,
                        "grade": "missing" if r is None else coverage_grade(share)})
        rows.append({"source": source, "cells": row, "readings": stored.get(source.key, 0)})
    keys = {f"source={s.key}" for s in sources_by_key(user, city)}
    skipped = [p for p in implausible_partitions(store.readings_dir())
               if p.split("/", 1)[0] in keys]
    damaged = [p for p in damaged_files(store.readings_dir()) if p.split("/", 1)[0] in keys]
    return {"months": shown, "rows": rows, "skipped": skipped, "damaged": damaged}


def coverage_years(city: City) -> list[int]:
    """The years the city's readings cover, newest first."""
    df = opendata.coverage(city)
    return sorted({int(y) for y in df["year"]}, reverse=True)


def outputs_page(city: City, year: int | None) -> dict[str, Any]:
    """What the platform offers an inventory year (the last complete one unless ``year`` is
    one of the years the readings cover): its measured lines, each with its sources' names,
    new, the same or changed against the inventory's line and with the estimates it would
    supersede; the plan
    indicators it computes, each with the observation recorded for its year; and the last
    feeds into the city's inventories."""
    years = coverage_years(city)
    if year not in years:
        year = years[1] if len(years) > 1 else (years[0] if years else None)
    plan = plan_feed(city, year) if year is not None else None
    # the readings name their sources by key; people read the source's name
    names = dict(DataSource.objects.filter(city=city).values_list("key", "name"))
    lines = []
    for m in plan.lines if plan else []:
        current = plan.current.get(m) if plan else None
        lines.append({"line": m, "superseded": plan.superseded[m] if plan else [],
                      "sources": [{"key": k, "name": names.get(k, k)} for k in m.sources],
                      "current": current,
                      "state": "new" if current is None else
                      "same" if current.amount == m.mwh else "changed"})
    observed = {(o.indicator_id, o.year): o for o in Observation.objects.filter(
        indicator__data_feed__source__city=city)}
    indicators = [{"value": v, "observed": observed.get((v.feed.indicator_id, v.year))}
                  for v in indicator_values(city)]
    return {"years": years, "year": year, "plan": plan, "lines": lines,
            "indicators": indicators,
            "feeds": list(InventoryFeed.objects.filter(inventory__city=city)
                          .select_related("inventory")[:10])}


# -- open data (published aggregates, for everyone) -------------------------------------------

def open_data_frames(city: City) -> dict[str, pd.DataFrame]:
    """Every open dataset of the city as a frame, by key, read from one look at the store."""
    stamps = opendata.state(city)
    return {d.key: opendata.frame(city, d.key, stamps) for d in opendata.datasets()}


def open_dataset(city: City, key: str) -> tuple[Dataset, pd.DataFrame,
                                                datetime | None]:
    """One open dataset: its description, its rows and when the data last changed."""
    spec = opendata.get_dataset(key)
    return spec, opendata.frame(city, key), opendata.modified(city, key)
