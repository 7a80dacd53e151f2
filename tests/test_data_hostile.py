"""Readings a device's unset clock sends, and data already stored that no check would take
today: refused at the door with the line and the reason, and, when such data is in the store
already, reported while every page and download built from the store still answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from zerocity.core.models import Role
from zerocity.core.services import ensure_department, grant_role
from zerocity.data import opendata, services, store
from zerocity.data.pipelines.engines import STORE_SCHEMA, damaged_files, implausible_partitions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def heat(city, settings, tmp_path):  # type: ignore[no-untyped-def]
    """Testville's district heat, published, with a token, and three meters' readings of
    January 2026."""
    settings.DATA_DIR = tmp_path
    source = services.add_source(city, "heat", name="Heat", kind="heat_meters",
                                 frequency="daily", publication="aggregated",
                                 schema={"heat_energy": {"unit": "kWh", "min": 0}})
    services.ingest_records(source, [
        {"meter": f"H{m}", "time": f"2026-01-{d:02d}T00:00:00", "quantity": "heat_energy",
         "value": 20.0, "unit": "kWh", "customer_class": "household"}
        for m in range(3) for d in range(1, 29)])
    _, token = services.issue_token(source, "gateway")
    return city, source, token


def send(token: str, time: str):  # type: ignore[no-untyped-def]
    body = {"readings": [{"meter": "H9", "time": time, "quantity": "heat_energy",
                          "value": 1.0, "unit": "kWh"}]}
    return Client().post("/api/v1/data/readings", json.dumps(body),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("time", ["0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z",
                                  "1989-12-31T23:59:59Z"])
def test_a_reading_of_year_1_or_1900_is_refused_with_its_line_and_reason(heat, time):
    _, source, token = heat
    response = send(token, time)
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "line": 1, "column": "time",
        "reason": f"{time} is before 1990-01-01, the earliest time this platform takes a "
                  "reading from (a device's clock not set?)"}]
    assert not (store.source_dir(source.key) / "year=0001").exists()
    assert send(token, "1990-01-01T00:00:00Z").status_code == 201


def test_the_earliest_time_is_a_setting(heat, settings):
    _, _, token = heat
    settings.DEVICE_TIME_EARLIEST = date(2020, 1, 1)
    refused = send(token, "2019-06-01T00:00:00Z")
    assert refused.status_code == 422
    assert "before 2020-01-01" in refused.json()["errors"][0]["reason"]


def test_a_typed_parquet_file_of_year_1_is_refused_on_the_fast_path_too(heat, tmp_path):
    _, source, _ = heat
    path = tmp_path / "meters.parquet"
    pq.write_table(pa.table({
        "meter": ["H1", "H2"], "quantity": ["heat_energy"] * 2,
        "time": pa.array([datetime(1, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)],
                         pa.timestamp("us", tz="UTC")),
        "value": [1.0, 2.0], "unit": ["kWh"] * 2}), path)
    batch = services.ingest_file(source, path, filename="meters.parquet").value
    assert (batch.accepted, batch.rejected) == (1, 1)
    assert batch.quarantine.get().reason.startswith("0001-01-01")


def _plant(source, year: int, month: int = 1) -> None:  # type: ignore[no-untyped-def]
    """A Parquet file of the store's shape, written straight into a partition: what an older
    version, a hand copy or a restored backup may have left there."""
    part = store.source_dir(source.key) / f"year={year:04d}" / f"month={month:02d}"
    part.mkdir(parents=True)
    at = pa.scalar(-62_167_219_200_000_000 if year == 0 else
                   int((datetime(year, month, 1, tzinfo=UTC)
                        - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1_000_000,
                   pa.timestamp("us", tz="UTC"))
    pq.write_table(pa.table({
        "city": [source.city.slug], "source": [source.key], "meter": ["H1"],
        "quantity": ["heat_energy"], "ts": pa.array([at.value], pa.timestamp("us", tz="UTC")),
        "value": [5.0], "unit": ["kWh"], "customer_class": [None], "batch": [999]},
        schema=STORE_SCHEMA), part / "999-0.parquet")


@pytest.mark.parametrize("year", [0, 1900])
def test_a_stored_partition_of_year_0_or_1900_is_reported_and_every_page_still_answers(
        heat, year):
    city, source, _ = heat
    _plant(source, year)
    assert implausible_partitions(store.readings_dir()) == [
        f"source=heat/year={year:04d}/month=01"]
    staff = Client()
    staff.force_login(grant_role(city, "h-staff", Role.STAFF,
                                 department=ensure_department(city, "energy", "Energy")).user)
    for url in (f"/en/{city.slug}/data/", f"/en/{city.slug}/data/datasets/energy-use/",
                f"/en/{city.slug}/data/datasets/monthly-series/"):
        assert Client().get(url).status_code == 200, url
    for fmt in opendata.FORMATS:
        url = f"/api/v1/cities/{city.slug}/datasets/energy-use.{fmt}"
        assert Client().get(url).status_code == 200, url
    coverage = staff.get(f"/en/{city.slug}/data/coverage/")
    assert coverage.status_code == 200
    assert f"source=heat/year={year:04d}/month=01" in coverage.content.decode()
    assert staff.get(f"/en/{city.slug}/data/outputs/").status_code == 200
    # the good readings are all there, the planted one is left out
    energy = opendata.frame(city, "energy-use")
    assert list(energy["month"]) == [1] and list(energy["year"]) == [2026]


def test_a_damaged_file_in_the_store_is_listed_and_left_out_and_every_page_still_answers(heat):
    """A file cut short by a full disk, or an empty one copied in: the pipelines leave it out
    (DuckDB read every file of the glob and failed), the staff's coverage page lists it, and
    the month it sits in still takes new readings and refuses nothing it stored before."""
    city, source, token = heat
    before = opendata.frame(city, "energy-use")
    part = store.partition_dir(source.key, 2026, 1)
    (whole,) = part.glob("*.parquet")
    (part / "998-0.parquet").write_bytes(b"")
    (part / "997-0.parquet").write_bytes(whole.read_bytes()[:-100])
    assert damaged_files(store.readings_dir()) == [
        "source=heat/year=2026/month=01/997-0.parquet",
        "source=heat/year=2026/month=01/998-0.parquet"]
    staff = Client()
    staff.force_login(grant_role(city, "h-staff", Role.STAFF,
                                 department=ensure_department(city, "energy", "Energy")).user)
    for url in (f"/en/{city.slug}/data/", f"/en/{city.slug}/data/datasets/energy-use/"):
        assert Client().get(url).status_code == 200, url
    for fmt in opendata.FORMATS:
        url = f"/api/v1/cities/{city.slug}/datasets/energy-use.{fmt}"
        assert Client().get(url).status_code == 200, url
    assert staff.get(f"/en/{city.slug}/data/outputs/").status_code == 200
    coverage = staff.get(f"/en/{city.slug}/data/coverage/").content.decode()
    assert "Damaged files left out" in coverage
    assert "source=heat/year=2026/month=01/998-0.parquet" in coverage
    # the whole file's readings are all counted, nothing of the damaged ones
    after = opendata.frame(city, "energy-use")
    assert after.to_dict("records") == before.to_dict("records")
    # a new reading of the same month is stored; an old one sent again changes nothing
    assert send(token, "2026-01-15T12:00:00Z").status_code == 201
    again = Client().post("/api/v1/data/readings", json.dumps({"readings": [
        {"meter": "H0", "time": "2026-01-01T00:00:00", "quantity": "heat_energy", "value": 20.0,
         "unit": "kWh"}]}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert again.status_code in (200, 201) and again.json()["duplicates"] == 1, again.json()
