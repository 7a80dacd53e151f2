"""Reads of the data platform, with the rule applied in one place: sources, batches and
quarantine are the city staff's business (quarantine can hold what a utility sent about
a customer's meter); published aggregates are for everyone and live with the open data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.data.models import Batch, DataSource, QuarantinedRow, SourceToken

QUARANTINE_COLUMNS = ("line", "column", "reason", "raw")


def sources_for_user(user: Any, city: City) -> QuerySet[DataSource]:
    """The city's sources for its staff; nothing for anyone else."""
    qs = DataSource.objects.filter(city=city).select_related("city")
    return qs if is_city_staff(user, city) else qs.none()


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
    writer = csv.writer(buffer, lineterminator="\n")
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


def sources_with_counts(city: City) -> QuerySet[DataSource]:
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
