"""One pass over a GTFS feed: read every file, check the fields, then the rules, and return the
tables with every notice found, sorted by file and line. Nothing stops at the first error: the
person fixing a feed sees all of its problems at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from zerocity.mobility.gtfs import coverage, rules, stop_times
from zerocity.mobility.gtfs.fields import check_fields
from zerocity.mobility.gtfs.notices import ERROR, Notice, Notices
from zerocity.mobility.gtfs.reader import read_feed
from zerocity.mobility.gtfs.schema import ORDER


@dataclass(frozen=True)
class Report:
    tables: dict[str, pd.DataFrame]  # file name without .txt -> its rows, every value a str
    notices: list[Notice]
    start: date | None  # the first and last service dates the feed covers
    end: date | None

    @property
    def errors(self) -> list[Notice]:
        return [n for n in self.notices if n.severity == ERROR]

    @property
    def warnings(self) -> list[Notice]:
        """Warnings and information: what is kept with the version."""
        return [n for n in self.notices if n.severity != ERROR]


def validate(source: bytes | Path, *, today: date, archive_name: str = "feed.zip",
             max_files: int = 200, max_unpacked: int = 2 * 2**30) -> Report:
    """Raises ``reader.ArchiveError`` when the archive cannot be read at all."""
    feed = read_feed(source, archive_name=archive_name, max_files=max_files,
                     max_unpacked=max_unpacked)
    notices = Notices()
    for n in feed.notices:
        notices.add(n.code, n.severity, n.file, n.line, n.column, n.reason)
    checked = check_fields(feed, notices)
    rules.required_files(checked, notices)
    rules.primary_keys(checked, notices)
    rules.foreign_keys(checked, notices)
    rules.agencies(checked, notices)
    rules.stops(checked, notices)
    rules.routes(checked, notices)
    days = rules.calendars(checked, notices)
    rules.frequencies(checked, notices)
    ordered = stop_times.ordered(checked)
    rules.transfers(checked, notices, ordered[["trip_id", "stop_id"]])
    rules.shapes(checked, notices)
    stop_times.check(checked, notices, ordered, days)
    coverage.stops_on_shapes(checked, notices, ordered)
    coverage.service_window(checked, notices, days, today=today)
    info_start, info_end = rules.feed_info(checked, notices, today=today)
    rules.expired(checked, notices, days, today=today)
    first = days["date"].min() if len(days) else None
    last = days["date"].max() if len(days) else None
    start = info_start or (first.date() if first is not None else None)
    end = info_end or (last.date() if last is not None else None)
    if start is None or end is None:
        notices.add("no_service_dates", ERROR, "calendar.txt", None, "",
                    "no service runs on any day and feed_info.txt gives no dates: the feed "
                    "cannot be placed in time (a ZeroCity rule)")
    elif start > end and not (info_start and info_end):  # one date from feed_info, one not
        notices.add("start_and_end_range_out_of_order", ERROR, "feed_info.txt", None,
                    "feed_start_date" if info_start else "feed_end_date",
                    f"the feed covers {start:%Y%m%d} to {end:%Y%m%d}: feed_info's date and the "
                    "service days disagree")
    return Report(tables={name: t.frame for name, t in feed.tables.items()},
                  notices=notices.sorted(ORDER), start=start, end=end)
