"""GTFS Schedule read and checked the way the MobilityData validator checks it (its rule codes and
severities), on pandas: pure functions over the feed's tables, no database."""
