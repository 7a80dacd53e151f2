"""The mobility app's open datasets on the data platform (``mobility.open_data``, registered
through ``core.hooks.open_data``): the bus service of the next working day equal to
``zerocity mobility stats``, the stored accessibility result cell by cell, both in the DCAT-AP
catalogue, downloadable as CSV, JSON and Parquet, and computed again when a new timetable or a
new result arrives.

The service feed is test_mobility_stats' hand-made one, its weekday calendar moved to run from
a month before today to a year after it, so whatever day the suite runs the next working day
has route A's seven trips; accessibility is computed on kranj-mini over one hour."""

from __future__ import annotations

import io
import json
from datetime import date, time, timedelta

import pandas as pd
import pyarrow.parquet as pq
import pytest
from django.conf import settings as django_settings
from django.test import Client
from rdflib import RDF, Graph, Namespace, URIRef

from journey_feeds import import_journey_feed
from test_mobility_accessibility import LINE_CSV
from test_mobility_stats import FILES, feed_zip
from zerocity.data import opendata
from zerocity.mobility import open_data, services
from zerocity.mobility import stats as reads
from zerocity.mobility.access import compute
from zerocity.mobility.access.services import (
    compute_accessibility,
    import_opportunities,
    latest_result,
    to_json,
)
from zerocity.mobility.periods import DEFAULT_PERIODS

pytestmark = pytest.mark.django_db
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SERVICE_COLUMNS = ["service_date", "route_id", "route_name", "trips", "first_departure",
                   "last_departure", "headway_05_07", "headway_07_09", "headway_09_14",
                   "headway_14_17", "headway_17_22", "peak_vehicles", "service_hours",
                   "bus_km", "speed_kmh"]
ACCESS_COLUMNS = ["service_date", "cell", "lat", "lon", "opportunity", "minutes", "p5", "p25",
                  "p50", "p75", "p95", "synthetic"]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return tmp_path


def around_today(city, files=FILES):  # type: ignore[no-untyped-def]
    """The hand-made feed with its weekday service running from a month ago to a year on (its
    Easter Monday exception stays: a public holiday is never the next working day)."""
    today = city.calendar.today()
    calendar = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                f"start_date,end_date\nWK,1,1,1,1,1,0,0,{today - timedelta(days=30):%Y%m%d},"
                f"{today + timedelta(days=365):%Y%m%d}\n")
    return feed_zip({**files, "calendar.txt": calendar})


@pytest.fixture
def timetable(city):  # type: ignore[no-untyped-def]
    return services.import_feed(city, around_today(city), filename="stats.zip",
                                actor="test").value


def test_the_datasets_are_registered_by_the_mobility_app_and_keep_their_columns():
    keys = [d.key for d in opendata.datasets()]
    assert keys == ["energy-use", "monthly-series", "emissions-nowcast", "bus-service",
                    "bus-accessibility"]
    assert [c.name for c in opendata.get_dataset("bus-service").columns] == SERVICE_COLUMNS
    assert [c.name for c in opendata.get_dataset("bus-accessibility").columns] == \
        ACCESS_COLUMNS
    # the columns are named at start-up without loading the planner: the same percentiles
    assert open_data.PERCENTILES == compute.PERCENTILES
    assert [open_data.headway_column(p) for p in DEFAULT_PERIODS] == SERVICE_COLUMNS[6:11]


def test_a_key_another_app_registered_is_refused():
    from zerocity.core import hooks

    twice = hooks.OpenDataPart(app="other", datasets=open_data.DATASETS[:1],
                               state=open_data.state, modified=open_data.modified)
    with pytest.raises(ValueError, match="registered twice: bus-service"):
        hooks.open_data(twice)
    assert [p.app for p in hooks.open_data_parts()] == ["mobility"]


def test_without_a_timetable_or_a_result_the_datasets_are_empty_with_their_columns(city):
    for key, columns in (("bus-service", SERVICE_COLUMNS),
                         ("bus-accessibility", ACCESS_COLUMNS)):
        df = opendata.frame(city, key)
        assert df.empty and list(df.columns) == columns, key
        assert opendata.download(city, key, "csv").decode() == ",".join(columns) + "\n"


