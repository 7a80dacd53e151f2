"""The intake's fast path: a typed Parquet file checked by DuckDB and written straight to the
store's files.

A meter-data system's export — Parquet with the meter as text, the time as a timestamp with
its UTC offset, the value as a number — is the largest payload the platform receives. For such
a file every rule of ``zerocity.data.intake`` runs as one DuckDB query over the file, on every
core and without Python work per row:

- the distinct (quantity, unit, customer class) cells are few: Python judges each once with
  the intake's own functions (quantity of the schema, unit known and convertible with pint,
  class known) and DuckDB joins the file with the verdicts, converting the values;
- the query keeps only the rows it can vouch for: a meter with no space to trim and at most
  200 bytes, a finite value within the quantity's range, a time no more than a day ahead;
- every other row is read again from its row group and checked by ``check_chunk``, which
  words the reasons (or accepts the row after trimming it), so the reasons and the readings
  kept are those of the exact path, line for line.

The checked readings go straight into store files (zstd Parquet, at most ``ROWS_PER_FILE``
each) in the ingest's staging directory, with the batch id reserved beforehand; when the batch
commits they are moved into their partitions under temporary names and published as on the
exact path.

Repeats are found without hashing every reading: the readings arrive in runs (one meter's
readings, one after another, in increasing time), and a payload whose runs of the same meter and
quantity cover disjoint times repeats nothing. Otherwise DuckDB counts the distinct readings
of the staged files.

The fast path stands aside — the exact path then ingests the payload from the start — when
the payload repeats a reading, when one of its readings is already in the store (the exact
path decides which line is the first and words the conflicts), when it received no reading,
or when DuckDB cannot read the file (the exact path words the refusal).
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings

from zerocity.core.units import UnitError
from zerocity.data import store
from zerocity.data.intake import (
    CHUNK_ROWS,
    CUSTOMER_CLASSES,
    EPOCH,
    FUTURE_SLACK,
    MAX_METER,
    CheckedChunk,
    IntakeRejected,
    SourceSpec,
    TimeCache,
    as_cell,
    check_chunk,
    converter,
    pint_unit,
)
from zerocity.data.readers import canonical_name, parquet_chunk, parquet_columns

log = logging.getLogger(__name__)

BATCH_ROWS = 1_000_000  # rows DuckDB hands over at a time
MAX_COMBOS = 10_000  # distinct (quantity, unit, class) cells judged in Python
WRITERS = 2  # threads writing Parquet files
MAX_RUNS = 1_000_000  # runs kept to prove the payload repeats nothing; beyond, DuckDB counts


def _whitespace() -> list[int]:
    """Code points that Arrow's ``utf8_trim_whitespace`` (the exact path's trim of a meter)
    removes: a meter beginning or ending with one is left to the exact rules."""
    points = [c for c in range(0x3001) if not 0xD800 <= c <= 0xDFFF] + [0xFEFF]
    trimmed = pc.utf8_trim_whitespace(pa.array([chr(c) for c in points]))
    return [c for c, t in zip(points, trimmed.to_pylist(), strict=True) if t == ""]


WHITESPACE = ", ".join(str(c) for c in _whitespace())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _texty(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def columns(path: Path) -> dict[str, str] | None:
    """The file's column for each intake column when the fast path can read it (canonical name
    -> name in the file), else None."""
    try:
        pf = pq.ParquetFile(path)
        wanted = parquet_columns(pf)
    except (pa.ArrowException, OSError, IntakeRejected):
        return None
    schema = pf.schema_arrow
    cols = {canonical_name(name): name for name in wanted}
    types = {canonical: schema.field(name).type for canonical, name in cols.items()}
    time = types["time"]
    if not (pa.types.is_timestamp(time) and time.tz is not None and time.unit in ("ms", "us")):
        return None
    value = types["value"]
    if not (pa.types.is_integer(value) or pa.types.is_floating(value)):
        return None
    if not all(_texty(types[c]) for c in ("meter", "quantity", "unit")):
        return None
    klass = types.get("customer_class")
    if klass is not None and not (_texty(klass) or pa.types.is_null(klass)):
        return None
    return cols


def enabled() -> bool:
    """On unless the settings' ``DATA_FAST_INTAKE`` or ``ZEROCITY_FAST_INTAKE=0`` turn it off."""
    default = os.environ.get("ZEROCITY_FAST_INTAKE", "1") != "0"
    return bool(getattr(settings, "DATA_FAST_INTAKE", default))


