"""The edit language of timetable scenarios: what a transport office changes in a feed version,
as data (research mobility-upscale.md §4, "Scenario editing": R5's modification types as the
checklist, conveyal/r5 ``analyst/scenario/``).

An edit list is JSON: a list of objects, each with its ``type`` and the fields below. It is
read into frozen dataclasses; every problem names its exact path (``edits[2].headway_secs``)
and what to write there, like the card's fare rules (``card.fares``). Applying the edits to
a feed's tables is ``scenarios.apply``.

Times are GTFS times of the service day, ``HH:MM:SS`` from "noon minus 12 h", up to
``48:00:00`` (a trip after midnight runs past 24:00:00); a window is ``[start, end)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

DAY_END = 48 * 3600  # the latest GTFS time a service day's window may reach
_TIME = re.compile(r"^([0-9]{1,2}):([0-5][0-9]):([0-5][0-9])$")


class EditError(ValueError):
    """An edit that cannot be read or applied: a sentence naming the path of the bad field
    (``edits[2].route_id``) and what is wrong with it."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def shown(value: Any) -> str:
    """A value as the edits' JSON writes it ("abc" in quotes, null, 1.5)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Window:
    start: int  # seconds of the service day, inclusive
    end: int  # exclusive

    def holds(self, t: int) -> bool:
        return self.start <= t < self.end


@dataclass(frozen=True)
class AdjustHeadway:
    """The route's trips leaving their first stop in the window are replaced by trips every
    ``headway_secs``, from the first replaced trip's departure, each copying that trip's
    stops and stop-to-stop times (per service and direction)."""

    route_id: str
    window: Window
    headway_secs: int
    direction_id: str | None = None


@dataclass(frozen=True)
class AdjustFrequency:
    """The route's trips in the window, per service and direction, replaced by copies of the
    first: the gaps between them scaled by ``factor`` ((n - 1) x factor gaps, rounded, at
    least one trip), the first and last departures kept and the new ones read off the old
    departures' curve (a single trip: ``factor`` trips sharing the rest of the window)."""

    route_id: str
    window: Window
    factor: float
    direction_id: str | None = None


@dataclass(frozen=True)
class AddTrips:
    """A new pattern: trips over ``stops`` with ``hop_secs`` between consecutive stops and
    ``dwell_secs`` at each intermediate stop, leaving every ``headway_secs`` in the window,
    on ``service_id``. A ``route_id`` the feed lacks is created with ``route_short_name``."""

    route_id: str
    stops: tuple[str, ...]
    hop_secs: tuple[int, ...]
    dwell_secs: int
    headway_secs: int
    window: Window
    service_id: str
    direction_id: str | None = None
    headsign: str = ""
    route_short_name: str = ""
    route_type: int = 3


@dataclass(frozen=True)
class Reroute:
    """In each of the route's trips that serves ``from_stop`` and later ``to_stop``, the stops
    between them are replaced by ``stops``, with ``hop_secs`` (one more than stops) from
    ``from_stop`` to ``to_stop``; later stops shift by the change in running time."""

    route_id: str
    from_stop: str
    to_stop: str
    stops: tuple[str, ...]
    hop_secs: tuple[int, ...]
    direction_id: str | None = None


@dataclass(frozen=True)
class RemoveStops:
    """The stops are taken out of the route's trips; the other stops keep their times."""

    route_id: str
    stop_ids: tuple[str, ...]
    direction_id: str | None = None


@dataclass(frozen=True)
class InsertStop:
    """``stop_id`` is served after ``after_stop`` in each of the route's trips, arriving
    ``secs_from_previous`` after leaving it, for ``dwell_secs``; with ``secs_to_next`` the
    later stops shift to keep it, without it they keep their times."""

    route_id: str
    stop_id: str
    after_stop: str
    secs_from_previous: int
    dwell_secs: int = 0
    secs_to_next: int | None = None
    direction_id: str | None = None


@dataclass(frozen=True)
class AdjustSpeed:
    """The route's running times between stops (not dwell) multiplied by ``scale`` (0.9:
    10 % faster), all of them or those from ``from_stop`` to ``to_stop``."""

    route_id: str
    scale: float
    from_stop: str | None = None
    to_stop: str | None = None
    direction_id: str | None = None


@dataclass(frozen=True)
class AdjustDwell:
    """The route's dwell time set to ``dwell_secs`` at ``stop_ids`` (all its stops but the
    first and last when none are named); later stops shift by the change."""

    route_id: str
    dwell_secs: int
    stop_ids: tuple[str, ...] = ()
    direction_id: str | None = None


