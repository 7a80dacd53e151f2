"""Turning an engine's result into the DataFrame a pipeline returns: fixed columns, dtypes and
row order, so that the output of DuckDB and of Spark compare equal with ``assert_frame_equal``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# kind per column: str, int, float, str_list (sorted, distinct), int_list (sorted, distinct)
Kinds = Mapping[str, str]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _as_list(value: Any, cast: type) -> list[Any]:
    """A sorted list of the distinct values of an engine's array (or array of arrays: the
    batches of the groups a GPC row adds up)."""
    if _missing(value):
        return []
    out: set[Any] = set()
    for v in value:
        if isinstance(v, (list, tuple, np.ndarray)):
            out.update(cast(x) for x in v if not _missing(x))
        elif not _missing(v):
            out.add(cast(v))
    return sorted(out)


def empty(kinds: Kinds) -> pd.DataFrame:
    return finish(pd.DataFrame({c: [] for c in kinds}), kinds, [])


def finish(df: pd.DataFrame, kinds: Kinds, sort: Sequence[str]) -> pd.DataFrame:
    """Columns in the order of ``kinds``, each of its kind, rows sorted by ``sort`` (missing
    values last), a fresh RangeIndex."""
    out = pd.DataFrame(index=df.index)
    for column, kind in kinds.items():
        values = df[column]
        if kind == "str":
            out[column] = pd.Series(
                [None if _missing(v) else str(v) for v in values], index=df.index, dtype=object)
        elif kind == "int":
            out[column] = values.astype("int64")
        elif kind == "float":
            out[column] = pd.to_numeric(values).astype("float64")
        elif kind == "str_list":
            out[column] = pd.Series([_as_list(v, str) for v in values], index=df.index,
                                    dtype=object)
        elif kind == "int_list":
            out[column] = pd.Series([_as_list(v, int) for v in values], index=df.index,
                                    dtype=object)
        else:  # pragma: no cover - a programming error
            raise ValueError(kind)
    if sort and len(out):
        # NaN/None sort last; object columns with None sort via a helper key
        out = out.sort_values(list(sort), na_position="last", kind="mergesort",
                              key=lambda s: s.map(lambda v: (v is None, v)) if s.dtype == object
                              else s)
    return out.reset_index(drop=True)
