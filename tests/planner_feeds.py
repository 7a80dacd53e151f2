"""Small GTFS feeds for the planner's tests: a builder for hand-checked ones and a seeded
generator of random ones that use every feature the planner compiles (overtaking trips,
pick-up and drop-off flags, trips past midnight, frequencies, loops, every transfer type)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pandas as pd

ZONE = "Europe/Ljubljana"
LAT0, LON0 = 46.2389, 14.3556
M_LAT = 1 / 111_195  # degrees per metre north
M_LON = 1 / (111_195 * 0.6918)  # degrees per metre east at Kranj


def at(east_m: float, north_m: float) -> tuple[float, float]:
    return LAT0 + north_m * M_LAT, LON0 + east_m * M_LON


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def secs(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


class Feed:
    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, str]]] = {
            k: [] for k in ("stops", "routes", "trips", "stop_times", "calendar",
                            "calendar_dates", "frequencies", "transfers")}
        self.tables["agency"] = [{"agency_id": "A", "agency_name": "Test",
                                  "agency_url": "https://example.org", "agency_timezone": ZONE}]

    def stop(self, sid: str, east: float, north: float = 0.0, **kw: Any) -> Feed:
        lat, lon = at(east, north)
        self.tables["stops"].append({"stop_id": sid, "stop_name": kw.pop("name", sid),
                                     "stop_lat": f"{lat:.7f}", "stop_lon": f"{lon:.7f}",
                                     **{k: str(v) for k, v in kw.items()}})
        return self

    def route(self, rid: str, route_type: int = 3) -> Feed:
        self.tables["routes"].append({"route_id": rid, "agency_id": "A",
                                      "route_short_name": rid, "route_type": str(route_type)})
        return self

    def calendar(self, service: str, days: str = "1111111", start: str = "20260101",
                 end: str = "20271231") -> Feed:
        names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        self.tables["calendar"].append({"service_id": service, "start_date": start,
                                        "end_date": end, **dict(zip(names, days, strict=True))})
        return self

    def calendar_date(self, service: str, day: date, kind: int) -> Feed:
        self.tables["calendar_dates"].append({"service_id": service,
                                              "date": day.strftime("%Y%m%d"),
                                              "exception_type": str(kind)})
        return self

    def trip(self, route: str, tid: str, stops: list[tuple[Any, ...]], service: str = "WK",
             **kw: Any) -> Feed:
        """stops: (stop_id, time) or (stop_id, arrival, departure[, pickup, dropoff])."""
        if not any(r["route_id"] == route for r in self.tables["routes"]):
            self.route(route)
        self.tables["trips"].append({"route_id": route, "service_id": service, "trip_id": tid,
                                     **{k: str(v) for k, v in kw.items()}})
        for i, st in enumerate(stops):
            arr = st[1]
            dep = st[2] if len(st) > 2 else st[1]
            row = {"trip_id": tid, "stop_id": st[0], "stop_sequence": str(i + 1),
                   "arrival_time": arr if isinstance(arr, str) else hms(arr),
                   "departure_time": dep if isinstance(dep, str) else hms(dep)}
            if len(st) > 3:
                row["pickup_type"], row["drop_off_type"] = str(st[3]), str(st[4])
            self.tables["stop_times"].append(row)
        return self

    def frequency(self, tid: str, start: str, end: str, headway: int, exact: int = 0) -> Feed:
        self.tables["frequencies"].append({"trip_id": tid, "start_time": start,
                                           "end_time": end, "headway_secs": str(headway),
                                           "exact_times": str(exact)})
        return self

    def transfer(self, **kw: Any) -> Feed:
        self.tables["transfers"].append({k: str(v) for k, v in kw.items()})
        return self

    def build(self) -> dict[str, pd.DataFrame]:
        out = {}
        for name, rows in self.tables.items():
            if not rows:
                continue
            cols: list[str] = []
            for r in rows:
                cols.extend(c for c in r if c not in cols)
            out[name] = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows],
                                     columns=cols, dtype=str)
        return out


def random_feed(seed: int, rules: bool = True) -> dict[str, pd.DataFrame]:
    """A random small network: about 25 stops within 2 km, 5 routes, trips that overtake,
    trips past midnight from the day before, a frequency-based trip, transfer rules."""
    rnd = random.Random(seed)
    f = Feed().calendar("WK").calendar("OTHER", days="0000000")
    n_stops = rnd.randint(12, 28)
    for i in range(n_stops):
        f.stop(f"S{i}", rnd.uniform(0, 2200), rnd.uniform(0, 1800),
               wheelchair_boarding=rnd.choice([0, 1, 1, 2]))
    trips: list[tuple[str, str, list[str]]] = []
    for r in range(rnd.randint(3, 6)):
        route = f"R{r}"
        f.route(route, rnd.choice([3, 3, 3, 0]))
        seq = rnd.sample(range(n_stops), rnd.randint(3, min(9, n_stops)))
        if rnd.random() < 0.15:
            seq.append(seq[1])  # a loop: a stop served twice
        for k in range(rnd.randint(2, 9)):
            tid = f"T{r}-{k}"
            t = rnd.randint(6 * 3600, 9 * 3600) if rnd.random() < 0.85 \
                else rnd.randint(23 * 3600, 25 * 3600)
            rows = []
            for s in seq:
                dwell = rnd.choice([0, 0, 30])
                flags = (1 if rnd.random() < 0.08 else 0, 1 if rnd.random() < 0.08 else 0)
                rows.append((f"S{s}", t, t + dwell, *flags))
                t += dwell + rnd.randint(60, 420)
            f.trip(route, tid, rows, service=rnd.choice(["WK", "WK", "WK", "OTHER"]),
                   wheelchair_accessible=rnd.choice([0, 1, 1, 2]),
                   block_id=f"B{rnd.randint(0, 3)}")
            trips.append((tid, route, [f"S{s}" for s in seq]))
    if rnd.random() < 0.5:
        tid, _, _ = rnd.choice(trips)
        first = next(r for r in f.tables["stop_times"] if r["trip_id"] == tid)
        start = secs(first["departure_time"])
        f.frequency(tid, hms(start), hms(start + rnd.randint(600, 3600)), rnd.choice([300, 600]),
                    rnd.randint(0, 1))
    if rules:
        for _ in range(rnd.randint(0, 8)):
            kind = rnd.choice([0, 1, 2, 2, 3, 3, 5])
            a = f"S{rnd.randrange(n_stops)}"
            b = a if rnd.random() < 0.6 else f"S{rnd.randrange(n_stops)}"
            row: dict[str, Any] = {"from_stop_id": a, "to_stop_id": b, "transfer_type": kind}
            if kind == 2:
                row["min_transfer_time"] = rnd.choice([0, 120, 300, 600])
            level = rnd.random()
            if level < 0.25:
                row["from_route_id"] = rnd.choice(trips)[1]
            elif level < 0.4:
                row["to_route_id"] = rnd.choice(trips)[1]
            elif level < 0.5:
                row["from_trip_id"] = rnd.choice(trips)[0]
                row["to_trip_id"] = rnd.choice(trips)[0]
            f.transfer(**row)
    return f.build()
