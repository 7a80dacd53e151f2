"""Each file's columns and values against the schema (``schema.py``): missing required files
and columns, unknown ones, empty required fields, values that are not of their field's type
or outside its range, all column by column on whole arrays.

What it parses (times in seconds, dates, numbers) is kept in ``Checked`` for the rules that
follow; a value that is empty or invalid is NaN there, so a rule never reports again what a
type check already did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from zoneinfo import available_timezones

import numpy as np
import pandas as pd

from zerocity.mobility.gtfs import schema as s
from zerocity.mobility.gtfs.notices import ERROR, INFO, WARNING, Notices, quoted
from zerocity.mobility.gtfs.reader import RawFeed, RawTable

FLOAT_TEXT = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
INT_TEXT = r"[+-]?\d+"
PATTERNS = {
    s.URL: (r"(?i)https?://[^\s/?#@]+\.[^\s/?#]+(?::\d+)?(?:[/?#]\S*)?", "invalid_url",
            "is not an http(s) URL"),
    s.EMAIL: (r"[^@\s]+@[^@\s]+\.[^@\s]+", "invalid_email", "is not an e-mail address"),
    s.PHONE: (r"(?=(?:\D*\d){3})[0-9A-Za-z +()./#,;*-]+", "invalid_phone_number",
              "is not a phone number"),
    s.LANG: (r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", "invalid_language_code",
             "is not a language code (IETF BCP 47)"),
    s.CURRENCY: (r"[A-Z]{3}", "invalid_currency", "is not an ISO 4217 currency code"),
    s.COLOR: (r"[0-9A-Fa-f]{6}", "invalid_color", "is not a colour RRGGBB"),
}
RANGES = {s.LAT: (-90.0, 90.0), s.LON: (-180.0, 180.0)}


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def seconds(values: pd.Series) -> pd.Series:
    """HH:MM:SS (or H:MM:SS, hours past 24 allowed) as seconds after noon minus 12 h; NaN
    where empty or not a time. Read as eight bytes per value with numpy: stop_times of a
    national feed hold millions of times."""
    out = np.full(len(values), np.nan)
    lengths = values.str.len().to_numpy()
    fits = ((lengths == 8) | (lengths == 7)) & values.str.isascii().to_numpy(dtype=bool)
    if fits.any():
        text = values[fits].str.zfill(8).to_numpy(dtype="S8")
        b = text.view(np.uint8).reshape(-1, 8).astype(np.int64) - ord("0")
        digits = b[:, [0, 1, 3, 4, 6, 7]]
        ok = (((digits >= 0) & (digits <= 9)).all(axis=1) & (b[:, 2] == ord(":") - ord("0"))
              & (b[:, 5] == ord(":") - ord("0")) & (b[:, 3] <= 5) & (b[:, 6] <= 5))
        value = (b[:, 0] * 10 + b[:, 1]) * 3600 + (b[:, 3] * 10 + b[:, 4]) * 60 \
            + b[:, 6] * 10 + b[:, 7]
        out[np.flatnonzero(fits)] = np.where(ok, value, np.nan)
    return pd.Series(out, index=values.index)


def dates(values: pd.Series) -> pd.Series:
    """YYYYMMDD as dates (datetime64); NaT where empty or not a real date."""
    return pd.to_datetime(values.where(values.str.fullmatch(r"\d{8}")), format="%Y%m%d",
                          errors="coerce")


@dataclass
class Checked:
    """The feed after the field checks: its tables, and the parsed values of typed fields."""

    feed: RawFeed
    values: dict[tuple[str, str], pd.Series] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.feed.tables

    def table(self, name: str) -> RawTable | None:
        return self.feed.tables.get(name)

    def frame(self, name: str) -> pd.DataFrame:
        t = self.feed.tables.get(name)
        return t.frame if t is not None else pd.DataFrame()

    def lines(self, name: str) -> np.ndarray:
        t = self.feed.tables.get(name)
        return t.lines if t is not None else np.zeros(0, dtype=np.int64)

    def text(self, name: str, column: str) -> pd.Series:
        """A column's values, "" for every row where the file has no such column."""
        frame = self.frame(name)
        if column in frame.columns:
            return frame[column]
        return pd.Series([""] * len(frame), index=frame.index, dtype=str)

    def number(self, name: str, column: str) -> pd.Series:
        """A typed column's parsed values (seconds for a time, a date for a date); NaN where
        empty, invalid or absent."""
        got = self.values.get((name, column))
        if got is not None:
            return got
        return pd.Series(np.nan, index=self.frame(name).index, dtype=float)


