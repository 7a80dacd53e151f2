"""Edits applied to a feed's tables: pure functions from ``{file: DataFrame}`` (every column a
str, as ``store.read_tables`` gives them) and the edits of ``scenarios.edits`` to the derived
tables, with the same shape, so whatever reads a feed version reads a scenario too.

Only the trips an edit touches change: their rows are taken out of trips.txt and stop_times.txt
and their new rows appended; every other row stays as it was, in its place (research §6
check 18). A removed trip also leaves frequencies.txt, transfers.txt and attributions.txt.
New and changed trips have no block_id (their blocks are no longer the operator's) and a
trip whose stops change loses its shape (it no longer follows it). Times are whole seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from zerocity.mobility.scenarios.edits import (
    AddTrips,
    AdjustDwell,
    AdjustFrequency,
    AdjustHeadway,
    AdjustSpeed,
    Edit,
    EditError,
    InsertStop,
    RemoveStops,
    RemoveTrips,
    Reroute,
    Window,
    hms,
    seconds_of,
    shown,
)

Tables = dict[str, pd.DataFrame]
# a stop a trip newly serves: boarding and alighting as usual, no headsign of its own, and no
# distance along the shape
FRESH = ("pickup_type", "drop_off_type", "stop_headsign", "timepoint", "shape_dist_traveled")
TRIP_REFERENCES = (("frequencies", "trip_id"), ("transfers", "from_trip_id"),
                   ("transfers", "to_trip_id"), ("attributions", "trip_id"))


@dataclass
class Call:
    """One stop of a trip: its row of stop_times.txt and its times in seconds (None: none)."""

    row: dict[str, str]
    arr: int | None
    dep: int | None

    @property
    def stop(self) -> str:
        return self.row["stop_id"]


def _secs(text: str) -> int | None:
    if not text:
        return None
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


class Feed:
    """The tables being edited, with what the edits look up."""

    def __init__(self, tables: Tables) -> None:
        self.tables = {name: frame.copy() for name, frame in tables.items()}

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame(dtype=str))

    def column(self, name: str, col: str) -> pd.Series:
        frame = self.table(name)
        return frame[col] if col in frame.columns else pd.Series([""] * len(frame), dtype=str)

    def route_trips(self, route_id: str, direction: str | None, where: str) -> pd.DataFrame:
        if route_id not in set(self.column("routes", "route_id")):
            raise EditError(where, _("the feed has no route %(value)s.")
                            % {"value": shown(route_id)})
        trips = self.table("trips")
        chosen = trips[self.column("trips", "route_id") == route_id]
        if direction is not None:
            chosen = chosen[self.column("trips", "direction_id").loc[chosen.index] == direction]
        return chosen

    def calls(self, trip_ids: Sequence[str]) -> dict[str, list[Call]]:
        """Each trip's stops in stop_sequence order."""
        st = self.table("stop_times")
        rows = st[st["trip_id"].isin(set(trip_ids))]
        order = pd.to_numeric(rows["stop_sequence"], errors="coerce")
        rows = rows.assign(_seq=order).sort_values(["trip_id", "_seq"], kind="stable")
        out: dict[str, list[Call]] = {t: [] for t in trip_ids}
        rows = rows.drop(columns="_seq")
        cols = [str(c) for c in rows.columns]
        for values in rows.to_numpy(dtype=object):
            row = dict(zip(cols, (str(v) for v in values), strict=True))
            out[row["trip_id"]].append(Call(row, _secs(row.get("arrival_time", "")),
                                            _secs(row.get("departure_time", ""))))
        return out

    def starts(self, trip_ids: Sequence[str]) -> dict[str, int | None]:
        """When each trip leaves its first stop (its arrival there when it has no
        departure); None for a trip with no stop times."""
        st = self.table("stop_times")
        rows = st[st["trip_id"].isin(set(trip_ids))]
        order = pd.to_numeric(rows["stop_sequence"], errors="coerce")
        first = (rows.assign(_seq=order).sort_values(["trip_id", "_seq"], kind="stable")
                 .groupby("trip_id", sort=False).head(1))
        out: dict[str, int | None] = {t: None for t in trip_ids}
        arrivals = first["arrival_time"] if "arrival_time" in first.columns else \
            pd.Series([""] * len(first), index=first.index)
        for tid, dep, arr in zip(first["trip_id"], first["departure_time"], arrivals,
                                 strict=True):
            out[str(tid)] = _secs(str(dep)) if dep else _secs(str(arr))
        return out

    def frequency_based(self) -> set[str]:
        return set(self.column("frequencies", "trip_id"))

    def replace(self, removed: set[str], trips: list[dict[str, str]], calls: list[Call], *,
                references: bool = True) -> None:
        """Take ``removed`` trips out (and, with ``references``, the rows naming them in other
        files), then append new trips and stop times (the times written from the calls'
        seconds)."""
        for name, col in (("trips", "trip_id"), ("stop_times", "trip_id"),
                          *(TRIP_REFERENCES if references else ())):
            frame = self.tables.get(name)
            if frame is not None and col in frame.columns and removed:
                self.tables[name] = frame[~frame[col].isin(removed)]
        if trips:
            self.tables["trips"] = _append(self.tables["trips"], trips)
        if calls:
            rows = []
            for c in calls:
                row = dict(c.row)
                row["arrival_time"] = "" if c.arr is None else hms(c.arr)
                row["departure_time"] = "" if c.dep is None else hms(c.dep)
                rows.append(row)
            self.tables["stop_times"] = _append(self.tables["stop_times"], rows)

    def new_id(self, wanted: str, taken: set[str]) -> str:
        tid, n = wanted, 1
        while tid in taken:
            n += 1
            tid = f"{wanted}.{n}"
        taken.add(tid)
        return tid


