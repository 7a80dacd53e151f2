"""Vehicle scheduling for one depot: the fewest vehicles that run a service date's trips, and
the blocks (each vehicle's day) that do it.

Trip i can precede trip j on one vehicle when ``end_i + deadhead(i's last stop -> j's first
stop) + min_layover <= start_j``. The deadhead is the straight line between the two stops x
``detour`` driven at ``speed_kmh`` (:class:`Deadhead`); with ``deadhead=None`` a vehicle may
only continue from where its last trip ended (the same stop, or another stop of the same parent
station). These pairs are the arcs of a compatibility graph (a DAG, since start_j > start_i).
A schedule is a set of chains covering every trip; each arc used saves one vehicle, so

    minimum fleet = trips - maximum matching of the bipartite graph (predecessor, successor)

(Dantzig & Fulkerson 1954; single-depot VSP, Bunte & Kliewer 2009, research
mobility-upscale.md §4 [46]). The explicit graph has about n^2/2 arcs; :class:`Network` keeps
one arc per trip and start stop and solves the matching as a maximum flow
(:func:`network_matching`), which tests hold to Hopcroft-Karp on the explicit graph
(``scipy.sparse.csgraph.maximum_bipartite_matching``) and to a HiGHS MILP. The min-cost version
(:func:`min_cost_matching`): every trip has a successor or ends its block (which costs one
vehicle), assigned at least cost (``min_weight_full_bipartite_matching``, LAPJVsp); with no
vehicle cost given, the vehicle cost is larger than any total deadhead can be, so it gives the
minimum fleet and, among the schedules with that fleet, the least deadhead km.

A lower bound is the peak number of trips under way at once (half-open [start, end)); with no
layover and no deadhead time the minimum fleet equals it (Dilworth; a test shows it).

Battery buses (:class:`Battery`): each block starts with a full battery (charged overnight at
the depot); a trip or deadhead uses ``km x kwh_per_km``; a layover of at least
``min_charge_s`` at a charger stop charges at ``charger_kw``. A block whose charge would fall
below the reserve is split before the trip that would break it; the rest starts again with a
new, full vehicle. The split is a greedy heuristic: it keeps the minimum fleet's chains and is
not an optimal electric VSP (E-VSP; Perumal, Lusby & Larsen, EJOR 2022 [48]).

Everything here is plain arrays; :mod:`zerocity.mobility.fleet_feed` reads a feed into them.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import (
    maximum_bipartite_matching,
    maximum_flow,
    min_weight_full_bipartite_matching,
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

EARTH_KM = 6371.0088  # mean Earth radius (IUGG)
# the minimum-cost variant's largest explicit graph (LAPJVsp's time grows quickly with it)
MAX_EXPLICIT_ARCS = 3_000_000


@dataclass(frozen=True)
class Deadhead:
    """Empty running between two trips: the straight line x ``detour`` at ``speed_kmh``.

    Defaults: 1.3, the detour factor the research takes for street legs (mobility-upscale.md
    §0), and 20 km/h, an assumed urban bus speed without stops [U]: set the city's own."""

    speed_kmh: float = 20.0
    detour: float = 1.3

    def seconds(self, km: F64) -> I64:
        if math.isinf(self.speed_kmh):
            return np.zeros(km.shape, dtype=np.int64)
        return np.ceil(km / self.speed_kmh * 3600.0).astype(np.int64)


