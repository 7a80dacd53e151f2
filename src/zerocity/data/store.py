"""The readings store and the DuckDB work of one ingest.

Layout (a contract with the pipelines, see docs/data.md)::

    DATA_DIR/readings/source=<key>/year=YYYY/month=MM/<batch_id>-<n>.parquet

partitioned by the UTC year and month of ``ts``, with the columns of ``STORE_SCHEMA``. Files are
written once and never changed. A file being written is named
``.<batch_id>-<n>.<city>.parquet.tmp`` in its partition: no reader's ``*.parquet`` glob
matches it, and it becomes ``<batch_id>-<n>.parquet`` only after the batch's database
transaction has committed.

An ingest first checks and stages the payload chunk by chunk (``Staging``), then DuckDB finds
the duplicates and conflicts inside the payload and the gaps per meter (``Analysis``), and —
while the source is locked — compares the rest with the readings already stored in the same
partitions and writes what is new.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from zerocity.core import workdirs
from zerocity.data import STAGING_AREA  # DATA_DIR/ingest-tmp/<id>: core.workdirs
from zerocity.data.intake import (
    READING_SCHEMA,
    CheckedChunk,
    Problem,
    fmt,
    frequency_step,
    utc_iso,
)
from zerocity.data.pipelines.engines import STORE_SCHEMA, parquet_is_whole

ROWS_PER_FILE = 1_000_000
STAGE_ROWS = 1_000_000  # checked readings held in memory before they go into the staging table
# Two values are "the same reading" when they differ by less than this, relative: a value sent
# once in MWh and once in kWh must compare equal after conversion.
SAME_RTOL = 1e-9
GAPS_LISTED = 100
TEMP_FILE = re.compile(r"^\.(\d+)-(\d+)\.([-\w]+)\.parquet\.tmp$")
PROBLEM_SCHEMA = pa.schema([("line", pa.int64()), ("column", pa.string()),
                            ("reason", pa.string()), ("raw", pa.string())])


def readings_dir() -> Path:
    return Path(settings.DATA_DIR) / "readings"


def source_dir(key: str) -> Path:
    return readings_dir() / f"source={key}"


def partition_dir(key: str, year: int, month: int) -> Path:
    return source_dir(key) / f"year={year:04d}" / f"month={month:02d}"


def _pmonth_dir(key: str, pmonth: int) -> Path:
    return partition_dir(key, 1970 + pmonth // 12, pmonth % 12 + 1)


def stored_files(key: str, pmonth: int) -> list[str]:
    """The whole Parquet files of one partition month. A damaged one (cut short, zero bytes) is
    left out, as the pipelines leave it out: readings sent again after such a loss are stored
    anew instead of being compared with a file nobody can read."""
    return [str(p) for p in sorted(_pmonth_dir(key, pmonth).glob("*.parquet"))
            if parquet_is_whole(p)]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # directories cannot be fsynced on every platform
        pass
    finally:
        os.close(fd)


def _duckdb(workdir: Path) -> duckdb.DuckDBPyConnection:
    # a database file of its own: staged readings beyond the memory limit live on disk
    con = duckdb.connect()
    (workdir / "duckdb").mkdir(exist_ok=True)
    con.execute(f"SET temp_directory = '{_sql_path(workdir / 'duckdb')}'")
    limit = os.environ.get("ZEROCITY_DUCKDB_MEMORY") or getattr(settings, "DATA_DUCKDB_MEMORY",
                                                                 "1GB")
    con.execute(f"SET memory_limit = '{limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row of an aggregate; fetched whole, since DuckDB 2 refuses new work on a
    connection while a result is unfinished."""
    rows = con.execute(sql).fetchall()
    return tuple(rows[0])


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


# -- staging ------------------------------------------------------------------------------------

