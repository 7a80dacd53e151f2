"""Scenario benchmark: a timetable scenario derived from a generated Kranj-sized network and a
generated Ljubljana-sized one. Timed, best of --repeat:

    zerocity   deriving the scenario: the edits applied to the tables
               (``scenarios.apply.apply_edits``: line 1's headway halved from 06:00 to 09:00,
               line 2 sped up by 10 %, line 3's trips before 07:00 removed), the derived tables
               written as a GTFS zip (``gtfs_out.to_zip``) and checked (``gtfs.validate``)
    reference  ``gtfs.validate`` of the base feed's own zip: what importing the feed costs

It checks that line 1 has more trips and the other lines' rows are unchanged (research §6
check 18), and prints each step's time and the ratio zerocity / reference. Saving a scenario
costs about one import of its feed; the edits themselves are a small part. It never passes or
fails on a time.

    python bench/mobility_scenarios_bench.py [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from timing import best  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zerocity.settings")

import django  # noqa: E402

django.setup()

from zerocity.mobility.gtfs.validate import validate  # noqa: E402
from zerocity.mobility.planner import synthetic  # noqa: E402
from zerocity.mobility.scenarios.apply import apply_edits  # noqa: E402
from zerocity.mobility.scenarios.edits import load_edits  # noqa: E402
from zerocity.mobility.scenarios.gtfs_out import to_zip  # noqa: E402

TODAY = date(2026, 5, 6)


def run_network(name: str, shape: synthetic.Shape, repeat: int, seed: int) -> bool:
    tables = synthetic.network(shape, seed=seed)
    routes = tables["routes"]["route_id"].tolist()
    edits = load_edits([
        {"type": "adjust_frequency", "route_id": routes[0], "start": "06:00:00",
         "end": "09:00:00", "factor": 2},
        {"type": "adjust_speed", "route_id": routes[1], "scale": 0.9},
        {"type": "remove_trips", "route_id": routes[2], "start": "00:00:00",
         "end": "07:00:00"}])
    base_zip = to_zip(tables)
    ref_s, report = best(lambda: validate(base_zip, today=TODAY), repeat)
    apply_s, derived = best(lambda: apply_edits(tables, edits), repeat)
    zip_s, archive = best(lambda: to_zip(derived), repeat)  # type: ignore[arg-type]
    check_s, checked = best(lambda: validate(archive, today=TODAY), repeat)  # type: ignore[arg-type]
    trips, new = tables["trips"], derived["trips"]  # type: ignore[index]
    untouched = set(routes[3:])
    same = (trips[trips["route_id"].isin(untouched)].reset_index(drop=True)
            .equals(new[new["route_id"].isin(untouched)].reset_index(drop=True)))
    more = (new["route_id"] == routes[0]).sum() > (trips["route_id"] == routes[0]).sum()
    errors = len(checked.errors)  # type: ignore[attr-defined]
    total = apply_s + zip_s + check_s
    print(f"{name}: {len(tables['stops'])} stops, {len(trips)} trips, "
          f"{len(tables['stop_times'])} stop times; validate base {ref_s * 1000:.0f} ms "
          f"(reference; {len(report.errors)} errors)")  # type: ignore[attr-defined]
    print(f"  apply {apply_s * 1000:7.1f} ms  zip {zip_s * 1000:7.1f} ms  validate "
          f"{check_s * 1000:7.1f} ms  derive in all {total * 1000:7.1f} ms  "
          f"zerocity/reference {total / ref_s:5.2f}x  ({errors} errors; other lines "
          f"unchanged: {same}; line 1 more trips: {more})")
    return same and bool(more) and errors == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()
    ok = run_network("Kranj-sized", synthetic.KRANJ_SIZED, args.repeat, args.seed)
    ok &= run_network("Ljubljana-sized", synthetic.LJUBLJANA_SIZED, args.repeat, args.seed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