def _append(frame: pd.DataFrame, rows: list[dict[str, str]]) -> pd.DataFrame:
    cols = list(frame.columns)
    for row in rows:
        cols.extend(k for k in row if k not in cols)
    new = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows], columns=cols, dtype=str)
    return pd.concat([frame.reindex(columns=cols, fill_value=""), new], ignore_index=True)


def _trip_rows(feed: Feed, trip_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    trips = feed.table("trips")
    chosen = trips[trips["trip_id"].isin(set(trip_ids))]
    return {str(r["trip_id"]): {str(k): str(v) for k, v in r.items()}
            for r in chosen.to_dict("records")}


# -- headway, frequency ---------------------------------------------------------------------------

def _in_window(feed: Feed, route_id: str, direction: str | None, window: Window,
               where: str) -> list[tuple[str, int]]:
    trips = feed.route_trips(route_id, direction, f"{where}.route_id")
    starts = feed.starts(list(trips["trip_id"]))
    found = sorted(((t, s) for t, s in starts.items() if s is not None and window.holds(s)),
                   key=lambda p: (p[1], p[0]))
    if not found:
        raise EditError(f"{where}.start", _("route %(route)s has no trip leaving its first "
                                            "stop from %(start)s to %(end)s.")
                        % {"route": shown(route_id), "start": hms(window.start),
                           "end": hms(window.end)})
    periodic = sorted(feed.frequency_based() & {t for t, _s in found})
    if periodic:
        raise EditError(f"{where}.route_id", _("trip %(trip)s runs by frequencies.txt; "
                                               "change its frequencies instead.")
                        % {"trip": shown(periodic[0])})
    return found


def _retime(feed: Feed, n: int, found: list[tuple[str, int]],
            departures: Callable[[int, list[int]], list[int]]) -> None:
    """Replace ``found`` trips, per service and direction, by copies of each group's first
    trip leaving at ``departures(first departure, the group's departures)``."""
    rows = _trip_rows(feed, [t for t, _s in found])
    calls = feed.calls([t for t, _s in found])
    groups: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for tid, start in found:
        groups.setdefault((rows[tid]["service_id"], rows[tid].get("direction_id", "")),
                          []).append((tid, start))
    taken = set(feed.column("trips", "trip_id"))
    new_trips: list[dict[str, str]] = []
    new_calls: list[Call] = []
    for members in groups.values():
        template, t0 = members[0]
        for dep in departures(t0, [start for _t, start in members]):
            tid = feed.new_id(f"{template}~{n}-{hms(dep).replace(':', '')}", taken)
            new_trips.append({**_blank(rows[template], "block_id"), "trip_id": tid})
            shift = dep - t0
            new_calls.extend(Call({**c.row, "trip_id": tid},
                                  None if c.arr is None else c.arr + shift,
                                  None if c.dep is None else c.dep + shift)
                             for c in calls[template])
    feed.replace({t for t, _s in found}, new_trips, new_calls)


def adjust_headway(feed: Feed, e: AdjustHeadway, n: int, where: str) -> None:
    found = _in_window(feed, e.route_id, e.direction_id, e.window, where)
    _retime(feed, n, found, lambda t0, _old: list(range(t0, e.window.end, e.headway_secs)))


def adjust_frequency(feed: Feed, e: AdjustFrequency, n: int, where: str) -> None:
    found = _in_window(feed, e.route_id, e.direction_id, e.window, where)

    def departures(t0: int, old: list[int]) -> list[int]:
        count = len(old)
        if count == 1:  # a single trip: the new ones share the rest of the window
            wanted = max(1, round(e.factor))
            return [t0 + int(round(k * (e.window.end - t0) / wanted)) for k in range(wanted)]
        # the gaps between the trips scaled by the factor, the first and last departures kept:
        # new departures read off the old ones' curve, so a timetable denser at the peaks
        # stays denser there (twice as often: a trip half-way through every gap)
        wanted = max(1, round((count - 1) * e.factor) + 1)
        if wanted == 1:
            return [t0]
        at = np.linspace(0.0, count - 1.0, wanted)
        return [int(round(x)) for x in np.interp(at, np.arange(count), np.asarray(old, float))]

    _retime(feed, n, found, departures)


# -- new trips ------------------------------------------------------------------------------------

def _known_stops(feed: Feed, stops: Sequence[str], where: str, *, listed: bool = True) -> None:
    have = set(feed.column("stops", "stop_id"))
    for k, stop in enumerate(stops):
        if stop not in have:
            raise EditError(f"{where}[{k}]" if listed else where,
                            _("the feed has no stop %(value)s.") % {"value": shown(stop)})


def _blank(row: dict[str, str], *keys: str) -> dict[str, str]:
    """The row with those of ``keys`` it has emptied (no column is added to the table)."""
    return {k: "" if k in keys else v for k, v in row.items()}


def add_trips(feed: Feed, e: AddTrips, n: int, where: str) -> None:
    _known_stops(feed, e.stops, f"{where}.stops")
    services = set(feed.column("calendar", "service_id")) | set(
        feed.column("calendar_dates", "service_id"))
    if e.service_id not in services:
        raise EditError(f"{where}.service_id", _("the feed has no service %(value)s.")
                        % {"value": shown(e.service_id)})
    if e.route_id not in set(feed.column("routes", "route_id")):
        if not e.route_short_name:
            raise EditError(f"{where}.route_short_name", _("route %(value)s is new: give its "
                                                           "route_short_name.")
                            % {"value": shown(e.route_id)})
        agency = feed.column("agency", "agency_id")
        route = {"route_id": e.route_id, "route_short_name": e.route_short_name,
                 "route_type": str(e.route_type)}
        if len(agency) and agency.iloc[0]:
            route["agency_id"] = str(agency.iloc[0])
        feed.tables["routes"] = _append(feed.table("routes"), [route])
    taken = set(feed.column("trips", "trip_id"))
    trips: list[dict[str, str]] = []
    calls: list[Call] = []
    for dep in range(e.window.start, e.window.end, e.headway_secs):
        tid = feed.new_id(f"{e.route_id}~{n}-{hms(dep).replace(':', '')}", taken)
        trip = {"route_id": e.route_id, "service_id": e.service_id, "trip_id": tid}
        if e.headsign:
            trip["trip_headsign"] = e.headsign
        if e.direction_id is not None:
            trip["direction_id"] = e.direction_id
        trips.append(trip)
        t = dep
        for k, stop in enumerate(e.stops):
            arr = t
            last = k == len(e.stops) - 1
            leave = arr if k == 0 or last else arr + e.dwell_secs
            calls.append(Call({"trip_id": tid, "stop_id": stop, "stop_sequence": str(k + 1)},
                              arr, leave))
            if not last:
                t = leave + e.hop_secs[k]
    feed.replace(set(), trips, calls)


# -- a trip's stops and times -------------------------------------------------------------------

def _timed(tid: str, calls: list[Call], where: str) -> None:
    for c in calls:
        if c.arr is None or c.dep is None:
            raise EditError(where, _("trip %(trip)s has no time at stop %(stop)s; this edit "
                                     "needs the times of every stop.")
                            % {"trip": shown(tid), "stop": shown(c.stop)})


def _renumber(calls: list[Call], *, drop_shape: bool) -> list[Call]:
    out = []
    for k, c in enumerate(calls):
        row = {**c.row, "stop_sequence": str(k + 1)}
        if drop_shape and "shape_dist_traveled" in row:
            row["shape_dist_traveled"] = ""
        out.append(Call(row, c.arr, c.dep))
    return out


def _rewrite(feed: Feed, changed: dict[str, list[Call]], *, drop_shape: bool,
             renumber: bool = True) -> None:
    """Put the trips of ``changed`` back with their new calls (same trip ids)."""
    rows = _trip_rows(feed, list(changed))
    trips = [_blank(rows[t], "block_id", *(("shape_id",) if drop_shape else ())) for t in changed]
    calls = [c for t in changed for c in (_renumber(changed[t], drop_shape=drop_shape)
                                          if renumber else changed[t])]
    feed.replace(set(changed), trips, calls, references=False)  # the same trips, changed


def _shifted(calls: Sequence[Call], delta: int) -> list[Call]:
    return [Call(c.row, None if c.arr is None else c.arr + delta,
                 None if c.dep is None else c.dep + delta) for c in calls]


def reroute(feed: Feed, e: Reroute, n: int, where: str) -> None:
    _known_stops(feed, e.stops, f"{where}.stops")
    _known_stops(feed, (e.from_stop,), f"{where}.from_stop", listed=False)
    _known_stops(feed, (e.to_stop,), f"{where}.to_stop", listed=False)
    trips = feed.route_trips(e.route_id, e.direction_id, f"{where}.route_id")
    changed: dict[str, list[Call]] = {}
    for tid, calls in feed.calls(list(trips["trip_id"])).items():
        stops = [c.stop for c in calls]
        if e.from_stop not in stops:
            continue
        i = stops.index(e.from_stop)
        if e.to_stop not in stops[i + 1:]:
            continue
        j = stops.index(e.to_stop, i + 1)
        _timed(tid, [calls[i], calls[j]], f"{where}.from_stop")
        t, old_arrival = calls[i].dep, calls[j].arr
        assert t is not None and old_arrival is not None
        middle = []
        for stop, hop in zip(e.stops, e.hop_secs, strict=False):
            t += hop
            middle.append(Call({**_blank(calls[i].row, *FRESH), "stop_id": stop}, t, t))
        arrive = t + e.hop_secs[-1]
        changed[tid] = [*calls[:i + 1], *middle,
                        *_shifted(calls[j:], arrive - old_arrival)]
    if not changed:
        raise EditError(f"{where}.to_stop", _("no trip of route %(route)s serves %(a)s and "
                                              "then %(b)s.")
                        % {"route": shown(e.route_id), "a": shown(e.from_stop),
                           "b": shown(e.to_stop)})
    _rewrite(feed, changed, drop_shape=True)


def _serving_calls(feed: Feed, route_id: str, direction_id: str | None,
                   stop_ids: Sequence[str], where: str) -> dict[str, list[Call]]:
    """The calls of the route's trips, refused naming the first of ``stop_ids`` it does not
    serve."""
    trips = feed.route_trips(route_id, direction_id, f"{where}.route_id")
    all_calls = feed.calls(list(trips["trip_id"]))
    served = {c.stop for calls in all_calls.values() for c in calls}
    for k, stop in enumerate(stop_ids):
        if stop not in served:
            raise EditError(f"{where}.stop_ids[{k}]", _("route %(route)s does not serve stop "
                                                        "%(stop)s.")
                            % {"route": shown(route_id), "stop": shown(stop)})
    return all_calls


def remove_stops(feed: Feed, e: RemoveStops, n: int, where: str) -> None:
    all_calls = _serving_calls(feed, e.route_id, e.direction_id, e.stop_ids, where)
    gone = set(e.stop_ids)
    changed: dict[str, list[Call]] = {}
    for tid, calls in all_calls.items():
        kept = [c for c in calls if c.stop not in gone]
        if len(kept) == len(calls):
            continue
        if len(kept) < 2:
            raise EditError(f"{where}.stop_ids", _("trip %(trip)s would serve fewer than two "
                                                   "stops; remove the trip instead.")
                            % {"trip": shown(tid)})
        changed[tid] = kept
    _rewrite(feed, changed, drop_shape=False, renumber=False)


def insert_stop(feed: Feed, e: InsertStop, n: int, where: str) -> None:
    _known_stops(feed, (e.stop_id,), f"{where}.stop_id", listed=False)
    trips = feed.route_trips(e.route_id, e.direction_id, f"{where}.route_id")
    changed: dict[str, list[Call]] = {}
    for tid, calls in feed.calls(list(trips["trip_id"])).items():
        stops = [c.stop for c in calls]
        if e.after_stop not in stops:
            continue
        if e.stop_id in stops:
            raise EditError(f"{where}.stop_id", _("trip %(trip)s serves stop %(stop)s "
                                                  "already; a stop is inserted once.")
                            % {"trip": shown(tid), "stop": shown(e.stop_id)})
        i = stops.index(e.after_stop)
        _timed(tid, calls[i:i + 2], f"{where}.after_stop")
        before = calls[i].dep
        assert before is not None
        arr = before + e.secs_from_previous
        dep = arr + e.dwell_secs
        new = Call({**_blank(calls[i].row, *FRESH), "stop_id": e.stop_id}, arr, dep)
        rest = calls[i + 1:]
        if rest and e.secs_to_next is not None:
            assert rest[0].arr is not None
            rest = _shifted(rest, dep + e.secs_to_next - rest[0].arr)
        elif rest and rest[0].arr is not None and dep > rest[0].arr:
            raise EditError(f"{where}.secs_from_previous", _(
                "in trip %(trip)s the new stop is left at %(time)s, after the next stop's "
                "arrival; give secs_to_next to move the later stops.")
                % {"trip": shown(tid), "time": hms(dep)})
        changed[tid] = [*calls[:i + 1], new, *rest]
    if not changed:
        raise EditError(f"{where}.after_stop", _("route %(route)s does not serve stop "
                                                 "%(stop)s.")
                        % {"route": shown(e.route_id), "stop": shown(e.after_stop)})
    _rewrite(feed, changed, drop_shape=False)


def _rebuild(calls: list[Call], hop: Callable[[int, int], int],
             dwell: Callable[[int, int], int]) -> list[Call]:
    """Times again from the first departure: ``hop(k, old)`` the running time into stop k,
    ``dwell(k, old)`` the time at it."""
    out = [calls[0]]
    assert calls[0].dep is not None
    t = calls[0].dep
    for k, c in enumerate(calls[1:], 1):
        prev, c_arr, c_dep = calls[k - 1].dep, c.arr, c.dep
        assert prev is not None and c_arr is not None and c_dep is not None
        arr = t + hop(k, c_arr - prev)
        t = arr + dwell(k, c_dep - c_arr)
        out.append(Call(c.row, arr, t))
    return out


def adjust_speed(feed: Feed, e: AdjustSpeed, n: int, where: str) -> None:
    trips = feed.route_trips(e.route_id, e.direction_id, f"{where}.route_id")
    changed: dict[str, list[Call]] = {}
    for tid, calls in feed.calls(list(trips["trip_id"])).items():
        stops = [c.stop for c in calls]
        i, j = 0, len(calls) - 1
        if e.from_stop is not None and e.to_stop is not None:
            if e.from_stop not in stops or e.to_stop not in stops[stops.index(e.from_stop) + 1:]:
                continue
            i = stops.index(e.from_stop)
            j = stops.index(e.to_stop, i + 1)
        _timed(tid, calls, f"{where}.route_id")

        def hop(k: int, old: int, i: int = i, j: int = j) -> int:
            return int(round(old * e.scale)) if i < k <= j else old

        changed[tid] = _rebuild(calls, hop, lambda k, old: old)
    if not changed:
        raise EditError(f"{where}.to_stop" if e.from_stop else f"{where}.route_id", _(
            "no trip of route %(route)s serves %(a)s and then %(b)s.")
            % {"route": shown(e.route_id), "a": shown(e.from_stop), "b": shown(e.to_stop)})
    _rewrite(feed, changed, drop_shape=False, renumber=False)


def adjust_dwell(feed: Feed, e: AdjustDwell, n: int, where: str) -> None:
    all_calls = _serving_calls(feed, e.route_id, e.direction_id, e.stop_ids, where)
    at = set(e.stop_ids)
    changed: dict[str, list[Call]] = {}
    for tid, calls in all_calls.items():
        _timed(tid, calls, f"{where}.route_id")
        last = len(calls) - 1

        def dwell(k: int, old: int, calls: list[Call] = calls, last: int = last) -> int:
            hit = calls[k].stop in at if at else 0 < k < last
            return e.dwell_secs if hit and k < last else old

        changed[tid] = _rebuild(calls, lambda k, old: old, dwell)
    _rewrite(feed, changed, drop_shape=False, renumber=False)


def remove_trips(feed: Feed, e: RemoveTrips, n: int, where: str) -> None:
    have = set(feed.column("trips", "trip_id"))
    gone: set[str] = set()
    for k, tid in enumerate(e.trip_ids):
        if tid not in have:
            raise EditError(f"{where}.trip_ids[{k}]", _("the feed has no trip %(value)s.")
                            % {"value": shown(tid)})
        gone.add(tid)
    if e.route_id is not None:
        trips = feed.route_trips(e.route_id, e.direction_id, f"{where}.route_id")
        if e.window is None:
            gone |= set(trips["trip_id"])
        else:
            gone |= {t for t, _s in _in_window(feed, e.route_id, e.direction_id, e.window,
                                                where)}
    feed.replace(gone, [], [])


APPLY: dict[type, Callable[[Feed, Any, int, str], None]] = {
    AdjustHeadway: adjust_headway, AdjustFrequency: adjust_frequency, AddTrips: add_trips,
    Reroute: reroute, RemoveStops: remove_stops, InsertStop: insert_stop,
    AdjustSpeed: adjust_speed, AdjustDwell: adjust_dwell, RemoveTrips: remove_trips,
}


def apply_edits(tables: Tables, edits: Sequence[Edit]) -> Tables:
    """The tables with the edits applied in order (each sees the ones before it); EditError
    names the first edit that cannot be applied and why."""
    feed = Feed(tables)
    for k, edit in enumerate(edits):
        APPLY[type(edit)](feed, edit, k + 1, f"edits[{k}]")
    return {name: frame.reset_index(drop=True) for name, frame in feed.tables.items()}


__all__ = ["Tables", "apply_edits", "seconds_of"]