class Staging:
    """Checked readings and problems of one payload in a private working directory: the
    readings in a DuckDB database file (table ``staged``, appended chunk by chunk), the
    problems as Parquet files; removed when the ingest ends."""

    def __init__(self) -> None:
        # held while the ingest runs; what a killed one leaves is swept at the next start
        self.workdir = workdirs.WorkDir(STAGING_AREA)
        self.root = self.workdir.path
        (self.root / "problems").mkdir()
        self.con = _duckdb(self.root)
        self.created = False  # the table ``staged``, made when first needed
        self.chunks = 0
        self.readings = 0
        self.problems = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def add(self, checked: CheckedChunk) -> None:
        self.chunks += 1
        if checked.table.num_rows:
            self._pending.append(checked.table)
            self._pending_rows += checked.table.num_rows
            self.readings += checked.table.num_rows
            if self._pending_rows >= STAGE_ROWS:
                self.flush()
        self.add_problems(checked.problems)

    def flush(self) -> None:
        """Insert the chunks held back: DuckDB's cost per INSERT from Arrow is high enough
        that 100,000-row chunks took five times as long as the same rows a million at a
        time (2.0 s against 0.4 s for 4.7 million readings)."""
        if not self.created:
            self.con.register("empty_chunk", READING_SCHEMA.empty_table())
            self.con.execute("CREATE TABLE staged AS SELECT * FROM empty_chunk")
            self.con.unregister("empty_chunk")
            self.created = True
        if not self._pending:
            return
        table = pa.concat_tables(self._pending)
        self._pending, self._pending_rows = [], 0
        self.con.register("chunk", table)
        self.con.execute("INSERT INTO staged SELECT * FROM chunk")
        self.con.unregister("chunk")

    def add_problems(self, problems: list[Problem]) -> None:
        if not problems:
            return
        self.problems += len(problems)
        table = pa.table({
            "line": [p.line for p in problems],
            "column": [p.column for p in problems],
            "reason": [p.reason for p in problems],
            "raw": [json.dumps(p.raw, ensure_ascii=False, default=str) for p in problems],
        }, schema=PROBLEM_SCHEMA)
        name = f"{self.chunks:06d}-{uuid.uuid4().hex[:8]}.parquet"
        pq.write_table(table, self.root / "problems" / name)

    def iter_problems(self, size: int = 5000) -> Iterator[list[dict[str, Any]]]:
        """Problems in batches of plain dicts, for bulk inserts."""
        for path in sorted((self.root / "problems").glob("*.parquet")):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
                rows = batch.to_pylist()
                for row in rows:
                    row["raw"] = json.loads(row["raw"])
                yield rows

    def cleanup(self) -> None:
        try:
            self.con.close()
        finally:
            self.workdir.remove()


# -- analysis -----------------------------------------------------------------------------------

@dataclass
class Counts:
    payload_duplicates: int = 0
    payload_conflicts: int = 0
    stored_duplicates: int = 0
    stored_conflicts: int = 0
    accepted: int = 0


@dataclass
class Written:
    """Files written under temporary names, to publish after the commit."""

    pairs: list[tuple[Path, Path]] = field(default_factory=list)

    @property
    def relative(self) -> list[str]:
        root = readings_dir()
        return [str(final.relative_to(root)) for _, final in self.pairs]

    def publish(self) -> None:
        dirs = set()
        for tmp, final in self.pairs:
            try:
                os.replace(tmp, final)
            except FileNotFoundError:
                if not final.exists():  # published by the next ingest's recovery otherwise
                    raise
            dirs.add(final.parent)
        for d in dirs:
            _fsync(d)

    def discard(self) -> None:
        for tmp, _ in self.pairs:
            tmp.unlink(missing_ok=True)


