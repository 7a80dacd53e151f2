"""The intake's fast path: a typed Parquet file checked column by column on Arrow
dictionaries and written straight to the store's files.

A meter-data system's export — Parquet with the meter as text, the time as a timestamp with
its UTC offset, the value as a number — is the largest payload the platform receives. For such
a file the rules of ``zerocity.data.intake`` run without Python work per row:

- the text columns (meter, quantity, unit, customer class) are read as Arrow dictionaries, as
  Parquet stores them: a row group holds a few distinct texts, and Python judges each once
  with the intake's own functions (meter trimmed, required and at most 200 characters;
  quantity of the schema; unit known and convertible with pint; class known);
- numpy spreads a verdict over the rows only where the entries disagree (or a cell is
  missing), converts the values and checks them against the quantity's range, and checks
  that each time is given and at most a day ahead;
- the rows that fail any rule go to ``check_chunk``, which words the reasons (or accepts a row
  after all), so the reasons and the readings kept are those of the exact path, line for line.

The readings kept keep the file's dictionary codes, with the canonical texts as dictionaries
(the quantity's codes also give the canonical unit), and go straight into store files
(zstd Parquet, at most ``ROWS_PER_FILE`` each) in the ingest's staging directory, written by
two threads while the next row groups are read, with the batch id reserved beforehand; when
the batch commits they are moved into their partitions under temporary names and published
as on the exact path.

Repeats are found without hashing every reading: the readings arrive in runs (one meter's
readings on consecutive rows of the file, in increasing time), and a payload whose runs of the
same meter and quantity cover disjoint times repeats nothing. Otherwise DuckDB counts the
distinct readings of the staged files. DuckDB also compares the payload with the store.

The fast path stands aside — the exact path then ingests the payload from the start — when
the payload repeats a reading, when one of its readings is already in the store (the exact
path decides which line is the first and words the conflicts), when it received no reading,
or when Arrow cannot read the file (the exact path words the refusal).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings

from zerocity.core.units import UnitError
from zerocity.data import store
from zerocity.data.intake import (
    CONTROL,
    CUSTOMER_CLASSES,
    EPOCH,
    FUTURE_SLACK,
    MAX_METER,
    IntakeRejected,
    SourceSpec,
    TimeCache,
    cell_text,
    check_chunk,
    converter,
    pint_unit,
)
from zerocity.data.pipelines.engines import constant_column, store_table
from zerocity.data.readers import canonical_name, parquet_chunk, parquet_columns

log = logging.getLogger(__name__)

BATCH_ROWS = 1_000_000  # rows read and judged at a time (at most a row group)
WRITERS = 2  # threads writing Parquet files
MAX_RUNS = 1_000_000  # runs kept to prove the payload repeats nothing; beyond, DuckDB counts


def _texty(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    texty: bool = pa.types.is_string(t) or pa.types.is_large_string(t)  # pyarrow is untyped
    return texty


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
    """The payload's runs: readings of one meter and quantity on consecutive rows of the file,
    in strictly increasing time. If the runs of each meter and quantity cover disjoint times,
    no reading is repeated; the runs also give each meter's count, first and last reading for
    the gaps."""

    def __init__(self) -> None:
        self.parts: list[pa.Table] = []
        self.count = 0
        self.gave_up = False
        self.lock = threading.Lock()

    def add(self, batch: pa.RecordBatch, ts: np.ndarray) -> None:
        n = len(ts)
        if self.gave_up or n == 0:
            return
        meter, quantity = batch.column("meter"), batch.column("quantity")  # dictionaries
        m_codes = meter.indices.to_numpy(zero_copy_only=False)
        q_codes = quantity.indices.to_numpy(zero_copy_only=False)
        row = batch.column("row").to_numpy()
        start = np.ones(n, dtype=bool)
        # a run is also broken where the rows are not next to each other in the file (the rows
        # the exact rules accepted come apart from the others)
        start[1:] = ((m_codes[1:] != m_codes[:-1]) | (q_codes[1:] != q_codes[:-1])
                     | (ts[1:] <= ts[:-1]) | (row[1:] != row[:-1] + 1))
        first = np.flatnonzero(start)
        last = np.append(first[1:], n) - 1
        part = pa.table({
            "meter": meter.dictionary.take(pa.array(m_codes[first])),
            "quantity": quantity.dictionary.take(pa.array(q_codes[first])),
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
    of one month each. The readings kept are split by month, noted in the runs and written
    (zstd, fsynced) by two threads while the next row groups are read and judged: writing
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
    span: list[int] = field(default_factory=list)  # the first and last reading (us, UTC)

    def add(self, tables: list[pa.Table]) -> None:
        """Stage readings (row, meter, quantity, ts, value, unit, customer_class, the text
        columns as dictionaries), gathered into one file's worth by the writing thread."""
        while len(self.pending) >= WRITERS:  # at most a file's worth per thread waits
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._stage, tables))

    def _stage(self, tables: list[pa.Table]) -> None:
        # The tables stay chunks of one table, written as they are: combining them would copy
        # every column. Their dictionaries are unified, so Parquet writes one per column.
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables).unify_dictionaries()
        stamps = []
        for batch in table.to_batches():
            stamps.append(ts := _ts(batch.column("ts")))
            self.runs.add(batch, ts)
        first = min(int(ts.min()) for ts in stamps if len(ts))
        last = max(int(ts.max()) for ts in stamps if len(ts))
        with self.lock:
            self.span[:] = [min([*self.span, first]), max([*self.span, last])]
        n = table.num_rows
        readings = store_table({
            "city": constant_column(self.city, n),
            "source": constant_column(self.key, n),
            "meter": table.column("meter"),
            "quantity": table.column("quantity"),
            "ts": table.column("ts").cast(pa.timestamp("us", tz="UTC")),
            "value": table.column("value"),
            "unit": table.column("unit"),
            "customer_class": table.column("customer_class"),
            "batch": constant_column(self.batch_id, n),
        })
        lo, hi = _pmonth(first), _pmonth(last)
        if lo == hi:
            parts = [(lo, readings)]
        else:  # sliced by month (sorted first, stably, if they come mixed: one copy)
            starts = np.array([_month_start(m) for m in range(lo + 1, hi + 1)])
            months = np.searchsorted(starts, np.concatenate(stamps), side="right")
            if (months[1:] >= months[:-1]).all():  # month after month, as exports come
                ordered = readings
            else:
                order = np.argsort(months, kind="stable")
                months, ordered = months[order], readings.take(pa.array(order))
            bounds = np.searchsorted(months, np.arange(hi - lo + 2))
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


