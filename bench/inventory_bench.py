"""Inventory benchmark: import and total a city with 100,000 activity lines.

The reference, measured in the same run on the same CSV, is plain pandas: ``read_csv``, the same
factors and unit conversions as columns, ``groupby('gpc_ref').sum()``. Every phase runs in its
own process, so each peak memory (``ru_maxrss``) is that phase's own. Each time is printed as
wall time and as the process's CPU time (``time.process_time``), which a machine busy with
other work disturbs less:

    prepare   a fresh SQLite database: migrate, create the city (not timed or weighed)
    zerocity  timed: import the file
              (parse, check every cell, resolve factors, convert units, write) and total it
              (``selectors.summary``: GPC totals, sectors, CCC table, every row), then
              read what the inventory's page shows (``selectors.inventory_page``: the totals
              and the first page of rows), also timed and checked against the summary
    reimport  the same file again into the same database: the idempotent path, nothing written
    pandas    the reference (best of three runs, in one process)

The benchmark checks that both sides computed the same gas tonnes per GPC reference, and prints
the ratios; it never passes or fails on a time.

    python bench/inventory_bench.py [--lines N] [--seed S]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import goal

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "src" / "zerocity" / "inventory" / "data" / "emission_factors.csv"
YEAR = 2024
CITY = "benchtown"
GASES = ("co2", "ch4", "n2o", "co2_biogenic", "co2e")

# Library fuels by sub-category: stationary energy burns gas, heating oil and wood; road
# transport burns petrol and diesel.
FUELS_BY_REF = {
    "I.1.1": ["natural_gas", "natural_gas", "gas_diesel_oil", "wood"],
    "I.2.1": ["natural_gas", "gas_diesel_oil", "wood"],
    "I.3.1": ["natural_gas", "gas_diesel_oil"],
    "II.1.1": ["motor_gasoline", "gas_diesel_oil"],
}
GRID_REFS = ["I.1.2", "I.2.2", "I.3.2", "II.1.2"]
GRID_FACTOR = 0.358  # t CO2 per MWh, given inline (ef_co2 + ef_unit)
TO_MWH = {"MWh": 1.0, "GJ": 1 / 3.6, "kWh": 1e-3}
COLUMNS = ["gpc_ref", "activity", "amount", "unit", "fuel", "ef_co2", "ef_unit", "co2", "ch4",
           "co2e", "notation_key", "explanation", "ie_ref", "data_quality", "source"]
NOTATION_LINES = [  # (gpc_ref, key, explanation, ie_ref)
    ("I.7.1", "NO", "no coal mines in the city", ""),
    ("I.4.4", "NE", "no data on fugitive emissions", ""),
    ("I.6.1", "IE", "unallocated buildings are metered with residential", "I.1.1"),
]


# -- the activity file -------------------------------------------------------------------------

def make_csv(n: int, seed: int = 2018) -> bytes:
    """``n`` valid activity lines, the same for the same seed; each (gpc_ref, activity) once."""
    rnd = random.Random(seed)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    fuel_refs = list(FUELS_BY_REF)
    for i in range(n):
        kind = rnd.random()
        row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
        row["data_quality"] = rnd.choice("HML")
        if kind < 0.55:  # a library fuel, amount in MWh, GJ or kWh
            ref = rnd.choice(fuel_refs)
            unit = rnd.choice(["MWh", "MWh", "GJ", "kWh"])
            row.update(gpc_ref=ref, activity=f"meter {i}", unit=unit,
                       amount=round(rnd.uniform(1, 5e4) / TO_MWH[unit] / 100, 3),
                       fuel=rnd.choice(FUELS_BY_REF[ref]), source="fuel supplier data")
        elif kind < 0.85:  # grid electricity with an inline factor per MWh
            unit = rnd.choice(["MWh", "MWh", "MWh", "kWh"])
            row.update(gpc_ref=rnd.choice(GRID_REFS), activity=f"meter {i}", unit=unit,
                       amount=round(rnd.uniform(1, 5e3) / TO_MWH[unit], 3),
                       ef_co2=GRID_FACTOR, ef_unit="MWh", source="DSO metering")
        elif kind < 0.995:  # gases given directly: landfill sites, land use
            if rnd.random() < 0.6:
                row.update(gpc_ref="III.1.1", activity=f"landfill cell {i}",
                           ch4=round(rnd.uniform(0.1, 50), 4), co2=round(rnd.uniform(0, 20), 4),
                           source="landfill gas model")
            else:
                row.update(gpc_ref="V.1", activity=f"parcel {i}",
                           co2e=round(rnd.uniform(-30, 10), 4), source="land use survey")
        else:  # notation keys
            ref, key, explanation, ie_ref = rnd.choice(NOTATION_LINES)
            row.update(gpc_ref=ref, activity=f"note {i}", notation_key=key,
                       explanation=explanation, ie_ref=ie_ref, data_quality="")
        w.writerow(row.values())
    return out.getvalue().encode()


# -- phases, each run in its own process -------------------------------------------------------

def _rss_mib() -> float:
    """The current resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _django(data_dir: str) -> None:
    os.environ["ZEROCITY_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("ZEROCITY_DEBUG", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zerocity.settings"
    import django

    django.setup()


def _by_ref_stored(inventory: Any) -> dict[str, dict[str, float]]:
    from django.db.models import Sum

    rows = inventory.lines.values("gpc_id").annotate(
        co2=Sum("co2"), ch4=Sum("ch4"), n2o=Sum("n2o"), co2_biogenic=Sum("co2_biogenic"),
        co2e=Sum("co2e_direct"),
    )
    return {r["gpc_id"]: {g: r[g] or 0.0 for g in GASES} for r in rows}


def phase_prepare(path: Path, data_dir: str) -> dict[str, Any]:
    """The database as a city's runs: migrated and the city created, by its own process (as
    ``zerocity migrate`` is), so the import's process holds only what an import needs."""
    _django(data_dir)
    from django.core.management import call_command

    from zerocity.core.services import create_city

    call_command("migrate", verbosity=0)
    create_city(CITY, name="Benchtown", country="SI", population=100_000)
    return {}


def phase_zerocity(path: Path, data_dir: str) -> dict[str, Any]:
    _django(data_dir)
    from django.contrib.auth.models import AnonymousUser

    from zerocity.core.selectors import get_city
    from zerocity.inventory.selectors import inventory_page, summary
    from zerocity.inventory.services import import_activity_file

    city = get_city(CITY)
    data = path.read_bytes()
    rss_before = _rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    result = import_activity_file(city, YEAR, data, path.name)
    t1, c1 = time.perf_counter(), time.process_time()
    report = summary(result.inventory)
    t2, c2 = time.perf_counter(), time.process_time()
    rows, totals = len(report["rows"]), report["totals"]
    del report  # the page is read after the summary, not beside it
    # what the inventory's page reads: the totals of every line, the rows of its first page
    t3, c3 = time.perf_counter(), time.process_time()
    page = inventory_page(result.inventory, AnonymousUser(), result.inventory.gwp_set)
    t4, c4 = time.perf_counter(), time.process_time()
    return {"import_s": t1 - t0, "totals_s": t2 - t1, "rss_before_mib": rss_before,
            "import_cpu_s": c1 - c0, "totals_cpu_s": c2 - c1, "page_s": t4 - t3,
            "page_cpu_s": c4 - c3, "page_rows": len(page["rows"]),
            "page_agrees": page["s"]["totals"] == totals,
            "lines": result.rows, "created": result.created, "rows": rows,
            "totals": totals, "by_ref": _by_ref_stored(result.inventory)}


def phase_reimport(path: Path, data_dir: str) -> dict[str, Any]:
    _django(data_dir)
    from zerocity.core.selectors import get_city
    from zerocity.inventory.services import import_activity_file

    city = get_city(CITY)
    data = path.read_bytes()
    rss_before = _rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    result = import_activity_file(city, YEAR, data, path.name)
    t1, c1 = time.perf_counter(), time.process_time()
    return {"reimport_s": t1 - t0, "reimport_cpu_s": c1 - c0, "rss_before_mib": rss_before,
            "lines": result.rows,
            "unchanged": result.unchanged}


def library_factors() -> dict[str, dict[str, float]]:
    """The general library's factors per MWh, read from the file the migrations seed."""
    with LIBRARY.open(newline="") as f:
        return {r["key"]: {g: float(r[g]) for g in ("co2", "ch4", "n2o", "co2_biogenic")}
                for r in csv.DictReader(f) if r["country"] == "" and r["unit"] == "MWh"}


def phase_pandas(path: Path) -> dict[str, Any]:
    import pandas as pd

    factors = library_factors()
    rss_before = _rss_mib()

    def reference() -> Any:
        df = pd.read_csv(path)
        mwh = df["amount"] * df["unit"].map(TO_MWH)
        inline = df["ef_co2"].notna()
        mwh_inline = mwh / df["ef_unit"].map(TO_MWH)
        out = pd.DataFrame({"gpc_ref": df["gpc_ref"]})
        for gas in ("co2", "ch4", "n2o", "co2_biogenic"):
            by_fuel = mwh * df["fuel"].map({k: v[gas] for k, v in factors.items()})
            value = by_fuel.fillna(0.0)
            if gas == "co2":
                value = value.where(~inline, mwh_inline * df["ef_co2"])
            if gas in df:
                value = value + df[gas].fillna(0.0)
            out[gas] = value
        out["co2e"] = df["co2e"].fillna(0.0)
        return out.groupby("gpc_ref").sum()

    times, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        by_ref = reference()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"pandas_s": min(times), "pandas_all_s": times, "pandas_cpu_s": min(cpu),
            "rss_before_mib": rss_before,
            "by_ref": {ref: {g: float(row[g]) for g in GASES} for ref, row in by_ref.iterrows()}}