def gaps(con: duckdb.DuckDBPyConnection, per: str, *, frequency: str,
         timezone: str) -> dict[str, Any]:
    """The meters with fewer readings than the source's frequency expects between their first
    and last reading. ``per`` is SQL giving ``meter, quantity, observed, first, last`` per
    meter and quantity of the payload's accepted readings."""
    step = frequency_step(frequency)
    if step is None:
        return {}
    tz = timezone.replace("'", "''")
    if isinstance(step, timedelta):
        every = step // timedelta(microseconds=1)
        expected = f"(epoch_us(last) - epoch_us(first)) // {every} + 1"
    else:
        expected = (f"date_diff('{step}', timezone('{tz}', first), "
                    f"timezone('{tz}', last)) + 1")
    rows = con.execute(f"""
        WITH per AS ({per}),
        judged AS (SELECT *, {expected} AS expected FROM per)
        SELECT meter, quantity, observed, expected, first, last,
               count(*) OVER () AS meters, sum(expected - observed) OVER () AS missing
        FROM judged WHERE expected > observed
        ORDER BY expected - observed DESC, meter, quantity
        LIMIT {GAPS_LISTED}""").fetchall()
    if not rows:
        return {"expected_every": frequency, "meters": 0, "missing": 0, "by_meter": []}
    return {
        "expected_every": frequency,
        "meters": int(rows[0][6]),
        "missing": int(rows[0][7]),
        "by_meter": [
            {"meter": m, "quantity": q, "observed": int(o), "expected": int(e),
             "missing": int(e - o), "first": _iso(f), "last": _iso(la),
             "observed_every_s": (round((la - f).total_seconds() / (o - 1))
                                  if o > 1 else None)}
            for m, q, o, e, f, la, _, _ in rows
        ],
    }