@dataclass(frozen=True)
class RemoveTrips:
    """Trips removed: ``trip_ids``, or the route's trips leaving their first stop in the
    window (the whole day without one)."""

    route_id: str | None
    trip_ids: tuple[str, ...] = ()
    window: Window | None = None
    direction_id: str | None = None


Edit = (AdjustHeadway | AdjustFrequency | AddTrips | Reroute | RemoveStops | InsertStop
        | AdjustSpeed | AdjustDwell | RemoveTrips)


# -- reading ------------------------------------------------------------------------------------

def seconds_of(text: Any, where: str) -> int:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise EditError(where, _("%(value)s is not a time; write HH:MM:SS, e.g. \"07:30:00\" "
                                 "(after midnight \"25:10:00\").") % {"value": shown(text)})
    h, m, s = (int(g) for g in match.groups())
    return h * 3600 + m * 60 + s


class _Fields:
    """The fields of one edit object, each read with its path."""

    def __init__(self, item: Mapping[str, Any], path: str, known: Sequence[str]) -> None:
        self.item, self.path = item, path
        extra = sorted(set(item) - {"type", *known})
        if extra:
            raise EditError(f"{path}.{extra[0]}", _("this edit has no such field; its fields "
                                                    "are %(fields)s.")
                            % {"fields": ", ".join(known)})

    def where(self, key: str) -> str:
        return f"{self.path}.{key}"

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.item.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise EditError(self.where(key), _("fill it in with text."))
        return value.strip()

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.item.get(key)
        if value is None and not required:
            return ()
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v.strip() for v in value)):
            raise EditError(self.where(key), _("write a list of one or more ids, "
                                               "[\"a\", \"b\"]."))
        return tuple(v.strip() for v in value)

    def whole(self, key: str, *, positive: bool = False, default: int | None = None) -> int:
        value = self.item.get(key, default)
        low = 1 if positive else 0
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise EditError(self.where(key), _("give a whole number of seconds of %(low)s or "
                                               "more, not %(value)s.")
                            % {"low": low, "value": shown(value)})
        return value

    def wholes(self, key: str, count: int | None = None) -> tuple[int, ...]:
        value = self.item.get(key)
        if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
            raise EditError(self.where(key), _("write a list of whole numbers of seconds, each "
                                               "1 or more."))
        if count is not None and len(value) != count:
            raise EditError(self.where(key), _("give %(n)s running times, one for each hop "
                                               "between consecutive stops, not %(got)s.")
                            % {"n": count, "got": len(value)})
        return tuple(value)

    def factor(self, key: str) -> float:
        value = self.item.get(key)
        if (not isinstance(value, (int, float)) or isinstance(value, bool)
                or not 0 < value <= 100):
            raise EditError(self.where(key), _("give a number above 0 (and at most 100), not "
                                               "%(value)s.") % {"value": shown(value)})
        return float(value)

    def direction(self) -> str | None:
        value = self.item.get("direction_id")
        if value is None:
            return None
        if value not in (0, 1, "0", "1"):
            raise EditError(self.where("direction_id"), _("write 0 or 1 (GTFS direction_id), "
                                                          "not %(value)s.")
                            % {"value": shown(value)})
        return str(value)

    def window(self, *, required: bool = True) -> Window | None:
        if not required and "start" not in self.item and "end" not in self.item:
            return None
        start = seconds_of(self.item.get("start"), self.where("start"))
        end = seconds_of(self.item.get("end"), self.where("end"))
        if end > DAY_END:
            raise EditError(self.where("end"), _("%(value)s is beyond the service day, which "
                                                 "ends at 48:00:00.")
                            % {"value": shown(self.item.get("end"))})
        if end <= start:
            raise EditError(self.where("end"), _("the window ends at or before it starts "
                                                 "(%(start)s); give a later end.")
                            % {"start": hms(start)})
        return Window(start, end)

    def required_window(self) -> Window:
        window = self.window()
        assert window is not None
        return window


ROUTE_KEYS = ("route_id", "direction_id")


def _headway(f: _Fields) -> AdjustHeadway:
    return AdjustHeadway(f.text("route_id"), f.required_window(),
                         f.whole("headway_secs", positive=True), f.direction())


def _frequency(f: _Fields) -> AdjustFrequency:
    return AdjustFrequency(f.text("route_id"), f.required_window(), f.factor("factor"),
                           f.direction())