@dataclass(frozen=True)
class Battery:
    """A battery bus's energy: ``usable_kwh`` between overnight charges, ``kwh_per_km`` in
    service and empty, charging at ``charger_kw`` during a layover of at least
    ``min_charge_s`` at one of ``charger_stops`` (stop indices); ``reserve_kwh`` never used."""

    usable_kwh: float
    kwh_per_km: float
    charger_kw: float = 180.0  # Kranj's chargers, research §1.2 [13]
    charger_stops: frozenset[int] = frozenset()
    min_charge_s: int = 600
    reserve_kwh: float = 0.0

    @classmethod
    def from_range(cls, range_km: float, kwh_per_km: float, **kw: object) -> Battery:
        return cls(usable_kwh=range_km * kwh_per_km, kwh_per_km=kwh_per_km, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DayTrips:
    """One service date's trips (any order) and the stops they start and end at. Times are
    seconds on the date's GTFS axis; ``station[s]`` groups stops of one parent station."""

    trip_ids: tuple[str, ...]
    route_ids: tuple[str, ...]
    start: I64
    end: I64
    first_stop: I64
    last_stop: I64
    km: F64  # each trip's distance in service
    stop_ids: tuple[str, ...]
    lat: F64
    lon: F64
    station: I64

    @property
    def n(self) -> int:
        return len(self.trip_ids)


@dataclass(frozen=True)
class Graph:
    """The compatibility graph over trips in start order (``order[k]`` is the k-th trip):
    CSR rows are predecessors, columns successors, ``km`` each arc's deadhead."""

    order: I64
    indptr: I64
    indices: npt.NDArray[np.int32]
    km: F64

    @property
    def n(self) -> int:
        return len(self.order)

    @property
    def arcs(self) -> int:
        return len(self.indices)

    def arc_km(self, a: int, b: int) -> float:
        lo, hi = int(self.indptr[a]), int(self.indptr[a + 1])
        return float(self.km[lo + int(np.searchsorted(self.indices[lo:hi], b))])

    def matrix(self) -> csr_matrix:
        ones = np.ones(len(self.indices), dtype=np.int8)
        return csr_matrix((ones, self.indices, self.indptr), shape=(self.n, self.n))


@dataclass(frozen=True)
class Leg:
    trip: int  # index into DayTrips
    deadhead_km: float  # empty running before it (0 for a block's first trip)
    deadhead_s: int = 0  # its driving time
    charge_before_kwh: float = 0.0  # energy taken during the layover before it


@dataclass(frozen=True)
class Block:
    vehicle: int  # numbered from 1 in the order of the blocks' first departures
    legs: tuple[Leg, ...]
    energy_kwh: float | None = None  # None: no battery given
    lowest_kwh: float | None = None  # the least charge left at the end of a trip

    @property
    def trips(self) -> tuple[int, ...]:
        return tuple(leg.trip for leg in self.legs)

    @property
    def deadhead_km(self) -> float:
        return sum(leg.deadhead_km for leg in self.legs)


@dataclass(frozen=True)
class Schedule:
    blocks: tuple[Block, ...]
    lower_bound: int  # the peak number of trips under way at once
    matched: int  # arcs in the chains before any battery split
    arcs: int  # arcs in the compatibility graph
    splits: int = 0  # blocks split for the battery
    infeasible: tuple[int, ...] = field(default=())  # trips no full battery can run
    objective: str = "fleet"  # what chose the chains: "fleet" (max flow) or "cost"

    @property
    def vehicles(self) -> int:
        return len(self.blocks)

    @property
    def deadhead_km(self) -> float:
        return sum(b.deadhead_km for b in self.blocks)


# -- the compatibility graph ---------------------------------------------------------------

def haversine_km(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: F64 = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def terminal_km(trips: DayTrips, deadhead: Deadhead | None) -> tuple[I64, I64, F64, I64]:
    """Deadhead between the stops trips end at and those they start at: each trip's row in
    the end-stop table, its column in the start-stop table, the km and the seconds (-1:
    not allowed, when there is no deadhead and the stops are of different stations)."""
    ends, end_row = np.unique(trips.last_stop, return_inverse=True)
    starts, start_col = np.unique(trips.first_stop, return_inverse=True)
    same = trips.station[ends][:, None] == trips.station[starts][None, :]
    if deadhead is None:
        km = np.zeros((len(ends), len(starts)))
        secs = np.where(same, 0, -1).astype(np.int64)
    else:
        km = haversine_km(trips.lat[ends][:, None], trips.lon[ends][:, None],
                          trips.lat[starts][None, :], trips.lon[starts][None, :])
        km = np.where(same, 0.0, km * deadhead.detour)
        secs = deadhead.seconds(km)
    return end_row.reshape(-1), start_col.reshape(-1), km, secs


@dataclass(frozen=True)
class Network:
    """The compatibility graph, compressed. Trips are in start order (``order[k]`` is the
    k-th trip). Trip i's successors that start at one stop are a suffix of that stop's
    departures in time order (all those late enough), so i keeps one arc per stop: to the
    first of them, ``arc_to``, with the deadhead ``arc_km``; ``next_same[j]`` is the next trip
    from j's first stop (-1: none). The explicit graph has an arc i -> every trip from
    ``arc_to`` on along ``next_same``: about n^2/2 arcs for n trips, n x stops here."""

    order: I64
    arc_from: I64
    arc_to: I64
    arc_km: F64
    next_same: I64

    @property
    def n(self) -> int:
        return len(self.order)

    def _positions(self) -> tuple[I64, I64, I64, I64]:
        """The departures stop by stop in time order (``flat``), and for each trip where its
        stop's run starts in it, its rank in the run and the departures from it on."""
        n = self.n
        rank = np.zeros(n, dtype=np.int64)
        length = np.zeros(n, dtype=np.int64)
        where = np.zeros(n, dtype=np.int64)
        heads = np.setdiff1d(np.arange(n), self.next_same[self.next_same >= 0])
        members: list[I64] = []
        offset = 0
        for head in heads.tolist():
            chain = [head]
            while self.next_same[chain[-1]] >= 0:
                chain.append(int(self.next_same[chain[-1]]))
            member = np.asarray(chain, dtype=np.int64)
            members.append(member)
            rank[member] = np.arange(len(member))
            length[member] = len(member) - np.arange(len(member))
            where[member] = offset
            offset += len(member)
        flat = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
        return flat, where, rank, length

    def explicit_arcs(self) -> int:
        """How many arcs :meth:`explicit` would have."""
        return int(self._positions()[3][self.arc_to].sum())

    def explicit(self) -> Graph:
        """The same arcs, one per compatible pair (CSR by predecessor)."""
        n = self.n
        flat, where, rank, length = self._positions()
        counts = length[self.arc_to]
        first = where[self.arc_to] + rank[self.arc_to]
        rows = np.repeat(self.arc_from, counts)
        steps = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        cols = flat[np.repeat(first, counts) + steps]
        kms = np.repeat(self.arc_km, counts)
        sort = np.lexsort((cols, rows))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return Graph(order=self.order, indptr=indptr,
                     indices=cols[sort].astype(np.int32), km=kms[sort])


def network(trips: DayTrips, min_layover_s: int, deadhead: Deadhead | None) -> Network:
    """The compressed compatibility graph: per stop trips start at, one vectorised pass over
    every trip."""
    order = np.argsort(trips.start, kind="stable").astype(np.int64)
    start = trips.start[order]
    end = trips.end[order]
    end_row, start_col, km, secs = terminal_km(trips, deadhead)
    end_row, start_col = end_row[order], start_col[order]
    n = len(order)
    everyone = np.arange(n)
    next_same = np.full(n, -1, dtype=np.int64)
    froms: list[I64] = []
    tos: list[I64] = []
    kms: list[F64] = []
    for col in range(secs.shape[1]):
        here = np.flatnonzero(start_col == col)  # ascending: start order
        next_same[here[:-1]] = here[1:]
        need = secs[end_row, col]
        ready = end + need + min_layover_s
        first = np.searchsorted(start[here], ready, side="left")
        # never a trip itself or one before it (a DAG even for trips of no duration)
        first = np.maximum(first, np.searchsorted(here, everyone, side="right"))
        ok = (need >= 0) & (first < len(here))
        froms.append(everyone[ok])
        tos.append(here[first[ok]])
        kms.append(km[end_row[ok], col])
    empty = np.zeros(0, dtype=np.int64)
    return Network(order=order,
                   arc_from=np.concatenate(froms) if froms else empty,
                   arc_to=np.concatenate(tos) if tos else empty,
                   arc_km=np.concatenate(kms) if kms else np.zeros(0), next_same=next_same)


def compatibility(trips: DayTrips, min_layover_s: int, deadhead: Deadhead | None) -> Graph:
    """Every arc i -> j of trips that one vehicle can run in turn (the explicit graph)."""
    return network(trips, min_layover_s, deadhead).explicit()


# -- fleet --------------------------------------------------------------------------------

def peak_trips(start: I64, end: I64) -> int:
    """The most trips under way at one instant, each over [start, end): at a tie an arrival
    comes before a departure, so a vehicle may run two such trips in turn."""
    if len(start) == 0:
        return 0
    times = np.concatenate([end, start])
    steps = np.concatenate([-np.ones(len(end), dtype=np.int64),
                            np.ones(len(start), dtype=np.int64)])
    sort = np.lexsort((steps, times))
    return int(np.cumsum(steps[sort]).max())


def maximum_matching(graph: Graph) -> I64:
    """For each trip in start order, the successor (in start order) it is matched to, or -1:
    Hopcroft-Karp on the explicit graph."""
    if graph.n == 0:
        return np.zeros(0, dtype=np.int64)
    succ = maximum_bipartite_matching(graph.matrix(), perm_type="column")
    return np.asarray(succ, dtype=np.int64)


def network_matching(net: Network) -> tuple[I64, F64]:
    """A maximum matching of the compressed graph, as a maximum flow (Dinic,
    ``scipy.sparse.csgraph.maximum_flow``): source -> predecessor i -> the first trip of each
    stop it can reach -> along that stop's departures -> successor j -> sink, every unit
    arc of capacity 1. Each unit of flow is one arc i -> j of the explicit graph, so the flow
    equals the maximum matching. Per stop, the predecessors that flowed into its departures
    are paired with the departures that flow leaves at, first come first served (each may
    take any departure at or after its entry). Returns each trip's successor (start order,
    -1: none) and the deadhead km to it."""
    n = net.n
    succ = np.full(n, -1, dtype=np.int64)
    dh = np.zeros(n)
    if n == 0 or len(net.arc_from) == 0:
        return succ, dh
    src, sink = 0, 1
    left, wait, right = 2, 2 + n, 2 + 2 * n
    chained = np.flatnonzero(net.next_same >= 0)
    rows = np.concatenate([np.full(n, src), left + net.arc_from, wait + chained,
                           wait + np.arange(n), right + np.arange(n)])
    cols = np.concatenate([left + np.arange(n), wait + net.arc_to, wait + net.next_same[chained],
                           right + np.arange(n), np.full(n, sink)])
    caps = np.concatenate([np.ones(n), np.ones(len(net.arc_from)), np.full(len(chained), n),
                           np.ones(n), np.ones(n)]).astype(np.int32)
    graph = csr_matrix((caps, (rows, cols)), shape=(2 + 3 * n, 2 + 3 * n))
    flow = maximum_flow(graph, src, sink, method="dinic").flow.tocsr()
    used = np.asarray(flow[left + net.arc_from, wait + net.arc_to]).reshape(-1) > 0
    leaves = np.asarray(flow[wait + np.arange(n), right + np.arange(n)]).reshape(-1) > 0
    entering: dict[int, list[tuple[int, float]]] = {}
    for i, j, km in zip(net.arc_from[used].tolist(), net.arc_to[used].tolist(),
                        net.arc_km[used].tolist(), strict=True):
        entering.setdefault(j, []).append((i, km))
    heads = np.setdiff1d(np.arange(n), net.next_same[net.next_same >= 0])
    for head in heads.tolist():
        queue: deque[tuple[int, float]] = deque()
        j = head
        while j >= 0:
            queue.extend(sorted(entering.get(j, ())))
            if leaves[j]:
                i, km = queue.popleft()
                succ[i], dh[i] = j, km
            j = int(net.next_same[j])
    return succ, dh


def min_cost_matching(graph: Graph, vehicle_cost: float | None,
                      deadhead_cost_per_km: float) -> I64:
    """Successors chosen at least cost: each trip either precedes one trip (its deadhead km x
    ``deadhead_cost_per_km``) or ends its block (``vehicle_cost``, one vehicle). With no
    vehicle cost, one larger than any schedule's total deadhead cost (the fewest vehicles
    first, then the least deadhead)."""
    n = graph.n
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    arc_cost = graph.km * deadhead_cost_per_km
    if vehicle_cost is None:
        vehicle_cost = float(n * (arc_cost.max(initial=0.0) + 1.0)) + 1.0
    # a constant added to every edge changes no choice (every row is matched once) and keeps
    # zero-cost arcs as edges of the sparse matrix
    data = np.concatenate([arc_cost + 1.0, np.full(n, vehicle_cost + 1.0)])
    counts = np.diff(graph.indptr)
    row = np.concatenate([np.repeat(np.arange(n), counts), np.arange(n)])
    col = np.concatenate([graph.indices.astype(np.int64), n + np.arange(n)])
    m = csr_matrix((data, (row, col)), shape=(n, 2 * n))
    r, c = min_weight_full_bipartite_matching(m)
    succ = np.full(n, -1, dtype=np.int64)
    succ[r] = np.where(c < n, c, -1)
    return succ


def chains(n: int, succ: I64) -> list[list[int]]:
    """The blocks of a matching: chains of trips (in start order) from those with no
    predecessor, ordered by first departure."""
    has_pred = np.zeros(n, dtype=bool)
    has_pred[succ[succ >= 0]] = True
    out = []
    for head in np.flatnonzero(~has_pred):
        chain = [int(head)]
        while succ[chain[-1]] >= 0:
            chain.append(int(succ[chain[-1]]))
        out.append(chain)
    return out


class TooLarge(ValueError):
    """The minimum-cost variant on a graph too large for it."""


def schedule(trips: DayTrips, *, min_layover_s: int = 300,
             deadhead: Deadhead | None = Deadhead(), vehicle_cost: float | None = None,
             deadhead_cost_per_km: float = 1.0, battery: Battery | None = None,
             objective: str = "auto") -> Schedule:
    """The service date's blocks. ``objective``: "fleet", the minimum fleet from the maximum
    flow of the compressed graph (any network size); "cost", the minimum-cost assignment on
    the explicit graph (``vehicle_cost`` per vehicle, ``deadhead_cost_per_km``; with no
    vehicle cost the minimum fleet and then the least deadhead), refused (:class:`TooLarge`)
    above ``MAX_EXPLICIT_ARCS`` compatible pairs; "auto", "cost" up to that size, else
    "fleet"."""
    net = network(trips, min_layover_s, deadhead)
    if objective == "auto":
        objective = "cost" if net.explicit_arcs() <= MAX_EXPLICIT_ARCS else "fleet"
    if objective == "cost":
        graph = net.explicit()
        if graph.arcs > MAX_EXPLICIT_ARCS:
            raise TooLarge(f"{graph.arcs:,} compatible pairs of trips: the minimum-cost "
                           f"variant takes at most {MAX_EXPLICIT_ARCS:,}")
        succ = min_cost_matching(graph, vehicle_cost, deadhead_cost_per_km)
        dh = np.zeros(net.n)
        for i in np.flatnonzero(succ >= 0).tolist():
            dh[i] = graph.arc_km(i, int(succ[i]))
        arcs = graph.arcs
    elif objective == "fleet":
        succ, dh = network_matching(net)
        arcs = len(net.arc_from)
    else:
        raise ValueError(f"objective is fleet or cost, not {objective!r}")
    blocks: list[list[Leg]] = []
    for chain in chains(net.n, succ):
        legs = [Leg(int(net.order[chain[0]]), 0.0)]
        for a, b in zip(chain, chain[1:], strict=False):
            legs.append(Leg(int(net.order[b]), float(dh[a]), _seconds(deadhead, float(dh[a]))))
        blocks.append(legs)
    matched = int((succ >= 0).sum())
    lower = peak_trips(trips.start, trips.end)
    if battery is None:
        return Schedule(_numbered([(b, None, None) for b in blocks], trips), lower, matched,
                        arcs, objective=objective)
    charged: list[tuple[list[Leg], float | None, float | None]] = []
    infeasible: list[int] = []
    splits = 0
    for legs in blocks:
        parts, bad = split_for_battery(trips, legs, battery)
        splits += len(parts) - 1
        infeasible.extend(bad)
        charged.extend(parts)
    return Schedule(_numbered(charged, trips), lower, matched, arcs, splits,
                    tuple(sorted(infeasible)), objective)


def _seconds(deadhead: Deadhead | None, km: float) -> int:
    return 0 if deadhead is None or km == 0 else int(deadhead.seconds(np.asarray([km]))[0])


def _numbered(blocks: list[tuple[list[Leg], float | None, float | None]],
              trips: DayTrips) -> tuple[Block, ...]:
    blocks = sorted(blocks, key=lambda b: (int(trips.start[b[0][0].trip]), b[0][0].trip))
    return tuple(Block(k + 1, tuple(legs), energy, low)
                 for k, (legs, energy, low) in enumerate(blocks))


# -- battery buses ---------------------------------------------------------------------------

def split_for_battery(trips: DayTrips, legs: list[Leg], battery: Battery
                      ) -> tuple[list[tuple[list[Leg], float | None, float | None]], list[int]]:
    """A block cut where its charge would fall below the reserve: each part starts full.
    Returns the parts (legs, energy used, lowest charge) and the trips that even a full
    battery cannot run (each left alone in its own part)."""
    parts: list[tuple[list[Leg], float | None, float | None]] = []
    bad: list[int] = []
    full = battery.usable_kwh - battery.reserve_kwh
    cur: list[Leg] = []
    charge, used, low = full, 0.0, full
    for leg in legs:
        need_trip = float(trips.km[leg.trip]) * battery.kwh_per_km
        gained = 0.0
        if cur:
            prev = cur[-1].trip
            need_dh = leg.deadhead_km * battery.kwh_per_km
            gained = _charge(trips, prev, leg, battery, charge)
            if charge + gained - need_dh - need_trip >= 0:
                charge += gained - need_dh - need_trip
                used += need_dh + need_trip
                low = min(low, charge)
                cur.append(Leg(leg.trip, leg.deadhead_km, leg.deadhead_s, gained))
                continue
            parts.append((cur, used, low))
        # a new vehicle, full, from the depot
        cur = [Leg(leg.trip, 0.0)]
        if need_trip > full:
            bad.append(leg.trip)
        charge, used = full - need_trip, need_trip
        low = charge
    if cur:
        parts.append((cur, used, low))
    return parts, bad


def _charge(trips: DayTrips, prev: int, leg: Leg, battery: Battery, charge: float) -> float:
    """Energy taken at the charger during the layover between trip ``prev`` and ``leg``
    (before driving the deadhead), at most to full."""
    if int(trips.last_stop[prev]) not in battery.charger_stops:
        return 0.0
    dwell = int(trips.start[leg.trip] - trips.end[prev]) - leg.deadhead_s
    if dwell < battery.min_charge_s:
        return 0.0
    full = battery.usable_kwh - battery.reserve_kwh
    return min(full - charge, battery.charger_kw * dwell / 3600.0)