def _write_file(path: Path, table: pa.Table) -> None:
    """A store file. The text columns (and the batch) come as dictionaries, which Parquet writes
    as they are (half the work of encoding them); without the Arrow schema in the file every
    reader sees the contract's plain types. The times are delta-coded instead: one meter's
    readings are a step apart, which costs less to encode than a dictionary and takes far less
    space. The writer takes 65,536 values at a time instead of 1,024, and keeps statistics for
    the columns readers filter on."""
    pq.write_table(table, path, compression="zstd", store_schema=False,
                   write_statistics=["city", "source", "ts", "batch"],
                   use_dictionary=[c for c in table.column_names if c != "ts"],
                   column_encoding={"ts": "DELTA_BINARY_PACKED"}, write_batch_size=65_536)
    store._fsync(path)


def _move(src: Path, dst: Path) -> None:
    """Rename; copied (and fsynced) when the store lies on another filesystem than
    ``DATA_DIR/ingest-tmp``."""
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        shutil.copyfile(src, dst)
        store._fsync(dst)
        src.unlink()


def _pmonth(us: int) -> int:
    """Months since 1970-01 (UTC) of a time in microseconds: the store's partition."""
    moment = EPOCH + timedelta(microseconds=us)
    return (moment.year - 1970) * 12 + moment.month - 1


