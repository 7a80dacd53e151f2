"""Timetable scenarios: edits on a feed version (``edits``), applied to its tables
(``apply``), stored and versioned as derived feeds (``services``, ``selectors``) that the
planner routes on and that export as GTFS (``gtfs_out``). docs/mobility-scenarios.md."""
