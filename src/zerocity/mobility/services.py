"""Writes of the mobility module: importing a city's GTFS timetable as a new version.

An import checks the whole feed first, without a lock (``gtfs.validate``, the MobilityData
validator's rules); a feed with any error is refused with all of them, and the refusal is
audited. A good feed's tables are written as Parquet in a private folder; then, in one
database transaction with the city locked, the version, its stops and routes and the audit
record are written and the folder is renamed into place. The same bytes again return the
version already made, ``replayed``, and change nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.mobility import store
from zerocity.mobility.errors import FeedRefused
from zerocity.mobility.gtfs.reader import ArchiveError
from zerocity.mobility.gtfs.schema import ROUTE_TYPES
from zerocity.mobility.gtfs.validate import Report, validate
from zerocity.mobility.models import FeedRoute, FeedStop, FeedVersion

WARNINGS_KEPT = 200  # notices of one code kept word for word with a version; the rest counted


def sha256_of(data: bytes | Path) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    with data.open("rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_feed(city: City, data: bytes | Path, *, name: str = "", filename: str = "",
                licence: str = "", attribution: str = "", by: Person | None = None,
                actor: str = "", today: date | None = None) -> Done[FeedVersion]:
    """Import a GTFS Schedule zip (bytes, or a path read from disk) as the city's newest
    version, in force from its start date. Refused with ``FeedRefused`` (every error) when the
    check finds any; its warnings are kept with the version. The same bytes again return the
    version they made, ``replayed``: nothing changes."""
    filename = (filename or (data.name if isinstance(data, Path) else ""))[:300]
    sha = sha256_of(data)
    known = FeedVersion.objects.filter(city=city, sha256=sha).first()
    if known is not None:
        return Done(known, True)
    try:
        report = validate(data, today=today or city.calendar.today(),
                          archive_name=filename or "feed.zip",
                          max_files=getattr(settings, "GTFS_MAX_FILES", 200),
                          max_unpacked=getattr(settings, "GTFS_MAX_UNPACKED", 2 * 2**30))
    except ArchiveError as exc:
        raise _archive_refusal(exc) from None
    if report.errors:
        _audit_refusal(city, report, filename=filename, sha256=sha, by=by, actor=actor)
        raise FeedRefused(report.errors)
    assert report.start is not None and report.end is not None  # else an error said so
    written = store.Written(report.tables, data)
    path = store.version_path(city.slug, sha)
    published = False
    try:
        with transaction.atomic(durable=True):
            City.objects.select_for_update().get(pk=city.pk)  # one import per city at a time
            known = FeedVersion.objects.filter(city=city, sha256=sha).first()
            if known is not None:  # the same bytes raced in on another connection
                return Done(known, True)
            version = _create(city, report, name=name, filename=filename, sha256=sha,
                              licence=licence, attribution=attribution, path=path,
                              by_label=actor or audit.actor_label(by))
            audit.record("mobility.feed_imported", city=city, user=by, actor=actor, obj=version,
                         name=version.name, filename=filename, sha256=sha,
                         start=version.start_date.isoformat(),
                         end=version.end_date.isoformat(), rows=version.counts,
                         warnings=version.warning_counts)
            # in place before the commit: a reader finds the tables as soon as it finds the
            # version; a folder whose transaction then fails belongs to no version
            written.publish(path)
            published = True
    except BaseException:
        if published:
            store.remove(path)
        raise
    finally:
        written.discard()
    return Done(version, False)


def _archive_refusal(exc: ArchiveError) -> Conflict:
    if exc.kind == "too_many_files":
        return Conflict(_("The archive holds more than %(n)s files; a GTFS feed has a few "
                          "dozen.") % {"n": exc.limit}, code="gtfs-archive")
    if exc.kind == "too_large":
        return Conflict(_("The archive unpacks to more than %(mb)s MB; import a feed this "
                          "large with zerocity mobility feed import.")
                        % {"mb": exc.limit // 2**20}, code="gtfs-archive")
    return Conflict(_("The file is not a zip archive; a GTFS feed is a .zip of .txt files."),
                    code="gtfs-archive")


def _audit_refusal(city: City, report: Report, *, filename: str, sha256: str,
                   by: Person | None, actor: str) -> None:
    with transaction.atomic(durable=True):
        audit.record("mobility.feed_refused", city=city, user=by, actor=actor,
                     filename=filename, sha256=sha256, errors=len(report.errors),
                     codes=dict(Counter(n.code for n in report.errors)),
                     first=[str(n).replace("\x00", "\ufffd") for n in report.errors[:20]])


def _first(report: Report, table: str, column: str) -> str:
    frame = report.tables.get(table)
    if frame is None or column not in frame.columns or not len(frame):
        return ""
    return str(frame[column].iloc[0])


def _attribution(report: Report) -> str:
    """Who a feed names: its publisher, its agencies, the organisations of attributions.txt."""
    names = [_first(report, "feed_info", "feed_publisher_name")]
    for table, column in (("agency", "agency_name"), ("attributions", "organization_name")):
        frame = report.tables.get(table)
        if frame is not None and column in frame.columns:
            names += frame[column].tolist()
    return "; ".join(dict.fromkeys(n for n in names if n))


def _kept_warnings(report: Report) -> tuple[dict[str, int], list[dict[str, Any]]]:
    counts = Counter(n.code for n in report.warnings)
    kept: list[dict[str, Any]] = []
    seen: Counter[str] = Counter()
    for n in report.warnings:
        seen[n.code] += 1
        if seen[n.code] <= WARNINGS_KEPT:
            kept.append(n.as_dict())
    return dict(counts), kept


def _create(city: City, report: Report, *, name: str, filename: str, sha256: str,
            licence: str, attribution: str, path: str, by_label: str) -> FeedVersion:
    assert report.start is not None and report.end is not None
    counts, kept = _kept_warnings(report)
    feed_version = _first(report, "feed_info", "feed_version")
    # GTFS has no licence field; some publishers add one to feed_info
    licence = licence or _first(report, "feed_info", "feed_license") or \
        _first(report, "feed_info", "feed_licence")
    version = FeedVersion.objects.create(
        city=city, name=(name or feed_version or Path(filename).stem
                         or f"{report.start:%Y-%m-%d}")[:200],
        sha256=sha256, filename=filename, feed_version=feed_version[:200],
        publisher=_first(report, "feed_info", "feed_publisher_name")[:200],
        publisher_url=_first(report, "feed_info", "feed_publisher_url")[:500],
        start_date=report.start, end_date=report.end, licence=licence[:200],
        attribution=attribution or _attribution(report),
        counts={n: len(f) for n, f in sorted(report.tables.items())},
        warning_counts=counts, warnings=kept, path=path, by_label=by_label)
    _lookups(version, report)
    return version


def _small_int(values: pd.Series, allowed: tuple[int, ...], default: int) -> np.ndarray:
    number = pd.to_numeric(values, errors="coerce")
    return np.where(number.isin(allowed), number.fillna(default), default).astype(int)


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([""] * len(frame), dtype=str)


def _lookups(version: FeedVersion, report: Report) -> None:
    """The stops and routes the rest of the site looks up, in the database."""
    stops = report.tables.get("stops", pd.DataFrame())
    lat = pd.to_numeric(column(stops, "stop_lat"), errors="coerce")
    lon = pd.to_numeric(column(stops, "stop_lon"), errors="coerce")
    FeedStop.objects.bulk_create([
        FeedStop(version=version, stop_id=sid, name=nm[:300],
                 lat=None if la != la else float(la), lon=None if lo != lo else float(lo),
                 location_type=lt, parent_station=parent, wheelchair_boarding=wb)
        for sid, nm, la, lo, lt, parent, wb in zip(
            column(stops, "stop_id"), column(stops, "stop_name"), lat, lon,
            _small_int(column(stops, "location_type"), (0, 1, 2, 3, 4), 0),
            column(stops, "parent_station"),
            _small_int(column(stops, "wheelchair_boarding"), (0, 1, 2), 0), strict=True)],
        batch_size=2000)
    routes = report.tables.get("routes", pd.DataFrame())
    FeedRoute.objects.bulk_create([
        FeedRoute(version=version, route_id=rid, agency_id=agency, short_name=short[:100],
                  long_name=long[:300], route_type=kind, color=colour)
        for rid, agency, short, long, kind, colour in zip(
            column(routes, "route_id"), column(routes, "agency_id"),
            column(routes, "route_short_name"), column(routes, "route_long_name"),
            _small_int(column(routes, "route_type"), ROUTE_TYPES, 3),
            column(routes, "route_color"), strict=True)],
        batch_size=2000)
