"""The city data platform: sources, intake (validation, quarantine), the Parquet store of
readings, and the pipelines and open data built on it (see docs/data.md)."""

# The ingest's working area under DATA_DIR (``core.workdirs``), named here so that the app can
# register it at start-up without importing the store (pyarrow, DuckDB).
STAGING_AREA = "ingest-tmp"
