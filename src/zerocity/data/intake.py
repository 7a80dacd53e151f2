"""Checking readings: pure functions from raw cells to validated, converted readings.

A reading is ``meter, time, quantity, value, unit`` and optionally ``customer_class``; any other
attributes are accepted and ignored. Rows arrive in chunks (Arrow arrays, see
``zerocity.data.readers``) and every rule is applied to a whole chunk at once, so checking a
large file costs a few vector operations per chunk, not Python work per row. Only the rows that
fail are visited one by one, to word their reason as ``line N, column C: reason``.

Nothing here touches the database or the store.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zerocity.core.errors import ZeroCityError
from zerocity.core.units import UNITS, UnitError, parse_unit

CHUNK_ROWS = 100_000
COLUMNS = ("meter", "time", "quantity", "value", "unit", "customer_class")
REQUIRED = ("meter", "time", "quantity", "value", "unit")
# Other names utilities' exports use for the same columns.
ALIASES = {"timestamp": "time", "ts": "time", "datetime": "time", "meter_id": "meter"}
CUSTOMER_CLASSES = ("household", "services", "public", "public_lighting", "industry", "energy",
                    "agriculture", "transport", "waste_services", "other")
FREQUENCIES = ("1min", "5min", "10min", "15min", "30min", "hourly", "daily", "monthly",
               "irregular")
MAX_METER = 200
CONTROL = r"[\x00-\x1f\x7f]"  # C0 controls and DEL: no meter's id holds one
FUTURE_SLACK = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Before this no meter or sensor a city connects sent anything: a reading dated earlier is a
# device's unset clock (0001-01-01, 1900-01-01), refused rather than stored where it would
# stretch every pipeline's calendar. A deployment moves it with ZEROCITY_DEVICE_TIME_EARLIEST.
EARLIEST = date(1990, 1, 1)
QUANTITY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# UN/CEFACT Recommendation 20 codes that Smart Data Models and NGSI-LD devices send and that
# zerocity.core.units does not know yet.
CEFACT = {
    "GQ": "microgram / meter ** 3",
    "GP": "milligram / meter ** 3",
    "2N": "decibel",
    "C62": "dimensionless",
    "KMH": "kilometer / hour",
    "CEL": "degC",
    "KEL": "kelvin",
    "P1": "percent",
    "WTT": "watt",
    "KWT": "kilowatt",
    "MAW": "megawatt",
    "WHR": "watt_hour",
    "MQH": "meter ** 3 / hour",
    "H87": "dimensionless",
}


class IntakeRejected(ZeroCityError):
    """The whole payload cannot be read (not a table, no header, missing columns...)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SchemaError(ZeroCityError):
    pass


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a row was refused. A row with several bad cells has several problems."""

    line: int
    column: str
    reason: str
    raw: Any = None

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Quantity:
    name: str
    unit: str  # the canonical unit: what the store holds
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class SourceSpec:
    """What checking a source's readings needs to know, as plain data."""

    city: str
    key: str
    quantities: Mapping[str, Quantity]
    timezone: str  # how times without a UTC offset are read: the source's, often the city's
    frequency: str = "hourly"
    earliest: date = EARLIEST  # no reading of this source is older (its start, UTC)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def earliest_us(self) -> int:
        return _micros(datetime.combine(self.earliest, datetime.min.time(), tzinfo=UTC))


