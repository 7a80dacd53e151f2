"""Compiled timetables of a city's feed versions, per service date, cached.

Compiling a version for a date reads its Parquet tables and builds the planner's arrays
(``planner.timetable.compile_timetable``): about 0.7 s for a Kranj-sized network (260 stops,
1,000 trips) and 5 s for a Ljubljana-sized one (1,000 stops, 10,000 trips), while loading the
same arrays from an ``.npz`` file takes about 10 ms (measured on this project's 2-core machine;
docs/mobility.md). So each compiled timetable is kept twice: in this process (the last
``MEMORY`` ones) and on disk under ``DATA_DIR/timetables/<sha256>/``, where every process of
the site finds it. A file is named by the version's SHA-256, the service date, the city's
zone and a digest of the compiler's own code, so a changed compiler never reads an old file;
it is written under a private name and renamed into place, so no reader sees half of one.
Files of service dates more than ``KEEP_PAST_DAYS`` days in the past are removed whenever a
file is written.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections import OrderedDict
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.timezone import now

from zerocity.mobility import store
from zerocity.mobility.planner import timetable as compiler
from zerocity.mobility.planner import transfers, walking
from zerocity.mobility.planner.timetable import Timetable
from zerocity.mobility.planner.walking import WalkNetwork

MEMORY = 16
KEEP_PAST_DAYS = 7
FOLDER = "timetables"



class FeedSource(Protocol):
    """What a timetable is compiled from: a feed version, or a scenario's version (its derived
    feed, stored the same way): the tables' folder and the SHA-256 naming their bytes."""

    @property
    def sha256(self) -> str: ...

    @property
    def path(self) -> str: ...


_lock = threading.Lock()
_memory: OrderedDict[tuple[str, date, str, str], Timetable] = OrderedDict()
_code: str | None = None


def code_digest() -> str:
    """A digest of the compiler's source: part of every cached file's name."""
    global _code
    if _code is None:
        h = hashlib.sha256()
        for module in (compiler, transfers, walking):
            assert module.__file__ is not None
            h.update(Path(module.__file__).read_bytes())
        _code = h.hexdigest()[:12]
    return _code


def cache_path(version: FeedSource, day: date, tz: str, walk: WalkNetwork | None = None) -> Path:
    on = "" if walk is None else f"-walk{walk.digest}"
    return (Path(settings.DATA_DIR) / FOLDER / version.sha256
            / f"{day.isoformat()}-{tz.replace('/', '_')}-{code_digest()}{on}.npz")


def compiled(version: FeedSource, day: date, tz: str,
             walk: WalkNetwork | None = None) -> Timetable:
    """The timetable of ``version`` for service date ``day`` (with the previous date's trips
    past midnight), in zone ``tz``, walking on ``walk`` (the city's walking network; None: the
    straight line x 1.3): from memory, else from disk, else compiled and stored."""
    key = (version.sha256, day, tz, "" if walk is None else walk.digest)
    with _lock:
        hit = _memory.get(key)
        if hit is not None:
            _memory.move_to_end(key)
            return hit
    path = cache_path(version, day, tz, walk)
    tt = _load(path)
    if tt is not None:
        tt.walk = walk
    else:
        tt = compiler.compile_timetable(store.read_tables(version.path), tz, day, walk=walk)
        tt.feed_hash = version.sha256
        _store(tt, path)
    with _lock:
        _memory[key] = tt
        while len(_memory) > MEMORY:
            _memory.popitem(last=False)
    return tt


def forget() -> None:
    """Empty this process's cache (the files stay)."""
    with _lock:
        _memory.clear()


def _load(path: Path) -> Timetable | None:
    if not path.exists():
        return None
    try:
        return compiler.load(path)
    except (OSError, ValueError, KeyError):  # a damaged file is compiled again
        path.unlink(missing_ok=True)
        return None


def _store(tt: Timetable, path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{uuid.uuid4().hex}.tmp.npz")
    try:
        compiler.save(tt, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    oldest = (now().date() - timedelta(days=KEEP_PAST_DAYS)).isoformat()
    for old in path.parent.glob("[0-9]*.npz"):  # not another writer's private file
        if old.name[:10] < oldest and old != path:
            old.unlink(missing_ok=True)
