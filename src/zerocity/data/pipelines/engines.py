"""Which engine runs a pipeline, and the readings table every pipeline starts from.

Reading the Parquet dataset is the only line that differs between engines (DuckDB wants a glob,
Spark a directory); everything after it is one Ibis expression, compiled to DuckDB SQL or to
Spark SQL.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from .calendar import month_starts

ENGINES = ("duckdb", "spark")
# The store's columns (docs/data.md, "The store"): only a reading's customer class may be
# missing. Declared required, Parquet spends no definition levels on the other columns.
STORE_SCHEMA = pa.schema([
    pa.field("city", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("meter", pa.string(), nullable=False),
    pa.field("quantity", pa.string(), nullable=False),
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("value", pa.float64(), nullable=False),  # in the quantity's canonical unit
    pa.field("unit", pa.string(), nullable=False),
    pa.field("customer_class", pa.string()),
    pa.field("batch", pa.int64(), nullable=False),
])
COLUMNS = tuple(STORE_SCHEMA.names)
# Values are summed as integers of a millionth of the unit (1 mWh for kWh), so the order in
# which an engine adds them cannot change the result: DuckDB and Spark agree to the last bit.
SCALE = 1_000_000


_YEAR_DIR = re.compile(r"^year=(\d{4})$")
# The instants a stored reading may have, as the intake admits them (docs/limits.md): readings
# outside (a device's unset clock, written before the intake checked, or copied in by hand) are
# left out of every pipeline and their partitions reported, so one of them cannot break the
# calendar every pipeline builds (``year 0 is out of range``) nor stretch it over a century.
EARLIEST = date(1990, 1, 1)
log = logging.getLogger(__name__)


def readings_window() -> tuple[datetime, datetime]:
    """[first, end) of the instants pipelines read: from the platform's earliest reading day
    (``DEVICE_TIME_EARLIEST``) to the start of the year after next."""
    earliest = EARLIEST
    try:
        from django.conf import settings

        if settings.configured:
            earliest = getattr(settings, "DEVICE_TIME_EARLIEST", EARLIEST)
    except ImportError:  # the pipelines run without Django too (Spark jobs)
        pass
    return (datetime(earliest.year, earliest.month, earliest.day, tzinfo=UTC),
            datetime(datetime.now(UTC).year + 2, 1, 1, tzinfo=UTC))


def _plausible_year(year: int) -> bool:
    first, end = readings_window()
    return first.year <= year < end.year


def implausible_partitions(path: str | Path) -> list[str]:
    """The partitions (``source=k/year=YYYY/month=MM``) of a local dataset whose year no reading
    may have; the pipelines skip them, the staff's coverage page lists them."""
    if not is_local(path) or not Path(path).is_dir():
        return []
    found = []
    for year_dir in sorted(Path(path).glob("source=*/year=*")):
        m = _YEAR_DIR.match(year_dir.name)
        if year_dir.is_dir() and not (m and _plausible_year(int(m.group(1)))):
            months = sorted(d.name for d in year_dir.iterdir() if d.is_dir()) or [""]
            found += [f"{year_dir.parent.name}/{year_dir.name}" + (f"/{mo}" if mo else "")
                      for mo in months]
    return found


