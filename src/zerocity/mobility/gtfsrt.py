"""Reading a GTFS-Realtime message: a protobuf ``FeedMessage`` (``gtfs-realtime-bindings``) as
plain values, with every rule it breaks.

A message that cannot be used at all is refused whole (``MessageRefused``, with a sentence):
bytes that are no FeedMessage, a required field missing, a ``DIFFERENTIAL`` message (only
full datasets are read), a header without a timestamp (the age of the data could not be told)
or one far in the future. An entity that breaks a rule of the reference is left out with its
reason (``Problem``) and the rest of the message is used: a TripUpdate without a trip_id, a
second TripUpdate for the same trip run ("at most one per trip"), StopTimeUpdates not in
stop_sequence order or naming no stop, a SCHEDULED stop with neither arrival nor departure, a
date or time that is not one, a position off the globe.

Times stay POSIX seconds; ``start_time`` ("HH:MM:SS", past 24:00 allowed) becomes seconds.
Alerts are not read (counted only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as rt

from zerocity.mobility.planner.realtime import StopTimeUpdate, TripUpdate

FUTURE_S = 300  # a header this far ahead of our clock is refused: the sender's clock is wrong
HMS = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
STOP_RELATIONSHIPS = dict(rt.TripUpdate.StopTimeUpdate.ScheduleRelationship.items())
TRIP_RELATIONSHIPS = dict(rt.TripDescriptor.ScheduleRelationship.items())
VEHICLE_STATUS = {v: k for k, v in rt.VehiclePosition.VehicleStopStatus.items()}


class MessageRefused(ValueError):
    """The message as a whole cannot be used: ``reason`` says why, in English, for the
    quarantine and the log; ``kind`` tells the caller which sentence to show."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class Problem:
    """An entity left out: its id (or position), the rule it breaks, and its bytes."""

    entity: str
    reason: str
    raw: bytes = b""


@dataclass(frozen=True)
class Vehicle:
    vehicle_id: str
    label: str
    trip_id: str
    route_id: str
    start_date: date | None
    lat: float
    lon: float
    bearing: float | None
    speed: float | None
    status: str
    stop_id: str
    timestamp: int | None


@dataclass(frozen=True)
class Message:
    version: str
    timestamp: int
    trip_updates: tuple[TripUpdate, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()
    problems: tuple[Problem, ...] = ()
    has_trip_updates: bool = False
    has_vehicles: bool = False
    alerts: int = 0
    entities: int = 0


def _date(text: str) -> date:
    if not re.fullmatch(r"\d{8}", text):
        raise ValueError(f"start_date {text!r} is not YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise ValueError(f"start_date {text!r} is not a date") from None


def _time(text: str) -> int:
    m = HMS.match(text)
    if not m:
        raise ValueError(f"start_time {text!r} is not HH:MM:SS")
    return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])


def _event(stu: Any, name: str) -> tuple[int | None, int | None]:
    """(time, delay) of a StopTimeEvent, either None when not given."""
    if not stu.HasField(name):
        return None, None
    ev = getattr(stu, name)
    time = int(ev.time) if ev.HasField("time") else None
    delay = int(ev.delay) if ev.HasField("delay") else None
    return time, delay


def _trip_update(entity: Any) -> TripUpdate:
    tu = entity.trip_update
    trip = tu.trip
    if not trip.trip_id:
        raise ValueError("the TripUpdate names no trip_id (a trip is not found by its route "
                         "and start time here)")
    start_date = _date(trip.start_date) if trip.start_date else None
    start_time = _time(trip.start_time) if trip.start_time else None
    relationship = rt.TripDescriptor.ScheduleRelationship.Name(trip.schedule_relationship)
    stops: list[StopTimeUpdate] = []
    last_seq = -1
    for i, stu in enumerate(tu.stop_time_update):
        has_seq = stu.HasField("stop_sequence")
        if not has_seq and not stu.stop_id:
            raise ValueError(f"stop_time_update[{i}] names neither stop_sequence nor stop_id")
        if has_seq:
            if stu.stop_sequence <= last_seq:
                raise ValueError(f"stop_time_update[{i}]: stop_sequence {stu.stop_sequence} "
                                 f"after {last_seq}; updates go in stop_sequence order")
            last_seq = stu.stop_sequence
        rel = rt.TripUpdate.StopTimeUpdate.ScheduleRelationship.Name(
            stu.schedule_relationship)
        a_time, a_delay = _event(stu, "arrival")
        d_time, d_delay = _event(stu, "departure")
        if rel == "SCHEDULED" and a_time is None and a_delay is None and d_time is None \
                and d_delay is None:
            raise ValueError(f"stop_time_update[{i}] is SCHEDULED with neither an arrival "
                             "nor a departure time or delay")
        stops.append(StopTimeUpdate(
            stop_sequence=int(stu.stop_sequence) if has_seq else None,
            stop_id=stu.stop_id or None, arrival_delay=a_delay, arrival_time=a_time,
            departure_delay=d_delay, departure_time=d_time,
            relationship=rel))
    return TripUpdate(trip_id=trip.trip_id, start_date=start_date, start_time=start_time,
                      relationship=relationship,
                      delay=int(tu.delay) if tu.HasField("delay") else None,
                      stop_time_updates=tuple(stops))


