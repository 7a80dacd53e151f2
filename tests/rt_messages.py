"""GTFS-Realtime messages for the tests, built with the reference bindings
(``gtfs-realtime-bindings``), and the kranj-mini fixture feed read as the planner reads it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from google.transit import gtfs_realtime_pb2 as rt

FEEDS = Path(__file__).resolve().parent / "fixtures" / "gtfs"
ZONE = "Europe/Ljubljana"
Z = ZoneInfo(ZONE)
MONDAY = date(2026, 3, 2)  # a weekday of kranj-mini's WD service


def tables(name: str = "kranj-mini") -> dict[str, pd.DataFrame]:
    """A fixture feed's files as the store gives them: every column text, empty is ""."""
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted((FEEDS / name).glob("*.txt"))}


def stop_at(tables_: dict[str, pd.DataFrame], stop_id: str) -> tuple[float, float]:
    row = tables_["stops"].set_index("stop_id").loc[stop_id]
    return float(row["stop_lat"]), float(row["stop_lon"])


def local(h: int, m: int = 0, s: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=Z)


def message(timestamp: datetime, *entities: rt.FeedEntity,
            incrementality: int = rt.FeedHeader.FULL_DATASET) -> bytes:
    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.incrementality = incrementality  # type: ignore[assignment]
    msg.header.timestamp = int(timestamp.timestamp())
    for e in entities:
        msg.entity.append(e)
    return msg.SerializePartialToString()  # a test may leave a required field out


def trip_update(trip_id: str, *stops: dict[str, Any], start_date: date | None = MONDAY,
                start_time: str = "", relationship: str = "SCHEDULED",
                delay: int | None = None, entity_id: str = "") -> rt.FeedEntity:
    """stops: {"seq" | "stop_id", "arrival_delay", "arrival_time" (datetime),
    "departure_delay", "departure_time", "relationship"} each."""
    e = rt.FeedEntity()
    e.id = entity_id or f"tu-{trip_id}-{start_time}"
    tu = e.trip_update
    tu.trip.trip_id = trip_id
    if start_date is not None:
        tu.trip.start_date = start_date.strftime("%Y%m%d")
    if start_time:
        tu.trip.start_time = start_time
    tu.trip.schedule_relationship = rt.TripDescriptor.ScheduleRelationship.Value(relationship)
    if delay is not None:
        tu.delay = delay
    for s in stops:
        stu = tu.stop_time_update.add()
        if "seq" in s:
            stu.stop_sequence = s["seq"]
        if "stop_id" in s:
            stu.stop_id = s["stop_id"]
        for event in ("arrival", "departure"):
            if f"{event}_delay" in s:
                getattr(stu, event).delay = s[f"{event}_delay"]
            if f"{event}_time" in s:
                getattr(stu, event).time = int(s[f"{event}_time"].timestamp())
        stu.schedule_relationship = rt.TripUpdate.StopTimeUpdate.ScheduleRelationship.Value(
            s.get("relationship", "SCHEDULED"))
    return e


def vehicle(vehicle_id: str, trip_id: str, lat: float, lon: float, *, bearing: float = 0.0,
            status: str = "IN_TRANSIT_TO", stop_id: str = "",
            at: datetime | None = None) -> rt.FeedEntity:
    e = rt.FeedEntity()
    e.id = f"vp-{vehicle_id}"
    v = e.vehicle
    v.vehicle.id = vehicle_id
    v.vehicle.label = f"Bus {vehicle_id}"
    v.trip.trip_id = trip_id
    v.trip.start_date = MONDAY.strftime("%Y%m%d")
    v.position.latitude = lat
    v.position.longitude = lon
    v.position.bearing = bearing
    v.current_status = rt.VehiclePosition.VehicleStopStatus.Value(status)
    if stop_id:
        v.stop_id = stop_id
    if at is not None:
        v.timestamp = int(at.timestamp())
    return e
