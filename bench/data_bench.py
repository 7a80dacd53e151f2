"""Data platform benchmark: 50 million meter readings written to the Parquet store and turned
into monthly and yearly activity, against DuckDB aggregating the same files with one SQL query
(the practical limit) and against inserting the same rows with the Django ORM.

The readings are Kranj's synthetic year (``zerocity.data.generate``: 15-minute electricity,
daily gas and heat, hourly PV; meters chosen so that one year makes about N readings). Every
phase runs in its own process, so each peak memory (``ru_maxrss``) is that phase's own:

    generate   write the N readings (the store's layout, zstd Parquet), timed
    platform   the pipelines on DuckDB through Ibis, each over all N readings:
               ``monthly_activity`` (best of 2), ``yearly_activity``, ``gpc_activity``
    duckdb     one hand-written DuckDB query over the same files: local month with
               ``timezone()``, GROUP BY with sum, count and count(DISTINCT meter) (best of 2)
    orm        Django ``bulk_create`` of the first --orm-sample readings into a throwaway
               table (SQLite, fresh database), timed and extrapolated to N; the platform never
               inserts readings row by row, this is what doing so would cost
    spark      (only with --spark) ``monthly_activity`` on Spark in local mode

It checks that the platform and the SQL query agree on every group's readings, meters and
total (1e-9 relative), and prints rows per second, peak memory and the ratios; it never passes
or fails on a time.

    python bench/data_bench.py [--readings N] [--orm-sample N] [--spark]
    BENCH_READINGS=5000000 python bench/data_bench.py        (a quicker run)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TZ = "Europe/Ljubljana"
DEFAULT_READINGS = 50_000_000
GROUP = ["city", "source", "quantity", "customer_class", "unit", "year", "month"]


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _best(fn: Any, runs: int) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _groups(df: Any) -> dict[str, list[float]]:
    """group key -> [readings, meters, value] for comparison across phases (JSON-safe)."""
    import pandas as pd

    out = {}
    for row in df.itertuples(index=False):
        key = "|".join("" if pd.isna(v := getattr(row, c)) else str(v) for c in GROUP)
        out[key] = [int(row.readings), int(row.meters), float(row.value)]
    return out


# -- phases, each run in its own process -------------------------------------------------------

def phase_generate(data: Path, readings: int) -> dict[str, Any]:
    from zerocity.data.generate import generate, meters_for

    meters = meters_for(readings, 365)
    rss_before = _rss_mib()
    t0 = time.perf_counter()
    result = generate(data, meters=meters, days=365, start="2018-01-01", seed=2018)
    seconds = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in data.rglob("*.parquet"))
    return {"seconds": seconds, "readings": result.readings, "meters": meters,
            "files": result.files, "bytes": size, "rss_before_mib": rss_before}


def phase_platform(data: Path) -> dict[str, Any]:
    from zerocity.data.generate import frequencies
    from zerocity.data.pipelines import gpc_activity, monthly_activity, yearly_activity

    freq = frequencies()
    rss_before = _rss_mib()
    monthly_s, monthly = _best(lambda: monthly_activity(data, frequencies=freq,
                                                         engine="duckdb"), 2)
    yearly_s, yearly = _best(lambda: yearly_activity(data, frequencies=freq,
                                                      engine="duckdb"), 1)
    gpc_s, gpc = _best(lambda: gpc_activity(data, frequencies=freq, engine="duckdb"), 1)
    return {"monthly_s": monthly_s, "yearly_s": yearly_s, "gpc_s": gpc_s,
            "rss_before_mib": rss_before, "groups": _groups(monthly),
            "readings": int(yearly.readings.sum()),
            "gpc": {f"{r.gpc_ref} {r.carrier}{' ' + r.ccc_sector if r.ccc_sector else ''}":
                    round(float(r.mwh), 1) for r in gpc.itertuples()},
            "min_coverage": float(monthly.coverage.min())}


REFERENCE_SQL = """
SELECT city, source, quantity, customer_class, unit,
       year(local_ts) AS year, month(local_ts) AS month,
       sum(value) AS value, count(*) AS readings, count(DISTINCT meter) AS meters
FROM (SELECT *, timezone('{tz}', ts) AS local_ts
      FROM read_parquet('{glob}', hive_partitioning = false))
