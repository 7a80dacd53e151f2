"""Accessibility benchmark (issue 20, research mobility-upscale.md §3.4): the Kranj demo's
timetable and its SYNTHETIC opportunities on a 250 m grid (48 x 48 cells), departures
07:00-09:00 by minute, 30 and 45 minutes, on 2 December 2026 (a school day). Timed:

    zerocity   ``access.compute.accessibility``: compiling the timetable, walking from every
               cell to the stops and the other cells, the compiled range RAPTOR from every
               cell over the 120 minutes and the counts (numba compilation excluded: a warm-up
               call compiles or loads it first)
    reference  the one-to-all connection scan (``access.oracle``), one run per cell and minute,
               on a sample of --sample cells; the time for every cell is EXTRAPOLATED from the
               sample (the full run would take hours) and printed as such

It checks that the sampled cells' counts equal the compiled search's, minute for minute, and
prints the ratio reference / zerocity. Goal (issue 20): Kranj within 5 minutes on 2 cores. It
never passes or fails on a time.

    python bench/mobility_access_bench.py [--sample N] [--seed S]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import date
from datetime import time as clock
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numba  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from zerocity.demo.opportunities import committed  # noqa: E402
from zerocity.mobility.access import compute, opportunities  # noqa: E402
from zerocity.mobility.access.oracle import OneToAll  # noqa: E402
from zerocity.mobility.planner.timetable import compile_timetable  # noqa: E402

DAY = date(2026, 12, 2)
ZONE = "Europe/Ljubljana"


def demo_tables() -> dict[str, pd.DataFrame]:
    folder = resources.files("zerocity.demo").joinpath("data/gtfs/kranj")
    return {item.name[:-4]: pd.read_csv(io.BytesIO(item.read_bytes()), dtype=str,
                                        keep_default_na=False)
            for item in folder.iterdir() if item.name.endswith(".txt")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=24, help="cells the oracle runs for")
    ap.add_argument("--seed", type=int, default=1)
    args, _ = ap.parse_known_args()
    tables = demo_tables()
    opp = opportunities.parse(committed())
    settings = compute.Settings()
    t0 = time.perf_counter()
    small = compute.Settings(start=clock(7), end=clock(7, 2), cell_m=2000)
    compute.accessibility(tables, ZONE, DAY, opp, small)  # compiles or loads the kernels
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = compute.accessibility(tables, ZONE, DAY, opp, settings, keep_samples=True)
    total = time.perf_counter() - t0
    grid = result.grid
    tt = compile_timetable(tables, ZONE, DAY)
    print(f"Kranj demo (SYNTHETIC opportunities): {tt.n_stops} stops, {tt.n_trips} trip runs; "
          f"{grid.rows} x {grid.cols} = {grid.n_cells} cells of 250 m, "
          f"{len(result.minutes)} minutes, {result.draws} draw(s); numba threads "
          f"{numba.get_num_threads()}; kernels compiled or loaded in {warm:.1f} s")
    print(f"zerocity   accessibility of every cell: {total:.2f} s")
    cell_opp = result.cell_opportunities
    dest = np.nonzero(cell_opp.sum(axis=1) > 0)[0]
    lat, lon = grid.centres()
    lay = compute.layout(tt, lat, lon, lat[dest], lon[dest], max_walk_m=settings.max_walk_m,
                         max_direct_s=60 * max(settings.limits_min))
    oracle = OneToAll(tt, settings.slack_s, settings.max_walk_m)
    minutes = [tt.seconds(m) for m in result.minutes]
    limits = [60 * m for m in settings.limits_min]
    cells = random.Random(args.seed).sample(range(grid.n_cells), min(args.sample,
                                                                     grid.n_cells))
    assert result.samples is not None
    mismatches = 0
    t0 = time.perf_counter()
    for o in cells:
        for i, m in enumerate(minutes):
            got = oracle.counts(lay, o, cell_opp[dest], m, limits, settings.max_rides)
            mismatches += result.samples[o, i].tolist() != got
    sample_s = time.perf_counter() - t0
    full = sample_s / len(cells) * grid.n_cells
    print(f"reference  connection scan per cell and minute: {sample_s:.2f} s for "
          f"{len(cells)} sampled cells; EXTRAPOLATED to {grid.n_cells} cells: {full:.0f} s")
    print(f"ratio      reference (extrapolated) / zerocity: {full / total:.1f}x")
    print(f"check      sampled cells x minutes equal to the oracle: "
          f"{len(cells) * len(minutes) - mismatches} of {len(cells) * len(minutes)}")
    w = result.weighted()
    print("city-wide (residents-weighted, SYNTHETIC): jobs within 30 min p50 "
          f"{w['jobs']['30']['p50']:g}, within 45 min p50 {w['jobs']['45']['p50']:g}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