def _bound(value: Any, what: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SchemaError(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise SchemaError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise SchemaError(f"{what} must be a finite number, got {value!r}")
    return number


def parse_schema(schema: Any) -> dict[str, Quantity]:
    """The quantities of a source's schema, or SchemaError saying what is wrong."""
    if not isinstance(schema, Mapping) or not schema:
        raise SchemaError("the schema names at least one quantity, e.g. "
                          '{"active_energy": {"unit": "kWh", "min": 0, "max": 100000}}')
    out = {}
    for name, spec in schema.items():
        if not isinstance(name, str) or not QUANTITY_NAME.match(name):
            raise SchemaError(f"quantity {name!r}: a name is lower case letters, digits and _")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("unit"), str):
            raise SchemaError(f"quantity {name}: give its unit, e.g. {{\"unit\": \"kWh\"}}")
        unknown = set(spec) - {"unit", "min", "max"}
        if unknown:
            raise SchemaError(f"quantity {name}: unknown keys {', '.join(sorted(unknown))}")
        unit = spec["unit"].strip()
        try:
            pint_unit(unit)
        except UnitError as exc:
            raise SchemaError(f"quantity {name}: {exc}") from None
        lo, hi = _bound(spec.get("min"), f"{name} min"), _bound(spec.get("max"), f"{name} max")
        if lo is not None and hi is not None and lo > hi:
            raise SchemaError(f"quantity {name}: min {lo:g} is above max {hi:g}")
        out[name] = Quantity(name, unit, lo, hi)
    return out


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SchemaError(f"unknown time zone {name!r} (an IANA name, e.g. Europe/Ljubljana)") \
            from None
    return name


def check_frequency(value: str) -> str:
    if value not in FREQUENCIES:
        raise SchemaError(f"unknown frequency {value!r} ({', '.join(FREQUENCIES)})")
    return value


def frequency_step(value: str) -> timedelta | str | None:
    """The expected step between readings: a duration, 'day' or 'month' (calendar steps in
    the source's time zone), or None when readings come irregularly."""
    if value.endswith("min"):
        return timedelta(minutes=int(value[:-3]))
    if value == "hourly":
        return timedelta(hours=1)
    return {"daily": "day", "monthly": "month"}.get(value)


# -- units ---------------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def pint_unit(unit: str) -> Any:
    """A pint unit from a pint spelling or a UN/CEFACT code; UnitError if unknown."""
    try:
        return parse_unit(CEFACT.get(unit.strip(), unit))
    except UnitError:
        raise UnitError(f"unknown unit {unit!r}") from None


@lru_cache(maxsize=4096)
def converter(from_unit: str, to_unit: str) -> tuple[float, float]:
    """(scale, offset) with ``canonical = value * scale + offset``; UnitError if the units
    measure different things. Offsets exist only between temperature scales; logarithmic units
    (dB) convert only to themselves."""
    src, dst = pint_unit(from_unit), pint_unit(to_unit)
    if src == dst:
        return 1.0, 0.0
    refused = UnitError(f"unit {from_unit!r} cannot be converted to {to_unit!r}")
    if src.dimensionality != dst.dimensionality:
        raise refused
    q0, q1 = UNITS.Quantity(0.0, src), UNITS.Quantity(1.0, src)
    multiplicative = q1._is_multiplicative and UNITS.Quantity(1.0, dst)._is_multiplicative
    if not multiplicative and str(src.dimensionality) != "[temperature]":
        raise refused  # decibel and other logarithmic units
    try:
        zero, one = float(q0.to(dst).magnitude), float(q1.to(dst).magnitude)
    except Exception:  # pint raises several types for conversions it cannot do
        raise refused from None
    return one - zero, zero


# -- times ---------------------------------------------------------------------------------------

SL_DATE = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})"
                     r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
TIME_EXAMPLE = "ISO 8601, e.g. 2026-03-29T02:15:00+02:00"


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def local_to_utc(wall: datetime, zone: ZoneInfo) -> tuple[int | None, bool]:
    """A wall-clock time in ``zone`` as microseconds since the epoch (UTC), and whether it was
    ambiguous. A time the clocks skip gives None; an ambiguous one is its first occurrence
    (fold=0, still on summer time)."""
    aware = wall.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != wall:
        return None, False
    ambiguous = wall.replace(tzinfo=zone, fold=1).utcoffset() != aware.utcoffset()
    return _micros(utc), ambiguous


