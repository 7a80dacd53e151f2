"""Kranj's public transport in the demo: the GTFS feed of the 12 city bus lines
(``demo/data/gtfs/kranj/``) imported as a timetable version, and the rules its calendars
follow.

The lines, their stops and their order follow public descriptions of Kranj's city buses (Arriva,
under the City Municipality's 2023 concession; research note mobility-upscale.md §1.2); stop
positions are approximate and every time is made up, which the feed itself says. The committed
files are the source of truth and cover 1 December 2026 to 31 December 2027. So that the demo
has buses on any day it is loaded, a later load also imports the same network with its two
calendar files rewritten by the rules below for the window around that day (1 December of the
year before to 31 December of the next). Both come from :func:`service_calendars`; a test holds
the committed files to it.

Loading goes through the mobility app's own import (``import_feed``): the archive is zipped
in memory byte for byte the same each time, so loading again changes nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources
from typing import TYPE_CHECKING

from zerocity.core.calendar import CityCalendar

if TYPE_CHECKING:  # the calendar rules and the files are read without Django set up
    from zerocity.core.models import City

FEED_FOLDER = "data/gtfs/kranj"  # under the zerocity.demo package
GBFS_FOLDER = "data/gbfs/kranj"
FIRST_DAY = date(2026, 12, 1)  # the committed files' window
LAST_DAY = date(2027, 12, 31)
LICENCE = "CC-BY-4.0"
ATTRIBUTION = ("Illustrative demo data by ZeroCity, CC BY 4.0: Kranj's 12 city bus lines "
               "(Arriva, City Municipality of Kranj concession 2023) from public descriptions; "
               "stop positions approximate, all times made up")

# Service ids of calendar.txt and calendar_dates.txt
SCHOOL_DAYS = "SOL"  # Monday to Friday in term time
SCHOOL_HOLIDAYS = "POC"  # Monday to Friday in the school holidays (calendar_dates only)
SATURDAYS = "SOB"
SUNDAYS = "NED"  # Sundays and public holidays


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def school_holidays(year: int) -> set[date]:
    """The days without school in a calendar year, by illustrative rules shaped like the
    Slovenian ministry's published calendars (they change a little every year): autumn, the
    Monday-Friday week with 31 October; Christmas and New Year, 25 December to 2 January; winter,
    the last Monday-Friday week wholly in February; May Day, 27 April to 2 May; summer,
    25 June to 31 August."""
    out: set[date] = set()
    october = date(year, 10, 31)
    monday = october - timedelta(days=october.weekday())
    out.update(_days(monday, monday + timedelta(days=4)))
    out.update(_days(date(year, 12, 25), date(year, 12, 31)))
    out.update(_days(date(year, 1, 1), date(year, 1, 2)))
    friday = date(year, 3, 1) - timedelta(days=1)
    while friday.weekday() != 4:
        friday -= timedelta(days=1)
    out.update(_days(friday - timedelta(days=4), friday))
    out.update(_days(date(year, 4, 27), date(year, 5, 2)))
    out.update(_days(date(year, 6, 25), date(year, 8, 31)))
    return out


def service_calendars(first: date, last: date, calendar: CityCalendar) -> tuple[str, str]:
    """``calendar.txt`` and ``calendar_dates.txt`` for the days ``first`` to ``last``: school
    days Monday to Friday (``SOL``) without the school holidays and the public holidays, which
    ``calendar_dates`` removes; school-holiday weekdays (``POC``), which it adds; Saturdays
    (``SOB``) without the public holidays; Sundays (``NED``) and every public holiday, added.
    Public holidays are the city calendar's (the ``holidays`` package)."""
    public: set[date] = set()
    school: set[date] = set()
    for year in range(first.year, last.year + 1):
        public.update(calendar.holidays(year))
        school.update(school_holidays(year))
    start, end = f"{first:%Y%m%d}", f"{last:%Y%m%d}"
    cal = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
           f"end_date\n{SCHOOL_DAYS},1,1,1,1,1,0,0,{start},{end}\n"
           f"{SATURDAYS},0,0,0,0,0,1,0,{start},{end}\n"
           f"{SUNDAYS},0,0,0,0,0,0,1,{start},{end}\n")
    rows = ["service_id,date,exception_type"]
    for day in _days(first, last):
        weekday, stamp = day.weekday(), f"{day:%Y%m%d}"
        if weekday < 5 and (day in public or day in school):
            rows.append(f"{SCHOOL_DAYS},{stamp},2")
            if day not in public:
                rows.append(f"{SCHOOL_HOLIDAYS},{stamp},1")
        if weekday == 5 and day in public:
            rows.append(f"{SATURDAYS},{stamp},2")
        if weekday != 6 and day in public:
            rows.append(f"{SUNDAYS},{stamp},1")
    return cal, "\n".join(rows) + "\n"


