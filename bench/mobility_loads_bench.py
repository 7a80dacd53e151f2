"""Loads benchmark: a day of synthetic card taps on the Kranj demo feed (demo/data/gtfs/kranj,
12 lines, about 1,200 trips) turned into the loads of every run (``mobility.loads``). Timed:

    zerocity   ``day_flows`` + ``loads``: every tap matched to the nearest run of its route at
               its stop within 2 minutes, alightings by trip chaining, unchained boardings
               spread, the load leaving every stop of every run, maximum load points; and
               ``match`` alone (the part the reference does); best of --repeat
    reference  a plain DuckDB join of the same taps to the day's stop_times (route, stop,
               departure within 2 minutes, the nearest kept): matching only, with no chaining
               and no loads; best of --repeat

The taps (--taps, default 20,000): riders who board a random run of the day at a random stop
(up to 90 s before it leaves), ride it to a later stop, and come back from there on a later run
of any line that calls at it, as far as one exists; 3 % of them name a route the feed does not
have. It checks that both match the same taps to the same trips and that every run's load
ends at 0, and prints the ratio reference / zerocity. It never passes or fails on a time.

    python bench/mobility_loads_bench.py [--taps N] [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from timing import best  # noqa: E402
from zerocity.mobility import loads as calc  # noqa: E402
from zerocity.mobility.planner import compile_timetable  # noqa: E402
from zerocity.mobility.planner.timetable import active_services, parse_times  # noqa: E402

FEED = ROOT / "src" / "zerocity" / "demo" / "data" / "gtfs" / "kranj"
DAY = date(2026, 12, 2)  # a Wednesday, a school day in the demo feed
ZONE = "Europe/Ljubljana"


def synthetic_taps(tt, n: int, seed: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """About ``n`` taps: as many riders as make n with the share that finds a way back."""
    first = _taps(tt, n // 2, seed)
    back = len(first) / (n // 2) - 1
    return _taps(tt, round(n / (1 + back)), seed)


def _taps(tt, riders: int, seed: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    calls = calc._calls(tt)
    today = (tt.trip_day[calls.trip] == 0) & calls.pickup
    last = np.r_[calls.trip[1:] != calls.trip[:-1], True]
    board = np.flatnonzero(today & ~last)
    out_call = rng.choice(board, riders)
    # ride 1 to 6 stops on, within the run
    ends = np.flatnonzero(last)
    run_end = ends[np.searchsorted(ends, out_call)]
    dest_call = np.minimum(out_call + rng.integers(1, 7, riders), run_end)
    dest_stop = calls.stop[dest_call]
    # back: the first run picking up at that stop 1-9 hours after arriving
    key = calls.stop[board] * 10**7 + calls.dep[board] + 4 * 10**6
    order = np.argsort(key)
    skey, sboard = key[order], board[order]
    want = dest_stop * 10**7 + calls.arr[dest_call] + rng.integers(3600, 9 * 3600, riders) \
        + 4 * 10**6
    at = np.searchsorted(skey, want)
    ok = (at < len(skey)) & (skey[np.minimum(at, len(skey) - 1)] // 10**7 == dest_stop)
    back_call = sboard[np.minimum(at, len(skey) - 1)]
    rows_call = np.concatenate([out_call, back_call[ok]])
    rider = np.concatenate([np.arange(riders), np.arange(riders)[ok]])
    secs = calls.dep[rows_call] - rng.integers(0, 91, len(rows_call))
    route = np.asarray(tt.route_ids, dtype=object)[calls.route[rows_call]]
    route[rng.random(len(route)) < 0.03] = "X"
    ref = pd.Timestamp(tt.ref_utc)
    return pd.DataFrame({"rider": rider.astype(str),
                         "at": ref + pd.to_timedelta(secs, unit="s"),
                         "route": route,
                         "stop": np.asarray(tt.stop_ids, dtype=object)[calls.stop[rows_call]]})


def reference(con, taps: pd.DataFrame, stop_times: pd.DataFrame,  # type: ignore[no-untyped-def]
              ref: pd.Timestamp) -> pd.DataFrame:
    t = taps.assign(tap=np.arange(len(taps)),
                    t=((taps["at"] - ref).dt.total_seconds()).astype("int64"))
    con.register("taps", t[["tap", "route", "stop", "t"]])
    con.register("st", stop_times)
    return con.execute("""
        SELECT tap, trip_id FROM (
            SELECT taps.tap, st.trip_id,
                   row_number() OVER (PARTITION BY taps.tap
                                      ORDER BY abs(st.dep - taps.t), st.dep DESC) AS k
            FROM taps JOIN st ON st.route_id = taps.route AND st.stop_id = taps.stop
                             AND st.dep BETWEEN taps.t - 120 AND taps.t + 120)
        WHERE k = 1 ORDER BY tap""").df()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments
    import duckdb

    tables = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in sorted(FEED.glob("*.txt"))}
    t0 = time.perf_counter()
    tt = compile_timetable(tables, ZONE, DAY)
    compile_s = time.perf_counter() - t0
    taps = synthetic_taps(tt, args.taps, args.seed)
    print(f"Kranj demo feed, {DAY}: {tt.n_stops} stops, {tt.n_trips} trip runs (compiled in "
          f"{compile_s * 1000:.0f} ms, not timed below); {len(taps):,} taps of "
          f"{taps['rider'].nunique():,} riders")

    # the day's stop_times with departures in seconds, and their routes: the reference's input
    trips = tables["trips"]
    on = active_services(tables, DAY)
    trips = trips[trips["service_id"].isin(on)]
    st = tables["stop_times"].merge(trips[["trip_id", "route_id"]], on="trip_id")
    st = pd.DataFrame({"trip_id": st["trip_id"], "route_id": st["route_id"],
                       "stop_id": st["stop_id"],
                       "dep": parse_times(st["departure_time"]).astype("int64")})
    con = duckdb.connect()
    ref_s, got_ref = best(lambda: reference(con, taps, st, pd.Timestamp(tt.ref_utc)),
                          args.repeat)

    def zerocity() -> calc.Loads:
        return calc.loads([calc.day_flows(tt, taps)])

    zc_s, result = best(zerocity, args.repeat)
    match_s, matched = best(lambda: calc.match(tt, taps), args.repeat)
    assert isinstance(result, calc.Loads) and isinstance(got_ref, pd.DataFrame)
    assert isinstance(matched, pd.DataFrame)
    ours = {int(i): tt.trip_ids[t] for i, t in enumerate(matched["trip"]) if t >= 0
            and tt.trip_day[t] == 0}
    theirs = dict(zip(got_ref["tap"].astype(int), got_ref["trip_id"], strict=True))
    same = ours == theirs
    ends_empty = all(t.segments[-1].load == 0 for t in result.trips)
    over = sum(t.over_capacity for t in result.trips)
    print(f"  zerocity   {zc_s * 1000:8.1f} ms  match rate {result.match_rate:.1%}, unmatched "
          f"{result.unmatched}, unchained {result.unchained}; {len(result.trips)} runs "
          f"with taps, {over} over {result.params.capacity:g}")
    print(f"  reference  {ref_s * 1000:8.1f} ms  DuckDB join to stop_times (matching only): "
          f"{len(theirs):,} taps matched")
    print(f"  zerocity   {match_s * 1000:8.1f} ms  matching only (``loads.match``)")
    print(f"  reference/zerocity {ref_s / zc_s:5.2f}x for the whole calculation (which also "
          f"chains, spreads and computes every load), {ref_s / match_s:5.2f}x for matching")
    if not same:
        print(f"WRONG: the matches differ on {len(set(ours.items()) ^ set(theirs.items()))} "
              "taps")
    if not ends_empty:
        print("WRONG: a run does not end empty")
    return 0 if same and ends_empty else 1


if __name__ == "__main__":
    sys.exit(main())