def _month_start(pmonth: int) -> int:
    moment = datetime(1970 + pmonth // 12, pmonth % 12 + 1, 1, tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def _ts(times: pa.Array) -> np.ndarray:
    return np.asarray(times.cast(pa.int64()).to_numpy(zero_copy_only=False))


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
        else:  # handed over as a file: DuckDB would import pandas to scan Arrow in memory
            path = self.staging.root / "runs.parquet"
            pq.write_table(self.runs.table(), path)
            self.con.execute("CREATE OR REPLACE TEMP TABLE runs AS SELECT meter, quantity, "
                             "sum(observed)::BIGINT AS observed, min(first) AS first, "
                             "max(last) AS last FROM read_parquet($path) GROUP BY meter, "
                             "quantity", {"path": str(path)})
        return store.gaps(self.con, "SELECT * FROM runs", frequency=self.frequency,
                          timezone=self.timezone)

    def compare_with_store(self) -> None:
        """Any of the payload's readings already stored (same meter, quantity and time)? Then
        the exact path must decide duplicate or conflict, reading by reading."""
        files = []
        for pmonth in self.pmonths:
            files += store.stored_files(self.key, pmonth)
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

    def conflicts(self, size: int = 5000) -> Any:
        return iter(())

    def write(self, batch_id: int) -> store.Written:
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
                _move(staged.path, tmp)
                written.pairs.append((tmp, folder / f"{batch_id}-{number}.parquet"))
            for folder in {tmp.parent for tmp, _ in written.pairs}:
                store._fsync(folder)
        except BaseException:
            written.discard()
            raise
        return written


# -- reading and checking ------------------------------------------------------------------------

@dataclass
class Outcome:
    analysis: FastAnalysis
    received: int
    rejected: int
    chunks: int


class Judge:
    """The rules of ``zerocity.data.intake`` for one batch of a typed Parquet file whose text
    columns are read as Arrow dictionaries: each distinct text (a few per row group) is judged
    once, with the intake's own functions and caches, and a verdict is spread over the rows
    with numpy only where the entries disagree. Rows that fail any rule go to ``check_chunk``,
    which words the reasons."""

    def __init__(self, spec: SourceSpec, now_us: int) -> None:
        self.spec = spec
        self.names = list(spec.quantities)
        self.limit = now_us + FUTURE_SLACK // timedelta(microseconds=1)
        self.first = spec.earliest_us
        quantities = list(spec.quantities.values())
        self.lo = np.array([-np.inf if q.min is None else q.min for q in quantities])
        self.hi = np.array([np.inf if q.max is None else q.max for q in quantities])
        self.units = [q.unit for q in quantities]  # each quantity's canonical unit
        self.quantity_of: dict[str, int] = {}
        self.unit_of: dict[tuple[int, str], tuple[float, float] | None] = {}
        self.class_of: dict[str, int] = {}

    def _quantity(self, raw: str) -> int:
        if raw not in self.quantity_of:
            name = cell_text(raw, lower=True)
            self.quantity_of[raw] = self.names.index(name) if name in self.names else -1
        return self.quantity_of[raw]

    def _unit(self, q: int, raw: str) -> tuple[float, float] | None:
        if (q, raw) not in self.unit_of:
            unit, verdict = cell_text(raw), None
            if unit:
                try:
                    pint_unit(unit)
                    verdict = converter(unit, self.spec.quantities[self.names[q]].unit)
                except UnitError:
                    pass
            self.unit_of[q, raw] = verdict
        return self.unit_of[q, raw]

    def _class(self, raw: str) -> int:
        """The class's number, -1 for none, -2 for an unknown class."""
        if raw not in self.class_of:
            text = cell_text(raw, lower=True)
            self.class_of[raw] = (-1 if not text else CUSTOMER_CLASSES.index(text)
                                  if text in CUSTOMER_CLASSES else -2)
        return self.class_of[raw]

    def batch(self, batch: pa.RecordBatch, cols: dict[str, str], rows: np.ndarray
              ) -> tuple[np.ndarray, pa.Table]:
        """(which rows pass every rule, those rows as readings with dictionary columns).

        Each rule is judged on the dictionary's entries; a verdict is spread over the rows only
        where the entries disagree (or a cell is missing), and the readings' text columns reuse
        the file's codes with new dictionaries wherever those stay distinct."""
        n = batch.num_rows
        ok = np.ones(n, dtype=bool)

        # meter: trimmed, required, at most MAX_METER characters
        meter = _dictionary(batch.column(cols["meter"]))
        trimmed = pc.utf8_trim_whitespace(pc.fill_null(meter.dictionary.cast(pa.string()), ""))
        length = np.asarray(pc.utf8_length(trimmed).to_numpy(zero_copy_only=False))
        plain = ~np.asarray(pc.match_substring_regex(trimmed, CONTROL)
                            .to_numpy(zero_copy_only=False), dtype=bool)
        _judge_rows(ok, meter, (length > 0) & (length <= MAX_METER) & plain)

        # quantity of the schema
        quantity = _dictionary(batch.column(cols["quantity"]))
        q_entry = np.array([self._quantity(v) for v in quantity.dictionary.to_pylist()],
                           np.int64)
        _judge_rows(ok, quantity, q_entry >= 0)
        present = sorted(set(q_entry[q_entry >= 0].tolist())) or [0]
        q_row: int | np.ndarray = present[0]  # one quantity: no row needs its own
        if len(present) > 1:
            q_row = np.append(np.maximum(q_entry, 0), 0)[_codes(quantity)]

        # unit: known, and convertible to the quantity's canonical unit
        unit = _dictionary(batch.column(cols["unit"]))
        units = unit.dictionary.to_pylist()
        scale = np.full((len(self.names), len(units) + 1), np.nan)  # + a missing unit
        offset = np.zeros_like(scale)
        for qi in present:
            for ui, raw in enumerate(units):
                verdict = self._unit(qi, raw)
                if verdict is not None:
                    scale[qi, ui], offset[qi, ui] = verdict
        row_scale: float | np.ndarray = 1.0
        row_offset: float | np.ndarray = 0.0
        per_row = not isinstance(q_row, int)
        if isinstance(q_row, int):  # one quantity: its verdict on each unit entry
            known = scale[q_row, :-1]
            _judge_rows(ok, unit, ~np.isnan(known))
            per_row = not ((known == 1) | np.isnan(known)).all() or offset[q_row].any()
        if per_row:  # several quantities, or a unit to convert: looked up per row
            u = _codes(unit)
            row_scale, row_offset = scale[q_row, u], offset[q_row, u]
            ok &= ~np.isnan(row_scale)

        # class: known or none
        klass = None
        if "customer_class" in cols and not pa.types.is_null(
                batch.column(cols["customer_class"]).type):
            klass = _dictionary(batch.column(cols["customer_class"]))
            c_entry = np.array([self._class(v) for v in klass.dictionary.to_pylist()],
                               np.int64)
            _judge_rows(ok, klass, c_entry != -2, missing_ok=True)

        # value: a finite number within the quantity's range once converted
        raw_value = batch.column(cols["value"])
        values = np.asarray(raw_value.cast(pa.float64()).to_numpy(zero_copy_only=False),
                            np.float64)  # a missing value is NaN
        # as the exact path computes it (value * 1 + 0 turns -0.0 into 0.0)
        converted = values * row_scale + row_offset
        with np.errstate(invalid="ignore"):
            ok &= (np.isfinite(values) & (converted >= self.lo[q_row])
                   & (converted <= self.hi[q_row]))

        # time: given, no more than a day ahead and not before the earliest time taken
        time = batch.column(cols["time"]).cast(pa.timestamp("us", tz="UTC"))
        stamps = time.cast(pa.int64())
        if stamps.null_count:
            stamps = pc.fill_null(stamps, self.limit + 1)
        micros = stamps.to_numpy()
        ok &= (micros <= self.limit) & (micros >= self.first)

        # the readings: the file's codes with the canonical texts as dictionaries
        names = [self.names[q] if q >= 0 else "" for q in q_entry.tolist()]
        units_of = [self.units[q] if q >= 0 else "" for q in q_entry.tolist()]
        if klass is None:
            classes = pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int32()),
                                                     pa.array(CUSTOMER_CLASSES))
        elif (c_entry >= 0).all():
            classes = _recoded(klass.indices, [CUSTOMER_CLASSES[c] for c in c_entry.tolist()])
        else:  # a blank class is none: per row, as a dictionary cannot hold a missing value
            c_row = np.append(c_entry, -1)[_codes(klass)]
            classes = pa.DictionaryArray.from_arrays(
                pa.array(np.maximum(c_row, 0).astype(np.int32), mask=c_row < 0),
                pa.array(CUSTOMER_CLASSES))
        readings = pa.table({
            "row": pa.array(rows),
            "ts": time,
            "value": pa.array(converted),
            "meter": _recoded(meter.indices, trimmed),
            "quantity": _recoded(quantity.indices, names),
            "unit": _recoded(quantity.indices, units_of),
            "customer_class": classes,
        })
        if not ok.all():
            readings = readings.take(pa.array(np.flatnonzero(ok)))
        return ok, readings


