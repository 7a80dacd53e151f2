"""Data platform benchmark: 50 million meter readings taken in through the platform's intake
(checked, deduplicated, stored as partitioned Parquet) and turned into monthly activity, against
DuckDB reading and aggregating the same files directly with one SQL query (the practical limit;
the issue aims for at least half its speed) and against inserting the same rows with the Django
ORM; plus the pipelines over the generated store, against the same SQL over the store.

The readings are Kranj's synthetic year (``zerocity.data.generate``: 15-minute electricity,
daily gas and heat, 15-minute PV; meters chosen so that one year makes about N readings). Every
phase runs in its own process, so each peak memory (``ru_maxrss``) is that phase's own:

    generate     write the N readings in the store's layout (zstd Parquet), timed
    export       (preparation, not compared) the files the utilities would send: one zstd
                 Parquet file per source, named by its key, with the intake's columns (meter,
                 time as a UTC timestamp, quantity, value, unit, customer_class), month by
                 month with each meter's readings together, copied from the store file by file
    ingest       (twice, the faster counts, as the queries are best of 2)
                 the platform's intake: a fresh SQLite database and data directory, Kranj and
                 its sources registered (``ensure_sources``), one refused reading ingested to
                 load what the intake loads on first use, then ``ingest_file`` of every
                 export file (typed Parquet, so the fast path: every rule checked on the
                 file's dictionaries, repeats ruled out, gaps found, compared with the store,
                 written atomically),
                 timed; then ``monthly_activity`` over the store the intake wrote (best of 2)
    duckdb-file  one hand-written DuckDB query reading the export files directly: local month
                 with ``timezone()``, GROUP BY with sum, count and count(DISTINCT meter)
                 (best of 2): the issue's practical limit
    duckdb-tuned the same query tuned as the pipeline is: the local month as a CASE over the
                 UTC instants the months start at, the sums per meter first and the meters
                 counted over them (best of 2); shown beside the plain query
    duckdb-write DuckDB copying the export files to one zstd Parquet file with the store's
                 columns, nothing checked (best of 2): what writing the readings once costs;
                 with the query above, the floor for any intake that stores what it receives
    platform     the pipelines on DuckDB through Ibis over the generated store, each over all
                 N readings: ``monthly_activity`` (best of 2), ``yearly_activity``,
                 ``gpc_activity``
    duckdb       the same query over the generated store's files (best of 2)
    orm          Django ``bulk_create`` of the first --orm-sample readings into a throwaway
                 table (SQLite, fresh database), timed and extrapolated to N; the platform never
                 inserts readings row by row, this is what doing so would cost
    spark        (only with --spark) ``monthly_activity`` on Spark in local mode

It checks that the intake accepted every reading, that the platform and the SQL query agree on
every group's readings, meters and total (1e-9 relative) both over the generated store and over
the intake (its store against the export files), and prints rows per second, peak memory and
the ratios; it never passes or fails on a time (it exits with 1 only when results disagree, and
a phase that fails stops it).

The default run (50 million readings) takes about 4 minutes on 2 CPUs: the intake about 3.5 to
5 s of it (10 to 14 million readings/s), every other phase under 20 s.
No phase holds more than about 1 GiB (the intake: DuckDB within ZEROCITY_DUCKDB_MEMORY, 1GB
by default, plus a million readings per writing thread); 5 million readings take about 30 s.

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
CITY = "kranj"  # generate's default city
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

    meters = meters_for(readings, 365, tz=TZ)
    rss_before = _rss_mib()
    t0 = time.perf_counter()
    result = generate(data, meters=meters, days=365, start="2018-01-01", seed=2018, tz=TZ)
    seconds = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in data.rglob("*.parquet"))
    return {"seconds": seconds, "readings": result.readings, "meters": meters,
            "files": result.files, "bytes": size, "rss_before_mib": rss_before}


def _store_order(path: Path) -> tuple[int, ...]:
    """year, month, batch and file number of a store file: the order generate wrote them."""
    year, month = (int(p.name.split("=")[1]) for p in (path.parent.parent, path.parent))
    batch, number = (int(x) for x in path.stem.split("-"))
    return year, month, batch, number


def phase_export(data: Path, out: Path) -> dict[str, Any]:
    """The files a utility would send: one per source, with the intake's column names (see
    ``zerocity.data.readers``), the store's files copied one at a time (memory stays bounded
    by one of them)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("meter", pa.string()), ("time", pa.timestamp("us", tz="UTC")),
                        ("quantity", pa.string()), ("value", pa.float64()),
                        ("unit", pa.string()), ("customer_class", pa.string())])
    out.mkdir(parents=True)
    rss_before = _rss_mib()
    t0 = time.perf_counter()
    for folder in sorted(data.glob("source=*")):
        target = out / f"{folder.name.removeprefix('source=')}.parquet"
        with pq.ParquetWriter(target, schema, compression="zstd") as writer:
            for path in sorted(folder.glob("year=*/month=*/*.parquet"), key=_store_order):
                table = pq.read_table(path, columns=["meter", "ts", "quantity", "value",
                                                     "unit", "customer_class"])
                writer.write_table(table.rename_columns(schema.names).cast(schema))
    seconds = time.perf_counter() - t0
    files = sorted(out.glob("*.parquet"))
    return {"seconds": seconds, "files": len(files),
            "bytes": sum(f.stat().st_size for f in files), "rss_before_mib": rss_before}


