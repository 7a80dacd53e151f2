"""Walking on a city's own street network (an OpenStreetMap extract it uploads), instead of
the straight line x 1.3.

The network is nodes (positions) and edges (walked metres, both ways). A place off the network
walks straight to the nearest node (its snap); from there distances are shortest paths
(scipy's Dijkstra on a sparse graph), so the stop-to-stop footpaths they give are transitively
closed by construction: a path through a third stop is never shorter than the one found.
Places further than ``max_snap_m`` from any node keep the straight line x 1.3, as without a
network.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from zerocity.mobility.planner import transfers as tr

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
DEG_M = tr.EARTH_M * np.pi / 180
CHUNK = 64  # stops per Dijkstra call: a chunk's rows x the network's nodes stay small


@dataclass
class WalkNetwork:
    lat: F64
    lon: F64
    edge_u: I64
    edge_v: I64
    edge_m: F64
    max_snap_m: float = 300.0
    digest: str = ""
    _graph: csr_matrix | None = field(default=None, repr=False, compare=False)
    _tree: cKDTree | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.digest:
            h = hashlib.sha256()
            for a in (self.lat, self.lon, self.edge_u, self.edge_v, self.edge_m):
                h.update(np.ascontiguousarray(a).tobytes())
            self.digest = h.hexdigest()[:24]

    @property
    def n_nodes(self) -> int:
        return len(self.lat)

    def _xy(self, lat: F64, lon: F64) -> F64:
        c = np.cos(np.radians(float(np.mean(self.lat)) if len(self.lat) else 0.0))
        return np.column_stack([np.asarray(lat, float) * DEG_M,
                                np.asarray(lon, float) * DEG_M * c])

    @property
    def graph(self) -> csr_matrix:
        if self._graph is None:
            n = self.n_nodes
            u = np.concatenate([self.edge_u, self.edge_v])
            v = np.concatenate([self.edge_v, self.edge_u])
            w = np.concatenate([self.edge_m, self.edge_m])
            # parallel edges: keep the shortest (csr would add them up)
            order = np.lexsort((w, v, u))
            u, v, w = u[order], v[order], w[order]
            first = np.ones(len(u), dtype=bool)
            first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
            self._graph = csr_matrix((np.maximum(w[first], 1e-3), (u[first], v[first])),
                                     shape=(n, n))
        return self._graph

    def snap(self, lat: F64, lon: F64) -> tuple[I64, F64]:
        """Each place's nearest node and the straight metres to it."""
        if self._tree is None:
            self._tree = cKDTree(self._xy(self.lat, self.lon))
        d, i = self._tree.query(self._xy(np.atleast_1d(lat), np.atleast_1d(lon)))
        return np.asarray(i, dtype=np.int64), np.asarray(d, dtype=np.float64)

    def distances(self, lat: float, lon: float, to_lat: F64, to_lon: F64,
                  limit_m: float) -> F64:
        """Walked metres from one place to each of the others (inf beyond ``limit_m``)."""
        straight = tr.haversine_m(lat, lon, to_lat, to_lon) * tr.DETOUR
        node, snap = self.snap(np.asarray([lat]), np.asarray([lon]))
        nodes, snaps = self.snap(to_lat, to_lon)
        if snap[0] > self.max_snap_m:
            return np.where(straight <= limit_m, straight, np.inf)
        reach = dijkstra(self.graph, indices=int(node[0]), limit=limit_m)
        walked = snap[0] + reach[nodes] + snaps
        walked = np.where(snaps > self.max_snap_m, straight, walked)
        return np.where(walked <= limit_m, walked, np.inf)

    def footpaths(self, lat: F64, lon: F64, limit_m: float) -> tuple[I32, I32, F64]:
        """(from, to, walked metres) between stops walked within ``limit_m`` on the network;
        stops off the network join the others by the straight line x 1.3."""
        n = len(lat)
        nodes, snaps = self.snap(lat, lon)
        on = snaps <= self.max_snap_m
        src: list[npt.NDArray[np.int64]] = []
        dst: list[npt.NDArray[np.int64]] = []
        metres: list[npt.NDArray[np.float64]] = []
        idx = np.nonzero(on)[0]
        for start in range(0, len(idx), CHUNK):
            rows = idx[start:start + CHUNK]
            reach = dijkstra(self.graph, indices=nodes[rows], limit=limit_m)
            walked = snaps[rows, None] + reach[:, nodes[on]] + snaps[None, on]
            i, j = np.nonzero(walked <= limit_m)
            a, b = rows[i], idx[j]
            keep = a != b
            src.append(a[keep])
            dst.append(b[keep])
            metres.append(walked[i, j][keep])
        off = np.nonzero(~on)[0]
        for s in off:  # off the network: the straight line x 1.3 to every stop, both ways
            d = tr.haversine_m(lat[s], lon[s], lat, lon) * tr.DETOUR
            near = np.nonzero((d <= limit_m) & (np.arange(n) != s))[0]
            src += [np.full(len(near), s), near]
            dst += [near, np.full(len(near), s)]
            metres += [d[near], d[near]]
        if not src:
            return (np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float64))
        a, b = np.concatenate(src), np.concatenate(dst)
        m = np.concatenate(metres).astype(np.float64)
        order = np.lexsort((m, b, a))
        a, b, m = a[order], b[order], m[order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        return a[first].astype(np.int32), b[first].astype(np.int32), m[first]

    def save(self, path: Path) -> None:
        with path.open("wb") as f:
            np.savez_compressed(f, lat=self.lat, lon=self.lon, edge_u=self.edge_u,
                                edge_v=self.edge_v, edge_m=self.edge_m,
                                max_snap_m=np.asarray(self.max_snap_m))

    @classmethod
    def load(cls, path: Path) -> WalkNetwork:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["lat"], z["lon"], z["edge_u"], z["edge_v"], z["edge_m"],
                       float(z["max_snap_m"]))