GROUP BY ALL
"""


def phase_duckdb(data: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    sql = REFERENCE_SQL.format(tz=TZ, glob=f"{data}/**/*.parquet")
    rss_before = _rss_mib()
    seconds, df = _best(lambda: con.execute(sql).df(), 2)
    return {"seconds": seconds, "rss_before_mib": rss_before, "groups": _groups(df)}


def phase_orm(data: Path, sample: int, data_dir: str) -> dict[str, Any]:
    os.environ["ZEROCITY_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zerocity.settings"
    import django

    django.setup()
    import pyarrow.dataset as ds
    from django.db import connection, models, transaction

    class BenchReading(models.Model):
        """A throwaway table with the readings' columns, for this benchmark only."""

        city = models.CharField(max_length=50)
        source = models.CharField(max_length=50)
        meter = models.CharField(max_length=50)
        quantity = models.CharField(max_length=50)
        ts = models.DateTimeField()
        value = models.FloatField()
        unit = models.CharField(max_length=10)
        customer_class = models.CharField(max_length=30, null=True)
        batch = models.BigIntegerField()

        class Meta:
            app_label = "core"
            db_table = "bench_reading"

        def __str__(self) -> str:
            return f"{self.meter} {self.ts}"

    with connection.schema_editor() as editor:
        editor.create_model(BenchReading)
    rows: list[dict[str, Any]] = []
    for batch in ds.dataset(data, format="parquet").to_batches(
            batch_size=50_000, batch_readahead=0, fragment_readahead=0):
        rows += batch.to_pylist()[: sample - len(rows)]
        if len(rows) >= sample:
            break
    rss_before = _rss_mib()
    t0 = time.perf_counter()
    with transaction.atomic():
        BenchReading.objects.bulk_create((BenchReading(**r) for r in rows), batch_size=2000)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": len(rows), "stored": BenchReading.objects.count(),
            "vendor": connection.vendor, "rss_before_mib": rss_before}