def test_the_bus_service_rows_are_the_stats_of_the_next_working_day(city, timetable):
    day = city.calendar.next_working_day(city.calendar.today())
    assert open_data.service_date(city) == day
    df = opendata.frame(city, "bus-service")
    version, result = reads.compute(city, day)
    assert version == timetable
    expected = reads.as_json(city, version, result)["routes"]
    assert list(df["route_id"]) == [r["route_id"] for r in expected] == ["A", "B"]
    for row, route in zip(df.to_dict("records"), expected, strict=True):
        assert row["service_date"] == day.isoformat()
        for key in ("route_id", "route_name", "trips", "first_departure", "last_departure",
                    "peak_vehicles", "service_hours", "bus_km", "speed_kmh"):
            assert row[key] == route[key] or (route[key] is None and pd.isna(row[key])), key
        for p in DEFAULT_PERIODS:
            mean = route["headways"][p.name]["mean"]
            got = row[open_data.headway_column(p)]
            assert got == mean or (mean is None and pd.isna(got)), p.name
    # route A as worked by hand in test_mobility_stats: 7 trips, 22.5 minutes 07-09
    a = df.set_index("route_id").loc["A"]
    assert (a["trips"], a["first_departure"], a["last_departure"]) == (7, "07:00:00",
                                                                        "23:50:00")
    assert (a["headway_07_09"], a["peak_vehicles"], a["bus_km"]) == (22.5, 3, 14.0)
    assert df.set_index("route_id").loc["B", "bus_km"] > 0  # straight lines between stops