# -- runs: proving that a payload repeats nothing ------------------------------------------------

class Runs:
    """The payload's runs: consecutive readings of one meter and quantity in strictly
    increasing time. If the runs of each meter and quantity cover disjoint times, no reading
    is repeated; the runs also give each meter's count, first and last reading for the gaps."""

    def __init__(self) -> None:
        self.parts: list[pa.Table] = []
        self.count = 0
        self.gave_up = False
        self.lock = threading.Lock()

    def add(self, table: pa.Table, ts: np.ndarray) -> None:
        n = len(ts)
        if self.gave_up or n == 0:
            return
        meter = table.column("meter").combine_chunks()
        quantity = table.column("quantity").combine_chunks()  # a dictionary
        codes = np.asarray(quantity.indices.to_numpy(zero_copy_only=False))
        start = np.ones(n, dtype=bool)
        if n > 1:
            same = pc.equal(meter.slice(1), meter.slice(0, n - 1))
            start[1:] = (~np.asarray(same.to_numpy(zero_copy_only=False))
                         | (codes[1:] != codes[:-1]) | (ts[1:] <= ts[:-1]))
        first = np.flatnonzero(start)
        last = np.append(first[1:], n) - 1
        take = pa.array(first)
        part = pa.table({
            "meter": meter.take(take),
            "quantity": quantity.dictionary.take(pa.array(codes[first])),
            "first": pa.array(ts[first], pa.timestamp("us", tz="UTC")),
            "last": pa.array(ts[last], pa.timestamp("us", tz="UTC")),
            "observed": pa.array(last - first + 1, pa.int64()),
        })
        with self.lock:  # runs are added by the writing threads
            self.count += len(first)
            if self.count > MAX_RUNS:
                self.gave_up, self.parts = True, []
            elif not self.gave_up:
                self.parts.append(part)

    def table(self) -> pa.Table:
        return pa.concat_tables(self.parts) if self.parts else pa.table({
            "meter": pa.array([], pa.string()), "quantity": pa.array([], pa.string()),
            "first": pa.array([], pa.timestamp("us", tz="UTC")),
            "last": pa.array([], pa.timestamp("us", tz="UTC")),
            "observed": pa.array([], pa.int64())})

    def disjoint(self) -> bool | None:
        """True: nothing repeats; None: too many runs to tell (or two runs overlap, which
        does not prove a repeat)."""
        if self.gave_up:
            return None
        runs = self.table()
        if runs.num_rows < 2:
            return True
        order = pc.sort_indices(runs, [("meter", "ascending"), ("quantity", "ascending"),
                                       ("first", "ascending")])
        runs = runs.take(order)
        key_same = pc.and_(pc.equal(runs["meter"][1:], runs["meter"][:-1]),
                           pc.equal(runs["quantity"][1:], runs["quantity"][:-1]))
        overlap = pc.and_(key_same, pc.greater_equal(runs["last"][:-1], runs["first"][1:]))
        return None if pc.any(overlap).as_py() else True


# -- the staged store files ----------------------------------------------------------------------

@dataclass
class StagedFile:
    path: Path
    pmonth: int
    rows: int


