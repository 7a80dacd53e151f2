"""A city's GTFS-Realtime feed: received (pushed with a data-source token, or pulled from a
URL by the worker or the command line), kept as the latest snapshot per kind, and applied to
the planner's timetable.

**Receiving.** A message is read first (``gtfsrt.parse``). One that cannot be used at all is
refused with a sentence (``Unreadable``: the API's 400) and its bytes are kept in quarantine
(``QuarantinedMessage``, once per distinct message, counted when sent again). Otherwise, in one
transaction with the city's feed locked, it replaces the snapshot of each kind it carries
(TripUpdates, VehiclePositions; a message with no entity at all counts as TripUpdates: every
trip on schedule) unless the snapshot held is newer by the header's timestamp; the vehicles'
positions are replaced with it; the entities left out for breaking a rule are quarantined with
their reasons. The very same bytes again change nothing (``replayed``). Accepted messages are
not written to the audit log (a feed sends one every 30 seconds); refusals and the feed's
configuration are.

**Applying.** ``timetable_with_realtime(city, tt, now)`` returns the timetable with the
TripUpdates applied (``planner.realtime``), or the timetable as it is, saying why, when there
is no feed, no message yet, a message older than the city's ``stale_after_s`` (default 300 s:
a GTFS-Realtime feed refreshes every 10 to 60 s, so five minutes without a new message means
the feed is down), or a message received for another version of the timetable.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, PermissionDenied, Unreadable
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.data.models import DataSource, SourceKind
from zerocity.mobility import gtfsrt, store
from zerocity.mobility.fetch import fetch
from zerocity.mobility.models import (
    FeedVersion,
    QuarantinedMessage,
    RealtimeFeed,
    RealtimeSnapshot,
    SnapshotKind,
    VehiclePosition,
)
from zerocity.mobility.planner.realtime import Applied, apply_updates, stop_sequences
from zerocity.mobility.planner.timetable import Timetable
from zerocity.mobility.selectors import version_in_force

SOURCE_KEY = "gtfs-realtime"
DEFAULT_STALE_S = 300
PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf",
                  "application/vnd.google.protobuf", "application/octet-stream")


@dataclass(frozen=True)
class RealtimeStatus:
    """What real time did to a timetable: ``applied`` (False: the times are the timetable's,
    and ``message`` says why in the reader's language when there is a feed), the message's
    header time and age, trip runs delayed (any time changed), cancelled, stop calls skipped,
    and updates that named no run of this timetable."""

    applied: bool
    stale: bool = False
    age_s: int | None = None
    timestamp: datetime | None = None
    delayed: int = 0
    cancelled: int = 0
    skipped: int = 0
    unmatched: int = 0
    message: str = ""


@dataclass(frozen=True)
class Received:
    """What a message did: the snapshots it replaced, the kinds for which a newer snapshot
    was already held, what it carried and the entities left out (in quarantine)."""

    timestamp: datetime
    replaced: tuple[str, ...]
    older: tuple[str, ...]
    trip_updates: int
    vehicles: int
    left_out: int
    problems: tuple[gtfsrt.Problem, ...] = ()


# -- the feed's configuration ----------------------------------------------------------------

def _source(city: City, by: Person | None, actor: str) -> DataSource:
    from zerocity.data.services import add_source

    return add_source(city, SOURCE_KEY, name=_("Public transport real time"),
                      kind=SourceKind.TRANSIT_REALTIME, schema={}, frequency="irregular",
                      description="GTFS-Realtime TripUpdates and VehiclePositions, pushed to "
                      f"/api/v1/cities/{city.slug}/mobility/realtime", by=by, actor=actor)


def ensure_feed(city: City, *, by: Person | None = None, actor: str = "") -> RealtimeFeed:
    """The city's real-time feed, made (with its data source) when it has none."""
    feed = RealtimeFeed.objects.filter(city=city).select_related("source").first()
    if feed is not None:
        return feed
    with transaction.atomic():
        City.objects.select_for_update().get(pk=city.pk)
        feed = RealtimeFeed.objects.filter(city=city).first()
        if feed is None:
            feed = RealtimeFeed.objects.create(city=city, source=_source(city, by, actor),
                                               stale_after_s=DEFAULT_STALE_S)
            audit.record("mobility.realtime_configured", city=city, user=by, actor=actor,
                         obj=feed, url="", stale_after_s=feed.stale_after_s,
                         source=SOURCE_KEY)
    return feed


def configure_feed(city: City, *, url: str | None = None, stale_after_s: int | None = None,
                   by: Person | None = None, actor: str = "") -> RealtimeFeed:
    """Set where the worker pulls the city's feed from (``""``: pushed only) and how old its
    data may be; makes the feed and its data source (``gtfs-realtime``, whose tokens push)
    when there are none. Unchanged values change nothing."""
    if stale_after_s is not None and not 30 <= stale_after_s <= 86400:
        raise Conflict(_("Real-time data may be between 30 seconds and a day old before the "
                         "timetable is used instead; give a number of seconds in that range."),
                       code="gtfs-rt-stale-after")
    if url and not url.startswith(("http://", "https://", "file://")):
        raise Conflict(_("Give the feed's address as https://... (or file://... for a file on "
                         "this server)."), code="gtfs-rt-url")
    feed = ensure_feed(city, by=by, actor=actor)
    with transaction.atomic():
        feed = RealtimeFeed.objects.select_for_update().get(pk=feed.pk)
        changes = {k: v for k, v in (("url", url), ("stale_after_s", stale_after_s))
                   if v is not None and getattr(feed, k) != v}
        if changes:
            for k, v in changes.items():
                setattr(feed, k, v)
            feed.save(update_fields=list(changes))
            audit.record("mobility.realtime_configured", city=city, user=by, actor=actor,
                         obj=feed, **changes)
    return feed


# -- receiving ---------------------------------------------------------------------------------

def _refusal(exc: gtfsrt.MessageRefused) -> str:
    sentences = {
        "undecodable": _("The body is not a GTFS-Realtime message: send the feed's protobuf "
                         "bytes as they are (Content-Type application/x-protobuf)."),
        "incomplete": _("The message lacks fields GTFS-Realtime requires (%(detail)s): send "
                        "a complete FeedMessage."),
        "version": _("The message's GTFS-Realtime version is not one this server reads "
                     "(%(detail)s): send version 2.0 or 1.0."),
        "differential": _("The message is DIFFERENTIAL: send full datasets (incrementality "
                          "FULL_DATASET)."),
        "no_timestamp": _("The message's header has no timestamp, so its age cannot be told: "
                          "set header.timestamp."),
        "future": _("The message's timestamp is ahead of this server's clock (%(detail)s): "
                    "check the clock of the system that sends it."),
    }
    text = sentences.get(exc.kind, sentences["undecodable"]) % {"detail": exc.reason}
    kept = _("The message is kept in quarantine.")
    return f"{text} {kept}"


def _quarantine(city: City, sha: str, *, refused: bool, reason: str,
                problems: list[dict[str, Any]], data: bytes, origin: str, by_label: str,
                now: datetime) -> tuple[QuarantinedMessage, bool]:
    """Keep a message (or its entities left out) once; the same bytes again are counted.
    Call inside a transaction."""
    row = QuarantinedMessage.objects.select_for_update().filter(city=city, sha256=sha).first()
    if row is None:
        try:
            with transaction.atomic():
                row = QuarantinedMessage.objects.create(
                    city=city, sha256=sha, refused=refused, reason=reason.replace("\x00", ""),
                    problems=problems, message=data, origin=origin, by_label=by_label,
                    received_at=now, last_received_at=now)
            return row, True
        except IntegrityError:  # the same bytes raced in on another connection
            row = QuarantinedMessage.objects.select_for_update().get(city=city, sha256=sha)
    QuarantinedMessage.objects.filter(pk=row.pk).update(times=F("times") + 1,
                                                        last_received_at=now)
    return row, False


def _problem_rows(problems: tuple[gtfsrt.Problem, ...]) -> list[dict[str, Any]]:
    import base64

    return [{"entity": p.entity.replace("\x00", ""), "reason": p.reason.replace("\x00", ""),
             "raw": base64.b64encode(p.raw).decode()} for p in problems]


def _vehicle_rows(city: City, msg: gtfsrt.Message) -> list[VehiclePosition]:
    def when(ts: int | None) -> datetime | None:
        return datetime.fromtimestamp(ts, UTC) if ts else None

    return [VehiclePosition(city=city, vehicle_id=v.vehicle_id[:200], label=v.label[:200],
                            trip_id=v.trip_id[:200], route_id=v.route_id[:200],
                            start_date=v.start_date, lat=v.lat, lon=v.lon, bearing=v.bearing,
                            speed=v.speed, status=v.status, stop_id=v.stop_id[:200],
                            timestamp=when(v.timestamp))
            for v in msg.vehicles]


def receive_message(city: City, data: bytes, *, origin: str, by_label: str = "",
                    now: datetime | None = None) -> Done[Received]:
    """Take one GTFS-Realtime message for the city (see the module's rules)."""
    now = now or timezone.now()
    feed = ensure_feed(city, actor=by_label)
    sha = hashlib.sha256(data).hexdigest()
    try:
        msg = gtfsrt.parse(data, now=int(now.timestamp()))
    except gtfsrt.MessageRefused as exc:
        with transaction.atomic(durable=True):
            _, new = _quarantine(city, sha, refused=True, reason=exc.reason, problems=[],
                                 data=data, origin=origin, by_label=by_label, now=now)
            if new:  # a sender repeating the same bytes is counted, not audited again
                audit.record("mobility.realtime_refused", city=city, actor=by_label,
                             sha256=sha, origin=origin, reason=exc.reason, bytes=len(data))
        raise Unreadable(_refusal(exc), code=f"gtfs-rt-{exc.kind}") from None
    stamp = datetime.fromtimestamp(msg.timestamp, UTC)
    kinds = [SnapshotKind.TRIP_UPDATES.value] if msg.has_trip_updates or not msg.has_vehicles \
        else []
    if msg.has_vehicles:
        kinds.append(SnapshotKind.VEHICLE_POSITIONS.value)
    version = version_in_force(city, stamp.astimezone(ZoneInfo(city.timezone)).date())
    replaced: list[str] = []
    older: list[str] = []
    with transaction.atomic(durable=True):
        RealtimeFeed.objects.select_for_update().get(pk=feed.pk)  # one message at a time
        held = {s.kind: s for s in RealtimeSnapshot.objects.filter(city=city).defer("message")}
        if all(k in held and held[k].sha256 == sha for k in kinds):
            return Done(_received(msg, stamp, (), ()), True)
        fields = dict(sha256=sha, message=data, timestamp=stamp, received_at=now,
                      origin=origin, by_label=by_label[:150], feed_version=version,
                      entities=msg.entities, problems=len(msg.problems))
        for kind in kinds:
            snap = held.get(kind)
            if snap is not None and snap.sha256 == sha:
                continue
            if snap is not None and snap.timestamp > stamp:
                older.append(kind)
                continue
            if snap is None:
                RealtimeSnapshot.objects.create(city=city, kind=kind, **fields)
            else:
                RealtimeSnapshot.objects.filter(pk=snap.pk).update(**fields)
            replaced.append(kind)
            if kind == SnapshotKind.VEHICLE_POSITIONS:
                VehiclePosition.objects.filter(city=city).delete()
                VehiclePosition.objects.bulk_create(_vehicle_rows(city, msg), batch_size=2000)
        if msg.problems and replaced:
            _quarantine(city, sha, refused=False, reason="",
                        problems=_problem_rows(msg.problems), data=b"", origin=origin,
                        by_label=by_label[:150], now=now)
    return Done(_received(msg, stamp, tuple(replaced), tuple(older)), False)


def _received(msg: gtfsrt.Message, stamp: datetime, replaced: tuple[str, ...],
              older: tuple[str, ...]) -> Received:
    return Received(stamp, replaced, older, len(msg.trip_updates), len(msg.vehicles),
                    len(msg.problems), msg.problems)


def pushing_city(slug: str, source: DataSource) -> City:
    """The city a source's token may push real time to: its own, when the token is of the
    city's real-time source (``gtfs-realtime``)."""
    from zerocity.core.selectors import get_city

    city = get_city(slug)
    if not RealtimeFeed.objects.filter(city=city, source=source).exists():
        raise PermissionDenied(_("This token may not send %(city)s's real-time data: use a "
                                 "token of the city's gtfs-realtime source.")
                               % {"city": city.name}, code="gtfs-rt-token")
    return city


def pull(city: City, *, url: str = "", actor: str = "",
         now: datetime | None = None) -> Done[Received]:
    """Fetch the city's feed from ``url`` (else the configured one) and take it."""
    feed = ensure_feed(city, actor=actor)
    url = url or feed.url
    if not url:
        raise Conflict(_("%(city)s has no real-time feed address: give one with --url, or "
                         "set it with `zerocity mobility realtime configure`.")
                       % {"city": city.name}, code="gtfs-rt-url")
    return receive_message(city, fetch(url), origin="pull", by_label=actor or "pull", now=now)


# -- applying to the planner's timetable ----------------------------------------------------

_lock = threading.Lock()
_parsed: OrderedDict[str, gtfsrt.Message] = OrderedDict()
_sequences: OrderedDict[str, dict[str, list[int]]] = OrderedDict()
_applied: OrderedDict[tuple[str, str, int], tuple[Any, Applied]] = OrderedDict()


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
    with _lock:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > size:
            cache.popitem(last=False)


def _message(snapshot: RealtimeSnapshot) -> gtfsrt.Message:
    hit = _parsed.get(snapshot.sha256)
    if hit is None:
        data = RealtimeSnapshot.objects.values_list("message", flat=True).get(pk=snapshot.pk)
        hit = gtfsrt.parse(bytes(data), now=None)
        _remember(_parsed, snapshot.sha256, hit, 4)
    return hit


def _stop_sequences(version: FeedVersion) -> dict[str, list[int]]:
    hit = _sequences.get(version.path)  # named by the feed's bytes: never reused for others
    if hit is None:
        table = store.read_table(version.path, "stop_times", ["trip_id", "stop_sequence"])
        hit = stop_sequences(table) if table is not None else {}
        _remember(_sequences, version.path, hit, 2)
    return hit


def timetable_with_realtime(city: City, tt: Timetable,
                            now: datetime) -> tuple[Timetable, RealtimeStatus]:
    """``tt`` with the city's latest TripUpdates applied (delays propagated, cancelled trips
    removed), and what was done; ``tt`` itself, with the reason, when real time cannot be
    used (no feed, nothing received, stale, or for another timetable version). ``now`` is the
    present moment (aware): the message's age is measured to it. The result is kept per
    message and timetable object, so asking again for the same ``tt`` is cheap."""
    if now.tzinfo is None:
        raise ValueError("now needs a time zone")
    feed = RealtimeFeed.objects.filter(city=city).first()
    if feed is None:
        return tt, RealtimeStatus(applied=False)
    snap = (RealtimeSnapshot.objects.filter(city=city, kind=SnapshotKind.TRIP_UPDATES)
            .defer("message").first())
    if snap is None:
        return tt, RealtimeStatus(applied=False, message=_(
            "No real-time data has been received: times are from the timetable."))
    age = max(0, int((now - snap.timestamp).total_seconds()))
    if age > feed.stale_after_s:
        minutes = age // 60
        return tt, RealtimeStatus(applied=False, stale=True, age_s=age,
                                  timestamp=snap.timestamp, message=ngettext(
                                      "Real-time data is %(n)s minute old: times are from "
                                      "the timetable.",
                                      "Real-time data is %(n)s minutes old: times are from "
                                      "the timetable.", minutes) % {"n": minutes})
    version = version_in_force(city, tt.service_date)
    if version is None or (snap.feed_version_id is not None
                           and snap.feed_version_id != version.pk):
        return tt, RealtimeStatus(applied=False, age_s=age, timestamp=snap.timestamp,
                                  message=_("The real-time data refers to another version of "
                                            "the timetable: times are from the timetable."))
    key = (snap.sha256, version.path, id(tt))
    hit = _applied.get(key)
    if hit is not None and hit[0]() is tt:
        done = hit[1]
    else:
        msg = _message(snap)
        done = apply_updates(tt, msg.trip_updates, sequences=_stop_sequences(version),
                             feed_time=msg.timestamp, tag=snap.sha256[:12])
        _remember(_applied, key, (weakref.ref(tt), done), 8)
    return done.timetable, RealtimeStatus(
        applied=True, age_s=age, timestamp=snap.timestamp, delayed=done.delayed,
        cancelled=done.cancelled, skipped=done.skipped, unmatched=len(done.unmatched))

