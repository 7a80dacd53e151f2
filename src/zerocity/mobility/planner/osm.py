"""A walking network read from an OpenStreetMap extract (.osm XML or .osm.pbf) with pyosmium:
the ways a person may walk on, split at their nodes into edges of great-circle metres.

Walkable: ways tagged ``highway`` with a value people walk on (footways, paths, steps,
pedestrian areas, residential and service streets, roads up to primary, tracks, shared
cycleways), unless ``foot`` (or, without it, ``access``) says no or private. Motorways and
trunk roads are left out unless ``foot`` allows them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from zerocity.mobility.planner import transfers as tr
from zerocity.mobility.planner.walking import WalkNetwork

WALKABLE = frozenset({
    "footway", "path", "pedestrian", "steps", "living_street", "residential", "service",
    "unclassified", "road", "tertiary", "tertiary_link", "secondary", "secondary_link",
    "primary", "primary_link", "track", "cycleway", "bridleway", "corridor", "platform",
    "crossing", "sidewalk", "elevator"})
FOOT_YES = frozenset({"yes", "designated", "permissive", "official", "destination"})
FOOT_NO = frozenset({"no", "private", "use_sidepath", "discouraged"})


class OsmUnreadable(ValueError):
    """The file is no OpenStreetMap data pyosmium can read, or holds no walkable way."""


def walkable(tags: Any) -> bool:
    highway = tags.get("highway")
    if highway is None:
        return False
    foot = tags.get("foot")
    if foot in FOOT_YES:
        return True
    if foot in FOOT_NO or tags.get("access") in {"no", "private"}:
        return False
    return highway in WALKABLE


def read(path: Path) -> WalkNetwork:
    import osmium  # only a city that uploads a network needs it

    refs: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    ends: list[int] = []

    class Ways(osmium.SimpleHandler):
        def way(self, w: Any) -> None:
            if not walkable(w.tags):
                return
            for n in w.nodes:
                if n.location.valid():
                    refs.append(n.ref)
                    lats.append(n.location.lat)
                    lons.append(n.location.lon)
            ends.append(len(refs))

    try:
        Ways().apply_file(str(path), locations=True)
    except (RuntimeError, ValueError) as exc:
        raise OsmUnreadable(f"not OpenStreetMap data: {exc}") from exc
    if len(refs) < 2:
        raise OsmUnreadable("no way a person may walk on")
    ref = np.asarray(refs, dtype=np.int64)
    nodes, index = np.unique(ref, return_index=True)
    position = np.searchsorted(nodes, ref)
    lat = np.asarray(lats)[index]
    lon = np.asarray(lons)[index]
    same_way = np.ones(len(ref) - 1, dtype=bool)
    way_end = np.asarray(ends[:-1], dtype=np.int64) - 1  # last node of each way but the last
    same_way[way_end[(way_end >= 0) & (way_end < len(same_way))]] = False
    u, v = position[:-1][same_way], position[1:][same_way]
    keep = u != v
    u, v = u[keep], v[keep]
    metres = tr.haversine_m(lat[u], lon[u], lat[v], lon[v])
    return WalkNetwork(lat, lon, u.astype(np.int64), v.astype(np.int64),
                       np.asarray(metres, dtype=np.float64))
