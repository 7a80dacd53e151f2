"""The network as the public planner page shows it: the places a person can travel from or to
(stations and stops, named as the feed names them) and each route's line, projected onto a
flat drawing. Reads only.

**Places.** A station stands for its platforms, and stops of one name within
``SAME_PLACE_M`` of each other (the two sides of a street) are one place at their mean
position: a person picks "Glavni trg", not a platform. Only stops a trip calls at (or a
station whose platforms one calls at) are places. A place's ``key`` is what the search
field holds and a map link sends: its name, or, where two places far apart share a name, the
name with the stop's id in brackets.

**Lines.** Each route is drawn along the shapes of its trips (``shapes.txt``); a trip without
a shape is drawn along its stops, straight from one to the next. Each distinct shape or stop
sequence is drawn once (a sequence that is another's reverse too).

**Projection.** Equirectangular around the network's middle latitude: x grows with longitude
times cos(latitude), y with latitude southwards, one scale for both, so distances near the
city are true to within a fraction of a percent. The drawing fits ``MAX_SIZE`` units and each
line is thinned (Ramer-Douglas-Peucker, ``TOLERANCE`` units) so that a feed with a million
shape points still gives a page of a few hundred kilobytes.

The geometry of a feed version depends only on its bytes, so it is kept in memory per SHA-256
(``_geometry``); the version's own facts (licence, attribution) are read each time.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from zerocity.core.models import City
from zerocity.mobility import selectors, store
from zerocity.mobility.models import FeedVersion
from zerocity.mobility.planner.timetable import mode_of

SAME_PLACE_M = 400.0
MAX_SIZE = 1000.0  # the drawing's longer side, in SVG units
PAD = 24.0
MIN_SIZE = 320.0
TOLERANCE = 0.6
EARTH_M_PER_DEG = 111_195.0
WHITE = (255, 255, 255)
# Okabe-Ito and Paul Tol colours for routes the feed leaves uncoloured
SPARE_COLOURS = ("0072B2", "D55E00", "009E73", "CC79A7", "882255", "117733", "332288",
                 "999933", "9C755F", "E69F00")


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    stop_ids: tuple[str, ...]
    lat: float
    lon: float
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class RouteLine:
    route_id: str
    short_name: str
    long_name: str
    mode: str
    colour: str  # "#rrggbb", at least 3:1 against white (WCAG 1.4.11)
    paths: tuple[str, ...]  # SVG path data, one per distinct shape or stop sequence

    @property
    def name(self) -> str:
        return self.short_name or self.long_name or self.route_id


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    lat_top: float
    lon_left: float
    scale: float  # SVG units per degree of latitude
    cos_lat: float
    off_x: float
    off_y: float
    places: tuple[Place, ...]
    routes: tuple[RouteLine, ...]

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        return (self.off_x + (lon - self.lon_left) * self.scale * self.cos_lat,
                self.off_y + (self.lat_top - lat) * self.scale)

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        return (self.lat_top - (y - self.off_y) / self.scale,
                self.lon_left + (x - self.off_x) / (self.scale * self.cos_lat))

    @property
    def modes(self) -> tuple[str, ...]:
        """The modes of transport the network's routes use, in a stable order."""
        return tuple(sorted({r.mode for r in self.routes}, key=_mode_order))


@dataclass(frozen=True)
class Network:
    version: FeedVersion
    geometry: Geometry

    @property
    def places(self) -> tuple[Place, ...]:
        return self.geometry.places


def network(city: City, day: date, today: date) -> Network | None:
    """The network of the version in force on ``day`` (a journey's date), else today's,
    else the city's first version (a date before any timetable starts); None when the city
    has no timetable at all."""
    version = (selectors.version_in_force(city, day) or selectors.version_in_force(city, today)
               or FeedVersion.objects.filter(city=city).order_by("start_date", "id").first())
    if version is None:
        return None
    return Network(version, _geometry(version.sha256, version.path))


@lru_cache(maxsize=8)
def _geometry(sha256: str, path: str) -> Geometry:
    return build_geometry({
        "stops": store.read_table(path, "stops"),
        "routes": store.read_table(path, "routes"),
        "trips": store.read_table(path, "trips", ["route_id", "trip_id", "shape_id"]),
        "shapes": store.read_table(path, "shapes"),
        "stop_times": store.read_table(path, "stop_times",
                                       ["trip_id", "stop_id", "stop_sequence"])})


