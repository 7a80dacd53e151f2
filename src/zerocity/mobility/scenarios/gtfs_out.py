"""A scenario's tables as a GTFS zip, carrying the source feed's attribution and licence.

A republished scenario is a derived work of its source feed: NAP's national GTFS is CC BY-SA
4.0, whose terms ask to name the source, keep the licence and say that the data was changed
(research mobility-upscale.md §1.3 and §6 check 24). So the zip keeps the source's
``feed_info.txt`` with ``feed_license`` (a column GTFS lacks and ZeroCity's import reads), a
``feed_version`` naming the scenario, and an ``attributions.txt`` row for the source's
publisher. The bytes depend only on the tables: the same tables, the same zip.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd

Tables = dict[str, pd.DataFrame]
KEEP_EMPTY = frozenset({"agency", "routes", "trips", "stop_times", "stops"})


def attributed(tables: Tables, *, licence: str, attribution: str, publisher: str,
               publisher_url: str, version_label: str) -> Tables:
    """The tables with the source's licence and attribution written into feed_info.txt and
    attributions.txt, and ``version_label`` as the feed_version."""
    out = dict(tables)
    agency = tables.get("agency", pd.DataFrame())

    def first(col: str) -> str:
        return str(agency[col].iloc[0]) if col in agency.columns and len(agency) else ""

    info = tables.get("feed_info")
    if info is None or not len(info):
        info = pd.DataFrame([{
            "feed_publisher_name": publisher or first("agency_name"),
            "feed_publisher_url": publisher_url or first("agency_url"),
            "feed_lang": first("agency_lang") or "mul"}], dtype=str)
    info = info.iloc[:1].copy()
    info["feed_version"] = version_label
    if licence:
        info["feed_license"] = licence
    out["feed_info"] = info
    name = attribution or publisher or first("agency_name")
    if name:
        url = publisher_url or str(info["feed_publisher_url"].iloc[0])
        row = {"attribution_id": "source-feed", "organization_name": name[:500],
               "is_producer": "1", "attribution_url": url}
        old = tables.get("attributions")
        if old is None or not len(old):
            out["attributions"] = pd.DataFrame([row], dtype=str)
        elif not (old.get("attribution_id", pd.Series(dtype=str)) == "source-feed").any():
            cols = list(dict.fromkeys([*old.columns, *row]))
            out["attributions"] = pd.concat(
                [old.reindex(columns=cols, fill_value=""),
                 pd.DataFrame([row], columns=cols, dtype=str).fillna("")], ignore_index=True)
    return out


def to_zip(tables: Tables) -> bytes:
    """The tables as GTFS text files in a zip (files in name order, a fixed time stamp); a
    table with no rows is left out, except the ones GTFS requires."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(tables):
            frame = tables[name]
            if not len(frame) and name not in KEEP_EMPTY:
                continue
            text = frame.astype(str).to_csv(index=False, lineterminator="\r\n",
                                            quoting=csv.QUOTE_MINIMAL)
            info = zipfile.ZipInfo(f"{name}.txt", date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, text.encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()