def parse_time(text: str, zone: ZoneInfo) -> tuple[int | None, str | None, bool]:
    """(microseconds UTC, reason it is refused, ambiguous) for one cell's text."""
    s = text.strip()
    try:
        moment = datetime.fromisoformat(s)
    except ValueError:
        m = SL_DATE.match(s)
        if m is None:
            return None, f"{s!r} is not a date and time ({TIME_EXAMPLE})", False
        day, month, year, hour, minute, second = m.groups()
        try:
            moment = datetime(int(year), int(month), int(day), int(hour or 0),
                              int(minute or 0), int(second or 0))
        except ValueError as exc:
            return None, f"{s!r} is not a date and time ({exc})", False
    if moment.tzinfo is not None:
        return _micros(moment.astimezone(UTC)), None, False
    micros, ambiguous = local_to_utc(moment, zone)
    if micros is None:
        return None, (f"{s!r} does not exist in {zone.key}: the clocks skip this hour when "
                      "summer time begins; give the time with its UTC offset"), False
    return micros, None, ambiguous


class TimeCache:
    """Parsed times by cell text, shared by the chunks of one payload: meter exports repeat
    the same timestamps for every meter. Bounded, so a payload of unique times cannot grow it
    without limit."""

    def __init__(self, zone: ZoneInfo, limit: int = 500_000) -> None:
        self.zone, self.limit = zone, limit
        self.known: dict[str, tuple[int | None, str | None, bool]] = {}

    def get(self, text: str) -> tuple[int | None, str | None, bool]:
        hit = self.known.get(text)
        if hit is None:
            if len(self.known) >= self.limit:
                self.known.clear()
            hit = self.known[text] = parse_time(text, self.zone)
        return hit


# -- numbers ------------------------------------------------------------------------------------

NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
NOT_FINITE = r"^[+-]?(nan|inf|infinity)$"


def fmt(x: float) -> str:
    """A number as people write it: no float noise, no exponent for ordinary meter values."""
    if x == 0:
        return "0"
    if 1e-6 <= abs(x) < 1e15:
        return f"{x:.12f}".rstrip("0").rstrip(".") if abs(x) < 1 else format(x, ".15g")
    return format(x, ".15g")


# -- a chunk ------------------------------------------------------------------------------------

@dataclass
class RawChunk:
    """Rows as read: canonical column name -> Arrow array (text, or typed from Parquet), their
    line numbers, row problems found while reading (wrong cell count...), and ``raw(i)`` giving
    row i as sent, for quarantine."""

    columns: dict[str, pa.Array]
    lines: np.ndarray
    raw: Callable[[int], Any]
    problems: list[Problem] = field(default_factory=list)
    progress: int = 0
    raw_json: pa.Array | None = None  # each row as sent (JSON), kept for small payloads

    @property
    def size(self) -> int:
        return len(self.lines)


@dataclass
class CheckedChunk:
    """The readings of a chunk that passed every rule, and the problems of those that did
    not. ``table`` has meter, quantity, ts (us, UTC), value (canonical unit), unit,
    customer_class, line, pmonth (months since 1970-01, UTC: the store partition) and raw
    (the row as sent, when the reader kept it)."""

    table: pa.Table
    problems: list[Problem]
    received: int
    rejected: int
    ambiguous: int = 0


READING_SCHEMA = pa.schema([
    ("meter", pa.string()), ("quantity", pa.string()), ("ts", pa.timestamp("us", tz="UTC")),
    ("value", pa.float64()), ("unit", pa.string()), ("customer_class", pa.string()),
    ("line", pa.int64()), ("pmonth", pa.int32()), ("raw", pa.string()),
])


def _np(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False))


def _plain(arr: pa.Array | None) -> pa.Array | None:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr is not None and pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