def _add_trips(f: _Fields) -> AddTrips:
    stops = f.texts("stops")
    if len(stops) < 2:
        raise EditError(f.where("stops"), _("a trip serves two stops or more."))
    route_type = f.item.get("route_type", 3)
    if not isinstance(route_type, int) or isinstance(route_type, bool) or route_type < 0:
        raise EditError(f.where("route_type"), _("write a GTFS route_type, e.g. 3 (bus)."))
    return AddTrips(f.text("route_id"), stops, f.wholes("hop_secs", len(stops) - 1),
                    f.whole("dwell_secs", default=0), f.whole("headway_secs", positive=True),
                    f.required_window(), f.text("service_id"), f.direction(),
                    f.text("headsign", required=False),
                    f.text("route_short_name", required=False), route_type)


def _reroute(f: _Fields) -> Reroute:
    stops = f.texts("stops")
    return Reroute(f.text("route_id"), f.text("from_stop"), f.text("to_stop"), stops,
                   f.wholes("hop_secs", len(stops) + 1), f.direction())


def _remove_stops(f: _Fields) -> RemoveStops:
    return RemoveStops(f.text("route_id"), f.texts("stop_ids"), f.direction())


def _insert_stop(f: _Fields) -> InsertStop:
    to_next = None if f.item.get("secs_to_next") is None else f.whole("secs_to_next",
                                                                        positive=True)
    return InsertStop(f.text("route_id"), f.text("stop_id"), f.text("after_stop"),
                      f.whole("secs_from_previous", positive=True),
                      f.whole("dwell_secs", default=0), to_next, f.direction())


def _speed(f: _Fields) -> AdjustSpeed:
    a, b = f.text("from_stop", required=False), f.text("to_stop", required=False)
    if bool(a) != bool(b):
        raise EditError(f.where("to_stop" if a else "from_stop"),
                        _("name both from_stop and to_stop, or neither."))
    return AdjustSpeed(f.text("route_id"), f.factor("scale"), a or None, b or None,
                       f.direction())


def _dwell(f: _Fields) -> AdjustDwell:
    return AdjustDwell(f.text("route_id"), f.whole("dwell_secs"),
                       f.texts("stop_ids", required=False), f.direction())


def _remove_trips(f: _Fields) -> RemoveTrips:
    trip_ids = f.texts("trip_ids", required=False)
    route = f.text("route_id", required=False)
    if not trip_ids and not route:
        raise EditError(f.where("route_id"), _("name the route (with a window, or the whole "
                                               "day) or list trip_ids."))
    return RemoveTrips(route or None, trip_ids, f.window(required=False), f.direction())


READERS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "adjust_headway": (_headway, (*ROUTE_KEYS, "start", "end", "headway_secs")),
    "adjust_frequency": (_frequency, (*ROUTE_KEYS, "start", "end", "factor")),
    "add_trips": (_add_trips, (*ROUTE_KEYS, "stops", "hop_secs", "dwell_secs", "headway_secs",
                               "start", "end", "service_id", "headsign", "route_short_name",
                               "route_type")),
    "reroute": (_reroute, (*ROUTE_KEYS, "from_stop", "to_stop", "stops", "hop_secs")),
    "remove_stops": (_remove_stops, (*ROUTE_KEYS, "stop_ids")),
    "insert_stop": (_insert_stop, (*ROUTE_KEYS, "stop_id", "after_stop", "secs_from_previous",
                                   "dwell_secs", "secs_to_next")),
    "adjust_speed": (_speed, (*ROUTE_KEYS, "scale", "from_stop", "to_stop")),
    "adjust_dwell": (_dwell, (*ROUTE_KEYS, "dwell_secs", "stop_ids")),
    "remove_trips": (_remove_trips, (*ROUTE_KEYS, "trip_ids", "start", "end")),
}


def load_edits(data: Any) -> tuple[Edit, ...]:
    """The edits of their JSON form (a list of objects, or ``{"edits": [...]}``); every
    problem names its path."""
    if isinstance(data, Mapping) and set(data) == {"edits"}:
        data = data["edits"]
    if not isinstance(data, list) or not all(isinstance(i, Mapping) for i in data):
        raise EditError("edits", _("write the edits as a list of objects, [{\"type\": "
                                   "\"adjust_headway\", ...}, ...]."))
    out: list[Edit] = []
    for n, item in enumerate(data):
        path = f"edits[{n}]"
        kind = item.get("type")
        if kind not in READERS:
            raise EditError(f"{path}.type", _("%(value)s is no edit; use one of %(choices)s.")
                            % {"value": shown(kind), "choices": ", ".join(READERS)})
        reader, known = READERS[kind]
        out.append(reader(_Fields(item, path, known)))
    return tuple(out)


def canonical(data: Any) -> str:
    """The edits' JSON in one form (keys sorted, no spaces): what a version's SHA-256 is
    taken of, so the same edits written differently are the same version."""
    if isinstance(data, Mapping) and set(data) == {"edits"}:
        data = data["edits"]
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
