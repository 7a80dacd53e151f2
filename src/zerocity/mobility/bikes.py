"""A city's bike-share system from its GBFS feed, versions 2.3 and 3.x (research §2.3), for the
planner's bike legs.

The feed is found from its discovery file: ``gbfs.json`` (2.x, 3.x) or a 3.x ``manifest.json``
(which lists systems and their versions: the newest 3.x, else 2.x, of the system named, or of
the only one). Its ``station_information`` and ``station_status`` are read and joined by
``station_id``; the differences between versions are absorbed here:

| | 2.3 | 3.x |
|---|---|---|
| bikes at a station | ``num_bikes_available`` | ``num_vehicles_available`` |
| times | POSIX seconds | RFC 3339 text |
| names | text, one feed per language | ``[{"text", "language"}]`` |

so a 2.3 feed and a 3.0 feed of the same system give the same stations. Names are taken in
the city's language when the feed has it, else in the feed's first. A station not installed
is left out; a station without docks reported counts as having none, unless it is virtual
(``is_virtual_station``: it takes any number of bikes). A station the two files do not both
describe, or with a value out of range, is left out and named in ``problems``.

Local feeds (the demo, tests, a copy) are read from a folder or ``file://`` URLs: each file a
discovery file names is looked for beside it, by the end of its URL's path
(``.../gbfs/kranj/station_status.json`` is ``station_status.json`` in the folder).

The snapshot kept (``BikeShareSystem``) is replaced only by a newer one (``station_status``'s
``last_updated``); the very same stations and times change nothing. It is **stale** when
``station_status`` is older than its ``ttl`` plus five minutes (research §6 check 12): the
planner then leaves bike legs out and says so.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.mobility.fetch import fetch, is_local, local_path
from zerocity.mobility.models import BikeShareSystem
from zerocity.mobility.planner.query import BikeShare, BikeStation

STALE_MARGIN_S = 300
VIRTUAL_DOCKS = 999  # a virtual station (a zone on the street) takes any number of bikes


class FeedError(ValueError):
    """Why a GBFS feed cannot be read (English, naming the file and field)."""


@dataclass(frozen=True)
class Read:
    """What one pull read: the system, its stations (dicts of BikeStation's fields, by id),
    station_status's time and ttl, and the stations left out with the reason."""

    version: str
    system_id: str
    name: str
    ttl: int
    last_updated: datetime
    stations: list[dict[str, Any]]
    problems: list[str]

    @property
    def digest(self) -> str:
        payload = json.dumps([self.last_updated.timestamp(), self.ttl, self.stations],
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


# -- reading the files --------------------------------------------------------------------------

class _Source:
    """Where the files are: a web address, or a folder on this machine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.local = is_local(url)
        if self.local:
            path = local_path(url)
            if path.is_dir():
                found = [path / n for n in ("manifest.json", "gbfs.json") if (path / n).exists()]
                if not found:
                    raise FeedError(f"{path} holds no gbfs.json or manifest.json")
                path = found[0]
            self.first = path
            self.folder = path.parent

    def discovery(self) -> tuple[str, Any]:
        name = str(self.first) if self.local else self.url
        return name, self._json(name, fetch(name))

    def get(self, url: str, base: str) -> tuple[str, Any]:
        """A file a discovery file names (its URL may be relative to that file)."""
        if not self.local:
            full = urllib.parse.urljoin(base, url)
            return full, self._json(full, fetch(full))
        parts = [p for p in urllib.parse.urlparse(url).path.split("/") if p]
        base_dir = Path(base).parent
        for k in range(len(parts)):
            candidate = base_dir.joinpath(*parts[k:])
            if candidate.is_file():
                return str(candidate), self._json(str(candidate), fetch(str(candidate)))
        raise FeedError(f"{url}: no file {parts[-1] if parts else url!r} beside {base}")

    @staticmethod
    def _json(name: str, data: bytes) -> Any:
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FeedError(f"{name} is not JSON: {exc}") from None


def _major(version: Any) -> int:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return 0


def _time(value: Any, where: str) -> datetime:
    """POSIX seconds (2.x) or RFC 3339 text (3.x), as UTC."""
    if isinstance(value, bool):
        raise FeedError(f"{where}: {value!r} is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            if value.isdigit():
                return datetime.fromtimestamp(int(value), UTC)
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise FeedError(f"{where}: {value!r} is not a time") from None
        if moment.tzinfo is None:
            raise FeedError(f"{where}: {value!r} has no UTC offset")
        return moment.astimezone(UTC)
    raise FeedError(f"{where}: {value!r} is not a time")


def _text(value: Any, language: str) -> str:
    """A name: text (2.x) or localized strings (3.x), in ``language`` when there."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [v for v in value if isinstance(v, dict) and isinstance(v.get("text"), str)]
        for v in texts:
            if str(v.get("language", "")).lower().split("-")[0] == language:
                return str(v["text"])
        if texts:
            return str(texts[0]["text"])
    return ""


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):  # GBFS 1.x wrote 0 and 1
        return bool(value)
    raise ValueError(f"{value!r} is not true or false")


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count")
    return value


def _stations(doc: Any, name: str) -> list[Any]:
    stations = doc.get("data", {}).get("stations") if isinstance(doc, dict) else None
    if not isinstance(stations, list):
        raise FeedError(f"{name}: data.stations is not a list")
    return stations


def _feeds(doc: Any, name: str, language: str) -> tuple[str, dict[str, str]]:
    """(version, feed name -> URL) of a gbfs.json."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise FeedError(f"{name}: no data object")
    version = str(doc.get("version", ""))
    if _major(version) not in (2, 3):
        raise FeedError(f"{name}: GBFS version {version or 'not given (1.x)'}; 2.3 and 3.x are "
                        "read")
    data = doc["data"]
    if _major(version) == 2:  # one list of feeds per language
        lang = language if isinstance(data.get(language), dict) else next(iter(data), "")
        data = data.get(lang, {})
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(feeds, list):
        raise FeedError(f"{name}: data.feeds is not a list")
    return version, {str(f.get("name")): str(f.get("url")) for f in feeds
                     if isinstance(f, dict) and f.get("url")}


def _from_manifest(doc: Any, name: str, system_id: str) -> str:
    datasets = doc.get("data", {}).get("datasets") if isinstance(doc, dict) else None
    if not isinstance(datasets, list) or not datasets:
        raise FeedError(f"{name}: data.datasets is empty")
    chosen = [d for d in datasets if isinstance(d, dict) and
              (not system_id or d.get("system_id") == system_id)]
    if len(chosen) != 1:
        ids = ", ".join(str(d.get("system_id")) for d in datasets if isinstance(d, dict))
        raise FeedError(f"{name} lists the systems {ids}: name one (--system)")
    versions = [v for v in chosen[0].get("versions", [])
                if isinstance(v, dict) and _major(v.get("version")) in (2, 3) and v.get("url")]
    if not versions:
        raise FeedError(f"{name}: the system has no GBFS 2.x or 3.x version")
    best = max(versions, key=lambda v: [int(x) for x in str(v["version"]).split(".")
                                        if x.isdigit()])
    return str(best["url"])


def read_feed(url: str, *, language: str = "en", system_id: str = "") -> Read:
    """Read a bike-share system's stations from its GBFS feed (FeedError when it cannot)."""
    source = _Source(url)
    where, doc = source.discovery()
    if isinstance(doc, dict) and isinstance(doc.get("data"), dict) and "datasets" in doc["data"]:
        where, doc = source.get(_from_manifest(doc, where, system_id), where)
    version, feeds = _feeds(doc, where, language)
    missing = [f for f in ("station_information", "station_status") if f not in feeds]
    if missing:
        raise FeedError(f"{where} lists no {' or '.join(missing)}: only station-based "
                        "systems are read")
    name = sys_id = ""
    if "system_information" in feeds:
        info_name, info = source.get(feeds["system_information"], where)
        data = info.get("data", {}) if isinstance(info, dict) else {}
        name = _text(data.get("name"), language) if isinstance(data, dict) else ""
        sys_id = str(data.get("system_id", "")) if isinstance(data, dict) else ""
    info_name, info = source.get(feeds["station_information"], where)
    status_name, status = source.get(feeds["station_status"], where)
    if not isinstance(status, dict):
        raise FeedError(f"{status_name}: not an object")
    last = _time(status.get("last_updated"), f"{status_name} last_updated")
    ttl = status.get("ttl", 0)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise FeedError(f"{status_name}: ttl {ttl!r} is not a number of seconds")
    places: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for i, s in enumerate(_stations(info, info_name)):
        try:
            sid = str(s["station_id"])
            lat, lon = float(s["lat"]), float(s["lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"{lat}, {lon} is not on the globe")
            places[sid] = {"name": _text(s.get("name"), language) or sid, "lat": lat,
                           "lon": lon, "virtual": _flag(s.get("is_virtual_station"), False)}
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{info_name} station {i + 1}: {exc}")
    counted = "num_vehicles_available" if _major(version) == 3 else "num_bikes_available"
    stations: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, s in enumerate(_stations(status, status_name)):
        try:
            sid = str(s["station_id"])
            seen.add(sid)
            if sid not in places:
                raise ValueError("not in station_information")
            if not _flag(s.get("is_installed"), True):
                continue
            place = places[sid]
            docks = s.get("num_docks_available")
            stations.append({
                "id": sid, "name": place["name"], "lat": place["lat"], "lon": place["lon"],
                "bikes": _count(s[counted]),
                "docks": _count(docks) if docks is not None else
                (VIRTUAL_DOCKS if place["virtual"] else 0),
                "renting": _flag(s.get("is_renting"), True),
                "returning": _flag(s.get("is_returning"), True)})
        except (KeyError, TypeError, ValueError) as exc:
            label = s.get("station_id", i + 1) if isinstance(s, dict) else i + 1
            problems.append(f"{status_name} station {label}: {exc}")
    problems.extend(f"{info_name} station {sid}: not in station_status"
                    for sid in sorted(set(places) - seen))
    stations.sort(key=lambda s: s["id"])
    return Read(version, sys_id, name, ttl, last, stations, problems)


# -- the city's system -------------------------------------------------------------------------

def configure(city: City, url: str, *, system_id: str = "", by: Person | None = None,
              actor: str = "") -> BikeShareSystem:
    """Set the address of the city's GBFS feed (what the worker pulls every minute)."""
    if not url:
        raise Conflict(_("Give the address of the bike-share feed's gbfs.json or "
                         "manifest.json."), code="gbfs-url")
    with transaction.atomic():
        City.objects.select_for_update().get(pk=city.pk)
        system = BikeShareSystem.objects.filter(city=city).first()
        if system is not None and (system.url, system.system_id) == (url, system_id):
            return system
        if system is None:
            system = BikeShareSystem.objects.create(city=city, url=url, system_id=system_id)
        else:
            system.url, system.system_id = url, system_id
            system.save(update_fields=["url", "system_id"])
        audit.record("mobility.bikes_configured", city=city, user=by, actor=actor, obj=system,
                     url=url, system_id=system_id)
    return system


def pull(city: City, *, url: str = "", system_id: str = "", actor: str = "",
         now: datetime | None = None) -> Done[BikeShareSystem]:
    """Read the city's GBFS feed (``url``, else the configured one; a city without a system
    gets one with this address) and keep its stations. A feed that cannot be read is refused
    with the reason and the snapshot held stays; an older or identical one changes
    nothing (``replayed``)."""
    now = now or timezone.now()
    held = BikeShareSystem.objects.filter(city=city).first()
    url = url or (held.url if held else "")
    if not url:
        raise Conflict(_("%(city)s has no bike-share feed address: give one with --url, or set "
                         "it with `zerocity mobility bikes configure`.") % {"city": city.name},
                       code="gbfs-url")
    system_id = system_id or (held.system_id if held else "")
    try:
        read = read_feed(url, language=(city.language or "en").split("-")[0].lower(),
                         system_id=system_id)
    except FeedError as exc:
        raise Conflict(_("The bike-share feed could not be read: %(reason)s. The stations "
                         "read before are kept.") % {"reason": exc}, code="gbfs-unreadable"
                       ) from None
    with transaction.atomic():
        City.objects.select_for_update().get(pk=city.pk)
        system = BikeShareSystem.objects.filter(city=city).first()
        if system is None:
            system = BikeShareSystem.objects.create(city=city, url=url, system_id=system_id)
            audit.record("mobility.bikes_configured", city=city, actor=actor, obj=system,
                         url=url, system_id=system_id)
        if system.sha256 == read.digest or (system.last_updated is not None
                                            and system.last_updated > read.last_updated):
            return Done(system, True)
        system.version, system.name, system.ttl = read.version, read.name[:300], read.ttl
        system.system_id = system.system_id or read.system_id[:200]
        system.last_updated, system.fetched_at = read.last_updated, now
        system.stations, system.problems, system.sha256 = read.stations, read.problems[:200], \
            read.digest
        system.save()
    return Done(system, False)


@dataclass(frozen=True)
class BikeShareState:
    """The city's bike-share feed as last read: for the command line and pages."""

    name: str
    url: str
    version: str
    last_updated: datetime | None
    ttl: int
    age_s: int | None
    stale: bool
    stations: int
    bikes: int
    problems: list[str]


def state(city: City, now: datetime) -> BikeShareState | None:
    system = BikeShareSystem.objects.filter(city=city).first()
    if system is None:
        return None
    age = None if system.last_updated is None else \
        max(0, int((now - system.last_updated).total_seconds()))
    return BikeShareState(system.name, system.url, system.version, system.last_updated,
                          system.ttl, age, age is None or age > system.ttl + STALE_MARGIN_S,
                          len(system.stations), sum(int(s["bikes"]) for s in system.stations),
                          list(system.problems))


def bike_share(city: City, now: datetime) -> BikeShare | None:
    """The planner's bike-share for the city at ``now``: its stations as last read, ``stale``
    when station_status is older than its ttl plus five minutes (or was never read); None
    when the city has no bike-share system."""
    if now.tzinfo is None:
        raise ValueError("now needs a time zone")
    system = BikeShareSystem.objects.filter(city=city).first()
    if system is None:
        return None
    if system.last_updated is None:
        return BikeShare(stations=(), stale=True)
    age = (now - system.last_updated).total_seconds()
    stations = tuple(BikeStation(id=str(s["id"]), name=str(s["name"]), lat=float(s["lat"]),
                                 lon=float(s["lon"]), bikes=int(s["bikes"]),
                                 docks=int(s["docks"]), renting=bool(s["renting"]),
                                 returning=bool(s["returning"])) for s in system.stations)
    return BikeShare(stations=stations, stale=age > system.ttl + STALE_MARGIN_S)