class Codes:
    """A column as dictionary codes: its distinct cells as trimmed text (``values``, where
    the last is '' for missing cells) and each row's code. Rules about a column with few
    distinct values (quantity, unit, class, time) then run once per distinct value."""

    def __init__(self, arr: pa.Array | None, n: int, *, lower: bool = False) -> None:
        arr = _plain(arr)
        if arr is None or n == 0:
            self.values: list[str] = [""]
            self.codes = np.zeros(n, dtype=np.int64)
            return
        enc = pc.dictionary_encode(arr)
        values = [cell_text(v, lower=lower) for v in enc.dictionary.to_pylist()]
        self.values = [*values, ""]
        self.codes = _np(pc.fill_null(enc.indices, len(values))).astype(np.int64)

    def per_value(self, fn: Callable[[str], Any], dtype: Any) -> np.ndarray:
        """``fn`` of each distinct value, spread over the rows."""
        return np.asarray([fn(v) for v in self.values], dtype=dtype)[self.codes]

    @property
    def empty(self) -> np.ndarray:
        return self.per_value(lambda v: v == "", bool)

    def text(self, i: int) -> str:
        return self.values[int(self.codes[i])]


class ZonedTimes(Codes):
    """A typed timestamp column with a time zone (Parquet from a meter-data system): nothing
    to parse, so no dictionary of texts either; a cell's text is made only for a message."""

    def __init__(self, arr: pa.Array, n: int) -> None:
        self.arr = arr
        self.values = [""]
        self.codes = np.zeros(n, dtype=np.int64)

    @property
    def empty(self) -> np.ndarray:
        return _np(pc.is_null(self.arr))

    def text(self, i: int) -> str:
        return as_cell(self.arr[i].as_py()).strip()


def _time_cells(arr: pa.Array | None, n: int) -> Codes:
    arr = _plain(arr)
    if arr is not None and n and pa.types.is_timestamp(arr.type) and arr.type.tz is not None:
        return ZonedTimes(arr, n)
    return Codes(arr, n)


class _Rules:
    """Collects problems per rule; ``bad`` marks the rows refused so far."""

    def __init__(self, chunk: RawChunk) -> None:
        self.chunk = chunk
        self.bad = np.zeros(chunk.size, dtype=bool)
        self.problems: list[Problem] = []

    def fail(self, mask: np.ndarray, column: str, reason: Callable[[int], str] | str) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        self.bad[idx] = True
        lines = self.chunk.lines
        for i in idx.tolist():
            why = reason if isinstance(reason, str) else reason(i)
            self.problems.append(Problem(int(lines[i]), column, why, self.chunk.raw(i)))


