"""The city data platform: sources, intake (validation, quarantine), the Parquet store of
readings, and the pipelines and open data built on it (see docs/data.md)."""