def run_phase(name: str, path: Path, data_dir: str) -> dict[str, Any]:
    """Run one phase in a child process; its peak RSS is the child's ``ru_maxrss``."""
    proc = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--csv", str(path), "--data-dir", data_dir],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"inventory benchmark: phase {name} failed ({proc.returncode})")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _max_rel_diff(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]]) -> float:
    """The largest relative difference of any gas of any GPC reference; inf if refs differ."""
    if set(a) != set(b):
        return math.inf
    worst = 0.0
    for ref in a:
        for gas in GASES:
            x, y = a[ref][gas], b[ref][gas]
            worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-9))
    return worst


# -- report ------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000, help="activity lines (100,000)")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--phase", choices=["prepare", "zerocity", "reimport", "pandas"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        if args.phase == "prepare":
            result = phase_prepare(args.csv, args.data_dir)
        elif args.phase == "zerocity":
            result = phase_zerocity(args.csv, args.data_dir)
        elif args.phase == "reimport":
            result = phase_reimport(args.csv, args.data_dir)
        else:
            result = phase_pandas(args.csv)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    n = args.lines
    tmp = tempfile.mkdtemp(prefix="zerocity-bench-")
    try:
        path = Path(tmp) / f"activity-{n}.csv"
        path.write_bytes(make_csv(n, args.seed))
        size = path.stat().st_size / 2**20
        data_dir = str(Path(tmp) / "data")
        run_phase("prepare", path, data_dir)
        zc = run_phase("zerocity", path, data_dir)
        re = run_phase("reimport", path, data_dir)
        pd_ = run_phase("pandas", path, data_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    zc_s = zc["import_s"] + zc["totals_s"]
    ref_s = pd_["pandas_s"]

    def row(label: str, seconds: float, cpu: float, lines: bool = True) -> None:
        rate = f" {n / seconds:12,.0f} lines/s" if lines else ""
        print(f"  {label:<50}{seconds:8.2f} s  (CPU {cpu:5.2f} s){rate}")

    def mem(label: str, phase: dict[str, Any]) -> None:
        print(f"  {label:<50}{phase['peak_rss_mib']:8.0f} MiB peak RSS"
              f" ({phase['rss_before_mib']:.0f} MiB before the timed part)")

    print(f"inventory: {n:,} activity lines ({size:.1f} MiB CSV), seed {args.seed}, "
          f"fresh SQLite database in a temp dir")
    print("  time")
    zc_cpu = zc["import_cpu_s"] + zc["totals_cpu_s"]
    row("ZeroCity import (parse, check, factors, write)", zc["import_s"], zc["import_cpu_s"])
    row("ZeroCity totals (selectors.summary)", zc["totals_s"], zc["totals_cpu_s"], lines=False)
    row("ZeroCity import + totals", zc_s, zc_cpu)
    row(f"ZeroCity inventory page's reads ({zc['page_rows']} of the lines)", zc["page_s"],
        zc["page_cpu_s"], lines=False)
    row("ZeroCity re-import, same file (no writes)", re["reimport_s"], re["reimport_cpu_s"])
    row("pandas read_csv + factors + groupby (best of 3)", ref_s, pd_["pandas_cpu_s"])
    print("  memory, each phase in its own process")
    mem("ZeroCity import + totals", zc)
    mem("ZeroCity re-import", re)
    mem("pandas reference", pd_)
    print("  ratios to pandas (time)")
    print(f"  {'ZeroCity import + totals / pandas':<50}{zc_s / ref_s:8.1f} x")
    print(f"  {'ZeroCity re-import / pandas':<50}{re['reimport_s'] / ref_s:8.1f} x")
    print(f"  {'ZeroCity import + totals / pandas, CPU time':<50}"
          f"{zc_cpu / pd_['pandas_cpu_s']:8.1f} x")
    print(f"  {'ZeroCity re-import / pandas, CPU time':<50}"
          f"{re['reimport_cpu_s'] / pd_['pandas_cpu_s']:8.1f} x")
    print(f"  {'ZeroCity peak RSS / pandas peak RSS':<50}"
          f"{zc['peak_rss_mib'] / pd_['peak_rss_mib']:8.1f} x")
    goal("import + totals / pandas", zc_s / ref_s, 2, unit="x", at_most=True)
    goal("peak memory / pandas'", zc["peak_rss_mib"] / pd_["peak_rss_mib"], 2, unit="x",
         at_most=True)
    print("  checks")
    diff = _max_rel_diff(zc["by_ref"], pd_["by_ref"])
    agree = "agree" if diff < 1e-9 else "DIFFER"
    co2 = math.fsum(v["co2"] for v in zc["by_ref"].values())
    print(f"  lines stored {zc['created']:,} of {n:,}; summary rows {zc['rows']:,}; "
          f"re-import unchanged: {'yes' if re['unchanged'] else 'NO'}; the page's totals "
          f"are the summary's: {'yes' if zc['page_agrees'] else 'NO'}")
    print(f"  gas tonnes per gpc_ref, ZeroCity vs pandas: {agree} "
          f"(max relative difference {diff:.1e}); CO2 {co2:,.1f} t; "
          f"BASIC {zc['totals']['basic']:,.1f} tCO2e")
    ok = diff < 1e-9 and re["unchanged"] and zc["created"] == n and zc["page_agrees"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