def check_chunk(chunk: RawChunk, spec: SourceSpec, *, decimal: str = ".", now_us: int,
                times: TimeCache) -> CheckedChunk:
    """Apply every rule to a chunk. Rows whose cells are all empty are skipped (not received);
    every other row is either in ``table`` or has at least one problem."""
    n = chunk.size
    cols = chunk.columns
    meter = _meters(cols.get("meter"), n)
    meter_empty = _np(pc.equal(meter, ""))
    quantity = Codes(cols.get("quantity"), n, lower=True)
    unit = Codes(cols.get("unit"), n)
    klass = Codes(cols.get("customer_class"), n, lower=True)
    values, status, shown = _values(cols.get("value"), decimal, n)
    time = _time_cells(cols.get("time"), n)
    time_empty = time.empty

    blank = (meter_empty & quantity.empty & unit.empty & klass.empty & (status == MISSING)
             & time_empty)
    rules = _Rules(chunk)
    rules.bad |= blank  # skipped, not refused
    filled = ~blank
    # A required column the chunk lacks is the header's mistake, said once on line 1 (the
    # payload is refused for it): its rows are checked on their other cells, not told again.
    required = {c: filled if c in cols else np.zeros(n, dtype=bool) for c in REQUIRED}

    # meter
    rules.fail(meter_empty & required["meter"], "meter", "required")
    too_long = _np(pc.greater(pc.utf8_length(meter), MAX_METER))
    rules.fail(too_long, "meter", f"longer than {MAX_METER} characters")
    rules.fail(_np(pc.match_substring_regex(meter, CONTROL)), "meter",
               "holds a control character (a line break, a tab, a NUL...): a meter's id "
               "is one line of text")

    # quantity
    names = list(spec.quantities)
    qidx = quantity.per_value(lambda v: names.index(v) if v in names else -1, np.int64)
    rules.fail(quantity.empty & required["quantity"], "quantity", "required")
    rules.fail((qidx < 0) & ~quantity.empty & filled, "quantity",
               lambda i: f"{quantity.text(i)!r} is not a quantity of this source "
                         f"({', '.join(names)})")

    # value
    rules.fail((status == MISSING) & required["value"], "value", "required")
    rules.fail(status == NOT_A_NUMBER, "value", lambda i: f"{shown(i)!r} is not a number")
    rules.fail(status == INFINITE, "value", lambda i: f"{shown(i)!r} is not a finite number")
    value_ok = status == OK

    # unit, converted to the quantity's canonical unit: once per (quantity, unit) pair
    scale = np.full(n, np.nan)
    offset = np.zeros(n)
    rules.fail(unit.empty & required["unit"], "unit", "required")
    qi = np.where(qidx >= 0, qidx, len(names))
    pair = qi * len(unit.values) + unit.codes
    unit_reason: dict[int, str] = {}
    for code in np.unique(pair[filled]).tolist():
        q, u = divmod(code, len(unit.values))
        given = unit.values[u]
        if given == "":
            continue
        try:
            pint_unit(given)
        except UnitError as exc:
            unit_reason[code] = str(exc)
            continue
        if q == len(names):
            continue  # the quantity is wrong: its own rule says so
        canonical_unit = spec.quantities[names[q]].unit
        try:
            a, b = converter(given, canonical_unit)
        except UnitError:
            unit_reason[code] = (f"unit {given!r} cannot be converted to {canonical_unit}, "
                                 f"the unit of {names[q]}")
            continue
        rows = pair == code
        scale[rows], offset[rows] = a, b
    if unit_reason:
        rules.fail(np.isin(pair, list(unit_reason)) & filled, "unit",
                   lambda i: unit_reason[int(pair[i])])
    converted = values * scale + offset

    # range, in the canonical unit
    lo = np.array([np.nan if q.min is None else q.min for q in spec.quantities.values()]
                  + [np.nan])
    hi = np.array([np.nan if q.max is None else q.max for q in spec.quantities.values()]
                  + [np.nan])
    checkable = value_ok & np.isfinite(scale) & filled

    def range_reason(i: int, bound: np.ndarray, word: str) -> str:
        q = spec.quantities[names[qidx[i]]]
        given = f"{shown(i)} {unit.text(i)}"
        if unit.text(i) != q.unit:
            given += f" = {fmt(converted[i])} {q.unit}"
        return f"{given} is {word} {fmt(bound[qi[i]])} {q.unit} of {q.name}"

    with np.errstate(invalid="ignore"):
        below = checkable & (converted < lo[qi])
        above = checkable & (converted > hi[qi])
    rules.fail(below, "value", lambda i: range_reason(i, lo, "below the minimum"))
    rules.fail(above, "value", lambda i: range_reason(i, hi, "above the maximum"))

    # customer class (optional)
    known = klass.per_value(lambda v: v == "" or v in CUSTOMER_CLASSES, bool)
    rules.fail(~known & filled, "customer_class",
               lambda i: f"{klass.text(i)!r} is not a customer class "
                         f"({', '.join(CUSTOMER_CLASSES)})")

    # time: parsed once per distinct cell
    ts, time_reason, ambiguous, time_reasons = _times(cols.get("time"), time, times)
    rules.fail(time_empty & required["time"], "time", "required")
    rules.fail((time_reason >= 0) & filled, "time",
               lambda i: time_reasons[int(time_reason[i])])
    limit = now_us + FUTURE_SLACK // timedelta(microseconds=1)
    rules.fail((time_reason < 0) & ~time_empty & (ts > limit) & filled, "time",
               lambda i: f"{time.text(i)} is more than a day in the future")
    rules.fail((time_reason < 0) & ~time_empty & (ts < spec.earliest_us) & filled, "time",
               lambda i: f"{time.text(i)} is before {spec.earliest.isoformat()}, the earliest "
                         "time this platform takes a reading from (a device's clock not set?)")

    good = ~rules.bad
    idx = np.flatnonzero(good)
    take = pa.array(idx, pa.int64())
    ts_good = ts[idx]
    pmonth = ts_good.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
    klass_names = pa.array([v or None for v in klass.values], pa.string())
    table = pa.table({
        "meter": meter.take(take),
        "quantity": pa.array(names + [""], pa.string()).take(pa.array(qi[idx])),
        "ts": pa.array(ts_good, pa.timestamp("us", tz="UTC")),
        "value": pa.array(converted[idx], pa.float64()),
        "unit": pa.array([q.unit for q in spec.quantities.values()] + [""],
                         pa.string()).take(pa.array(qi[idx])),
        "customer_class": klass_names.take(pa.array(klass.codes[idx])),
        "line": pa.array(chunk.lines[idx], pa.int64()),
        "pmonth": pa.array(pmonth, pa.int32()),
        "raw": (chunk.raw_json.take(take) if chunk.raw_json is not None
                else pa.nulls(len(idx), pa.string())),
    }, schema=READING_SCHEMA)
    reader_lines = len({p.line for p in chunk.problems})
    return CheckedChunk(table=table, problems=chunk.problems + rules.problems,
                        received=int(filled.sum()) + reader_lines,
                        rejected=int((rules.bad & filled).sum()) + reader_lines,
                        ambiguous=int((ambiguous & good).sum()))