def _judge_rows(ok: np.ndarray, column: pa.DictionaryArray, good: np.ndarray, *,
                missing_ok: bool = False) -> None:
    """Rows whose entry is not good, or whose cell is missing (unless ``missing_ok``), fail:
    looked up row by row only when some entry is bad or some cell missing."""
    missing = column.indices.null_count > 0
    if good.all() and (missing_ok or not missing):
        return
    ok &= np.append(good, missing_ok)[_codes(column)]


def _recoded(indices: pa.Array, values: list[str] | pa.Array) -> pa.DictionaryArray:
    """A dictionary column of ``values[code]`` for each row's code (a missing code stays
    missing). The codes are kept when the values are distinct; otherwise they are mapped to
    the distinct values, since Parquet writes a dictionary with repeats as plain values."""
    dictionary = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    distinct = pc.unique(dictionary)
    if len(distinct) == len(dictionary):
        return pa.DictionaryArray.from_arrays(indices, dictionary)
    remap = np.asarray(pc.index_in(dictionary, distinct).to_numpy(zero_copy_only=False),
                       np.int32)
    codes = indices.fill_null(0) if indices.null_count else indices
    mask = indices.is_null().to_numpy(zero_copy_only=False) if indices.null_count else None
    return pa.DictionaryArray.from_arrays(
        pa.array(remap[codes.to_numpy()], mask=mask), distinct)


