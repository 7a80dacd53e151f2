"""Real-time benchmark: GTFS-Realtime TripUpdates applied to the planner's timetable
(``planner.realtime.apply_updates``) on a generated Kranj-sized network and a generated
Ljubljana-sized one (about 21,000 trip runs over two service days). Timed:

    zerocity   ``apply_updates`` with 0, 50, 500 and 2,000 trip updates (a delay of 1, 5 or
               15 minutes at a random stop of a random run of the day: the longer ones
               overtake the next run and make patterns split), best of --repeat
    reference  ``compile_timetable`` of the same feed for the same date: what writing the
               delays into the feed and compiling it again would cost

It checks that every update delayed its run and prints the ratio reference / zerocity. The
planner service applies one message once per timetable (a message comes every 10-60 s), so
this is a cost per message, not per query. It never passes or fails on a time.

    python bench/mobility_realtime_bench.py [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from timing import best  # noqa: E402
from zerocity.mobility.planner import compile_timetable, synthetic  # noqa: E402
from zerocity.mobility.planner.realtime import (  # noqa: E402
    StopTimeUpdate,
    TripUpdate,
    apply_updates,
    stop_sequences,
)

DAY = date(2026, 5, 6)
ZONE = "Europe/Ljubljana"


def run_network(name: str, shape: synthetic.Shape, repeat: int, seed: int) -> bool:
    tables = synthetic.network(shape, seed=seed)
    compile_s, tt = best(lambda: compile_timetable(tables, ZONE, DAY), 1)
    seqs = stop_sequences(tables["stop_times"])
    today = [t for t in range(tt.n_trips) if tt.trip_day[t] == 0]
    print(f"{name}: {tt.n_stops} stops, {tt.n_patterns} patterns, {tt.n_trips} trip runs; "
          f"compile_timetable {compile_s * 1000:.0f} ms (reference)")
    rnd = random.Random(seed)
    ok = True
    for n in (0, 50, 500, 2000):
        picked = rnd.sample(today, min(n, len(today)))
        updates = []
        for t in picked:
            trip = tt.trip_ids[t]
            seq = rnd.choice(seqs[trip])
            updates.append(TripUpdate(trip, DAY, None, "SCHEDULED", None, (
                StopTimeUpdate(stop_sequence=seq, arrival_delay=rnd.choice([60, 300, 900])),)))
        secs, done = best(lambda u=updates: apply_updates(tt, u, sequences=seqs), repeat)
        delayed = done.delayed  # type: ignore[attr-defined]
        splits = done.splits  # type: ignore[attr-defined]
        ok &= delayed == len(picked)
        print(f"  {len(picked):5d} updates: {secs * 1000:7.1f} ms  ({delayed} runs delayed, "
              f"{splits} pattern splits)  reference/zerocity {compile_s / secs:6.1f}x")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments
    ok = run_network("Kranj-sized", synthetic.KRANJ_SIZED, args.repeat, args.seed)
    ok &= run_network("Ljubljana-sized", synthetic.LJUBLJANA_SIZED, args.repeat, args.seed)
    if not ok:
        print("WRONG: an update did not delay its run")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
