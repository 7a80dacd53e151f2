"""The analytic pipelines of the data platform: readings (partitioned Parquet) in, activity
data and indicators out, defined once with Ibis and run on DuckDB (default) or Apache Spark
(``ZEROCITY_ENGINE=spark`` or ``engine="spark"``). See docs/data.md, "Pipelines".

Every function takes the readings dataset path and returns a pandas DataFrame with fixed
columns and row order, so that both engines' outputs compare exactly.
"""

from __future__ import annotations

from .activity import monthly_activity, pv_production, yearly_activity
from .engines import ENGINES, EngineError, connect, engine_name
from .gpc import GAS_KWH_PER_M3, MAPPING_FILE, gpc_activity, load_mapping
from .nowcast import nowcast

__all__ = [
    "ENGINES", "GAS_KWH_PER_M3", "MAPPING_FILE", "EngineError", "connect",
    "engine_name", "gpc_activity", "load_mapping", "monthly_activity", "nowcast",
    "pv_production", "yearly_activity",
]