def window(today: date) -> tuple[date, date]:
    """The feed window a day belongs to: 1 December of its year (or of the year before, until
    December) to 31 December of the next year, so that the day has at least a month of
    service after it."""
    year = today.year if today.month == 12 else today.year - 1
    return date(year, 12, 1), date(year + 1, 12, 31)


def feed_files(first: date = FIRST_DAY, calendar: CityCalendar | None = None
               ) -> dict[str, bytes]:
    """The feed's files, file name -> bytes: the committed ones, with the calendars and
    feed_info's dates rewritten for the window starting on ``first`` (by the public holidays
    of ``calendar``, the city's) when that is not the committed window."""
    folder = resources.files("zerocity.demo").joinpath(FEED_FOLDER)
    files = {item.name: item.read_bytes() for item in folder.iterdir()
             if item.name.endswith(".txt")}
    if first == FIRST_DAY:
        return files
    if calendar is None:
        raise ValueError("a window other than the committed one needs the city's calendar")
    last = date(first.year + 1, 12, 31)
    cal, dates = service_calendars(first, last, calendar)
    files["calendar.txt"], files["calendar_dates.txt"] = cal.encode(), dates.encode()
    info = list(csv.DictReader(io.StringIO(files["feed_info.txt"].decode("utf-8"))))
    info[0].update(feed_start_date=f"{first:%Y%m%d}", feed_end_date=f"{last:%Y%m%d}",
                   feed_version=f"{first:%Y-%m} (illustrative)")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(info[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(info)
    files["feed_info.txt"] = out.getvalue().encode("utf-8")
    return files


def feed_zip(files: dict[str, bytes]) -> bytes:
    """The files as a zip archive whose bytes depend on nothing but the files (names sorted, a
    fixed timestamp, stored without compression), so the same feed has the same SHA-256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def load_network(city: City, *, actor: str = "demo", today: date | None = None) -> list[str]:
    """Import the demo feed as the city's timetable (and, when ``today`` lies past the
    committed window, the same network for the window around it); the same bytes again change
    nothing."""
    from zerocity.mobility.services import import_feed

    today = today or city.calendar.today()
    firsts = [FIRST_DAY]
    current, _ = window(today)
    if current > FIRST_DAY:  # later windows only: an earlier one imported last would win
        firsts.append(current)
    report = []
    for first in firsts:
        files = feed_files(first, city.calendar)
        done = import_feed(city, feed_zip(files), filename=f"kranj-gtfs-{first:%Y-%m}.zip",
                           name=f"Kranj city buses, illustrative ({first:%Y-%m})",
                           licence=LICENCE, attribution=ATTRIBUTION, actor=actor, today=today)
        v = done.value
        report.append(f"kranj bus network: timetable version #{v.pk} {v.start_date} to "
                      f"{v.end_date}, {v.counts.get('routes', 0)} lines, "
                      f"{v.counts.get('trips', 0)} trips"
                      + (" (already there)" if done.replayed else "")
                      + f"; {v.licence}")
    return report