def _meters(arr: pa.Array | None, n: int) -> pa.Array:
    """Meter ids as trimmed text ('' when missing): ids may come typed from Parquet."""
    arr = _plain(arr)
    if arr is None:
        return pa.array([""] * n, pa.string())
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        if pa.types.is_floating(arr.type):
            arr = pa.array([None if v is None else as_cell(v) for v in arr.to_pylist()],
                           pa.string())
        else:
            arr = pc.cast(arr, pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(arr.cast(pa.string()), ""))


OK, MISSING, NOT_A_NUMBER, INFINITE = 0, 1, 2, 3


def _values(raw: pa.Array | None, decimal: str, n: int
            ) -> tuple[np.ndarray, np.ndarray, Callable[[int], str]]:
    """(values, status per row, the cell as shown in a message) from typed numbers or from
    text, which may use a decimal comma and spaces between thousands."""
    raw = _plain(raw)
    if raw is None:
        return np.full(n, np.nan), np.full(n, MISSING, dtype=np.int8), lambda i: ""
    if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type) \
            or pa.types.is_decimal(raw.type):
        floats = pc.cast(raw, pa.float64())
        vals = _np(pc.fill_null(floats, np.nan)).astype(np.float64)
        null = ~_np(pc.is_valid(floats))
        status = np.where(null, MISSING, np.where(np.isfinite(vals), OK, INFINITE))

        def typed(i: int) -> str:
            return fmt(float(vals[i])) if np.isfinite(vals[i]) else repr(float(vals[i]))

        return vals, status.astype(np.int8), typed
    if not (pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type)):
        raw = pc.cast(raw, pa.string())
    text = pc.utf8_trim_whitespace(pc.fill_null(raw.cast(pa.string()), ""))
    empty = _np(pc.equal(text, ""))

    def cell(i: int) -> str:
        return str(text[i].as_py())

    s = text
    if decimal == ",":
        s = pc.replace_substring(pc.replace_substring(s, ".", ""), ",", ".")
    if not empty.any():
        try:  # the common case: every cell is a plain number
            vals = _np(pc.cast(s, pa.float64())).astype(np.float64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            status = np.where(np.isfinite(vals), OK, INFINITE).astype(np.int8)
            return vals, status, cell
    s = pc.replace_substring(pc.replace_substring(s, " ", ""), "\u00a0", "")
    ok = _np(pc.match_substring_regex(s, NUMBER))
    vals = _np(pc.fill_null(pc.cast(pc.if_else(pa.array(ok), s, None), pa.float64()),
                            np.nan)).astype(np.float64)
    not_finite = _np(pc.match_substring_regex(pc.utf8_lower(s), NOT_FINITE)) \
        | (ok & ~np.isfinite(vals))  # a literal nan/inf, or too large for a float
    status = np.select([empty, not_finite, ~ok], [MISSING, INFINITE, NOT_A_NUMBER], OK)
    return vals, status.astype(np.int8), cell


class _Reasons:
    """Distinct reasons of one chunk, numbered: a chunk has few distinct reasons."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.index: dict[str, int] = {}

    def number(self, reason: str) -> int:
        if reason not in self.index:
            self.index[reason] = len(self.reasons)
            self.reasons.append(reason)
        return self.index[reason]


def _nonexistent(shown: str, zone: ZoneInfo) -> str:
    return (f"{shown!r} does not exist in {zone.key}: the clocks skip this hour when summer "
            "time begins; give the time with its UTC offset")


def _times(raw: pa.Array | None, codes: Codes, cache: TimeCache
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(microseconds UTC, reason number or -1, ambiguous) per row, and the reasons. Each
    distinct cell is converted once; typed timestamps with a zone need no conversion."""
    raw = _plain(raw)
    n = len(codes.codes)
    if raw is not None and pa.types.is_timestamp(raw.type) and raw.type.tz is not None:
        utc = pc.cast(raw, pa.timestamp("us", tz="UTC"))
        ts = _np(pc.fill_null(utc.cast(pa.int64()), 0)).astype(np.int64)
        return ts, np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool), []
    reasons = _Reasons()
    u_ts: list[int] = []
    u_reason: list[int] = []
    u_amb: list[bool] = []
    if raw is not None and (pa.types.is_timestamp(raw.type) or pa.types.is_date(raw.type)):
        # wall-clock times in the source's zone
        walls = pc.cast(pc.cast(raw, pa.timestamp("us")), pa.int64())
        enc = pc.dictionary_encode(walls)
        for v in [*enc.dictionary.to_pylist(), None]:
            if v is None:
                u_ts.append(0)
                u_reason.append(-1)
                u_amb.append(False)
                continue
            wall = datetime(1970, 1, 1) + timedelta(microseconds=v)
            micros, amb = local_to_utc(wall, cache.zone)
            u_ts.append(micros or 0)
            u_amb.append(amb)
            u_reason.append(-1 if micros is not None else
                            reasons.number(_nonexistent(wall.isoformat(sep=" "), cache.zone)))
        pos = _np(pc.fill_null(enc.indices, len(u_ts) - 1)).astype(np.int64)
    else:
        for text in codes.values:
            micros, why, amb = cache.get(text) if text else (0, None, False)
            u_ts.append(micros or 0)
            u_reason.append(-1 if why is None else reasons.number(why))
            u_amb.append(amb)
        pos = codes.codes
    return (np.asarray(u_ts, dtype=np.int64)[pos], np.asarray(u_reason, dtype=np.int64)[pos],
            np.asarray(u_amb, dtype=bool)[pos], reasons.reasons)


def utc_iso(micros: int) -> str:
    return (EPOCH + timedelta(microseconds=micros)).isoformat().replace("+00:00", "Z")


def cell_text(value: Any, *, lower: bool = False) -> str:
    """A cell as the rules read a quantity, unit or class: its text, trimmed (and lowered)."""
    text = as_cell(value).strip()
    return text.lower() if lower else text


def as_cell(value: Any) -> str:
    """A record's value as the text a file would carry."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
