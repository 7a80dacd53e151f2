"""Distances on the sphere, on arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: object, lon1: object, lat2: object, lon2: object) -> np.ndarray:
    """Great-circle distance in metres (haversine); NaN where a coordinate is missing."""
    a1, o1, a2, o2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((a2 - a1) / 2) ** 2 + np.cos(a1) * np.cos(a2) * np.sin((o2 - o1) / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    return result


def positions(stop_ids: pd.Series, lat: pd.Series, lon: pd.Series,
              parent: pd.Series) -> pd.DataFrame:
    """Each stop's position, or its parent station's when it has none (a platform given only
    by its station): index stop_id, columns lat and lon (NaN when neither has one)."""
    own = pd.DataFrame({"lat": lat.to_numpy(), "lon": lon.to_numpy(),
                        "parent": parent.to_numpy()}, index=stop_ids.to_numpy())
    own = own[~own.index.duplicated()]
    missing = own["lat"].isna() | own["lon"].isna()
    up = own.loc[missing, "parent"]
    found = own.reindex(up.to_numpy())[["lat", "lon"]].to_numpy()
    own.loc[missing, ["lat", "lon"]] = found
    return own[["lat", "lon"]]
