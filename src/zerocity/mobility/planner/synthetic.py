"""Generated GTFS feeds for tests and benchmarks: stops scattered around a city centre, lines
that wander from stop to nearby stop and run both ways, a timetable from the distances at a
bus's speed. Seeded, so a failing case can be rebuilt. The tables are what the feed selector
returns: ``dict`` of file name -> ``DataFrame`` of text columns.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pandas as pd

KRANJ = (46.2389, 14.3556)


@dataclass(frozen=True)
class Shape:
    stops: int
    lines: int
    width_km: float
    height_km: float
    first: int = 5 * 3600
    last: int = 23 * 3600
    headway_min: tuple[int, ...] = (15, 20, 30)
    stops_per_line: tuple[int, int] = (12, 30)
    speed_kmh: float = 22.0


KRANJ_SIZED = Shape(260, 12, 9.0, 7.0, headway_min=(15, 20, 30, 60), stops_per_line=(18, 34))
LJUBLJANA_SIZED = Shape(1000, 46, 20.0, 14.0, first=int(4.5 * 3600), last=int(23.5 * 3600),
                        headway_min=(7, 8, 10, 12, 15), stops_per_line=(20, 40))


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def frame(rows: list[dict[str, str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns,
                        dtype=str)


def network(shape: Shape, seed: int = 1, centre: tuple[float, float] = KRANJ,
            start: str = "20260101", end: str = "20271231") -> dict[str, pd.DataFrame]:
    rnd = random.Random(seed)
    lat0, lon0 = centre
    dlat = shape.height_km / 111.2
    dlon = shape.width_km / (111.2 * math.cos(math.radians(lat0)))
    pts = [(lat0 + (rnd.random() - 0.5) * dlat, lon0 + (rnd.random() - 0.5) * dlon)
           for _ in range(shape.stops)]
    stops = [{"stop_id": f"S{i}", "stop_name": f"Stop {i}", "stop_lat": f"{a:.6f}",
              "stop_lon": f"{b:.6f}", "location_type": "0", "wheelchair_boarding": "1"}
             for i, (a, b) in enumerate(pts)]

    def km(i: int, j: int) -> float:
        (a1, b1), (a2, b2) = pts[i], pts[j]
        x = (b2 - b1) * 111.2 * math.cos(math.radians(lat0))
        y = (a2 - a1) * 111.2
        return math.hypot(x, y)

    routes, trips, times = [], [], []
    used: set[int] = set()
    for line in range(shape.lines):
        length = rnd.randint(*shape.stops_per_line)
        # lines start at the edge and cross the centre, as radial city lines do
        edge = [i for i in range(shape.stops) if i not in used and math.hypot(
            (pts[i][0] - lat0) / dlat, (pts[i][1] - lon0) / dlon) > 0.3]
        seq = [rnd.choice(edge or list(range(shape.stops)))]
        heading = math.atan2(lat0 - pts[seq[0]][0], (lon0 - pts[seq[0]][1]) * 0.69)
        while len(seq) < length:
            cur = seq[-1]
            cands = sorted((i for i in range(shape.stops) if i not in seq),
                           key=lambda i: km(cur, i) - 0.4 * (
                               math.cos(heading) * (pts[i][1] - pts[cur][1]) * 77
                               + math.sin(heading) * (pts[i][0] - pts[cur][0]) * 111))[:4]
            if not cands:
                break
            seq.append(rnd.choice(cands[:2]) if rnd.random() < 0.3 else cands[0])
            heading += rnd.uniform(-0.12, 0.12)
        used.update(seq)
        rid = f"L{line + 1}"
        routes.append({"route_id": rid, "agency_id": "A", "route_short_name": str(line + 1),
                       "route_type": "3"})
        headway = rnd.choice(shape.headway_min) * 60
        for direction, stops_seq in enumerate((seq, seq[::-1])):
            runs = [0]
            for a, b in zip(stops_seq, stops_seq[1:], strict=False):
                runs.append(runs[-1] + max(60, int(km(a, b) / shape.speed_kmh * 3600) + 20))
            t0 = shape.first + rnd.randint(0, headway)
            k = 0
            while t0 <= shape.last:
                tid = f"{rid}-{direction}-{k}"
                trips.append({"route_id": rid, "service_id": "WK", "trip_id": tid,
                              "direction_id": str(direction), "wheelchair_accessible": "1"})
                for pos, (s, off) in enumerate(zip(stops_seq, runs, strict=True)):
                    t = t0 + off
                    times.append({"trip_id": tid, "arrival_time": hms(t),
                                  "departure_time": hms(t), "stop_id": f"S{s}",
                                  "stop_sequence": str(pos + 1)})
                t0 += headway
                k += 1
    cal = [{"service_id": "WK", "monday": "1", "tuesday": "1", "wednesday": "1",
            "thursday": "1", "friday": "1", "saturday": "1", "sunday": "1",
            "start_date": start, "end_date": end}]
    return {
        "agency": frame([{"agency_id": "A", "agency_name": "Generated",
                          "agency_url": "https://example.org",
                          "agency_timezone": "Europe/Ljubljana"}],
                        ["agency_id", "agency_name", "agency_url", "agency_timezone"]),
        "stops": frame(stops, ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type",
                               "wheelchair_boarding"]),
        "routes": frame(routes, ["route_id", "agency_id", "route_short_name", "route_type"]),
        "trips": frame(trips, ["route_id", "service_id", "trip_id", "direction_id",
                               "wheelchair_accessible"]),
        "stop_times": frame(times, ["trip_id", "arrival_time", "departure_time", "stop_id",
                                    "stop_sequence"]),
        "calendar": frame(cal, ["service_id", "monday", "tuesday", "wednesday", "thursday",
                                "friday", "saturday", "sunday", "start_date", "end_date"]),
    }