class Analysis:
    """DuckDB over a payload's staged readings. ``keepers`` are the readings left when the
    payload's own repeats are set aside (the first of a meter, quantity and time wins)."""

    def __init__(self, staging: Staging, *, city: str, key: str, timezone: str,
                 frequency: str) -> None:
        staging.flush()
        self.staging, self.city, self.key = staging, city, key
        self.timezone, self.frequency = timezone, frequency
        self.con = staging.con
        self.counts = Counts()
        self.compared = False
        con = self.con
        # Most payloads repeat nothing: one count of the distinct keys, much cheaper than
        # grouping with the lines, says whether the repeats need finding at all. (A DISTINCT
        # subquery runs in parallel and spills; count(DISTINCT struct) took 1.6 times as long
        # on 48.7 million readings.)
        repeats = _one(con, "SELECT (SELECT count(*) FROM staged) - (SELECT count(*) FROM "
                            "(SELECT DISTINCT meter, quantity, ts FROM staged))")[0]
        limit = "" if repeats else "LIMIT 0"
        con.execute(f"""
            CREATE TEMP TABLE firsts AS
            SELECT meter, quantity, ts, min(line) AS first_line,
                   arg_min(value, line) AS first_value
            FROM (SELECT * FROM staged {limit})
            GROUP BY meter, quantity, ts HAVING count(*) > 1""")
        con.execute(f"""
            CREATE TEMP TABLE payload_dups AS
            SELECT s.line, s.meter, s.quantity, s.ts, s.value, s.unit, s.raw, f.first_line,
                   f.first_value,
                   abs(s.value - f.first_value)
                       <= {SAME_RTOL} * greatest(abs(s.value), abs(f.first_value)) AS same
            FROM (SELECT * FROM staged {limit}) s JOIN firsts f USING (meter, quantity, ts)
            WHERE s.line <> f.first_line""")
        con.execute("CREATE TEMP VIEW keepers AS "
                    "SELECT * FROM staged s ANTI JOIN payload_dups d USING (line)")
        same, differ = _one(con, "SELECT count(*) FILTER (same), count(*) FILTER (NOT same) "
                                 "FROM payload_dups")
        self.counts.payload_duplicates, self.counts.payload_conflicts = int(same), int(differ)
        row = _one(con, "SELECT count(*), min(ts), max(ts), list(DISTINCT pmonth) FROM keepers")
        self.keepers = int(row[0])
        self.first: datetime | None = row[1]
        self.last: datetime | None = row[2]
        self.pmonths: list[int] = sorted(row[3] or [])

    def close(self) -> None:
        pass  # the connection is the staging's, closed with it

    def gaps(self) -> dict[str, Any]:
        if not self.keepers:
            return {}
        return gaps(self.con, """SELECT meter, quantity, count(*) AS observed, min(ts) AS first,
                                        max(ts) AS last FROM keepers GROUP BY meter, quantity""",
                    frequency=self.frequency, timezone=self.timezone)

    # compare with the store; call with the source locked
    def compare_with_store(self) -> None:
        files = []
        for pmonth in self.pmonths:
            files += stored_files(self.key, pmonth)
        con = self.con
        if files and self.keepers:
            con.execute(f"""
                CREATE TEMP TABLE matched AS
                SELECT k.line, k.meter, k.quantity, k.ts, k.value, k.unit, k.raw,
                       e.value AS old_value, e.unit AS old_unit, e.batch AS old_batch,
                       k.unit = e.unit AND abs(k.value - e.value)
                           <= {SAME_RTOL} * greatest(abs(k.value), abs(e.value)) AS same
                FROM keepers k JOIN (
                    SELECT meter, quantity, ts, value, unit, batch
                    FROM read_parquet($files, hive_partitioning = false)
                    WHERE city = $city AND ts BETWEEN $first AND $last
                ) e USING (meter, quantity, ts)
                QUALIFY row_number() OVER (PARTITION BY k.line ORDER BY e.batch) = 1""",
                        {"files": files, "city": self.city, "first": self.first,
                         "last": self.last})
        else:
            con.execute("CREATE TEMP TABLE matched AS SELECT line, meter, quantity, ts, value, "
                        "unit, raw, value AS old_value, unit AS old_unit, 0::BIGINT AS old_batch, "
                        "true AS same FROM keepers LIMIT 0")
        con.execute("CREATE TEMP VIEW new AS SELECT * FROM keepers ANTI JOIN matched "
                    "USING (line)")
        same, differ = _one(con, "SELECT count(*) FILTER (same), count(*) FILTER (NOT same) "
                                 "FROM matched")
        self.counts.stored_duplicates, self.counts.stored_conflicts = int(same), int(differ)
        self.counts.accepted = self.keepers - int(same) - int(differ)
        self.compared = True

    def conflicts(self, size: int = 5000) -> Iterator[list[Problem]]:
        """The readings refused as conflicts: with an earlier line of the payload, or with a
        reading already stored."""
        cur = self.con.execute("""
            SELECT line, meter, quantity, epoch_us(ts), value, unit, raw, first_line,
                   first_value
            FROM payload_dups WHERE NOT same ORDER BY line""")
        while rows := cur.fetchmany(size):
            yield [Problem(line, "value",
                           f"conflicts with line {first}: same meter, quantity and time, "
                           f"{fmt(old)} {unit} there and {fmt(value)} {unit} here",
                           _raw(raw, meter, quantity, ts, value, unit))
                   for line, meter, quantity, ts, value, unit, raw, first, old in rows]
        if not self.compared:
            return
        cur = self.con.execute("""
            SELECT line, meter, quantity, epoch_us(ts), value, unit, raw, old_value, old_unit,
                   old_batch
            FROM matched WHERE NOT same ORDER BY line""")
        while rows := cur.fetchmany(size):
            yield [Problem(line, "value",
                           f"already recorded as {fmt(old)} {old_unit} at {utc_iso(ts)} "
                           f"(batch {batch}); this line says {fmt(value)} {unit}",
                           _raw(raw, meter, quantity, ts, value, unit))
                   for line, meter, quantity, ts, value, unit, raw, old, old_unit, batch
                   in rows]

    def write(self, batch_id: int, *, rows_per_file: int | None = None) -> Written:
        """Write the new readings under temporary names, at most ``rows_per_file`` (default
        ``ROWS_PER_FILE``) per file, sorted by time (then meter and quantity) within each
        partition: the row groups' time ranges then let the next ingest's comparison skip
        everything outside its own time range."""
        rows_per_file = rows_per_file or ROWS_PER_FILE
        written = Written()
        if not self.counts.accepted:
            return written
        result = self.con.sql("""
            SELECT meter, quantity, ts, value, unit, customer_class, pmonth FROM new
            ORDER BY pmonth, ts""")
        # DuckDB 2 renamed the streaming Arrow reader
        stream = getattr(result, "to_arrow_reader", None) or result.fetch_arrow_reader
        reader = stream(65_536)
        writer: pq.ParquetWriter | None = None
        current, in_file, number = None, 0, 0
        try:
            for batch in reader:
                months = batch.column("pmonth").to_numpy()
                start = 0
                while start < batch.num_rows:
                    pmonth = int(months[start])
                    end = start + int(np.searchsorted(months[start:], pmonth, side="right"))
                    if writer is not None and (pmonth != current or in_file >= rows_per_file):
                        writer.close()
                        _fsync(written.pairs[-1][0])
                        writer = None
                    if writer is None:
                        number = number + 1 if pmonth == current else 0
                        current, in_file = pmonth, 0
                        folder = _pmonth_dir(self.key, pmonth)
                        folder.mkdir(parents=True, exist_ok=True)
                        tmp = folder / f".{batch_id}-{number}.{self.city}.parquet.tmp"
                        written.pairs.append((tmp, folder / f"{batch_id}-{number}.parquet"))
                        writer = pq.ParquetWriter(tmp, STORE_SCHEMA, compression="zstd")
                    take = min(end - start, rows_per_file - in_file)
                    part = batch.slice(start, take)
                    writer.write_table(self._store_table(part, batch_id))
                    in_file += take
                    start += take
            if writer is not None:
                writer.close()
                _fsync(written.pairs[-1][0])
                writer = None
        except BaseException:
            if writer is not None:
                writer.close()
            written.discard()
            raise
        return written

    def _store_table(self, part: pa.RecordBatch, batch_id: int) -> pa.Table:
        n = part.num_rows
        return pa.table({
            "city": pa.repeat(pa.scalar(self.city), n),
            "source": pa.repeat(pa.scalar(self.key), n),
            "meter": part.column("meter"),
            "quantity": part.column("quantity"),
            "ts": part.column("ts").cast(pa.timestamp("us", tz="UTC")),
            "value": part.column("value"),
            "unit": part.column("unit"),
            "customer_class": part.column("customer_class"),
            "batch": pa.repeat(pa.scalar(batch_id, pa.int64()), n),
        }, schema=STORE_SCHEMA)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _raw(raw: str | None, meter: str, quantity: str, ts: int, value: float,
         unit: str) -> Any:
    """The row as sent when the reader kept it, else the reading as checked."""
    if raw is not None:
        return json.loads(raw)
    return {"meter": meter, "time": utc_iso(ts), "quantity": quantity, "value": value,
            "unit": unit}