def phase_spark(data: Path) -> dict[str, Any]:
    import ibis
    from pyspark.sql import SparkSession

    from zerocity.data.generate import frequencies
    from zerocity.data.pipelines import monthly_activity

    session = (SparkSession.builder.master("local[*]").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", str(os.cpu_count() or 2))
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    con = ibis.pyspark.connect(session)
    seconds, df = _best(lambda: monthly_activity(data, frequencies=frequencies(), engine=con), 1)
    session.stop()
    return {"seconds": seconds, "groups": _groups(df), "rss_before_mib": 0.0}


def run_phase(name: str, data: Path, extra: list[str]) -> dict[str, Any]:
    """Run one phase in a child process; its peak RSS is the child's ``ru_maxrss``."""
    proc = subprocess.run([sys.executable, __file__, "--phase", name, "--data", str(data),
                           *extra], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"data benchmark: phase {name} failed ({proc.returncode})")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _agree(a: dict[str, list[float]], b: dict[str, list[float]]) -> tuple[bool, float]:
    if set(a) != set(b):
        return False, math.inf
    worst = 0.0
    for key, (readings, meters, value) in a.items():
        r2, m2, v2 = b[key]
        if readings != r2 or meters != m2:
            return False, math.inf
        worst = max(worst, abs(value - v2) / max(abs(value), abs(v2), 1e-9))
    return worst < 1e-9, worst


# -- report ------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readings", type=int,
                        default=int(os.environ.get("BENCH_READINGS", DEFAULT_READINGS)),
                        help="readings to generate (50,000,000; or BENCH_READINGS)")
    parser.add_argument("--orm-sample", type=int, default=200_000,
                        help="readings inserted with the ORM, then extrapolated (200,000)")
    parser.add_argument("--spark", action="store_true", help="also time Spark (local mode)")
    parser.add_argument("--phase", choices=["generate", "platform", "duckdb", "orm", "spark"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments

    if args.phase:
        if args.phase == "generate":
            result = phase_generate(args.data, args.readings)
        elif args.phase == "platform":
            result = phase_platform(args.data)
        elif args.phase == "duckdb":
            result = phase_duckdb(args.data)
        elif args.phase == "orm":
            result = phase_orm(args.data, args.orm_sample, args.data_dir)
        else:
            result = phase_spark(args.data)
        result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    tmp = tempfile.mkdtemp(prefix="zerocity-data-bench-")
    try:
        data = Path(tmp) / "readings"
        gen = run_phase("generate", data, ["--readings", str(args.readings)])
        plat = run_phase("platform", data, [])
        ref = run_phase("duckdb", data, [])
        orm = run_phase("orm", data, ["--orm-sample", str(args.orm_sample),
                                      "--data-dir", str(Path(tmp) / "django")])
        spark = run_phase("spark", data, []) if args.spark else None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    n = gen["readings"]
    orm_rate = orm["rows"] / orm["seconds"]
    orm_s = n / orm_rate

    def row(label: str, seconds: float, note: str = "") -> None:
        print(f"  {label:<52}{seconds:9.2f} s {n / seconds:14,.0f} rows/s{note}")

    def mem(label: str, phase: dict[str, Any]) -> None:
        print(f"  {label:<52}{phase['peak_rss_mib']:9.0f} MiB peak RSS"
              f" ({phase['rss_before_mib']:.0f} MiB before the timed part)")

    print(f"data: {n:,} readings of {gen['meters']:,} meters, Kranj 2018 (synthetic), "
          f"{gen['files']:,} Parquet files, {gen['bytes'] / 2**20:,.0f} MiB; "
          f"{os.cpu_count()} CPUs")
    print("  time")
    row("write the readings to Parquet (generate)", gen["seconds"])
    row("platform monthly_activity, DuckDB (best of 2)", plat["monthly_s"])
    row("platform yearly_activity, DuckDB", plat["yearly_s"])
    row("platform gpc_activity, DuckDB", plat["gpc_s"])
    row("DuckDB SQL, same files, one query (best of 2)", ref["seconds"])
    if spark:
        row("platform monthly_activity, Spark local mode", spark["seconds"])
    row(f"Django ORM bulk_create ({orm['vendor']}), extrapolated", orm_s,
        f"  ({orm['rows']:,} rows in {orm['seconds']:.2f} s)")
    print("  memory, each phase in its own process")
    mem("write (generate)", gen)
    mem("platform (monthly, yearly, gpc)", plat)
    mem("DuckDB SQL", ref)
    mem(f"Django ORM ({orm['rows']:,} rows)", orm)
    if spark:
        mem("Spark (the Python driver; its JVM is not counted)", spark)
    print("  ratios")
    print(f"  {'platform monthly / DuckDB SQL (time)':<52}"
          f"{plat['monthly_s'] / ref['seconds']:9.2f} x"
          f"   (speed {ref['seconds'] / plat['monthly_s']:.0%} of the practical limit)")
    print(f"  {'platform peak RSS / DuckDB SQL peak RSS':<52}"
          f"{plat['peak_rss_mib'] / ref['peak_rss_mib']:9.2f} x")
    print(f"  {'Django ORM insert / platform Parquet write (time)':<52}"
          f"{orm_s / gen['seconds']:9.1f} x")
    print(f"  {'Django ORM insert / platform monthly (time)':<52}"
          f"{orm_s / plat['monthly_s']:9.1f} x")
    if spark:
        print(f"  {'Spark monthly / DuckDB monthly (time)':<52}"
              f"{spark['seconds'] / plat['monthly_s']:9.1f} x")
    print("  checks")
    ok, diff = _agree(plat["groups"], ref["groups"])
    print(f"  monthly groups, platform vs DuckDB SQL: {'agree' if ok else 'DIFFER'} "
          f"({len(plat['groups'])} groups; max relative difference of totals {diff:.1e}); "
          f"readings counted {plat['readings']:,} of {n:,}; lowest coverage "
          f"{plat['min_coverage']:.4f}")
    if spark:
        s_ok, _ = _agree(plat["groups"], spark["groups"])
        print(f"  monthly groups, Spark vs DuckDB: {'agree' if s_ok else 'DIFFER'}")
        ok = ok and s_ok
    print("  2018 MWh per GPC row: " + ", ".join(f"{k} {v:,.1f}" for k, v in plat["gpc"].items()))
    ok = ok and plat["readings"] == n and orm["stored"] == orm["rows"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
