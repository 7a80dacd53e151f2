"""The GTFS fixture feeds of tests/fixtures/gtfs, zipped for a test (see its README)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

FEEDS = Path(__file__).resolve().parent / "fixtures" / "gtfs"


def feed_zip(name: str, *, drop: tuple[str, ...] = (),
             files: dict[str, str | bytes] | None = None) -> bytes:
    """The folder's files as a zip; ``drop`` leaves files out, ``files`` adds or replaces
    some (file name -> text or bytes)."""
    contents = {p.name: p.read_bytes() for p in sorted((FEEDS / name).glob("*.txt"))
                if p.name not in drop}
    for file_name, text in (files or {}).items():
        contents[file_name] = text if isinstance(text, bytes) else text.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for file_name, data in contents.items():  # a fixed time: the same feed, the same bytes
            zf.writestr(zipfile.ZipInfo(file_name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                        compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# kranj-mini with an express pair that beats line 1 to Planina with a change at Zlato polje
# (06:58 from platform 2 to Zlato polje, 07:07 on to Planina: there at 07:12, against line 1's
# direct 07:20), a pale yellow route (darkened on the map) and one without a colour
PLANNER_ROUTES = """3,arriva,3X,Kolodvor - Zlato polje (hitra),3,FFE600,000000
4,arriva,4,Zlato polje - Planina,3,,
"""
PLANNER_TRIPS = """3,WD,3-0658,Zlato polje,0,,,1,1
4,WD,4-0707,Planina,0,,,1,1
"""
PLANNER_STOP_TIMES = """3-0658,06:58:00,06:58:00,kolodvor-2,1,0,1,,1
3-0658,07:04:00,07:04:00,zlato-polje,2,1,0,,1
4-0707,07:07:00,07:07:00,zlato-polje,1,0,1,,1
4-0707,07:12:00,07:12:00,planina,2,1,0,,1
"""


def planner_zip() -> bytes:
    """The feed the planner page's tests plan on (see the comment above)."""
    def more(name: str, rows: str) -> str:
        return (FEEDS / "kranj-mini" / name).read_text() + rows
    return feed_zip("kranj-mini", files={
        "routes.txt": more("routes.txt", PLANNER_ROUTES),
        "trips.txt": more("trips.txt", PLANNER_TRIPS),
        "stop_times.txt": more("stop_times.txt", PLANNER_STOP_TIMES)})