@dataclass
class Staged:
    """Store files of one batch in the staging directory, at most ``ROWS_PER_FILE`` readings
    of one month each. The readings DuckDB hands over are split by month, noted in the runs
    and written (zstd, fsynced) by two threads while DuckDB checks the next rows: writing
    Parquet is most of an ingest's work, and pyarrow does it without holding Python's lock."""

    root: Path
    city: str
    key: str
    batch_id: int
    runs: Runs
    files: list[StagedFile] = field(default_factory=list)
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(WRITERS))
    pending: list[Future[None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, table: pa.Table, ts: np.ndarray) -> None:
        """Stage readings (meter, quantity, ts, value, unit, customer_class); ``ts`` is their
        time in microseconds since the epoch (UTC)."""
        while len(self.pending) >= WRITERS:  # at most a table per thread waits in memory
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._stage, table, ts))

    def _stage(self, table: pa.Table, ts: np.ndarray) -> None:
        self.runs.add(table, ts)
        n = table.num_rows
        store_table = pa.table({
            "city": _constant(self.city, n),
            "source": _constant(self.key, n),
            "meter": table.column("meter"),
            "quantity": table.column("quantity"),
            "ts": table.column("ts").cast(pa.timestamp("us", tz="UTC")),
            "value": table.column("value"),
            "unit": table.column("unit"),
            "customer_class": table.column("customer_class"),
            "batch": pa.repeat(pa.scalar(self.batch_id, pa.int64()), n),
        })
        lo, hi = _pmonth(int(ts.min())), _pmonth(int(ts.max()))
        if lo == hi:
            parts = [(lo, store_table)]
        else:  # sorted by month (stable), then sliced: one copy of the rows
            starts = np.array([_month_start(m) for m in range(lo + 1, hi + 1)])
            months = np.searchsorted(starts, ts, side="right")
            order = np.argsort(months, kind="stable")
            bounds = np.searchsorted(months[order], np.arange(hi - lo + 2))
            ordered = store_table.take(pa.array(order))
            parts = [(lo + i, ordered.slice(bounds[i], bounds[i + 1] - bounds[i]))
                     for i in range(hi - lo + 1) if bounds[i + 1] > bounds[i]]
        for pmonth, part in parts:
            for start in range(0, part.num_rows, store.ROWS_PER_FILE):
                piece = part.slice(start, store.ROWS_PER_FILE)
                with self.lock:
                    staged = StagedFile(self.root / f"{len(self.files)}.parquet", pmonth,
                                        piece.num_rows)
                    self.files.append(staged)
                _write_file(staged.path, piece)

    def close(self) -> None:
        """Wait for every file (re-raising a writer's error) and stop the threads."""
        try:
            for future in self.pending:
                future.result()
        finally:
            self.pending = []
            self.pool.shutdown(wait=True, cancel_futures=True)

    @property
    def paths(self) -> list[str]:
        return [str(f.path) for f in self.files]


def _constant(text: str, n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([text]))


def _write_file(path: Path, table: pa.Table) -> None:
    """A store file. The text columns come as dictionaries, which Parquet writes as they are
    (half the work of encoding them); without the Arrow schema in the file every reader sees
    the contract's plain types. Statistics are kept for the columns readers filter on."""
    pq.write_table(table, path, compression="zstd", store_schema=False,
                   write_statistics=["city", "source", "ts", "batch"])
    store._fsync(path)


def _pmonth(us: int) -> int:
    """Months since 1970-01 (UTC) of a time in microseconds: the store's partition."""
    moment = EPOCH + timedelta(microseconds=us)
    return (moment.year - 1970) * 12 + moment.month - 1