# -- health ---------------------------------------------------------------------------------------

def health() -> str | None:
    """The store can be read and written: a probe file is written beside the readings (in the
    ingest's working area, on the same filesystem) and removed. A full disk or a filesystem
    gone read-only fails here before an ingest fails."""
    root = readings_dir()
    if root.exists() and not os.access(root, os.R_OK | os.W_OK | os.X_OK):
        return "the readings folder cannot be read or written"
    area = Path(settings.DATA_DIR) / STAGING_AREA
    area.mkdir(mode=0o700, parents=True, exist_ok=True)
    probe = area / f".health-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"ok")
    except OSError as exc:
        return f"cannot write ({os.strerror(exc.errno or 0).lower()})"
    finally:
        probe.unlink(missing_ok=True)
    return None


# -- recovery -----------------------------------------------------------------------------------

def recover(city: str, key: str, committed_files: Callable[[int], list[str] | None]) -> int:
    """Finish what a crashed ingest of this city's source left: a temporary file whose batch
    committed (its ``files`` name it) is published, any other is deleted. Call with the source
    locked. Returns how many files it touched."""
    touched = 0
    root = readings_dir()
    for tmp in source_dir(key).glob("year=*/month=*/.*.parquet.tmp"):
        m = TEMP_FILE.match(tmp.name)
        if m is None or m.group(3) != city:
            continue
        batch_id, number = int(m.group(1)), int(m.group(2))
        final = tmp.with_name(f"{batch_id}-{number}.parquet")
        files = committed_files(batch_id)
        if files is not None and str(final.relative_to(root)) in files:
            os.replace(tmp, final)
        else:
            tmp.unlink(missing_ok=True)
        touched += 1
    return touched

