"""Monitoring arithmetic: action status from milestones, freshness of reporting, and indicator
status against the path to the target. Pure functions over plain data.

Rules (documented in docs/plan.md, tested in tests/test_plan_monitoring.py):

- An action's status is a person's override when one stands, otherwise: *completed* when it has
  milestones and all are done; *late* when a milestone is past due and not done; *on time* once
  it has started (its start year has come or a milestone is done); else *not started*.
- Freshness is the number of days since staff last reported on the action: fresh up to 90 days,
  ageing up to 180, stale after, never when nobody has reported yet.
- An indicator's expected value in a year lies on the straight path from its baseline through
  its yearly targets. The latest observation is *on track* when it has made at least 90 % of
  the progress expected by its year, *deviating* from 60 %, *off track* below.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

ON_TRACK_FROM = 0.9
DEVIATING_FROM = 0.6
FRESH_DAYS, AGEING_DAYS = 90, 180


@dataclass(frozen=True, slots=True)
class MilestoneData:
    name: str
    due: date
    done: date | None = None


def action_status(
    milestones: Iterable[MilestoneData],
    *,
    today: date,
    start_year: int | None = None,
    override: str | None = None,
) -> str:
    if override:
        return override
    ms = list(milestones)
    if ms and all(m.done is not None for m in ms):
        return "completed"
    if any(m.done is None and m.due < today for m in ms):
        return "late"
    started = (start_year is not None and start_year <= today.year) or any(
        m.done is not None for m in ms)
    return "on_time" if started else "not_started"


def overdue(milestones: Iterable[MilestoneData], today: date) -> list[MilestoneData]:
    return sorted((m for m in milestones if m.done is None and m.due < today),
                  key=lambda m: m.due)


def freshness(last_update: datetime | None, now: datetime) -> tuple[int | None, str]:
    if last_update is None:
        return None, "never"
    days = (now - last_update).days
    if days <= FRESH_DAYS:
        return days, "fresh"
    return days, "ageing" if days <= AGEING_DAYS else "stale"


def expected_value(path: Mapping[int, float], year: int) -> float:
    """Linear interpolation on the path (baseline and targets by year); flat outside it."""
    if not path:
        raise ValueError("an indicator needs a baseline or a target to have a path")
    years = sorted(path)
    if year <= years[0]:
        return path[years[0]]
    if year >= years[-1]:
        return path[years[-1]]
    i = bisect.bisect_right(years, year)
    y0, y1 = years[i - 1], years[i]
    v0, v1 = path[y0], path[y1]
    return v0 + (v1 - v0) * (year - y0) / (y1 - y0)


@dataclass(frozen=True, slots=True)
class IndicatorStatus:
    status: str  # on_track, deviating, off_track, no_data, no_baseline
    year: int | None = None
    value: float | None = None
    expected: float | None = None
    progress: float | None = None  # share of the expected progress made


def indicator_status(
    baseline: tuple[int, float] | None,
    targets: Mapping[int, float],
    observations: Mapping[int, float],
) -> IndicatorStatus:
    if not observations:
        return IndicatorStatus("no_data")
    year = max(observations)
    value = observations[year]
    if baseline is None:
        return IndicatorStatus("no_baseline", year, value)
    base_year, base_value = baseline
    expected = expected_value({**targets, base_year: base_value}, year)
    wanted = expected - base_value
    if wanted == 0:
        # nothing expected yet: on track unless it moved away from the final target
        final = targets[max(targets)] if targets else base_value
        away = (value - base_value) * (final - base_value) < 0
        return IndicatorStatus("off_track" if away else "on_track", year, value, expected,
                               None)
    progress = (value - base_value) / wanted
    status = ("on_track" if progress >= ON_TRACK_FROM
              else "deviating" if progress >= DEVIATING_FROM else "off_track")
    return IndicatorStatus(status, year, value, expected, progress)