# -- building ----------------------------------------------------------------------------------

def _col(frame: pd.DataFrame | None, name: str) -> pd.Series:
    if frame is None or name not in frame.columns:
        n = 0 if frame is None else len(frame)
        return pd.Series([""] * n, dtype=str)
    return frame[name].astype(str)


def _mode_order(mode: str) -> tuple[int, str]:
    order = ("bus", "trolleybus", "tram", "subway", "rail", "ferry")
    return (order.index(mode) if mode in order else len(order), mode)


def build_geometry(tables: dict[str, pd.DataFrame]) -> Geometry:
    """Places and lines of a feed's tables (every column a str, as ``feed_tables`` gives)."""
    stops = tables.get("stops")
    ids = _col(stops, "stop_id").tolist()
    lat = pd.to_numeric(_col(stops, "stop_lat"), errors="coerce").to_numpy(float)
    lon = pd.to_numeric(_col(stops, "stop_lon"), errors="coerce").to_numpy(float)
    position = {s: (float(a), float(b)) for s, a, b in zip(ids, lat, lon, strict=True)
                if a == a and b == b}
    st = tables.get("stop_times")
    served = set(_col(st, "stop_id").unique().tolist())
    places = _places(stops, served, position)
    lines = _lines(tables, position)
    points = [(p.lat, p.lon) for p in places] + [pt for r in lines for seq in r[5]
                                                 for pt in seq]
    geo = _frame(points)
    placed = tuple(Place(p.key, p.name, p.stop_ids, p.lat, p.lon,
                         *(round(v, 1) for v in geo.project(p.lat, p.lon))) for p in places)
    routes = tuple(RouteLine(rid, short, long, mode, colour,
                             tuple(_path(geo, seq) for seq in seqs))
                   for rid, short, long, mode, colour, seqs in lines)
    return Geometry(geo.width, geo.height, geo.lat_top, geo.lon_left, geo.scale, geo.cos_lat,
                    geo.off_x, geo.off_y, placed, routes)


def _frame(points: Sequence[tuple[float, float]]) -> Geometry:
    if not points:
        points = [(0.0, 0.0)]
    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    top, bottom = float(lats.max()), float(lats.min())
    left, right = float(lons.min()), float(lons.max())
    cos_lat = math.cos(math.radians((top + bottom) / 2))
    span_x = max((right - left) * cos_lat, 1e-3)
    span_y = max(top - bottom, 1e-3)
    room = MAX_SIZE - 2 * PAD
    scale = room / max(span_x, span_y)
    draw_w, draw_h = span_x * scale, span_y * scale
    width, height = max(draw_w + 2 * PAD, MIN_SIZE), max(draw_h + 2 * PAD, MIN_SIZE)
    return Geometry(round(width), round(height), top, left, scale, cos_lat,
                    (round(width) - draw_w) / 2, (round(height) - draw_h) / 2, (), ())


def _fold(name: str) -> str:
    """A name as a search compares it: lower case, no accents, single spaces."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two points close together (equirectangular)."""
    k = math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot((a[0] - b[0]), (a[1] - b[1]) * k) * EARTH_M_PER_DEG


def _places(stops: pd.DataFrame | None, served: set[str],
            position: dict[str, tuple[float, float]]) -> list[Place]:
    ids = _col(stops, "stop_id").tolist()
    names = dict(zip(ids, _col(stops, "stop_name"), strict=True))
    kinds = dict(zip(ids, _col(stops, "location_type").replace("", "0"), strict=True))
    parents = dict(zip(ids, _col(stops, "parent_station"), strict=True))
    # boardable stops served by a trip, gathered under their station when they have one
    members: dict[str, list[str]] = {}
    for sid in ids:
        if kinds[sid] != "0" or sid not in served:
            continue
        parent = parents[sid]
        head = parent if parent in kinds and kinds[parent] == "1" else sid
        members.setdefault(head, []).append(sid)
    candidates: list[tuple[str, tuple[str, ...], tuple[float, float]]] = []
    for head, ids_here in members.items():
        where = position.get(head) or _mean([position[s] for s in ids_here if s in position])
        if where is None:
            continue
        candidates.append((names[head] or head, tuple(ids_here), where))
    # one name, close together: one place
    buckets: dict[str, list[tuple[str, list[str], list[tuple[float, float]]]]] = {}
    for name, boardable, where in sorted(candidates, key=lambda c: (c[0], c[1])):
        groups = buckets.setdefault(_fold(name), [])
        for g in groups:
            if distance_m(g[2][0], where) <= SAME_PLACE_M:
                g[1].extend(boardable)
                g[2].append(where)
                break
        else:
            groups.append((name, list(boardable), [where]))
    out = []
    for groups in buckets.values():
        for name, grouped, wheres in groups:
            key = f"{name} ({grouped[0]})" if len(groups) > 1 else name
            mid = _mean(wheres)
            assert mid is not None
            out.append(Place(key, name, tuple(sorted(grouped)), round(mid[0], 6),
                             round(mid[1], 6)))
    return sorted(out, key=lambda p: (_fold(p.key), p.key))


