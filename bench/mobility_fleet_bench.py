"""Vehicle scheduling benchmark: the minimum fleet for a service day of a generated
Ljubljana-sized bus network (30 lines, about 4,600 trips; ``planner.synthetic``, seeded) and of
a Kranj-sized one (12 lines, about 1,000 trips). Timed, on the same compatibility graph
(5-minute layover, deadhead on the straight line x 1.3 at 20 km/h):

    zerocity   ``fleet.schedule``: the compressed graph (one arc per trip and stop) and its
               maximum flow (Dinic), then the blocks
    reference  Kuhn's augmenting-path matching in pure Python over the explicit graph (one
               arc per compatible pair, built by ``Network.explicit``, not timed), the plain
               method a planner would write first; cut after --kuhn-limit seconds, when the
               ratio printed is a lower bound (">=")

It checks that both give the same fleet (when Kuhn finishes), and that Hopcroft-Karp
(``scipy.sparse.csgraph.maximum_bipartite_matching``) on the explicit graph agrees; it prints
the ratio reference / zerocity. It never passes or fails on a time.

    python bench/mobility_fleet_bench.py [--kuhn-limit S] [--seed S]
"""

from __future__ import annotations

import argparse
import array
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from zerocity.mobility import fleet  # noqa: E402
from zerocity.mobility.fleet_feed import day_trips  # noqa: E402
from zerocity.mobility.planner import compile_timetable, synthetic  # noqa: E402

DAY = date(2026, 5, 6)
ZONE = "Europe/Ljubljana"
LJUBLJANA_DAY = synthetic.Shape(800, 30, 20.0, 14.0, first=int(4.5 * 3600),
                                last=int(23.5 * 3600), headway_min=(10, 12, 15, 20, 30),
                                stops_per_line=(20, 40))
LAYOVER_S = 300


def kuhn(graph: fleet.Graph, limit_s: float) -> tuple[int | None, float]:
    """Kuhn's algorithm: from each trip in turn a depth-first search for an augmenting path
    (iterative, one visit stamp per search). Returns the matching's size (None: cut at
    ``limit_s``) and the seconds taken."""
    n = graph.n
    ptr = array.array("q", graph.indptr.tobytes())
    adj = array.array("i", graph.indices.astype("int32").tobytes())
    match_r = [-1] * n
    seen = [-1] * n
    size = 0
    t0 = time.perf_counter()
    for u in range(n):
        if u % 64 == 0 and time.perf_counter() - t0 > limit_s:
            return None, time.perf_counter() - t0
        stack_v, stack_p, chosen = [u], [ptr[u]], []
        while stack_v:
            pos, end = stack_p[-1], ptr[stack_v[-1] + 1]
            w = -1
            while pos < end:
                cand = adj[pos]
                pos += 1
                if seen[cand] != u:
                    seen[cand] = u
                    w = cand
                    break
            stack_p[-1] = pos
            if w < 0:  # a dead end: back to the vertex before
                stack_v.pop()
                stack_p.pop()
                if chosen:
                    chosen.pop()
                continue
            chosen.append(w)
            if match_r[w] < 0:  # augment along the path
                for left, right in zip(stack_v, chosen, strict=True):
                    match_r[right] = left
                size += 1
                break
            stack_v.append(match_r[w])
            stack_p.append(ptr[match_r[w]])
    return size, time.perf_counter() - t0


def run(name: str, shape: synthetic.Shape, seed: int, limit_s: float) -> bool:
    tables = synthetic.network(shape, seed=seed)
    trips, _ = day_trips(compile_timetable(tables, ZONE, DAY), tables)
    t0 = time.perf_counter()
    result = fleet.schedule(trips, min_layover_s=LAYOVER_S, objective="fleet")
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = fleet.compatibility(trips, LAYOVER_S, fleet.Deadhead())
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    hk = trips.n - int((fleet.maximum_matching(graph) >= 0).sum())
    hk_s = time.perf_counter() - t0
    size, kuhn_s = kuhn(graph, limit_s)
    print(f"{name}: {trips.n} trips, {len(set(trips.route_ids))} lines; lower bound "
          f"{result.lower_bound}, fleet {result.vehicles} ({result.deadhead_km:.0f} deadhead "
          f"km); compressed arcs {result.arcs:,}, explicit arcs {graph.arcs:,}")
    print(f"  zerocity  schedule (max flow) {ours:8.2f} s")
    print(f"  explicit graph build          {build:8.2f} s (not timed against)")
    print(f"  Hopcroft-Karp (scipy)         {hk_s:8.2f} s, fleet {hk}")
    ok = hk == result.vehicles
    if size is None:
        print(f"  reference Kuhn (pure Python)  > {kuhn_s:6.1f} s (cut)")
        print(f"  ratio reference / zerocity  >= {kuhn_s / ours:.1f}")
    else:
        print(f"  reference Kuhn (pure Python)  {kuhn_s:8.2f} s, fleet {trips.n - size}")
        print(f"  ratio reference / zerocity    {kuhn_s / ours:.1f}")
        ok = ok and trips.n - size == result.vehicles
    if not ok:
        print("  WRONG: the fleets differ")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kuhn-limit", type=float, default=300.0,
                        help="seconds Kuhn's matching may take on one network")
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments
    ok = run("Kranj-sized", synthetic.KRANJ_SIZED, args.seed, args.kuhn_limit)
    ok = run("Ljubljana-sized", LJUBLJANA_DAY, args.seed, args.kuhn_limit) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