def parquet_is_whole(path: Path) -> bool:
    """A Parquet file has its magic ``PAR1`` at both ends and a footer that fits: what a disk
    that filled up, a copy cut short or a zero-byte file has not. Two small reads, no parsing."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size < 12:
                return False
            f.seek(0)
            head = f.read(4)
            f.seek(size - 8)
            tail = f.read(8)
    except OSError:
        return False
    footer = int.from_bytes(tail[:4], "little")
    return head == b"PAR1" and tail[4:] == b"PAR1" and footer <= size - 12


def damaged_files(path: str | Path) -> list[str]:
    """The files of a local dataset (``source=k/year=YYYY/month=MM/*.parquet``) that are not
    whole Parquet files: the pipelines leave them out, the staff's coverage page lists them."""
    if not is_local(path) or not Path(path).is_dir():
        return []
    root = Path(path)
    return [str(p.relative_to(root)) for p in sorted(root.glob("source=*/year=*/month=*/*.parquet"))
            if not parquet_is_whole(p)]


class EngineError(ValueError):
    """An unknown engine name, or Spark asked for where pyspark or Java is missing."""


def engine_name(engine: str | None = None) -> str:
    name = (engine or os.environ.get("ZEROCITY_ENGINE") or "duckdb").strip().lower()
    if name == "pyspark":
        name = "spark"
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")
    return name


def connect(engine: str | BaseBackend | None = None) -> BaseBackend:
    """An Ibis backend: ``engine`` itself if it is one, else DuckDB (in memory) or Spark, by
    name or ``ZEROCITY_ENGINE``. DuckDB keeps to ``ZEROCITY_DUCKDB_MEMORY`` when set, as the
    intake does. Spark joins the active session if there is one (spark-submit, a notebook, the
    tests) or starts one; ``ZEROCITY_SPARK_MASTER`` names the cluster."""
    if isinstance(engine, BaseBackend):
        return engine
    if engine_name(engine) == "duckdb":
        con = ibis.duckdb.connect()
        if limit := os.environ.get("ZEROCITY_DUCKDB_MEMORY"):
            con.raw_sql("SET memory_limit = '{}'".format(limit.replace("'", "''")))
        return con
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise EngineError("the Spark engine needs pyspark: pip install 'zerocity[spark]'") from exc
    # a damaged file of the store is left out, as on DuckDB (read_readings), not fatal
    builder: Any = SparkSession.builder.appName("zerocity").config(
        "spark.sql.files.ignoreCorruptFiles", "true")
    if master := os.environ.get("ZEROCITY_SPARK_MASTER"):
        builder = builder.master(master)
    return ibis.pyspark.connect(builder.getOrCreate())


_ZEROS = pa.array(np.zeros(0, np.int32))


def constant_column(value: str | int | None, n: int) -> pa.Array:
    """A store column of one value for ``n`` readings: a dictionary holding it, every code 0
    (slices of one array of zeros, shared between calls and threads); null for ``None``."""
    global _ZEROS
    if value is None:
        return pa.nulls(n, pa.string())
    zeros = _ZEROS
    if len(zeros) < n:
        zeros = _ZEROS = pa.array(np.zeros(n, np.int32))
    return pa.DictionaryArray.from_arrays(zeros.slice(0, n), pa.array([value]))


def store_table(columns: dict[str, pa.Array | pa.ChunkedArray]) -> pa.Table:
    """The store's columns (each of them, by name) as a table in the contract's order and with
    its nullability. Each column keeps its type: a dictionary column stays one, and Parquet
    writes its codes as they are; readers see the plain type when the file carries no Arrow
    schema."""
    if set(columns) != set(COLUMNS):
        raise ValueError(f"the store's columns are {', '.join(COLUMNS)}")
    return pa.Table.from_arrays([columns[name] for name in COLUMNS], schema=pa.schema([
        pa.field(name, columns[name].type, nullable=STORE_SCHEMA.field(name).nullable)
        for name in COLUMNS]))


def is_local(path: str | Path) -> bool:
    return "://" not in str(path)


def has_readings(path: str | Path) -> bool:
    """Whether a local dataset holds any whole Parquet file (remote ones are assumed to)."""
    if not is_local(path):
        return True
    root = Path(path)
    return root.is_dir() and any(parquet_is_whole(p) for p in root.rglob("*.parquet"))


def read_readings(con: BaseBackend, path: str | Path, *, city: str | None = None) -> ir.Table:
    """The readings of the dataset at ``path`` (``source=<key>/year=YYYY/month=MM/*.parquet``)
    with the contract's columns; the ``source`` comes from the files or, failing that, from the
    directory names. The caller checks :func:`has_readings` first."""
    damaged = damaged_files(path)
    if damaged:
        log.warning("readings store %s: damaged files left out of the pipelines: %s", path,
                    ", ".join(damaged[:20]))
    if con.name == "duckdb":
        glob: str | list[str] = f"{str(path).rstrip('/')}/**/*.parquet"
        if damaged:
            left_out = {Path(path) / d for d in damaged}
            glob = [str(p) for p in sorted(Path(path).glob("**/*.parquet")) if p not in left_out]
        table = con.read_parquet(glob, hive_partitioning=True, union_by_name=True)
    else:  # Spark skips what it cannot read (spark.sql.files.ignoreCorruptFiles, connect())
        table = con.read_parquet(str(path))
    table = table.select(*COLUMNS)
    first, end = readings_window()
    utc = dt.Timestamp(timezone="UTC")
    table = table.filter((table.ts >= ibis.literal(first, type=utc))
                         & (table.ts < ibis.literal(end, type=utc)))
    if city is not None:
        table = table.filter(table.city == city)
    return table


def data_years(con: BaseBackend, path: str | Path, readings: ir.Table) -> list[int]:
    """The calendar years the month keys must cover: those of the partitions (local datasets) or
    of the first and last reading, with one year either side for time-zone edges."""
    found: set[int] = set()
    if is_local(path) and Path(path).is_dir():
        for source_dir in Path(path).iterdir():
            if source_dir.is_dir():
                for year_dir in source_dir.iterdir():
                    if (m := _YEAR_DIR.match(year_dir.name)) and _plausible_year(
                            int(m.group(1))):
                        found.add(int(m.group(1)))
        skipped = implausible_partitions(path)
        if skipped:
            log.warning("readings store %s: partitions outside the plausible years left out "
                        "of the pipelines: %s", path, ", ".join(skipped[:20]))
    if not found:
        bounds = readings.aggregate(first=readings.ts.min(), last=readings.ts.max()).execute()
        first, last = bounds["first"].iloc[0], bounds["last"].iloc[0]
        if first is None or first != first:  # no readings (None or NaT)
            return []
        found = {first.year, last.year}
    return list(range(min(found) - 1, max(found) + 2))


def month_key(ts: ir.TimestampValue, years: Iterable[int], tz: str) -> ir.IntegerValue:
    """``year * 100 + month`` of each instant in the local calendar, as one CASE over the UTC
    instants the local months start at: plain comparisons that both engines evaluate fast, and
    no time-zone function (the two engines name and behave theirs differently). ``years`` are
    the data's years (see :func:`data_years`); their first and last are margins for readings
    near a year end, of which only December and January are needed."""
    years = sorted(set(years))
    starts = [s for s in month_starts(years, tz)
              if years[0] < s[0] < years[-1] or (s[0], s[1]) in
              ((years[0], 12), (years[-1], 1))] if len(years) > 2 else month_starts(years, tz)
    if not starts:
        return ibis.null("int64")
    utc = dt.Timestamp(timezone="UTC")
    branches = [(ts >= ibis.literal(start, type=utc), year * 100 + month)
                for year, month, start in reversed(starts)]
    # after the last start: still that month (a January margin); before the first: null
    return ibis.cases(*branches, else_=ibis.null("int64")).cast("int64")


def to_frame(con: BaseBackend, expr: ir.Table) -> pd.DataFrame:
    """Run ``expr`` and return its rows. Through Arrow on both engines: Ibis' own pandas
    conversion of Spark results turns null strings into "NaN" under pandas 3."""
    if con.name == "pyspark":
        # registers the expression's in-memory tables (calendars, mappings) as Spark views, as
        # Ibis' own execute does
        con._run_pre_execute_hooks(expr)
        df = con.raw_sql(con.compile(expr))
        if hasattr(df, "toArrow"):  # Spark 4
            return df.toArrow().to_pandas()
        return df.toPandas()
    return con.to_pyarrow(expr).to_pandas()