def _mean(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


Line = tuple[str, str, str, str, str, list[list[tuple[float, float]]]]


def _lines(tables: dict[str, pd.DataFrame], position: dict[str, tuple[float, float]]
           ) -> list[Line]:
    routes, trips = tables.get("routes"), tables.get("trips")
    shapes = tables.get("shapes")
    shape_points: dict[str, list[tuple[float, float]]] = {}
    if shapes is not None and len(shapes):
        frame = pd.DataFrame({
            "id": _col(shapes, "shape_id"),
            "seq": pd.to_numeric(_col(shapes, "shape_pt_sequence"), errors="coerce"),
            "lat": pd.to_numeric(_col(shapes, "shape_pt_lat"), errors="coerce"),
            "lon": pd.to_numeric(_col(shapes, "shape_pt_lon"), errors="coerce"),
        }).dropna().sort_values(["id", "seq"], kind="stable")
        lats = frame.groupby("id", sort=False)["lat"].agg(list)
        lons = frame.groupby("id", sort=False)["lon"].agg(list)
        for sid in lats.index:
            shape_points[str(sid)] = list(zip(lats[sid], lons[sid], strict=True))
    t_route, t_id, t_shape = (_col(trips, c).tolist() for c in ("route_id", "trip_id",
                                                                  "shape_id"))
    shaped: dict[str, list[str]] = {}
    unshaped: dict[str, str] = {}  # trip -> route
    for rid, tid, sid in zip(t_route, t_id, t_shape, strict=True):
        if sid and sid in shape_points:
            if sid not in shaped.setdefault(rid, []):
                shaped[rid].append(sid)
        else:
            unshaped[tid] = rid
    sequences: dict[str, list[tuple[str, ...]]] = {}
    if unshaped:
        # a trip without a shape is drawn along its stops, unless a trip of its route with a
        # shape calls at the same stops (either way round): that shape already draws it
        mixed = set(unshaped.values())
        wanted = {t: r for t, r in zip(t_id, t_route, strict=True) if r in mixed}
        st = tables.get("stop_times")
        frame = pd.DataFrame({
            "trip": _col(st, "trip_id"), "stop": _col(st, "stop_id"),
            "seq": pd.to_numeric(_col(st, "stop_sequence"), errors="coerce")})
        frame = frame[frame["trip"].isin(wanted.keys())].sort_values(["trip", "seq"],
                                                                     kind="stable")
        by_trip = _sequences(frame["trip"].to_numpy(dtype=object),
                             frame["stop"].to_numpy(dtype=object))
        covered = {(wanted[t], seq) for t, seq in by_trip.items() if t not in unshaped}
        for tid, seq in by_trip.items():
            if tid not in unshaped:
                continue
            rid = unshaped[tid]
            known = sequences.setdefault(rid, [])
            if (rid, seq) in covered or (rid, seq[::-1]) in covered:
                continue
            if seq not in known and seq[::-1] not in known:
                known.append(seq)
    out: list[Line] = []
    r_ids = _col(routes, "route_id").tolist()
    types = pd.to_numeric(_col(routes, "route_type"), errors="coerce").fillna(3).astype(int)
    for i, (rid, short, long, kind, colour) in enumerate(zip(
            r_ids, _col(routes, "route_short_name"), _col(routes, "route_long_name"), types,
            _col(routes, "route_color"), strict=True)):
        drawn: list[list[tuple[float, float]]] = []
        for sid in shaped.get(rid, []):
            pts = shape_points[sid]
            if pts not in drawn and pts[::-1] not in drawn:
                drawn.append(pts)
        for seq in sequences.get(rid, []):
            pts = [position[s] for s in seq if s in position]
            if len(pts) > 1 and pts not in drawn and pts[::-1] not in drawn:
                drawn.append(pts)
        if drawn:
            out.append((rid, short, long, mode_of(int(kind)),
                        safe_colour(colour, SPARE_COLOURS[i % len(SPARE_COLOURS)]), drawn))
    return out


def _sequences(trips: np.ndarray, stops: np.ndarray) -> dict[str, tuple[str, ...]]:
    """Each trip's stops, from stop times sorted by trip and sequence (split where the trip
    changes: a loop over pandas groups is ten times slower on a city's million rows)."""
    if not len(trips):
        return {}
    starts = np.concatenate([[0], np.flatnonzero(trips[1:] != trips[:-1]) + 1])
    return {str(trips[a]): tuple(chunk.tolist())
            for a, chunk in zip(starts, np.split(stops, starts[1:]), strict=True)}


def _path(geo: Geometry, points: Sequence[tuple[float, float]]) -> str:
    xy = np.array([geo.project(a, b) for a, b in points])
    kept = xy[simplify(xy, TOLERANCE)]
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in kept)