def _month_start(pmonth: int) -> int:
    moment = datetime(1970 + pmonth // 12, pmonth % 12 + 1, 1, tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def _ts(table: pa.Table) -> np.ndarray:
    return np.asarray(table.column("ts").combine_chunks().cast(pa.int64())
                      .to_numpy(zero_copy_only=False))


# -- the fast analysis: the same interface as store.Analysis -------------------------------------

class FastAnalysis:
    """A payload read, checked and written to staged store files; ``compare_with_store`` and
    ``write`` are called under the source's lock, as for ``store.Analysis``. ``stands_aside``
    says the exact path must take the payload."""

    def __init__(self, staging: store.Staging, staged: Staged, runs: Runs, *, city: str,
                 key: str, timezone: str, frequency: str, first: datetime | None,
                 last: datetime | None) -> None:
        self.staging, self.staged, self.runs = staging, staged, runs
        self.con = staging.con
        self.city, self.key = city, key
        self.timezone, self.frequency = timezone, frequency
        self.first, self.last = first, last
        self.keepers = sum(f.rows for f in staged.files)
        self.counts = store.Counts(accepted=self.keepers)
        self.pmonths = sorted({f.pmonth for f in staged.files})
        self.stands_aside = False
        self.compared = False

    def repeats(self) -> bool:
        """Does the payload repeat a reading (same meter, quantity and time)?"""
        if self.runs.disjoint():
            return False
        rows = self.con.execute("""
            SELECT (SELECT count(*) FROM read_parquet($files))
                 - (SELECT count(*) FROM (SELECT DISTINCT meter, quantity, ts
                                          FROM read_parquet($files)))""",
                                {"files": self.staged.paths}).fetchall()
        return bool(rows[0][0])

    def gaps(self) -> dict[str, Any]:
        if not self.keepers:
            return {}
        if self.runs.gave_up:
            self.con.execute("CREATE OR REPLACE TEMP TABLE runs AS SELECT meter, quantity, "
                             "count(*) AS observed, min(ts) AS first, max(ts) AS last "
                             "FROM read_parquet($files) GROUP BY meter, quantity",
                             {"files": self.staged.paths})
        else:
            self.con.register("runs_arrow", self.runs.table())
            self.con.execute("CREATE OR REPLACE TEMP TABLE runs AS SELECT meter, quantity, "
                             "sum(observed)::BIGINT AS observed, min(first) AS first, "
                             "max(last) AS last FROM runs_arrow GROUP BY meter, quantity")
            self.con.unregister("runs_arrow")
        return store.gaps(self.con, "SELECT * FROM runs", frequency=self.frequency,
                          timezone=self.timezone)

    def compare_with_store(self) -> None:
        """Any of the payload's readings already stored (same meter, quantity and time)? Then
        the exact path must decide duplicate or conflict, reading by reading."""
        files = []
        for pmonth in self.pmonths:
            files += sorted(str(p) for p in store._pmonth_dir(self.key, pmonth).glob("*.parquet"))
        if files and self.keepers:
            found = self.con.execute("""
                SELECT count(*) FROM (SELECT meter, quantity, ts FROM read_parquet($staged)) s
                SEMI JOIN (SELECT meter, quantity, ts
                           FROM read_parquet($files, hive_partitioning = false)
                           WHERE city = $city AND ts BETWEEN $first AND $last) e
                USING (meter, quantity, ts)""", {
                "staged": self.staged.paths, "files": files, "city": self.city,
                "first": self.first, "last": self.last}).fetchall()
            self.stands_aside = bool(found[0][0])
        self.compared = True

    def conflicts(self, size: int = 5000) -> Any:
        return iter(())

    def write(self, batch_id: int, *, rows_per_file: int | None = None) -> store.Written:
        """Move the staged files into their partitions under temporary names."""
        assert batch_id == self.staged.batch_id
        written = store.Written()
        try:
            numbers: dict[int, int] = {}
            for staged in sorted(self.staged.files, key=lambda f: f.pmonth):
                number = numbers[staged.pmonth] = numbers.get(staged.pmonth, -1) + 1
                folder = store._pmonth_dir(self.key, staged.pmonth)
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".{batch_id}-{number}.{self.city}.parquet.tmp"
                os.replace(staged.path, tmp)
                written.pairs.append((tmp, folder / f"{batch_id}-{number}.parquet"))
            for folder in {tmp.parent for tmp, _ in written.pairs}:
                store._fsync(folder)
        except BaseException:
            written.discard()
            raise
        return written

    def close(self) -> None:
        pass


# -- reading and checking ------------------------------------------------------------------------

@dataclass
class Outcome:
    analysis: FastAnalysis
    received: int
    rejected: int
    chunks: int


def _combos(con: duckdb.DuckDBPyConnection, path: Path, cols: dict[str, str],
            spec: SourceSpec) -> list[tuple[Any, ...]] | None:
    """The distinct (quantity, unit, class) cells that pass their rules, with the converted
    quantity, canonical unit, class, scale, offset and range; None when there are too many."""
    klass = _ident(cols["customer_class"]) if "customer_class" in cols else "NULL"
    rows = con.execute(f"""
        SELECT DISTINCT {_ident(cols['quantity'])}, {_ident(cols['unit'])},
               coalesce({klass}::VARCHAR, '')
        FROM read_parquet($path) LIMIT {MAX_COMBOS + 1}""", {"path": str(path)}).fetchall()
    if len(rows) > MAX_COMBOS:
        return None
    out = []
    for q_raw, u_raw, c_raw in rows:
        if q_raw is None or u_raw is None:
            continue
        quantity = spec.quantities.get(as_cell(q_raw).strip().lower())
        unit, klass_text = as_cell(u_raw).strip(), as_cell(c_raw).strip().lower()
        if quantity is None or not unit or (klass_text and klass_text not in CUSTOMER_CLASSES):
            continue
        try:
            pint_unit(unit)
            scale, offset = converter(unit, quantity.unit)
        except UnitError:
            continue
        out.append((q_raw, u_raw, c_raw, quantity.name, quantity.unit, klass_text or None,
                    scale, offset, -np.inf if quantity.min is None else quantity.min,
                    np.inf if quantity.max is None else quantity.max))
    return out


class Verdicts:
    """The (quantity, canonical unit, class) of each verdict, as Arrow dictionaries: the
    readings DuckDB keeps carry the verdict's index, so their text columns are built without
    copying or hashing a string (and Parquet writes them as the dictionaries they are)."""

    def __init__(self, cells: list[tuple[str, str, str | None]]) -> None:
        self.columns = {}
        for i, name in enumerate(("quantity", "unit", "customer_class")):
            values = [c[i] for c in cells]
            distinct = sorted({v for v in values if v is not None})
            codes = np.array([-1 if v is None else distinct.index(v) for v in values] or [0],
                             dtype=np.int32)
            self.columns[name] = (codes, pa.array(distinct, pa.string()))

    def readings(self, batch: pa.RecordBatch) -> pa.Table:
        k = np.asarray(batch.column("k").to_numpy(zero_copy_only=False), dtype=np.int64)
        out = {"meter": batch.column("meter"), "ts": batch.column("ts"),
               "value": batch.column("value")}
        for name, (codes, dictionary) in self.columns.items():
            indices = codes[k]
            missing = indices < 0
            out[name] = pa.DictionaryArray.from_arrays(
                pa.array(indices, pa.int32(), mask=missing if missing.any() else None),
                dictionary)
        return pa.table(out)


def _encoded(table: pa.Table) -> pa.Table:
    """Readings checked by the exact rules, with the text columns as the fast path has them."""
    out = {c: table.column(c) for c in ("meter", "ts", "value")}
    for name in ("quantity", "unit", "customer_class"):
        out[name] = pc.dictionary_encode(table.column(name)).combine_chunks()
    return pa.table(out)


def _sql(cols: dict[str, str]) -> tuple[str, str]:
    """The payload joined with the verdicts on its (quantity, unit, class) cells, and the
    condition a row must meet to be kept without the exact rules."""
    m, t, v, q, u = (_ident(cols[c]) for c in ("meter", "time", "value", "quantity", "unit"))
    klass = f"p.{_ident(cols['customer_class'])}" if "customer_class" in cols else "NULL"
    joined = (f"FROM read_parquet($path, file_row_number = true) p LEFT JOIN combos c "
              f"ON p.{q} = c.q AND p.{u} = c.u AND coalesce({klass}::VARCHAR, '') = c.c")
    ok = (f"c.q IS NOT NULL "
          f"AND p.{m} IS NOT NULL AND strlen(p.{m}) BETWEEN 1 AND {MAX_METER} "
          f"AND unicode(p.{m}) NOT IN ({WHITESPACE}) "
          f"AND unicode(right(p.{m}, 1)) NOT IN ({WHITESPACE}) "
          f"AND p.{v} IS NOT NULL AND isfinite(p.{v}::DOUBLE) "
          f"AND p.{v}::DOUBLE * c.scale + c.shift BETWEEN c.lo AND c.hi "
          f"AND p.{t} IS NOT NULL AND p.{t} <= $limit")
    return joined, ok


def read(path: Path, cols: dict[str, str], spec: SourceSpec, staging: store.Staging, *,
         batch_id: int, now_us: int, progress: Any = None) -> Outcome | None:
    """Check the payload and write its readings to staged store files; None when the exact
    path must take it (see the module's notes)."""
    con = staging.con
    runs = Runs()
    staged = Staged(staging.root / "files", spec.city, spec.key, batch_id, runs)
    staged.root.mkdir()
    span: list[int] = []
    received = rejected = chunks = 0

    def keep(table: pa.Table) -> None:
        ts = _ts(table)
        if len(ts):
            span[:] = [min([*span, int(ts.min())]), max([*span, int(ts.max())])]
            staged.add(table, ts)

    try:
        combos = _combos(con, path, cols, spec)
        if combos is None:
            return None
        con.execute("CREATE OR REPLACE TEMP TABLE combos (k INTEGER, q VARCHAR, u VARCHAR, "
                    "c VARCHAR, scale DOUBLE, shift DOUBLE, lo DOUBLE, hi DOUBLE)")
        if combos:
            con.executemany("INSERT INTO combos VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(k, *c[:3], *c[6:]) for k, c in enumerate(combos)])
        verdicts = Verdicts([c[3:6] for c in combos])
        joined, ok = _sql(cols)
        m, t, v = (_ident(cols[c]) for c in ("meter", "time", "value"))
        params = {"path": str(path),
                  "limit": EPOCH + timedelta(microseconds=now_us) + FUTURE_SLACK}
        total = pq.ParquetFile(path).metadata.num_rows
        # in the payload's order: a payload sorted by time stays so in the store's files
        con.execute("SET preserve_insertion_order = true")
        result = con.sql(f"""
            SELECT p.{m}::VARCHAR AS meter, c.k, p.{t}::TIMESTAMPTZ AS ts,
                   p.{v}::DOUBLE * c.scale + c.shift AS value
            {joined} WHERE {ok}""", params=params)
        stream = getattr(result, "to_arrow_reader", None) or result.fetch_arrow_reader
        for batch in stream(BATCH_ROWS):
            received += batch.num_rows
            chunks += 1
            keep(verdicts.readings(batch))
            if progress is not None:
                progress(min(received, total), total)
        if received < total:  # rows the query could not vouch for: the exact rules
            rows = con.execute(f"SELECT p.file_row_number {joined} "
                               f"WHERE NOT coalesce({ok}, false) ORDER BY 1",
                               params).fetchnumpy()["file_row_number"]
            for checked in _check_rows(path, list(cols.values()), np.asarray(rows, np.int64),
                                       spec, now_us):
                chunks += 1
                staging.add_problems(checked.problems)
                received += checked.received
                rejected += checked.rejected
                keep(_encoded(checked.table))
    except duckdb.Error as exc:
        log.warning("fast intake of %s stands aside: %s", path, exc)
        return None
    finally:
        staged.close()
    if received == 0:
        return None
    first, last = (EPOCH + timedelta(microseconds=us) for us in span) if span else (None, None)
    analysis = FastAnalysis(staging, staged, runs, city=spec.city, key=spec.key,
                            timezone=spec.timezone, frequency=spec.frequency, first=first,
                            last=last)
    if analysis.keepers and analysis.repeats():
        return None
    return Outcome(analysis, received, rejected, chunks)


def _check_rows(path: Path, wanted: list[str], rows: np.ndarray, spec: SourceSpec,
                now_us: int) -> Any:
    """``check_chunk`` of the given rows (0-based, sorted), read from their row groups."""
    pf = pq.ParquetFile(path)
    meta = pf.metadata
    starts = np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
    group_of = np.searchsorted(starts, rows, side="right") - 1
    times = TimeCache(spec.zone)
    pending: list[pa.Table] = []
    pending_lines: list[np.ndarray] = []
    size = 0

    def flush() -> CheckedChunk:
        nonlocal pending, pending_lines, size
        table = pa.concat_tables(pending)
        lines = np.concatenate(pending_lines)
        pending, pending_lines, size = [], [], 0
        return check_chunk(parquet_chunk(table, lines), spec, now_us=now_us, times=times)

    for group in np.unique(group_of).tolist():
        local = rows[group_of == group] - starts[group]
        table = pf.read_row_group(group, columns=wanted).take(pa.array(local))
        pending.append(table)
        pending_lines.append(rows[group_of == group] + 2)
        size += table.num_rows
        if size >= CHUNK_ROWS:
            yield flush()
    if pending:
        yield flush()