def check_fields(feed: RawFeed, notices: Notices) -> Checked:
    checked = Checked(feed)
    for name, table in feed.tables.items():
        spec = s.TABLES.get(name)
        if spec is not None:
            _check_table(checked, table, spec, notices)
    return checked


def _check_table(checked: Checked, table: RawTable, spec: s.Table, notices: Notices) -> None:
    file, frame, lines = table.file, table.frame, table.lines
    for column in frame.columns:
        if spec.field(column) is None:
            notices.add("unknown_column", INFO, file, 1, column,
                        "not a field of this file in the GTFS reference; kept as it is")
    for f in spec.fields:
        if f.name not in frame.columns:
            if f.required:
                notices.add("missing_required_column", ERROR, file, 1, f.name,
                            "the file has no such column")
            continue
        values = frame[f.name]
        empty = (values == "").to_numpy(dtype=bool)
        if f.required:
            notices.add_rows("missing_required_field", ERROR, file, lines[empty], f.name,
                             "the field is required and empty")
        parsed = _check_values(file, f, values, empty, lines, notices)
        if parsed is not None:
            checked.values[(spec.name, f.name)] = parsed


def _check_values(file: str, f: s.Field, values: pd.Series, empty: np.ndarray,
                  lines: np.ndarray, notices: Notices) -> pd.Series | None:
    def bad(mask: np.ndarray, code: str, what: str, severity: str = ERROR) -> None:
        notices.add_rows(code, severity, file, lines[mask], f.name,
                         quoted(values[mask]) + " " + what)

    if f.kind in PATTERNS:
        regex, code, what = PATTERNS[f.kind]
        bad(~empty & ~values.str.fullmatch(regex).to_numpy(dtype=bool), code, what)
        return None
    if f.kind == s.TIMEZONE:
        bad(~empty & ~values.isin(_zones()).to_numpy(dtype=bool), "invalid_timezone",
            "is not a time zone of the IANA database")
        return None
    if f.kind == s.TIME:
        parsed = seconds(values)
        bad(~empty & parsed.isna().to_numpy(dtype=bool), "invalid_time",
            "is not a time HH:MM:SS")
        return parsed
    if f.kind == s.DATE:
        parsed = dates(values)
        bad(~empty & parsed.isna().to_numpy(dtype=bool), "invalid_date",
            "is not a date YYYYMMDD")
        return parsed
    if f.kind not in s.NUMERIC:
        return None
    integer = f.kind in (s.INT, s.ENUM)
    pattern = INT_TEXT if integer else FLOAT_TEXT
    wrong = ~empty & ~values.str.fullmatch(pattern).to_numpy(dtype=bool)
    bad(wrong, "invalid_integer" if integer else "invalid_float",
        "is not an integer" if integer else "is not a number")
    number = pd.to_numeric(values.where(~(empty | wrong)), errors="coerce").astype(float)
    low, high = RANGES.get(f.kind, (f.minimum, None))
    outside = np.zeros(len(values), dtype=bool)
    if low is not None:
        outside |= (number < low).to_numpy(dtype=bool)
    if high is not None:
        outside |= (number > high).to_numpy(dtype=bool)
    if f.positive:
        outside |= (number <= 0).to_numpy(dtype=bool)
    if outside.any():
        limits = (f"between {low:g} and {high:g}" if high is not None and low is not None
                  else "greater than 0" if f.positive else f"at least {low or 0:g}")
        bad(outside, "number_out_of_range", f"is out of range: it must be {limits}")
    number = number.where(~outside)
    if f.kind == s.ENUM and f.values:
        unexpected = (number.notna() & ~number.isin(f.values)).to_numpy(dtype=bool)
        bad(unexpected, "unexpected_enum_value", "is not a value the GTFS reference defines "
            "for this field", WARNING)
    return number