def simplify(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """The indices Ramer-Douglas-Peucker keeps of a polyline (iterative, in order)."""
    n = len(xy)
    if n < 3:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    todo = [(0, n - 1)]
    while todo:
        a, b = todo.pop()
        if b - a < 2:
            continue
        seg = xy[b] - xy[a]
        rel = xy[a + 1:b] - xy[a]
        length = math.hypot(float(seg[0]), float(seg[1]))
        if length == 0:
            d = np.hypot(rel[:, 0], rel[:, 1])
        else:
            d = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / length
        i = int(np.argmax(d))
        if d[i] > tolerance:
            k = a + 1 + i
            keep[k] = True
            todo += [(a, k), (k, b)]
    return np.nonzero(keep)[0]


# -- colours -----------------------------------------------------------------------------------

def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """The WCAG contrast ratio of two colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def safe_colour(route_color: str, spare: str) -> str:
    """The route's colour where it stands out from the white map at 3:1 (WCAG 1.4.11, the
    contrast of graphical objects); a paler one darkened just enough, keeping its hue; the
    ``spare`` colour (likewise) when the feed gives none or an invalid one."""
    text = route_color.strip().lstrip("#")
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", text):
        text = spare
    rgb = tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))
    for step in range(21):
        f = 1 - step * 0.05
        shade = (round(rgb[0] * f), round(rgb[1] * f), round(rgb[2] * f))
        if contrast(shade, WHITE) >= 3.0:
            return "#{:02x}{:02x}{:02x}".format(*shade)
    return "#000000"


# -- finding a place ---------------------------------------------------------------------------

COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:[.,]\d+)?)\s*(?:[;]|,\s|\s)\s*(-?\d{1,3}(?:[.,]\d+)?)"
                         r"\s*$|^\s*(-?\d{1,3}\.\d+),(-?\d{1,3}\.\d+)\s*$")


@dataclass(frozen=True)
class Found:
    """What a typed text names: one place, a point, or the places it could mean."""

    place: Place | None = None
    point: tuple[float, float] | None = None
    candidates: tuple[Place, ...] = ()
    out_of_range: bool = False


def coordinates(text: str) -> tuple[float, float] | None:
    """``46.2386, 14.3557`` (or with decimal commas: ``46,2386; 14,3557``, ``46,2386
    14,3557``) as (lat, lon); None when the text is not two numbers."""
    m = COORDINATES.match(text)
    if not m:
        return None
    a, b = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
    return float(a.replace(",", ".")), float(b.replace(",", "."))


def find_place(places: Iterable[Place], text: str) -> Found:
    """The place whose key or name is ``text`` (accents and case aside); else coordinates;
    else the places whose name contains every word of it (one: that place)."""
    wanted = _fold(text)
    every = list(places)
    exact = [p for p in every if _fold(p.key) == wanted]
    if exact:
        return Found(place=exact[0])
    point = coordinates(text)
    if point is not None:
        if abs(point[0]) > 90 or abs(point[1]) > 180:
            return Found(out_of_range=True)
        return Found(point=point)
    named = [p for p in every if _fold(p.name) == wanted]
    if len(named) == 1:
        return Found(place=named[0])
    words = wanted.split()
    matches = named or [p for p in every if words and all(w in _fold(p.key) for w in words)]
    if len(matches) == 1:
        return Found(place=matches[0])
    return Found(candidates=tuple(matches))
