"""Service statistics benchmark: a service date's per-route statistics (trips, headways, peak
vehicles, service hours, bus-km) of the Kranj demo feed, and with ``--ljubljana`` of a
generated Ljubljana-sized network (``planner.synthetic``), each stored as the site stores a
feed version (a Parquet file per GTFS file, every column text). Timed, best of --repeat:

    zerocity   ``service_stats.compute`` on DuckDB over the Parquet files (per route and the
               network; with --stops per stop too)
    reference  gtfs-kit 13: ``read_feed`` + ``compute_trip_stats`` + ``compute_route_stats``
               for the same date (what a notebook would run)

It checks that both count the same trips, and service hours and bus-km within 1 % (bus-km
where gtfs-kit has them: the generated network has no distances), on every route, and prints
the ratio reference / zerocity. It never passes or fails on a time.

    python bench/mobility_stats_bench.py [--repeat N] [--stops] [--ljubljana]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from timing import best  # noqa: E402
from zerocity.mobility import service_stats  # noqa: E402

KRANJ_DAY = date(2027, 3, 3)  # a school day of the demo feed
SYNTHETIC_DAY = date(2026, 5, 6)


def store(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """As ``mobility.store`` writes a version (Parquet, text columns) and as GTFS (CSV)."""
    (folder / "csv").mkdir()
    for name, frame in tables.items():
        table = pa.Table.from_arrays([pa.array(frame[c].astype(str).to_numpy(dtype=object),
                                               type=pa.string()) for c in frame.columns],
                                     names=[str(c) for c in frame.columns])
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
        frame.to_csv(folder / "csv" / f"{name}.txt", index=False)


def run(name: str, tables: dict[str, pd.DataFrame], day: date, args: argparse.Namespace) -> bool:
    import gtfs_kit as gk

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store(tables, folder)

        def ours() -> service_stats.ServiceStats:
            con = service_stats.open_folder(folder)
            try:
                return service_stats.compute(con, day, stops=args.stops)
            finally:
                con.close()

        def theirs() -> pd.DataFrame:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                feed = gk.read_feed(folder / "csv", dist_units="m")
                trip_stats = gk.compute_trip_stats(feed)
                return gk.compute_route_stats(feed, [day.strftime("%Y%m%d")],
                                              trip_stats=trip_stats)

        ours_s, mine = best(ours, args.repeat)
        ref_s, ref = best(theirs, max(1, args.repeat // 3))
    ref = ref.set_index("route_id")
    ok = sorted(r.route_id for r in mine.routes) == sorted(ref.index)
    for r in mine.routes:
        g = ref.loc[r.route_id]
        ok = ok and r.trips == g.num_trips
        ok = ok and abs(r.service_hours - g.service_duration) <= 0.01 * g.service_duration
        if not pd.isna(g.service_distance):  # gtfs-kit has none without shape_dist_traveled
            ok = ok and r.bus_km is not None and abs(r.bus_km - g.service_distance) <= \
                0.01 * g.service_distance
    n = mine.network
    print(f"{name} {day}: {n.routes} routes, {n.trips} trips, {n.stops} stops, "
          f"{n.service_hours:.1f} bus-hours, {n.bus_km or 0:.1f} bus-km, peak "
          f"{n.peak_vehicles} vehicles")
    print(f"  zerocity (DuckDB)   {ours_s * 1000:9.1f} ms")
    print(f"  reference (gtfs-kit){ref_s * 1000:9.1f} ms")
    print(f"  ratio reference / zerocity: {ref_s / ours_s:.1f}x; routes agree: "
          f"{'yes' if ok else 'NO'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stops", action="store_true", help="per stop as well")
    parser.add_argument("--ljubljana", action="store_true",
                        help="also a generated Ljubljana-sized network (gtfs-kit takes "
                             "about a minute on it)")
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments
    import io

    from zerocity.demo import transit

    kranj = {n[:-4]: pd.read_csv(io.BytesIO(b), dtype=str, keep_default_na=False)
             for n, b in transit.feed_files().items()}
    ok = run("Kranj demo feed", kranj, KRANJ_DAY, args)
    if args.ljubljana:
        from zerocity.mobility.planner import synthetic

        tables = synthetic.network(synthetic.LJUBLJANA_SIZED, seed=1)
        ok = run("Ljubljana-sized network", tables, SYNTHETIC_DAY, args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