def _dictionary(arr: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)


def _codes(arr: pa.DictionaryArray) -> np.ndarray:
    """The rows' dictionary codes, a missing cell's one past the dictionary's end."""
    indices = arr.indices
    if indices.null_count:
        indices = indices.fill_null(len(arr.dictionary))
    codes: np.ndarray = indices.to_numpy()  # pyarrow is untyped
    return codes


def _encoded(table: pa.Table) -> pa.Table:
    """Readings checked by the exact rules, with the text columns as the fast path has them."""
    out = {"row": pc.subtract(table.column("line"), 2), "ts": table.column("ts"),
           "value": table.column("value")}
    for name in ("meter", "quantity", "unit", "customer_class"):
        out[name] = pc.dictionary_encode(table.column(name)).combine_chunks()
    return pa.table(out)


def read(path: Path, cols: dict[str, str], spec: SourceSpec, staging: store.Staging, *,
         batch_id: int, now_us: int, progress: Any = None) -> Outcome | None:
    """Check the payload and write its readings to staged store files; None when the exact
    path must take it (see the module's notes)."""
    runs = Runs()
    staged = Staged(staging.root / "files", spec.city, spec.key, batch_id, runs)
    staged.root.mkdir()
    received = rejected = chunks = done = 0
    judge = Judge(spec, now_us)
    times = TimeCache(spec.zone)
    schema = pq.read_schema(path)
    texts = [cols[c] for c in ("meter", "quantity", "unit", "customer_class")
             if c in cols and _texty(schema.field(cols[c]).type)]

    held: list[pa.Table] = []  # readings of small row groups, gathered into larger files

    def keep(table: pa.Table | None, *, final: bool = False) -> None:
        if table is not None and table.num_rows:
            held.append(table)
        if held and (final or sum(t.num_rows for t in held) >= BATCH_ROWS):
            staged.add(list(held))
            held.clear()

    try:
        pf = pq.ParquetFile(path, read_dictionary=texts)
        total = pf.metadata.num_rows
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=list(cols.values())):
            n = batch.num_rows
            rows = done + np.arange(n, dtype=np.int64)
            ok, readings = judge.batch(batch, cols, rows)
            chunks += 1
            received += readings.num_rows
            keep(readings)
            if not ok.all():  # the exact rules word the reasons (or accept after all)
                bad = np.flatnonzero(~ok)
                checked = check_chunk(parquet_chunk(batch.take(pa.array(bad)), rows[bad] + 2),
                                      spec, now_us=now_us, times=times)
                staging.add_problems(checked.problems)
                received += checked.received
                rejected += checked.rejected
                keep(_encoded(checked.table))
            done += n
            if progress is not None:
                progress(done, total)
        keep(None, final=True)
    except pa.ArrowException as exc:  # the exact path words the refusal
        log.warning("fast intake of %s stands aside: %s", path, exc)
        return None
    finally:
        staged.close()
    if received == 0:
        return None
    span = staged.span
    first, last = (EPOCH + timedelta(microseconds=us) for us in span) if span else (None, None)
    analysis = FastAnalysis(staging, staged, runs, city=spec.city, key=spec.key,
                            timezone=spec.timezone, frequency=spec.frequency, first=first,
                            last=last)
    if analysis.keepers and analysis.repeats():
        return None
    return Outcome(analysis, received, rejected, chunks)
