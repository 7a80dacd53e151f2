"""The periods of the service day, one definition for the mobility app: the service statistics
give headways per period, the load calculation the peak load per period, and the frequency
optimiser sets a headway per period, all with these names, so the loads feed the optimiser as
they are and the headways speak of the same hours (docs/mobility.md).

Times are seconds on the GTFS time axis: after the service date's "noon minus 12 h", hours
past 24 for the night after it, so no zone is needed. A period is ``[start_s, end_s)``; a trip
run belongs to the period in which it first departs (the service statistics' headways take
departures at both ends of the window, as gtfs-kit does).

Written forms, separated by commas: ``07-09`` (whole hours), ``07:00-09:00``,
``NAME=07:00-09:00``; a ``*`` after a period marks a peak (``07-09*``). Without a name the
period is named as it is written. Periods come in order and do not overlap; touching ends
(``07-09,09-14``) are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import overload

from zerocity.core.errors import Unreadable

HOUR = 3600
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")


class PeriodError(Unreadable, ValueError):
    """Text that is not a list of periods; the message names the part that is wrong."""


@dataclass(frozen=True)
class Period:
    """A named part of the service day: ``[start_s, end_s)`` in seconds on the GTFS time
    axis; ``peak`` marks a peak period."""

    name: str
    start_s: int
    end_s: int
    peak: bool = False

    @property
    def seconds(self) -> int:
        return self.end_s - self.start_s

    @property
    def start(self) -> str:
        """The start as GTFS writes a time (HH:MM:SS)."""
        return clock(self.start_s)

    @property
    def end(self) -> str:
        return clock(self.end_s)

    def __contains__(self, seconds: float) -> bool:
        return self.start_s <= seconds < self.end_s


@overload
def clock(seconds: int) -> str: ...


@overload
def clock(seconds: None) -> None: ...


def clock(seconds: int | None) -> str | None:
    """Seconds as GTFS writes a time (HH:MM:SS, hours past 24 on the service date's night);
    None stays None."""
    if seconds is None:
        return None
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def clock_seconds(text: str) -> int:
    """``HH`` or ``HH:MM`` (hours may pass 24) as seconds; PeriodError otherwise."""
    m = _CLOCK.match(text.strip())
    if m is None or int(m[2] or 0) > 59:
        raise PeriodError(f"{text.strip()!r} is not a time of day; write HH or HH:MM")
    return int(m[1]) * HOUR + int(m[2] or 0) * 60


def _one(part: str) -> Period:
    name, eq, span = part.rpartition("=") if "=" in part else ("", "", part)
    span = span.strip()
    peak = span.endswith("*")
    a, dash, b = span.removesuffix("*").partition("-")
    if eq and not name.strip():
        raise PeriodError(f"period {part!r}: give a name before '='")
    if not dash:
        raise PeriodError(f"period {part!r}: write it as 07-09, 07:00-09:00 or "
                          "NAME=07:00-09:00, a * after a peak")
    try:
        start, end = clock_seconds(a), clock_seconds(b)
    except PeriodError as exc:
        raise PeriodError(f"period {part!r}: {exc}") from None
    if end <= start:
        raise PeriodError(f"period {part!r}: its end must come after its start")
    return Period(name.strip() or span.removesuffix("*").strip(), start, end, peak)


def parse_periods(text: str) -> tuple[Period, ...]:
    """Periods as written (see the module's docstring): in order, not overlapping, each name
    once; PeriodError naming the bad part."""
    out: list[Period] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise PeriodError("an empty period: write periods separated by single commas, "
                              "e.g. 07-09*,09-14")
        p = _one(part)
        if out and p.start_s < out[-1].end_s:
            raise PeriodError(f"period {part!r} begins before {out[-1].name} ends: give the "
                              "periods in order without overlap")
        if any(q.name == p.name for q in out):
            raise PeriodError(f"period {part!r}: the name {p.name} is used twice")
        out.append(p)
    return tuple(out)


def period_of(periods: tuple[Period, ...], seconds: float) -> Period | None:
    """The period in which ``seconds`` falls, None when in none of them."""
    return next((p for p in periods if seconds in p), None)


# The parts of a weekday a city timetable is built around: the early service, the morning and
# afternoon peaks, midday and the evening. An assumption of ZeroCity, which a city replaces with
# its own; the names are those of the demo's loads file (demo/data/kranj_peak_loads.csv).
DEFAULT_PERIODS_TEXT = "05-07,07-09*,09-14,14-17*,17-22"
DEFAULT_PERIODS: tuple[Period, ...] = parse_periods(DEFAULT_PERIODS_TEXT)
