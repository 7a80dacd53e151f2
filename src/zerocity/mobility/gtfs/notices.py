"""What a check finds: a notice with the MobilityData validator's code and severity, where it is
(file, line, column) and why, read as ``stops.txt line 4, column stop_lat: invalid_float: ...``.

Line 1 is a file's header and line N its (N-1)-th record: the line in a text editor whenever no
value holds a line break (which is itself an error, ``new_line_in_value``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

ERROR, WARNING, INFO = "ERROR", "WARNING", "INFO"


@dataclass(frozen=True, slots=True)
class Notice:
    code: str
    severity: str
    file: str  # "stops.txt", or the archive's name for a problem of the whole archive
    line: int | None  # None: the file as a whole (missing, empty)
    column: str
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.column:
            where += f", column {self.column}" if self.line is not None else \
                f" column {self.column}"
        return f"{where}: {self.code}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "file": self.file,
                "line": self.line, "column": self.column, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Notice:
        return cls(d["code"], d["severity"], d["file"], d.get("line"), d.get("column", ""),
                   d.get("reason", ""))


class Notices:
    """The notices of one check of a feed, in the order they are found; ``sorted`` puts them in
    file order, then by line."""

    def __init__(self) -> None:
        self._items: list[Notice] = []

    def add(self, code: str, severity: str, file: str, line: int | None, column: str,
            reason: str) -> None:
        self._items.append(Notice(code, severity, file, line, column, reason))

    def add_rows(self, code: str, severity: str, file: str, lines: Any, column: str,
                 reasons: Any) -> None:
        """One notice per row: ``lines`` and ``reasons`` are arrays (or Series) of the same
        length, or ``reasons`` is one text for all of them."""
        lines = np.asarray(lines, dtype=np.int64)
        if not len(lines):
            return
        if isinstance(reasons, str):
            texts: Iterable[str] = [reasons] * len(lines)
        else:
            texts = pd.Series(reasons).astype(str).tolist()
        self._items.extend(Notice(code, severity, file, int(n), column, r)
                           for n, r in zip(lines.tolist(), texts, strict=True))

    def __iter__(self) -> Iterator[Notice]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def of(self, severity: str) -> list[Notice]:
        return [n for n in self._items if n.severity == severity]

    def sorted(self, order: tuple[str, ...]) -> list[Notice]:
        rank = {f"{name}.txt": i for i, name in enumerate(order)}
        return sorted(self._items, key=lambda n: (rank.get(n.file, len(rank)), n.file,
                                                  n.line or 0, n.column, n.code))


def quoted(values: pd.Series) -> pd.Series:
    """Values as they read in a reason: ``"12:61:00"``."""
    return '"' + values.astype(str) + '"'
