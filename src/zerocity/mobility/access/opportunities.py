"""A city's opportunities file (what accessibility counts), read and checked, and the grid of
cells accessibility is computed on.

The file is CSV, UTF-8: ``lat``, ``lon`` (WGS 84 decimal degrees) and a count per kind
(``residents``, ``jobs``, ``schools``, ``health``; at least one of them, whole numbers >= 0);
other columns (an id, a name) are ignored. Lines starting with ``#`` before the header are the
file's notes, kept with it: a file whose notes say ``SYNTHETIC`` is labelled so wherever its
numbers are shown. Every bad value is reported at once, as ``line N, column C: reason``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zerocity.mobility.planner import transfers as tr

KINDS = ("residents", "jobs", "schools", "health")
DEG_M = tr.EARTH_M * math.pi / 180  # metres per degree of latitude (spherical earth)
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line is not None else ""
        return f"{where}column {self.column}: {self.reason}" if self.column else \
            f"{where}{self.reason}"


class OpportunitiesInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class Opportunities:
    """Points with a count per kind; ``notes`` the file's ``#`` lines."""

    kinds: tuple[str, ...]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    counts: npt.NDArray[np.int64]  # [points, kinds]
    notes: tuple[str, ...] = ()

    @property
    def synthetic(self) -> bool:
        return any("SYNTHETIC" in n.upper() for n in self.notes)

    def totals(self) -> dict[str, int]:
        return {k: int(self.counts[:, i].sum()) for i, k in enumerate(self.kinds)}

    def rows(self) -> list[list[float | int]]:
        """[lat, lon, count per kind] per point, as stored."""
        return [[float(a), float(b), *(int(c) for c in row)]
                for a, b, row in zip(self.lat, self.lon, self.counts, strict=True)]

    @classmethod
    def from_rows(cls, kinds: list[str], rows: list[list[float]],
                  notes: list[str]) -> Opportunities:
        arr = np.asarray(rows, dtype=np.float64).reshape(-1, 2 + len(kinds))
        return cls(tuple(kinds), arr[:, 0].copy(), arr[:, 1].copy(),
                   arr[:, 2:].astype(np.int64), tuple(notes))


def parse(data: bytes) -> Opportunities:
    """The file's points, or :class:`OpportunitiesInvalid` with every problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OpportunitiesInvalid([Problem(None, "", f"the file is not UTF-8 text ({exc})")]
                                   ) from None
    lines = text.splitlines()
    notes: list[str] = []
    skip = 0
    while skip < len(lines) and lines[skip].lstrip().startswith("#"):
        notes.append(lines[skip].lstrip()[1:].strip())
        skip += 1
    reader = csv.reader(io.StringIO("\n".join(lines[skip:])))
    header = [h.strip().lower() for h in next(reader, [])]
    problems: list[Problem] = []
    if not header or header == [""]:
        raise OpportunitiesInvalid([Problem(skip + 1 if skip else None, "",
                                            "the file has no header line")])
    for need in ("lat", "lon"):
        if need not in header:
            problems.append(Problem(skip + 1, need, "missing column"))
    kinds = [k for k in KINDS if k in header]
    if not kinds:
        problems.append(Problem(skip + 1, "", "no count column: give at least one of "
                                + ", ".join(KINDS)))
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    for d in dupes:
        problems.append(Problem(skip + 1, d, "the column is named twice"))
    if problems:
        raise OpportunitiesInvalid(problems)
    col = {h: i for i, h in enumerate(header)}
    rows: list[list[float]] = []
    for n, record in enumerate(reader, start=skip + 2):
        if not record or all(not v.strip() for v in record):
            continue
        if len(record) != len(header):
            problems.append(Problem(n, "", f"{len(record)} values for {len(header)} columns"))
            continue
        row: list[float] = []
        for name, word, lo, hi in (("lat", "latitude", -90.0, 90.0),
                                   ("lon", "longitude", -180.0, 180.0)):
            raw = record[col[name]].strip()
            try:
                v = float(raw)
            except ValueError:
                v = math.nan
            if not math.isfinite(v) or not lo <= v <= hi:
                problems.append(Problem(n, name, f'"{raw}" is not a {word} between {lo:g} '
                                        f"and {hi:g}"))
            row.append(v)
        for k in kinds:
            raw = record[col[k]].strip()
            if raw == "":
                row.append(0.0)
                continue
            if not raw.isdigit():
                problems.append(Problem(n, k, f'"{raw}" is not a whole number >= 0'))
                row.append(0.0)
                continue
            row.append(float(int(raw)))
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise OpportunitiesInvalid([Problem(n, "", f"more than {MAX_ROWS} rows: "
                                                "aggregate the points first")])
    if not rows and not problems:
        problems.append(Problem(None, "", "the file has no rows"))
    if problems:
        raise OpportunitiesInvalid(problems)
    return Opportunities.from_rows(kinds, rows, notes)


# -- the grid ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """Square cells of ``cell_m`` metres (on a local equirectangular projection) covering the
    points' bounding box, rows south to north, columns west to east; cell ``r{row}c{col}``."""

    lat0: float
    lon0: float
    cell_m: float
    rows: int
    cols: int

    @property
    def dlat(self) -> float:
        return self.cell_m / DEG_M

    @property
    def dlon(self) -> float:
        return self.cell_m / (DEG_M * math.cos(math.radians(self.lat0 + self.rows * self.dlat
                                                             / 2)))

    @property
    def n_cells(self) -> int:
        return self.rows * self.cols

    def centres(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        r, c = np.divmod(np.arange(self.n_cells), self.cols)
        return self.lat0 + (r + 0.5) * self.dlat, self.lon0 + (c + 0.5) * self.dlon

    def cell_id(self, i: int) -> str:
        r, c = divmod(i, self.cols)
        return f"r{r}c{c}"

    def cell_of(self, lat: npt.NDArray[np.float64],
                lon: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        r = np.clip(np.floor((lat - self.lat0) / self.dlat), 0, self.rows - 1).astype(np.int64)
        c = np.clip(np.floor((lon - self.lon0) / self.dlon), 0, self.cols - 1).astype(np.int64)
        return r * self.cols + c

    @classmethod
    def covering(cls, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64],
                 cell_m: float) -> Grid:
        if cell_m <= 0:
            raise ValueError("the cell size must be positive")
        lat0, lon0 = float(np.min(lat)), float(np.min(lon))
        dlat = cell_m / DEG_M
        rows = int(math.floor((float(np.max(lat)) - lat0) / dlat)) + 1
        probe = cls(lat0, lon0, cell_m, rows, 1)
        cols = int(math.floor((float(np.max(lon)) - lon0) / probe.dlon)) + 1
        return cls(lat0, lon0, cell_m, rows, cols)


def aggregate(opp: Opportunities, grid: Grid) -> npt.NDArray[np.int64]:
    """Each cell's count per kind ([cells, kinds]): a point counts in the cell it lies in."""
    cells = grid.cell_of(opp.lat, opp.lon)
    out = np.zeros((grid.n_cells, len(opp.kinds)), dtype=np.int64)
    np.add.at(out, cells, opp.counts)
    return out