def _vehicle(entity: Any) -> Vehicle | None:
    v = entity.vehicle
    if not v.HasField("position"):
        return None  # a vehicle's status without a position: nothing to place on a map
    pos = v.position
    if not (-90 <= pos.latitude <= 90 and -180 <= pos.longitude <= 180) or \
            (pos.latitude == 0 and pos.longitude == 0):
        raise ValueError(f"position {pos.latitude}, {pos.longitude} is not on the globe")
    trip = v.trip
    return Vehicle(
        vehicle_id=v.vehicle.id or v.vehicle.label or entity.id, label=v.vehicle.label,
        trip_id=trip.trip_id, route_id=trip.route_id,
        start_date=_date(trip.start_date) if trip.start_date else None,
        lat=float(pos.latitude), lon=float(pos.longitude),
        bearing=float(pos.bearing) if pos.HasField("bearing") else None,
        speed=float(pos.speed) if pos.HasField("speed") else None,
        status=VEHICLE_STATUS.get(v.current_status, "") if v.HasField("current_status")
        else "", stop_id=v.stop_id,
        timestamp=int(v.timestamp) if v.HasField("timestamp") else None)


def _run_key(u: TripUpdate) -> tuple[str, date | None, int | None]:
    return (u.trip_id, u.start_date, u.start_time)


def parse(data: bytes, *, now: int | None) -> Message:
    """The message in ``data``; ``now`` (POSIX seconds) judges a header from the future (None:
    a message read again from the store)."""
    msg = rt.FeedMessage()
    try:
        msg.ParseFromString(data)
    except DecodeError:
        raise MessageRefused("undecodable", "the body is not a protobuf FeedMessage (wire "
                             "format corrupt)") from None
    missing = msg.FindInitializationErrors()
    whole = [m for m in missing if not m.startswith("entity[")]
    if whole:
        raise MessageRefused("incomplete", "required fields missing: " + ", ".join(whole))
    lacking: dict[int, list[str]] = {}  # entity index -> its required fields missing
    for m in missing:
        index, _, path = m.removeprefix("entity[").partition("]")
        lacking.setdefault(int(index), []).append(path.lstrip("."))
    header = msg.header
    if header.gtfs_realtime_version.split(".")[0] not in ("1", "2"):
        raise MessageRefused("version", f"gtfs_realtime_version "
                             f"{header.gtfs_realtime_version!r}: 1.0 or 2.0 are read")
    if header.incrementality == rt.FeedHeader.DIFFERENTIAL:
        raise MessageRefused("differential", "incrementality DIFFERENTIAL: only FULL_DATASET "
                             "messages are read")
    if not header.timestamp:
        raise MessageRefused("no_timestamp", "the header has no timestamp")
    if now is not None and header.timestamp > now + FUTURE_S:
        raise MessageRefused("future", f"the header's timestamp {header.timestamp} is "
                             f"{header.timestamp - now} s ahead of this server's clock")
    trips: list[TripUpdate] = []
    vehicles: list[Vehicle] = []
    problems: list[Problem] = []
    seen: set[tuple[str, date | None, int | None]] = set()
    has_tu = has_vp = False
    alerts = 0
    for i, entity in enumerate(msg.entity):
        name = entity.id or f"entity[{i}]"
        if entity.is_deleted:
            continue  # only meaningful in a DIFFERENTIAL message
        has_tu = has_tu or entity.HasField("trip_update")
        has_vp = has_vp or entity.HasField("vehicle")
        if i in lacking:
            problems.append(Problem(name, "required fields missing: "
                                    + ", ".join(lacking[i]), entity.SerializePartialToString()))
            continue
        try:
            if entity.HasField("trip_update"):
                update = _trip_update(entity)
                if _run_key(update) in seen:
                    raise ValueError(f"a second TripUpdate for trip {update.trip_id} (at most "
                                     "one per trip run; the first is used)")
                seen.add(_run_key(update))
                trips.append(update)
            if entity.HasField("vehicle"):
                vehicle = _vehicle(entity)
                if vehicle is not None:
                    vehicles.append(vehicle)
            if entity.HasField("alert"):
                alerts += 1
        except ValueError as exc:
            problems.append(Problem(name, str(exc), entity.SerializePartialToString()))
    return Message(version=header.gtfs_realtime_version, timestamp=int(header.timestamp),
                   trip_updates=tuple(trips), vehicles=tuple(vehicles),
                   problems=tuple(problems), has_trip_updates=has_tu, has_vehicles=has_vp,
                   alerts=alerts, entities=len(msg.entity))
