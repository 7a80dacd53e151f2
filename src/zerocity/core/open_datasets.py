"""What an open dataset of the city's data platform is: its key, texts, EU data themes, columns
and how it is built. The data platform publishes its own (``zerocity.data.opendata``) and those
the other apps register through ``core.hooks.open_data``, so neither imports the other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    import pandas as pd

    from zerocity.core.models import City


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # int, float, str, bool
    description: Promise | str
    unit: str = ""


@dataclass(frozen=True)
class Dataset:
    """``build(city)`` returns the rows with exactly ``columns`` (empty, with them, when there
    is nothing to publish); ``frequency`` is the EU frequency authority's code of how often
    the figures change (MONTHLY, IRREG, ...)."""

    key: str
    title: Promise
    description: Promise
    themes: tuple[str, ...]  # EU data themes: ENER, ENVI, TRAN, ...
    keywords: tuple[Promise, ...]
    columns: tuple[Column, ...]
    build: Callable[[City], pd.DataFrame]
    chart: str  # the column the public page charts
    frequency: str = "MONTHLY"
