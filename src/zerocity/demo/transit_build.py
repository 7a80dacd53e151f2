"""How the demo's network files were written: ``python -m zerocity.demo.transit_build`` writes
``demo/data/gtfs/kranj/*.txt`` and ``demo/data/gbfs/kranj/*.json`` from the tables below.

The committed files are the source of truth (the demo loads them, not this module); this is
the tool that made them, kept so that a change to the network is made in one place and the
files are written again. Every position is approximate and every time and count is made up:
the lines and their order follow public descriptions of Kranj's city buses (research note
mobility-upscale.md §1.2: 12 lines; lines 1 and 15 link the railway station and Planina every
15 minutes on school days, 30 in the holidays; lines 1, 7, 12 and 15 serve "Kranj kolodvor",
2, 3 and 8 "Kranj ŽP"; eight MAN Lion's City E buses), the bike-share its published totals
(KRsKOLESOM: 29 stations, 330 docks, 200 bikes of which 75 e-bikes).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from zerocity.core.calendar import calendar_of
from zerocity.demo import transit

Point = tuple[float, float]

# -- stops ---------------------------------------------------------------------------------------
# stop_id: (name, lat, lon, wheelchair_boarding); the bus station's platforms are below
STOPS: dict[str, tuple[str, float, float, int]] = {
    "kolodvor": ("Kranj kolodvor", 46.24335, 14.35055, 1),
    "kranj-zp": ("Kranj ŽP", 46.24420, 14.34905, 1),
    "glavni-trg": ("Glavni trg", 46.23860, 14.35570, 1),
    "zd-kranj": ("Zdravstveni dom", 46.24480, 14.35840, 1),
    "vodovodni-stolp": ("Vodovodni stolp", 46.24640, 14.35430, 1),
    "zlato-polje": ("Zlato polje", 46.24720, 14.36120, 1),
    "primskovo": ("Primskovo", 46.25650, 14.36950, 1),
    "planina-sever": ("Planina sever", 46.25600, 14.38200, 1),
    "planina": ("Planina", 46.25300, 14.38080, 1),
    "planina-jug": ("Planina jug", 46.24820, 14.37850, 1),
    "huje": ("Huje", 46.24170, 14.36850, 0),
    "circe": ("Čirče", 46.22900, 14.36800, 0),
    "hrastje": ("Hrastje", 46.22410, 14.38810, 0),
    "labore": ("Labore", 46.24830, 14.33780, 0),
    "drulovka": ("Drulovka", 46.25930, 14.33650, 0),
    "orehek": ("Orehek", 46.25650, 14.32700, 2),  # no raised kerb
    "strazisce": ("Stražišče", 46.23400, 14.32800, 1),
    "bitnje": ("Bitnje", 46.22780, 14.30850, 0),
    "struzevo": ("Struževo", 46.23170, 14.34480, 0),
    "sorlijevo": ("Šorlijevo naselje", 46.24990, 14.35260, 0),
    "gorenja-sava": ("Gorenja Sava", 46.25320, 14.34620, 0),
    "mlaka": ("Mlaka", 46.26280, 14.35700, 0),
    "kokrica": ("Kokrica", 46.27100, 14.35950, 0),
    "britof": ("Britof", 46.26830, 14.37800, 0),
    "predoslje": ("Predoslje", 46.27550, 14.38700, 0),
}
STATION = ("ap-kranj", "Kranj AP", 46.24270, 14.35630, 1)
# platform: (lat, lon, wheelchair_boarding: 0 inherits the station's)
PLATFORMS: dict[str, tuple[float, float, int]] = {
    "ap-kranj-1": (46.24282, 14.35612, 0), "ap-kranj-2": (46.24274, 14.35628, 0),
    "ap-kranj-3": (46.24266, 14.35644, 0), "ap-kranj-4": (46.24258, 14.35660, 1)}
HUBS = frozenset({"kolodvor", "kranj-zp", "glavni-trg", *PLATFORMS})  # timepoints

# -- the streets between stops: waypoints from the first stop towards the second ---------------
SEGMENTS: dict[tuple[str, str], list[Point]] = {
    ("kolodvor", "ap-kranj-1"): [(46.2440, 14.3518), (46.2444, 14.3530), (46.2441, 14.3545),
                                 (46.2434, 14.3556)],
    ("ap-kranj-1", "zd-kranj"): [(46.2436, 14.3570), (46.2442, 14.3578)],
    ("zd-kranj", "zlato-polje"): [(46.2458, 14.3593), (46.2466, 14.3604)],
    ("zlato-polje", "primskovo"): [(46.2490, 14.3628), (46.2515, 14.3650), (46.2540, 14.3672)],
    ("primskovo", "planina-sever"): [(46.2570, 14.3730), (46.2572, 14.3770),
                                     (46.2566, 14.3800)],
    ("planina-sever", "planina"): [(46.2548, 14.3822), (46.2538, 14.3816)],
    ("kolodvor", "glavni-trg"): [(46.2425, 14.3512), (46.2412, 14.3522), (46.2400, 14.3535),
                                 (46.2392, 14.3548)],
    ("glavni-trg", "huje"): [(46.2395, 14.3575), (46.2400, 14.3605), (46.2403, 14.3640),
                             (46.2410, 14.3665)],
    ("huje", "planina-jug"): [(46.2430, 14.3705), (46.2448, 14.3735), (46.2465, 14.3762)],
    ("planina-jug", "planina"): [(46.2500, 14.3795), (46.2518, 14.3803)],
    ("ap-kranj-2", "kranj-zp"): [(46.2434, 14.3556), (46.2441, 14.3545), (46.2444, 14.3530),
                                 (46.2444, 14.3505)],
    ("kranj-zp", "labore"): [(46.2446, 14.3470), (46.2450, 14.3445), (46.2460, 14.3420),
                             (46.2472, 14.3398)],
    ("labore", "drulovka"): [(46.2505, 14.3375), (46.2535, 14.3372), (46.2565, 14.3368)],
    ("drulovka", "orehek"): [(46.2590, 14.3330), (46.2580, 14.3300)],
    ("ap-kranj-3", "glavni-trg"): [(46.2418, 14.3566), (46.2405, 14.3563), (46.2395, 14.3560)],
    ("glavni-trg", "kranj-zp"): [(46.2392, 14.3548), (46.2400, 14.3535), (46.2412, 14.3522),
                                 (46.2425, 14.3512), (46.2433, 14.3503), (46.2438, 14.3496)],
    ("kranj-zp", "strazisce"): [(46.2440, 14.3470), (46.2425, 14.3440), (46.2400, 14.3405),
                                (46.2378, 14.3360), (46.2360, 14.3315)],
    ("strazisce", "bitnje"): [(46.2325, 14.3240), (46.2310, 14.3190), (46.2295, 14.3140)],
    ("ap-kranj-4", "vodovodni-stolp"): [(46.2440, 14.3558), (46.2452, 14.3550)],
    ("vodovodni-stolp", "mlaka"): [(46.2490, 14.3548), (46.2530, 14.3555), (46.2580, 14.3562)],
    ("mlaka", "kokrica"): [(46.2655, 14.3578), (46.2685, 14.3588)],
    ("ap-kranj-1", "zlato-polje"): [(46.2436, 14.3570), (46.2448, 14.3584),
                                    (46.2462, 14.3600)],
    ("primskovo", "britof"): [(46.2595, 14.3715), (46.2625, 14.3737), (46.2655, 14.3760)],
    ("britof", "predoslje"): [(46.2705, 14.3805), (46.2728, 14.3838)],
    ("ap-kranj-3", "huje"): [(46.2422, 14.3590), (46.2418, 14.3625), (46.2415, 14.3660)],
    ("huje", "circe"): [(46.2395, 14.3690), (46.2365, 14.3688), (46.2330, 14.3684)],
    ("circe", "hrastje"): [(46.2278, 14.3730), (46.2265, 14.3785), (46.2250, 14.3835)],
    ("kolodvor", "sorlijevo"): [(46.2442, 14.3512), (46.2460, 14.3515), (46.2480, 14.3520)],
    ("sorlijevo", "gorenja-sava"): [(46.2510, 14.3505), (46.2520, 14.3485)],
    ("kranj-zp", "struzevo"): [(46.2440, 14.3470), (46.2420, 14.3462), (46.2390, 14.3458),
                               (46.2355, 14.3452)],
    ("primskovo", "mlaka"): [(46.2585, 14.3665), (46.2600, 14.3628), (46.2615, 14.3595)],
    ("glavni-trg", "circe"): [(46.2380, 14.3575), (46.2365, 14.3600), (46.2350, 14.3625),
                              (46.2320, 14.3660)],
}

# -- lines ---------------------------------------------------------------------------------------
# route_id: (long name, colour, stops of direction 0, e-bus, what the line does, in Slovenian)
LINES: dict[str, tuple[str, str, tuple[str, ...], bool, str]] = {
    "1": ("Kranj kolodvor – Planina", "E2001A",
          ("kolodvor", "ap-kranj-1", "zd-kranj", "zlato-polje", "primskovo", "planina-sever",
           "planina"), True,
          "Čez avtobusno postajo, Zlato polje in Primskovo; z linijo 15 ob šolskih dneh vsakih "
          "15 minut med kolodvorom in Planino, v počitnicah vsakih 30"),
    "2": ("Kranj AP – Orehek", "0072BC",
          ("ap-kranj-2", "kranj-zp", "labore", "drulovka", "orehek"), True,
          "Čez železniško postajo (Kranj ŽP), Labore in Drulovko"),
    "3": ("Kranj AP – Bitnje", "009A44",
          ("ap-kranj-3", "glavni-trg", "kranj-zp", "strazisce", "bitnje"), True,
          "Čez Glavni trg, železniško postajo (Kranj ŽP) in Stražišče"),
    "4": ("Kranj AP – Kokrica", "F39200",
          ("ap-kranj-4", "vodovodni-stolp", "mlaka", "kokrica"), False,
          "Čez Vodovodni stolp in Mlako"),
    "5": ("Kranj AP – Predoslje", "7B3F98",
          ("ap-kranj-1", "zd-kranj", "zlato-polje", "primskovo", "britof", "predoslje"), False,
          "Čez Zlato polje, Primskovo in Britof"),
    "6": ("Kranj AP – Hrastje", "00A3AD",
          ("ap-kranj-3", "huje", "circe", "hrastje"), False, "Čez Huje in Čirče"),
    "7": ("Kranj kolodvor – Gorenja Sava", "A05A2C",
          ("kolodvor", "sorlijevo", "gorenja-sava"), False, "Čez Šorlijevo naselje"),
    "8": ("Kranj AP – Struževo", "6D6E71",
          ("ap-kranj-2", "kranj-zp", "struzevo"), False,
          "Čez železniško postajo (Kranj ŽP)"),
    "9": ("Planina – Čirče", "C4007A", ("planina", "planina-jug", "huje", "circe"), False,
          "Tangencialna linija čez Planino jug in Huje"),
    "11": ("Planina – Kokrica", "8DC63F",
           ("planina", "planina-sever", "primskovo", "mlaka", "kokrica"), False,
           "Tangencialna linija čez Primskovo in Mlako"),
    "12": ("Kranj kolodvor – Hrastje", "00558C",
           ("kolodvor", "glavni-trg", "circe", "hrastje"), False, "Čez Glavni trg in Čirče"),
    "15": ("Kranj kolodvor – Planina", "D7182A",
           ("kolodvor", "glavni-trg", "huje", "planina-jug", "planina"), True,
           "Čez Glavni trg in Huje; z linijo 1 ob šolskih dneh vsakih 15 minut med kolodvorom "
           "in Planino, v počitnicah vsakih 30"),
}
ILLUSTRATIVE_SL = "Ponazoritveni vozni red: časi so izmišljeni (illustrative, times made up)"
E_BUS = "električni avtobusi MAN Lion's City E"

# Departures of direction 0 from the first stop: service -> (first, last, every minutes).
# Direction 1 leaves the last stop after the run and a layover (see _return_departures).
TRUNK_1 = {"SOL": ("05:00", "21:00", 30), "POC": ("05:00", "21:00", 60),
           "SOB": ("06:00", "20:00", 60), "NED": ("07:00", "19:00", 120)}
TRUNK_15 = {"SOL": ("05:15", "20:45", 30), "POC": ("05:30", "20:30", 60),
            "SOB": ("06:30", "19:30", 60), "NED": ("08:00", "18:00", 120)}


def _main(first: str, last: str | None = None, night: str | None = None
          ) -> dict[str, tuple[str, str, int]]:
    """A main line: half-hourly on school days, hourly in the holidays and on Saturdays,
    two-hourly on Sundays."""
    last = last or first.replace("05:", "20:")
    h, m = first.split(":")
    return {"SOL": (first, last, 30), "POC": (f"{int(h) + 1:02d}:{m}", last, 60),
            "SOB": (f"{int(h) + 1:02d}:{m}", last, 60),
            "NED": (f"08:{m}", f"18:{m}", 120)}


def _local(first: str) -> dict[str, tuple[str, str, int]]:
    """A local line: hourly on school days, two-hourly in the holidays and on Saturdays, not
    on Sundays."""
    m = first.split(":")[1]
    return {"SOL": (first, f"19:{m}", 60), "POC": (f"06:{m}", f"18:{m}", 120),
            "SOB": (f"07:{m}", f"17:{m}", 120)}


SCHEDULES: dict[str, dict[str, tuple[str, str, int]]] = {
    "1": TRUNK_1, "15": TRUNK_15,
    "2": _main("05:40"), "3": {**_main("05:44"), "POC": ("06:02", "20:02", 60),
                               "SOB": ("06:02", "20:02", 60), "NED": ("08:32", "18:32", 120)},
    "5": _main("05:20"), "6": _main("05:25"), "12": _main("05:10"),
    "4": _local("05:50"), "7": _local("05:35"), "8": _local("05:55"), "9": _local("05:45"),
    "11": _local("06:05"),
}
NIGHT = ("1", "23:55", ("SOL", "POC", "SOB"))  # after the last train: runs past midnight
SPEED_M_PER_MIN = 300.0  # 18 km/h with stops and traffic
LAYOVER_MIN = 3


# -- geometry ------------------------------------------------------------------------------------

def _position(stop: str) -> Point:
    if stop in PLATFORMS:
        return PLATFORMS[stop][0], PLATFORMS[stop][1]
    return STOPS[stop][1], STOPS[stop][2]


def _metres(a: Point, b: Point) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    h = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _between(a: str, b: str) -> list[Point]:
    if (a, b) in SEGMENTS:
        return SEGMENTS[(a, b)]
    return SEGMENTS[(b, a)][::-1]


def shape(stops: Sequence[str]) -> tuple[list[Point], list[float], list[float]]:
    """The line's polyline through its stops and the streets between them: the points, each
    point's distance along it and each stop's (metres)."""
    points: list[Point] = [_position(stops[0])]
    at_stop = [0.0]
    for a, b in zip(stops, stops[1:], strict=False):
        points.extend(_between(a, b))
        points.append(_position(b))
        at_stop.append(-1.0)
    dist = [0.0]
    for p, q in zip(points, points[1:], strict=False):
        dist.append(dist[-1] + _metres(p, q))
    # the stops are the points equal to their positions, in order
    k = 0
    for i, stop in enumerate(stops):
        while points[k] != _position(stop):
            k += 1
        at_stop[i] = dist[k]
    return points, dist, at_stop


# -- timetable -----------------------------------------------------------------------------------

def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def run_minutes(at_stop: Sequence[float]) -> list[int]:
    """Minutes from the first stop to each stop."""
    out = [0]
    for a, b in zip(at_stop, at_stop[1:], strict=False):
        out.append(out[-1] + max(1, round((b - a) / SPEED_M_PER_MIN)))
    return out


def _return_departures(outbound: list[int], run: int) -> list[int]:
    """The way back leaves the last stop when the bus has arrived and rested, on a minute
    divisible by five."""
    turn = 5 * math.ceil((run + LAYOVER_MIN) / 5)
    return [t + turn for t in outbound]


def timetable() -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """trips, stop_times and shapes rows."""
    trips: list[dict[str, str]] = []
    times: list[dict[str, str]] = []
    shapes: list[dict[str, str]] = []
    for route, (_long, _colour, stops0, e_bus, _desc) in LINES.items():
        for direction, stops in ((0, stops0), (1, tuple(reversed(stops0)))):
            points, dist, at_stop = shape(stops)
            shape_id = f"{route}-{direction}"
            shapes += [{"shape_id": shape_id, "shape_pt_lat": f"{lat:.5f}",
                        "shape_pt_lon": f"{lon:.5f}", "shape_pt_sequence": str(i + 1),
                        "shape_dist_traveled": f"{d:.1f}"}
                       for i, ((lat, lon), d) in enumerate(zip(points, dist, strict=True))]
            run = run_minutes(at_stop)
            for service, (first, last, every) in SCHEDULES[route].items():
                outbound = list(range(_minutes(first), _minutes(last) + 1, every))
                starts = outbound if direction == 0 else _return_departures(outbound, run[-1])
                if direction == 0 and route == NIGHT[0] and service in NIGHT[2]:
                    starts = [*starts, _minutes(NIGHT[1])]
                for start in starts:
                    trip_id = f"{route}-{service}-{direction}-{start // 60:02d}{start % 60:02d}"
                    trips.append({"route_id": route, "service_id": service, "trip_id": trip_id,
                                  "trip_headsign": _name(stops[-1]),
                                  "direction_id": str(direction), "shape_id": shape_id,
                                  "wheelchair_accessible": "1" if e_bus else "0"})
                    for seq, (stop, minute, d) in enumerate(
                            zip(stops, run, at_stop, strict=True)):
                        clock = _clock(start + minute)
                        edge = seq in (0, len(stops) - 1)
                        times.append({"trip_id": trip_id, "arrival_time": clock,
                                      "departure_time": clock, "stop_id": stop,
                                      "stop_sequence": str(seq + 1),
                                      "shape_dist_traveled": f"{d:.1f}",
                                      "timepoint": "1" if edge or stop in HUBS else "0"})
    return trips, times, shapes


def _name(stop: str) -> str:
    return STATION[1] if stop in PLATFORMS else STOPS[stop][0]


# -- files ---------------------------------------------------------------------------------------

def _csv(rows: Sequence[dict[str, str]], fields: Sequence[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields or rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def gtfs_files() -> dict[str, str]:
    agency = [{"agency_id": "arriva",
               "agency_name": "Arriva, mestni promet Kranj (ponazoritveni vozni red / "
                              "illustrative timetable)",
               "agency_url": "https://www.arriva.si", "agency_timezone": "Europe/Ljubljana",
               "agency_lang": "sl"}]
    stops = [{"stop_id": STATION[0], "stop_name": STATION[1], "stop_lat": f"{STATION[2]:.5f}",
              "stop_lon": f"{STATION[3]:.5f}", "location_type": "1", "parent_station": "",
              "wheelchair_boarding": str(STATION[4]), "platform_code": ""}]
    stops += [{"stop_id": pid, "stop_name": f"{STATION[1]}, peron {pid[-1]}",
               "stop_lat": f"{lat:.5f}", "stop_lon": f"{lon:.5f}", "location_type": "0",
               "parent_station": STATION[0], "wheelchair_boarding": str(wb),
               "platform_code": pid[-1]} for pid, (lat, lon, wb) in PLATFORMS.items()]
    stops += [{"stop_id": sid, "stop_name": name, "stop_lat": f"{lat:.5f}",
               "stop_lon": f"{lon:.5f}", "location_type": "0", "parent_station": "",
               "wheelchair_boarding": str(wb), "platform_code": ""}
              for sid, (name, lat, lon, wb) in STOPS.items()]
    routes = [{"route_id": rid, "agency_id": "arriva", "route_short_name": rid,
               "route_long_name": long,
               "route_desc": f"{desc}{'; vozijo ' + E_BUS if e_bus else ''}. {ILLUSTRATIVE_SL}.",
               "route_type": "3", "route_color": colour, "route_text_color": "FFFFFF",
               "route_sort_order": str(int(rid))}
              for rid, (long, colour, _stops, e_bus, desc) in LINES.items()]
    trips, times, shapes = timetable()
    cal, dates = transit.service_calendars(transit.FIRST_DAY, transit.LAST_DAY,
                                           calendar_of("Europe/Ljubljana", "SI"))
    transfers = [
        {"from_stop_id": "kolodvor", "to_stop_id": "kranj-zp", "from_route_id": "",
         "to_route_id": "", "transfer_type": "2", "min_transfer_time": "240"},
        {"from_stop_id": "kranj-zp", "to_stop_id": "kolodvor", "from_route_id": "",
         "to_route_id": "", "transfer_type": "2", "min_transfer_time": "240"},
        {"from_stop_id": STATION[0], "to_stop_id": STATION[0], "from_route_id": "",
         "to_route_id": "", "transfer_type": "2", "min_transfer_time": "120"},
        {"from_stop_id": "glavni-trg", "to_stop_id": "glavni-trg", "from_route_id": "15",
         "to_route_id": "3", "transfer_type": "0", "min_transfer_time": ""},
    ]
    info = [{"feed_publisher_name": "ZeroCity (ponazoritveni podatki za predstavitev / "
                                    "illustrative demo data, CC BY 4.0)",
             "feed_publisher_url": "https://example.org/zerocity",
             "feed_lang": "sl", "feed_start_date": f"{transit.FIRST_DAY:%Y%m%d}",
             "feed_end_date": f"{transit.LAST_DAY:%Y%m%d}",
             "feed_version": f"{transit.FIRST_DAY:%Y-%m} (illustrative)",
             "feed_contact_url": "https://example.org/zerocity/kranj-demo"}]
    return {"agency.txt": _csv(agency), "stops.txt": _csv(stops), "routes.txt": _csv(routes),
            "trips.txt": _csv(trips), "stop_times.txt": _csv(times),
            "calendar.txt": cal, "calendar_dates.txt": dates, "transfers.txt": _csv(transfers),
            "shapes.txt": _csv(shapes), "feed_info.txt": _csv(info)}


# -- bike-share (GBFS 2.3) -----------------------------------------------------------------------
# station_id: (name, lat, lon, capacity, normal bikes, e-bikes, docks out of order)
BIKE_STATIONS: dict[str, tuple[str, float, float, int, int, int, int]] = {
    "mestna-knjiznica": ("Mestna knjižnica Kranj", 46.24080, 14.35720, 20, 5, 6, 0),
    "planina-otok": ("Planina Otok", 46.25120, 14.38350, 20, 6, 6, 0),
    "glavni-trg": ("Glavni trg", 46.23840, 14.35530, 14, 4, 3, 0),
    "avtobusna-postaja": ("Avtobusna postaja Kranj", 46.24300, 14.35670, 16, 4, 4, 0),
    "zelezniska-postaja": ("Železniška postaja Kranj", 46.24390, 14.34940, 16, 5, 5, 0),
    "zlato-polje": ("Zlato polje", 46.24700, 14.36080, 12, 4, 2, 0),
    "zdravstveni-dom": ("Zdravstveni dom Kranj", 46.24470, 14.35870, 10, 4, 2, 0),
    "gimnazija": ("Gimnazija Kranj", 46.24200, 14.35480, 14, 5, 3, 0),
    "solski-center": ("Šolski center Kranj", 46.24880, 14.35200, 14, 5, 2, 0),
    "vodovodni-stolp": ("Vodovodni stolp", 46.24620, 14.35480, 10, 4, 2, 0),
    "primskovo": ("Primskovo", 46.25630, 14.36930, 14, 4, 3, 0),
    "planina-jug": ("Planina jug", 46.24800, 14.37920, 12, 4, 3, 0),
    "planina-sever": ("Planina sever", 46.25580, 14.38180, 10, 0, 0, 0),  # empty
    "huje": ("Huje", 46.24190, 14.36880, 10, 4, 2, 0),
    "circe": ("Čirče", 46.22930, 14.36760, 8, 3, 1, 0),
    "hrastje": ("Hrastje", 46.22450, 14.38750, 8, 3, 2, 0),
    "strazisce": ("Stražišče", 46.23420, 14.32850, 14, 4, 3, 0),
    "labore": ("Labore", 46.24800, 14.33820, 10, 4, 2, 0),
    "drulovka": ("Drulovka", 46.25900, 14.33720, 8, 3, 2, 0),
    "orehek": ("Orehek", 46.25630, 14.32750, 8, 3, 1, 0),
    "bitnje": ("Bitnje", 46.22810, 14.30900, 8, 3, 1, 0),
    "struzevo": ("Struževo", 46.23200, 14.34520, 8, 3, 1, 0),
    "gorenja-sava": ("Gorenja Sava", 46.25280, 14.34650, 8, 3, 2, 0),
    "sorlijevo-naselje": ("Šorlijevo naselje", 46.24960, 14.35280, 10, 4, 2, 0),
    "kokrica": ("Kokrica", 46.27050, 14.35970, 8, 3, 1, 0),
    "britof": ("Britof", 46.26860, 14.37900, 8, 2, 2, 0),
    "savski-otok": ("Savski otok", 46.23720, 14.35150, 10, 10, 0, 0),  # full
    "sportna-dvorana-planina": ("Športna dvorana Planina", 46.25250, 14.37900, 10, 4, 2, 2),
    "qlandia": ("Qlandia Kranj", 46.25400, 14.37450, 12, 4, 3, 0),
}
NOT_RENTING = frozenset({"orehek"})  # out of service for maintenance in the snapshot
GBFS_BASE = "https://example.org/zerocity/gbfs/kranj"
SNAPSHOT = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Kranj


def gbfs_files() -> dict[str, str]:
    stamp = int(SNAPSHOT.timestamp())
    note = ("Illustrative demo data by ZeroCity, CC BY 4.0: KRsKOLESOM's published totals "
            "(29 stations, 330 docks, 200 bikes of which 75 e-bikes); station positions, "
            "capacities and counts made up")

    def doc(data: object, ttl: int = 60) -> str:
        body = {"last_updated": stamp, "ttl": ttl, "version": "2.3", "data": data}
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"

    feeds = ["system_information", "vehicle_types", "station_information", "station_status"]
    stations = [{"station_id": sid, "name": name, "lat": lat, "lon": lon, "capacity": cap,
                 "rental_methods": ["transitcard", "phone"], "is_charging_station": e > 0}
                for sid, (name, lat, lon, cap, _n, e, _d) in BIKE_STATIONS.items()]
    status = []
    for sid, (_name, _lat, _lon, cap, normal, e, broken) in BIKE_STATIONS.items():
        status.append({
            "station_id": sid, "num_bikes_available": normal + e,
            "vehicle_types_available": [{"vehicle_type_id": "kolo", "count": normal},
                                        {"vehicle_type_id": "e-kolo", "count": e}],
            "num_docks_available": cap - normal - e - broken, "num_docks_disabled": broken,
            "is_installed": True, "is_renting": sid not in NOT_RENTING, "is_returning": True,
            "last_reported": stamp - 60})
    return {
        "gbfs.json": doc({"sl": {"feeds": [{"name": f, "url": f"{GBFS_BASE}/{f}.json"}
                                           for f in feeds]}}),
        "system_information.json": doc({
            "system_id": "krskolesom", "language": "sl", "name": "KRsKOLESOM",
            "short_name": "KRsKOLESOM", "operator": "MM Ibis (Gorenjska.bike)",
            "url": "https://www.gorenjska.bike", "timezone": "Europe/Ljubljana",
            "license_url": "https://creativecommons.org/licenses/by/4.0/",
            "_illustrative": True, "_attribution": note}, ttl=3600),
        "vehicle_types.json": doc({"vehicle_types": [
            {"vehicle_type_id": "kolo", "form_factor": "bicycle", "propulsion_type": "human",
             "name": "Kolo"},
            {"vehicle_type_id": "e-kolo", "form_factor": "bicycle",
             "propulsion_type": "electric_assist", "max_range_meters": 60000,
             "name": "Električno kolo"}]}, ttl=3600),
        "station_information.json": doc({"stations": stations}, ttl=3600),
        "station_status.json": doc({"stations": status}),
    }


def write(root: Path) -> None:
    gtfs = root / "gtfs" / "kranj"
    gbfs = root / "gbfs" / "kranj"
    for folder, files in ((gtfs, gtfs_files()), (gbfs, gbfs_files())):
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(__file__).resolve().parent / "data")