def test_the_three_formats_carry_the_columns_and_the_same_rows(city, timetable, client):
    df = opendata.frame(city, "bus-service")
    base = f"/api/v1/cities/{city.slug}/datasets/bus-service"
    csv = client.get(f"{base}.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0] == ",".join(SERVICE_COLUMNS)
    assert len(csv.content.decode().splitlines()) == 1 + len(df) == 3
    body = json.loads(client.get(f"{base}.json").content)
    assert [c["name"] for c in body["columns"]] == SERVICE_COLUMNS
    assert {c["name"]: c["unit"] for c in body["columns"]}["bus_km"] == "km"
    assert [r["trips"] for r in body["rows"]] == list(df["trips"])
    table = pq.read_table(io.BytesIO(client.get(f"{base}.parquet").content))
    assert table.column_names == SERVICE_COLUMNS
    assert table.to_pandas().equals(df)
    meta = json.loads(table.schema.metadata[b"zerocity"])
    assert meta["dataset"] == "bus-service" and meta["licence"] == "CC BY 4.0"


def test_a_line_name_that_reads_as_a_formula_is_text_in_the_csv(city):
    files = {**FILES, "routes.txt": FILES["routes.txt"].replace(
        "A,op,A,One - Three,3", 'A,op,"=HYPERLINK(""x"")",One - Three,3')}
    services.import_feed(city, around_today(city, files), filename="f.zip", actor="test")
    assert opendata.frame(city, "bus-service")["route_name"][0] == '=HYPERLINK("x")'
    csv = opendata.download(city, "bus-service", "csv").decode()
    assert "\'=HYPERLINK" in csv and ",=HYPERLINK" not in csv


def test_a_new_timetable_version_rebuilds_the_cached_file(city, timetable, data_dir):
    folder = data_dir / "opendata" / city.slug
    assert list(opendata.frame(city, "bus-service")["route_id"]) == ["A", "B"]
    (before,) = folder.glob("bus-service-*.parquet")
    energy = opendata.frame(city, "energy-use")
    (energy_file,) = folder.glob("energy-use-*.parquet")
    # the next version runs route A only
    only_a = {**FILES, "trips.txt": "\n".join(line for line in FILES["trips.txt"].splitlines()
                                              if not line.startswith("B,")) + "\n",
              "frequencies.txt": "trip_id,start_time,end_time,headway_secs,exact_times\n"}
    stop_times = [line for line in FILES["stop_times.txt"].splitlines()
                  if not line.startswith("B-")]
    only_a["stop_times.txt"] = "\n".join(stop_times) + "\n"
    services.import_feed(city, around_today(city, only_a), filename="a.zip", actor="test")
    assert list(opendata.frame(city, "bus-service")["route_id"]) == ["A"]
    (after,) = folder.glob("bus-service-*.parquet")
    assert after != before and not before.exists()
    # the platform's own datasets do not depend on the timetable: their file stays
    assert opendata.frame(city, "energy-use").equals(energy) and energy_file.exists()


@pytest.fixture
def accessibility(city):  # type: ignore[no-untyped-def]
    import_journey_feed(city)
    import_opportunities(city, LINE_CSV.encode(), filename="places.csv", actor="test")
    return compute_accessibility(city, date(2026, 10, 20), compute.Settings(
        start=time(7, 0), end=time(8, 0), cell_m=500.0), actor="test").value


def test_the_accessibility_rows_are_the_stored_result_cell_by_cell(city, accessibility):
    df = opendata.frame(city, "bus-accessibility")
    body = to_json(latest_result(city))
    assert body["synthetic"] is True
    expected = [(cell["cell"], cell["lat"], cell["lon"], kind, int(limit),
                 *(float(v[f"p{p}"]) for p in body["percentiles"]))
                for cell in body["cells"] for kind, by_limit in cell["access"].items()
                for limit, v in sorted(by_limit.items(), key=lambda kv: int(kv[0]))]
    got = [(r.cell, r.lat, r.lon, r.opportunity, r.minutes, r.p5, r.p25, r.p50, r.p75, r.p95)
           for r in df.itertuples()]
    assert got == expected
    assert len(df) == len(body["cells"]) * 4 * 2  # four kinds, 30 and 45 minutes
    assert set(df["minutes"]) == {30, 45}
    assert set(df["service_date"]) == {"2026-10-20"} and df["synthetic"].all()
    csv = opendata.download(city, "bus-accessibility", "csv").decode().splitlines()
    assert csv[0] == ",".join(ACCESS_COLUMNS) and len(csv) == 1 + len(df)
    rows = json.loads(opendata.download(city, "bus-accessibility", "json"))["rows"]
    assert rows[0]["synthetic"] is True and rows[0]["cell"] == got[0][0]
    table = pq.read_table(io.BytesIO(opendata.download(city, "bus-accessibility", "parquet")))
    assert table.column_names == ACCESS_COLUMNS and table.num_rows == len(df)


def test_a_new_result_is_published_in_place_of_the_old(city, accessibility):
    first = opendata.frame(city, "bus-accessibility")
    compute_accessibility(city, date(2026, 10, 21), compute.Settings(
        start=time(7, 0), end=time(7, 30), cell_m=500.0, limits_min=(30,)), actor="test")
    again = opendata.frame(city, "bus-accessibility")
    assert set(first["service_date"]) == {"2026-10-20"}
    assert set(again["service_date"]) == {"2026-10-21"} and set(again["minutes"]) == {30}


def test_the_catalogue_describes_the_bus_datasets_in_both_languages(city, timetable, client):
    response = client.get(f"/api/v1/cities/{city.slug}/datasets")
    graph = Graph().parse(data=response.content, format="json-ld")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == len(opendata.datasets()) == 5
    base = "http://testserver/api/v1/cities/testville/datasets/"
    service, access = URIRef(base + "bus-service"), URIRef(base + "bus-accessibility")
    assert {service, access} <= datasets
    titles = {t.language: str(t) for t in graph.objects(service, DCT.title)}
    assert titles == {"en": "Bus service by line on the next working day",
                      "sl": "Avtobusni promet po linijah na naslednji delovni dan"}
    themes = {str(t) for t in graph.objects(service, DCAT.theme)}
    assert themes == {"http://publications.europa.eu/resource/authority/data-theme/TRAN"}
    assert str(graph.value(service, DCT.accrualPeriodicity)).endswith("/frequency/DAILY")
    day = open_data.service_date(city).isoformat()
    temporal = graph.value(service, DCT.temporal)
    assert str(graph.value(temporal, DCAT.startDate)) == day
    assert str(graph.value(temporal, DCAT.endDate)) == day
    assert str(graph.value(service, DCT.modified)).startswith(
        timetable.imported_at.isoformat(timespec="seconds")[:16])
    assert len(list(graph.objects(access, DCAT.distribution))) == 3
    assert graph.value(access, DCT.temporal) is None  # no result yet: no rows
    for dist in graph.objects(service, DCAT.distribution):
        assert str(graph.value(dist, DCT.license)) == django_settings.OPEN_DATA_LICENCE_URL
        assert Client().get(str(graph.value(dist, DCAT.downloadURL))).status_code == 200


def test_the_open_data_pages_list_and_show_the_bus_datasets(city, timetable, client):
    html = client.get(f"/en/{city.slug}/data/").content.decode()
    assert 'data-dataset="bus-service"' in html and 'data-dataset="bus-accessibility"' in html
    assert "Bus service by line on the next working day" in html
    page = client.get(f"/sl/{city.slug}/data/datasets/bus-service/").content.decode()
    assert "Avtobusni promet po linijah na naslednji delovni dan" in page
    assert "<code>headway_07_09</code>" in page
    assert "<dd>dnevno; zadnji podatki prejeti" in page  # the timetable's day, not a month
    empty = client.get(f"/en/{city.slug}/data/datasets/bus-accessibility/")
    assert empty.status_code == 200 and "No data yet." in empty.content.decode()