def phase_platform(data: Path) -> dict[str, Any]:
    from zerocity.data.generate import frequencies
    from zerocity.data.pipelines import gpc_activity, monthly_activity, yearly_activity

    freq = frequencies()
    rss_before = _rss_mib()
    monthly_s, monthly = _best(lambda: monthly_activity(data, tz=TZ, frequencies=freq,
                                                         engine="duckdb"), 2)
    yearly_s, yearly = _best(lambda: yearly_activity(data, tz=TZ, frequencies=freq,
                                                      engine="duckdb"), 1)
    gpc_s, gpc = _best(lambda: gpc_activity(data, tz=TZ, frequencies=freq, engine="duckdb"), 1)
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


FILE_SQL = """
SELECT '{city}' AS city, parse_filename(filename, true) AS source, quantity, customer_class,
       unit, year(local_ts) AS year, month(local_ts) AS month,
       sum(value) AS value, count(*) AS readings, count(DISTINCT meter) AS meters
FROM (SELECT *, timezone('{tz}', "time") AS local_ts
      FROM read_parquet('{glob}', filename = true))
GROUP BY ALL
"""


def phase_duckdb_file(intake: Path) -> dict[str, Any]:
    """The same query reading the export files directly (a file per source, named by its key)."""
    import duckdb

    con = duckdb.connect()
    sql = FILE_SQL.format(city=CITY, tz=TZ, glob=f"{intake}/*.parquet")
    rss_before = _rss_mib()
    seconds, df = _best(lambda: con.execute(sql).df(), 2)
    return {"seconds": seconds, "rss_before_mib": rss_before, "groups": _groups(df)}


TUNED_SQL = """
SELECT city, source, quantity, customer_class, unit, period // 100 AS year,
       period % 100 AS month, sum(value) AS value, sum(n) AS readings, count(*) AS meters
FROM (SELECT '{city}' AS city, parse_filename(filename, true) AS source, quantity,
             customer_class, unit, {period} AS period, meter, sum(value) AS value, count(*) AS n
      FROM read_parquet('{glob}', filename = true)
      GROUP BY ALL)
GROUP BY ALL
"""


def phase_duckdb_tuned(intake: Path) -> dict[str, Any]:
    """The query above written with the pipeline's two tunings: the local month as a CASE over
    the UTC instants the months start at (no time-zone function per reading), and the sums per
    meter first, so that counting the meters hashes a few thousand rows instead of every
    reading (best of 2). Faster than the plain query; shown beside it, not instead of it."""
    import duckdb

    from zerocity.data.pipelines.calendar import month_starts

    con = duckdb.connect()
    glob = f"{intake}/*.parquet"
    first, last = con.execute(f"SELECT min(\"time\"), max(\"time\") "
                              f"FROM read_parquet('{glob}')").fetchone()
    years = range(first.year - 1, last.year + 2)
    period = "CASE " + " ".join(
        f"WHEN \"time\" >= TIMESTAMPTZ '{start.isoformat()}' THEN {year * 100 + month}"
        for year, month, start in reversed(month_starts(years, TZ))) + " END"
    sql = TUNED_SQL.format(city=CITY, period=period, glob=glob)
    rss_before = _rss_mib()
    seconds, df = _best(lambda: con.execute(sql).df(), 2)
    return {"seconds": seconds, "rss_before_mib": rss_before, "groups": _groups(df)}


