"""Reads of the data platform, with the rule applied in one place: sources, batches and
quarantine are the city staff's business (quarantine can hold what a utility sent about
a customer's meter); published aggregates are for everyone and live with the open data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

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