def phase_duckdb_write(intake: Path, out: Path) -> dict[str, Any]:
    """DuckDB copying the export files to one zstd Parquet file with the store's columns: what
    writing the readings once costs, with nothing checked (best of 2)."""
    import duckdb

    con = duckdb.connect()
    out.mkdir(parents=True)
    sql = (f"COPY (SELECT '{CITY}' AS city, parse_filename(filename, true) AS source, meter, "
           "quantity, \"time\" AS ts, value, unit, customer_class, 1::BIGINT AS batch "
           f"FROM read_parquet('{intake}/*.parquet', filename = true)) "
           f"TO '{out}/copy.parquet' (FORMAT parquet, COMPRESSION zstd)")
    rss_before = _rss_mib()
    seconds, _ = _best(lambda: con.execute(sql).fetchall(), 2)
    return {"seconds": seconds, "rss_before_mib": rss_before}


def _django(data_dir: str) -> None:
    """Django on a fresh SQLite database and data directory of this benchmark's own."""
    os.environ["ZEROCITY_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zerocity.settings"
    import django

    django.setup()


def phase_ingest(intake: Path, data_dir: str) -> dict[str, Any]:
    _django(data_dir)
    from django.conf import settings
    from django.core.management import call_command

    from zerocity.core.services import create_city
    from zerocity.data.demo import ensure_sources
    from zerocity.data.generate import frequencies
    from zerocity.data.pipelines import monthly_activity
    from zerocity.data.services import ingest_file
    from zerocity.data.store import readings_dir

    call_command("migrate", verbosity=0)
    city = create_city(CITY, name="Kranj", country="SI", actor="bench")
    sources = {s.key: s for s in ensure_sources(city, actor="bench")}
    files = sorted(intake.glob("*.parquet"))
    _warm_up(sources[files[0].stem], Path(data_dir))
    rss_before = _rss_mib()
    batches = []
    t0 = time.perf_counter()
    for path in files:
        batches.append(ingest_file(sources[path.stem], path, actor="bench").value)
    ingest_s = time.perf_counter() - t0
    ingest_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store = readings_dir()
    freq = frequencies()
    monthly_s, monthly = _best(lambda: monthly_activity(store, tz=TZ, frequencies=freq,
                                                         engine="duckdb"), 2)
    return {
        "ingest_s": ingest_s, "monthly_s": monthly_s, "rss_before_mib": rss_before,
        "ingest_peak_rss_mib": ingest_peak, "groups": _groups(monthly),
        "readings": int(monthly.readings.sum()),
        "duckdb_memory": (os.environ.get("ZEROCITY_DUCKDB_MEMORY")
                          or getattr(settings, "DATA_DUCKDB_MEMORY", "1GB")),
        "store_files": sum(1 for _ in store.rglob("*.parquet")),
        "batches": [{"source": b.source.key, "status": b.status, "received": b.received,
                     "accepted": b.accepted, "duplicates": b.duplicates,
                     "rejected": b.rejected,
                     "gap_meters": int((b.summary or {}).get("gaps", {}).get("meters", 0))}
                    for b in batches],
    }


def _warm_up(source: Any, folder: Path) -> None:
    """One ingest of a single refused reading before the timed part, as a server has done
    before: the libraries the intake loads on first use (pandas, through pyarrow) are loaded,
    and nothing reaches the store. The reference queries are timed warm too (best of 2)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from zerocity.data.services import ingest_file

    path = folder / "warm-up.parquet"
    pq.write_table(pa.table({
        "meter": ["warm-up"], "time": pa.array([0], pa.timestamp("us", tz="UTC")),
        "quantity": ["no_such_quantity"], "value": [1.0], "unit": ["kWh"]}), path)
    batch = ingest_file(source, path, actor="bench").value
    assert batch.status == "rejected" and not batch.files
    path.unlink()


def phase_orm(data: Path, sample: int, data_dir: str) -> dict[str, Any]:
    _django(data_dir)
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

    from zerocity.core.models import DataVersion

    with connection.schema_editor() as editor:  # the versions: every ZeroCity write sets one
        editor.create_model(DataVersion)
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
    seconds, df = _best(lambda: monthly_activity(data, tz=TZ, frequencies=frequencies(),
                                                 engine=con), 1)
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
    parser.add_argument("--phase", choices=["generate", "export", "platform", "duckdb", "ingest",
                                            "duckdb-file", "duckdb-tuned", "duckdb-write", "orm",
                                            "spark"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()  # bench/run.py passes every benchmark's arguments

    if args.phase:
        if args.phase == "generate":
            result = phase_generate(args.data, args.readings)
        elif args.phase == "export":
            result = phase_export(args.data, args.out)
        elif args.phase == "platform":
            result = phase_platform(args.data)
        elif args.phase == "duckdb":
            result = phase_duckdb(args.data)
        elif args.phase == "ingest":
            result = phase_ingest(args.data, args.data_dir)
        elif args.phase == "duckdb-file":
            result = phase_duckdb_file(args.data)
        elif args.phase == "duckdb-tuned":
            result = phase_duckdb_tuned(args.data)
        elif args.phase == "duckdb-write":
            result = phase_duckdb_write(args.data, args.out)
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
        intake = Path(tmp) / "intake"
        gen = run_phase("generate", data, ["--readings", str(args.readings)])
        exp = run_phase("export", data, ["--out", str(intake)])
        # best of 2, each on a fresh database and store, as the queries are best of 2
        ings = [run_phase("ingest", intake, ["--data-dir", str(Path(tmp) / f"platform{i}")])
                for i in range(2)]
        ing = min(ings, key=lambda r: r["ingest_s"])
        fref = run_phase("duckdb-file", intake, [])
        tuned = run_phase("duckdb-tuned", intake, [])
        fwrite = run_phase("duckdb-write", intake, ["--out", str(Path(tmp) / "copy")])
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
    intake_s = ing["ingest_s"] + ing["monthly_s"]
    width = 56

    def row(label: str, seconds: float, note: str = "") -> None:
        print(f"  {label:<{width}}{seconds:9.2f} s {n / seconds:14,.0f} rows/s{note}")

    def mem(label: str, peak: float, before: float) -> None:
        print(f"  {label:<{width}}{peak:9.0f} MiB peak RSS ({before:.0f} MiB before the timed "
              "part)")

    def ratio(label: str, value: float, note: str = "", digits: int = 2) -> None:
        print(f"  {label:<{width}}{value:9.{digits}f} x{note}")

    print(f"data: {n:,} readings of {gen['meters']:,} meters, Kranj 2018 (synthetic); "
          f"store {gen['files']:,} Parquet files, {gen['bytes'] / 2**20:,.0f} MiB; intake "
          f"{exp['files']} zstd Parquet files (one per source), {exp['bytes'] / 2**20:,.0f} MiB; "
          f"{os.cpu_count()} CPUs")
    print("  time")
    row("write the readings to Parquet (generate)", gen["seconds"])
    row("write the intake files (preparation)", exp["seconds"])
    row(f"intake: ingest_file of the {exp['files']} files (best of 2)", ing["ingest_s"],
        f"  (the other: {max(r['ingest_s'] for r in ings):.2f} s)")
    row("intake: monthly_activity over its store (best of 2)", ing["monthly_s"])
    row("intake + monthly_activity", intake_s)
    row("DuckDB SQL reading the intake files (best of 2)", fref["seconds"])
    row("DuckDB SQL on the files, tuned (best of 2)", tuned["seconds"])
    row("DuckDB COPY of the intake files to Parquet (best of 2)", fwrite["seconds"])
    row("DuckDB COPY + DuckDB SQL (the floor for a stored intake)",
        fwrite["seconds"] + fref["seconds"])
    row("platform monthly_activity, DuckDB (best of 2)", plat["monthly_s"])
    row("platform yearly_activity, DuckDB", plat["yearly_s"])
    row("platform gpc_activity, DuckDB", plat["gpc_s"])
    row("DuckDB SQL, same store files, one query (best of 2)", ref["seconds"])
    if spark:
        row("platform monthly_activity, Spark local mode", spark["seconds"])
    row(f"Django ORM bulk_create ({orm['vendor']}), extrapolated", orm_s,
        f"  ({orm['rows']:,} rows in {orm['seconds']:.2f} s)")
    print("  memory, each phase in its own process")
    mem("write (generate)", gen["peak_rss_mib"], gen["rss_before_mib"])
    mem("write the intake files (preparation)", exp["peak_rss_mib"], exp["rss_before_mib"])
    mem(f"intake: ingest_file (DuckDB memory_limit {ing['duckdb_memory']})",
        ing["ingest_peak_rss_mib"], ing["rss_before_mib"])
    mem("intake + monthly_activity", ing["peak_rss_mib"], ing["rss_before_mib"])
    mem("DuckDB SQL reading the intake files", fref["peak_rss_mib"], fref["rss_before_mib"])
    mem("platform (monthly, yearly, gpc)", plat["peak_rss_mib"], plat["rss_before_mib"])
    mem("DuckDB SQL over the store", ref["peak_rss_mib"], ref["rss_before_mib"])
    mem(f"Django ORM ({orm['rows']:,} rows)", orm["peak_rss_mib"], orm["rss_before_mib"])
    if spark:
        mem("Spark (the Python driver; its JVM is not counted)", spark["peak_rss_mib"],
            spark["rss_before_mib"])
    print("  ratios")
    ratio("intake + monthly / DuckDB SQL on the files (time)", intake_s / fref["seconds"],
          f"   (speed {fref['seconds'] / intake_s:.0%} of the practical limit; the aim is "
          "at least 50%)")
    ratio("intake + monthly / tuned DuckDB SQL on the files (time)",
          intake_s / tuned["seconds"],
          f"   (speed {tuned['seconds'] / intake_s:.0%} of the tuned query)")
    floor = fwrite["seconds"] + fref["seconds"]
    ratio("intake + monthly / (DuckDB COPY + SQL) (time)", intake_s / floor,
          f"   (speed {floor / intake_s:.0%} of writing the readings once and aggregating)")
    ratio("platform monthly / DuckDB SQL on the store (time)", plat["monthly_s"] / ref["seconds"],
          f"   (speed {ref['seconds'] / plat['monthly_s']:.0%} of the practical limit)")
    ratio("intake peak RSS / DuckDB SQL on the files peak RSS",
          ing["peak_rss_mib"] / fref["peak_rss_mib"])
    ratio("platform peak RSS / DuckDB SQL peak RSS", plat["peak_rss_mib"] / ref["peak_rss_mib"])
    ratio("Django ORM insert / platform intake (time)", orm_s / ing["ingest_s"], digits=1)
    ratio("Django ORM insert / platform intake + monthly (time)", orm_s / intake_s, digits=1)
    ratio("Django ORM insert / platform Parquet write (time)", orm_s / gen["seconds"], digits=1)
    ratio("Django ORM insert / platform monthly (time)", orm_s / plat["monthly_s"], digits=1)
    if spark:
        ratio("Spark monthly / DuckDB monthly (time)", spark["seconds"] / plat["monthly_s"],
              digits=1)
    print("  checks")
    batches = ing["batches"]
    accepted = sum(b["accepted"] for b in batches)
    all_accepted = all(b["status"] == "accepted" for b in batches)
    print(f"  intake: {len(batches)} batches, "
          f"{sum(b['status'] == 'accepted' for b in batches)} accepted; received "
          f"{sum(b['received'] for b in batches):,}, accepted {accepted:,}, duplicates "
          f"{sum(b['duplicates'] for b in batches):,}, rejected "
          f"{sum(b['rejected'] for b in batches):,} of {n:,}; meters with gaps "
          f"{sum(b['gap_meters'] for b in batches):,}; {ing['store_files']:,} store files")
    i_ok, i_diff = _agree(ing["groups"], fref["groups"])
    print(f"  monthly groups, intake's store vs DuckDB SQL on the files: "
          f"{'agree' if i_ok else 'DIFFER'} ({len(ing['groups'])} groups; max relative "
          f"difference of totals {i_diff:.1e}); readings counted {ing['readings']:,} of {n:,}")
    t_ok, _ = _agree(fref["groups"], tuned["groups"])
    print(f"  monthly groups, plain vs tuned DuckDB SQL on the intake files: "
          f"{'agree' if t_ok else 'DIFFER'}")
    e_ok, _ = _agree(fref["groups"], ref["groups"])
    print(f"  monthly groups, DuckDB SQL on the intake files vs on the store: "
          f"{'agree' if e_ok else 'DIFFER'}")
    ok, diff = _agree(plat["groups"], ref["groups"])
    print(f"  monthly groups, platform vs DuckDB SQL on the store: {'agree' if ok else 'DIFFER'} "
          f"({len(plat['groups'])} groups; max relative difference of totals {diff:.1e}); "
          f"readings counted {plat['readings']:,} of {n:,}; lowest coverage "
          f"{plat['min_coverage']:.4f}")
    if spark:
        s_ok, _ = _agree(plat["groups"], spark["groups"])
        print(f"  monthly groups, Spark vs DuckDB: {'agree' if s_ok else 'DIFFER'}")
        ok = ok and s_ok
    print("  2018 MWh per GPC row: " + ", ".join(f"{k} {v:,.1f}" for k, v in plat["gpc"].items()))
    ok = (ok and i_ok and t_ok and e_ok and all_accepted and accepted == n and ing["readings"] == n
          and plat["readings"] == n and orm["stored"] == orm["rows"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
