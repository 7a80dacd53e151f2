"""The data platform's staff pages: sources and tokens, batches, quarantine with its download.
All of it is for the city's staff (quarantine may hold what a utility sent about a customer's
meter); issuing and revoking tokens is for city administrators."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "citizen", "staff", "admin", "other_city")


@pytest.fixture
def setup(city, settings, tmp_path):
    from zerocity.data.services import add_source, ingest_records

    settings.DATA_DIR = tmp_path
    source = add_source(city, "eg-meters", name="Distribution meters",
                        kind="electricity_meters",
                        schema={"active_energy": {"unit": "kWh", "min": 0, "max": 1000}},
                        frequency="15min")
    batch = ingest_records(source, [
        {"meter": "M1", "time": "2026-11-27T10:00:00+01:00", "quantity": "active_energy",
         "value": 2.0, "unit": "kWh"},
        {"meter": "M1", "time": "2026-11-27T10:15:00+01:00", "quantity": "active_energy",
         "value": 5000, "unit": "kWh"},
    ], origin="api").value
    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    dept = ensure_department(city, "energy", "Energy")
    users = {
        "anonymous": None,
        "citizen": grant_role(city, "d-citizen", Role.CITIZEN).user,
        "staff": grant_role(city, "d-staff", Role.STAFF, department=dept).user,
        "admin": grant_role(city, "d-admin", Role.ADMIN).user,
        "other_city": grant_role(other, "d-other", Role.STAFF,
                                 department=ensure_department(other, "e", "E")).user,
    }
    return city, source, batch, users


def as_(users, role):  # type: ignore[no-untyped-def]
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    return client


def test_permission_matrix(setup):
    city, _, batch, users = setup
    staff_only = {"anonymous": 302, "citizen": 404, "staff": 200, "admin": 200,
                  "other_city": 404}
    for url in (f"/en/{city.slug}/data/sources/", f"/en/{city.slug}/data/batches/",
                f"/en/{city.slug}/data/batches/{batch.pk}/",
                f"/en/{city.slug}/data/batches/{batch.pk}/quarantine.csv"):
        assert {r: as_(users, r).get(url).status_code for r in ROLES} == staff_only, url


def test_the_quarantine_shows_and_downloads_the_reason(setup):
    city, _, batch, users = setup
    page = as_(users, "staff").get(f"/en/{city.slug}/data/batches/{batch.pk}/")
    html = page.content.decode()
    assert batch.rejected == 1 and 'data-figure="rejected">1<' in html
    assert "1000" in html  # the reason names the range
    csv = b"".join(as_(users, "staff").get(
        f"/en/{city.slug}/data/batches/{batch.pk}/quarantine.csv").streaming_content).decode()
    assert csv.splitlines()[0] == "line,column,reason,raw"
    assert csv.splitlines()[1].startswith("2,value,")


def test_only_admins_issue_and_revoke_tokens_and_the_secret_is_shown_once(setup):
    city, source, _, users = setup
    url = f"/en/{city.slug}/data/sources/eg-meters/tokens/"
    assert as_(users, "staff").post(url, {"name": "gateway"}).status_code == 404
    admin = as_(users, "admin")
    assert admin.post(url, {"name": "gateway"}).status_code == 302
    token = source.tokens.get()
    first = admin.get(f"/en/{city.slug}/data/sources/").content.decode()
    assert "data-secret" in first and token.prefix in first
    assert "data-secret" not in admin.get(f"/en/{city.slug}/data/sources/").content.decode()
    revoke = f"/en/{city.slug}/data/sources/eg-meters/tokens/{token.pk}/revoke/"
    assert as_(users, "staff").post(revoke).status_code == 404
    assert admin.post(revoke).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_staff_pages_read_sources_tokens_and_batches_through_the_rule(setup):
    from zerocity.core.errors import NotFound
    from zerocity.data import selectors
    from zerocity.data.services import add_source, ingest_records, issue_token

    city, source, batch, users = setup
    # given a second source with a token and two batches, the newest one refused
    meters = add_source(city, "gas-meters", name="Gas meters", kind="gas_meters",
                        schema={"volume": {"unit": "m3", "min": 0}}, frequency="hourly")
    token, _ = issue_token(meters, "gateway")
    reading = {"meter": "G1", "time": "2026-11-27T10:00:00+01:00", "quantity": "volume",
               "value": 1.0, "unit": "m3"}
    ingest_records(meters, [reading], origin="api")
    newest = ingest_records(meters, [{**reading, "value": -1}], origin="api").value
    staff = users["staff"]
    # then each source shows its newest batch and its tokens, in the order of the keys
    rows = selectors.sources_page(staff, city)
    assert [(r["source"].key, r["latest"], list(r["tokens"])) for r in rows] == [
        ("eg-meters", batch, []), ("gas-meters", newest, [token])]
    assert selectors.sources_page(users["citizen"], city) == []
    # the batch list narrows to a source and a status
    assert list(selectors.batch_list(staff, city, source="gas-meters")) == [
        newest, newest.source.batches.order_by("pk").first()]
    assert list(selectors.batch_list(staff, city, source="gas-meters",
                                     status=newest.status)) == [newest]
    # a token is found only under its own source, and only by the city's staff
    assert selectors.access_token_for_user(staff, city, "gas-meters", token.pk) == token
    for user, key in ((staff, "eg-meters"), (users["citizen"], "gas-meters"),
                      (users["other_city"], "gas-meters")):
        with pytest.raises(NotFound):
            selectors.access_token_for_user(user, city, key, token.pk)


def test_a_refused_token_comes_back_to_the_sources_page_with_the_reason(setup):
    city, source, _, users = setup
    admin = as_(users, "admin")
    sources = f"/en/{city.slug}/data/sources/"
    assert f'name="next" value="{sources}"' in admin.get(sources).content.decode()
    response = admin.post(f"{sources}eg-meters/tokens/", {"name": " ", "next": sources})
    assert (response.status_code, response["Location"]) == (302, sources)
    assert "Give the token a name that says who or what uses it." in admin.get(
        sources).content.decode()
    assert not source.tokens.exists()


def test_staff_send_a_file_and_see_its_batch(setup):
    from django.core.files.uploadedfile import SimpleUploadedFile

    city, source, _, users = setup
    url = f"/en/{city.slug}/data/upload/"
    assert {r: as_(users, r).get(url).status_code for r in ROLES} == {
        "anonymous": 302, "citizen": 404, "staff": 200, "admin": 200, "other_city": 404}
    body = (b"meter,time,quantity,value,unit\n"
            b"M2,2026-11-27T10:00:00+01:00,active_energy,1.5,kWh\n"
            b"M2,2026-11-27T10:15:00+01:00,active_energy,-3,kWh\n")
    response = as_(users, "staff").post(url, {
        "source": "eg-meters", "file": SimpleUploadedFile("m2.csv", body)})
    assert response.status_code == 302
    batch = source.batches.order_by("-pk").first()
    assert (batch.filename, batch.accepted, batch.rejected) == ("m2.csv", 1, 1)
    assert response["Location"] == f"/en/{city.slug}/data/batches/{batch.pk}/"
    refused = as_(users, "staff").post(url, {"source": "nope",
                                             "file": SimpleUploadedFile("x.csv", body)})
    assert refused.status_code == 400


def test_a_large_upload_is_read_from_disk_and_typed_parquet_takes_the_fast_path(setup,
                                                                                 settings):
    import io
    from datetime import UTC, datetime, timedelta

    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.core.files.uploadedfile import SimpleUploadedFile

    city, source, _, users = setup
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # any larger upload goes to a temporary file
    start = datetime(2026, 11, 26, tzinfo=UTC)
    table = pa.table({
        "meter": ["M3"] * 96,
        "time": pa.array([start + timedelta(minutes=15 * i) for i in range(96)],
                         pa.timestamp("us", tz="UTC")),
        "quantity": ["active_energy"] * 96, "value": [0.5] * 96, "unit": ["kWh"] * 96})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    response = as_(users, "staff").post(f"/en/{city.slug}/data/upload/", {
        "source": "eg-meters", "file": SimpleUploadedFile("m3.parquet", buf.getvalue())})
    assert response.status_code == 302
    batch = source.batches.order_by("-pk").first()
    assert (batch.filename, batch.accepted, batch.rejected) == ("m3.parquet", 96, 0)
    assert batch.summary["fast_path"] is True


def test_coverage_and_outputs_are_for_staff_and_the_open_data_for_everyone(setup):
    city, _, _, users = setup
    staff_only = {"anonymous": 302, "citizen": 404, "staff": 200, "admin": 200,
                  "other_city": 404}
    for url in (f"/en/{city.slug}/data/coverage/", f"/en/{city.slug}/data/outputs/"):
        assert {r: as_(users, r).get(url).status_code for r in ROLES} == staff_only, url
    for url in (f"/en/{city.slug}/data/outputs/inventory/",
                f"/en/{city.slug}/data/outputs/indicators/"):
        codes = {r: as_(users, r).post(url, {"year": "2026"}).status_code for r in ROLES}
        assert codes == {**staff_only, "staff": 302, "admin": 302}, url
        assert as_(users, "staff").get(url).status_code == 405
    everyone = dict.fromkeys(ROLES, 200)
    for url in (f"/en/{city.slug}/data/", f"/en/{city.slug}/data/datasets/energy-use/"):
        assert {r: as_(users, r).get(url).status_code for r in ROLES} == everyone, url
    assert as_(users, "anonymous").get(f"/en/{city.slug}/data/datasets/nope/").status_code \
        == 404


def test_the_coverage_grid_shows_what_arrived(setup):
    city, _, _, users = setup
    html = as_(users, "staff").get(f"/en/{city.slug}/data/coverage/").content.decode()
    # one 15-minute reading of the 2,976 November owes one meter (the other was refused)
    assert 'data-source="eg-meters"' in html and "11/2026" in html
    assert 'class="coverage-poor"' in html and "0.0" in html


def test_a_private_source_is_not_in_the_open_data(setup):
    city, source, _, users = setup
    assert source.publication == "private"
    html = as_(users, "anonymous").get(f"/en/{city.slug}/data/").content.decode()
    assert "eg-meters" not in html and "No data yet." in html


def test_the_kranj_catalogue_shows_the_nowcast_and_the_main_series(kranj_data, client):
    html = client.get("/en/kranj/data/").content.decode()
    assert 'data-section="nowcast"' in html and "t CO2e" in html
    assert "The rest of the year follows last year's seasons." in html
    # the nowcast is metered energy only, and says how large a part of the inventory it is,
    # the same part the home page names
    from zerocity.engage.selectors import climate_status

    status = climate_status(kranj_data)
    share = status["nowcast"]["share_of_inventory"]
    assert 0 < share < 1
    shown = re.search(r'data-figure="nowcast-share" data-value="([\d.]+)"', html)
    assert shown and float(shown.group(1)) == pytest.approx(share, abs=1e-4)
    year = status["latest"]["year"]
    assert f"of the {year} inventory's total, not comparable with it." in html
    home = client.get("/en/kranj/").content.decode()
    assert f"Metered energy in {status['nowcast']['year']}" in home
    assert f"of the {year} inventory's total, not comparable with it" in home
    assert html.count('<svg class="chart"') == 4  # nowcast, energy, PV, renewable heat
    for d in ("energy-use", "monthly-series", "emissions-nowcast", "bus-service",
              "bus-accessibility"):
        assert f'data-dataset="{d}"' in html
    assert 'href="/api/v1/cities/kranj/datasets/energy-use.csv"' in html
    sl = client.get("/sl/kranj/data/").content.decode()
    assert "Odprti podatki" in sl


def test_staff_feed_the_2024_inventory_and_the_indicators_from_the_page(kranj_data):
    from zerocity.core.models import Role
    from zerocity.core.services import grant_role
    from zerocity.inventory.models import Inventory

    staff = Client()
    staff.force_login(grant_role(kranj_data, "feeder", Role.STAFF,
                                 department=ensure_department(kranj_data, "energy",
                                                              "Energy")).user)
    page = staff.get("/en/kranj/data/outputs/?year=2024").content.decode()
    assert 'data-line="I.1.2 electricity "' in page and "not yet" in page
    assert "Electricity, residential buildings" in page  # the estimate it supersedes
    # each line names its sources as people call them; the key is only the small print
    electricity = page.split('data-line="I.1.2 electricity "')[1].split("</tr>")[0]
    assert "Electricity distribution meters" in electricity
    assert '<span class="meta">(electricity-meters)</span>' in electricity
    assert '<span class="muted" data-figure="sources">Electricity distribution meters <span' \
        in electricity
    response = staff.post("/en/kranj/data/outputs/inventory/", {"year": "2024"})
    assert response.status_code == 302
    inventory = Inventory.objects.get(city=kranj_data, year=2024)
    assert inventory.lines.filter(activity="Electricity, metered").exists()
    assert not inventory.lines.filter(activity="Electricity, residential buildings").exists()
    page = staff.get("/en/kranj/data/outputs/?year=2024").content.decode()
    assert "yes, these figures" in page
    # OI 1.2 (green electricity) of 2025 was recorded from the PV readings by the demo
    assert 'data-indicator="OI 1.2 2025"' in page
    assert staff.post("/en/kranj/data/outputs/indicators/").status_code == 302


def _readings_by_source(html: str) -> dict[str, int]:
    """Each source's ``data-readings`` on a page, by the ``data-source`` it is shown under."""
    import re

    return {key: int(n) for key, n in re.findall(
        r'data-source="([^"]+)".*?data-readings="(\d+)"', html, flags=re.DOTALL)}


def test_the_sources_and_the_coverage_page_count_the_same_readings(setup):
    from zerocity.data.services import add_source, ingest_records

    city, source, _, users = setup
    # given the setup's batch (one reading stored, one refused), the same reading sent again
    # (already known), a batch refused whole, and a second source that has sent nothing
    reading = {"meter": "M1", "time": "2026-11-27T10:00:00+01:00",
               "quantity": "active_energy", "value": 2.0, "unit": "kWh"}
    again = ingest_records(source, [reading], origin="api").value
    refused = ingest_records(source, [{**reading, "value": -5}], origin="api").value
    add_source(city, "gas-meters", name="Gas meters", kind="gas_meters",
               schema={"volume": {"unit": "m3", "min": 0}}, frequency="hourly")
    assert (again.duplicates, refused.status) == (1, "rejected")
    staff = as_(users, "staff")
    # when the staff open both pages
    sources = _readings_by_source(staff.get(f"/en/{city.slug}/data/sources/").content.decode())
    coverage = _readings_by_source(
        staff.get(f"/en/{city.slug}/data/coverage/").content.decode())
    # then both count the one stored reading of the meters and none of the gas meters
    assert sources == coverage == {"eg-meters": 1, "gas-meters": 0}


def test_the_data_pages_read_as_words_for_the_staff_in_both_languages(setup):
    from page_words import raw_codes

    city, _, batch, users = setup
    # given a batch whose refused row was sent as a record (a dict)
    pages = ("data/sources/", "data/upload/", "data/batches/", f"data/batches/{batch.pk}/",
             "data/coverage/", "data/outputs/", "inventory/import/")
    for role in ("staff", "admin"):
        client = as_(users, role)
        for lang in ("en", "sl"):
            for page in pages:
                # when each staff role opens each page in each language
                response = client.get(f"/{lang}/{city.slug}/{page}")
                assert response.status_code == 200, (role, lang, page)
                # then no field name, dict, job id or interval code is in what they read
                assert raw_codes(response.content.decode()) == [], (role, lang, page)
    en = as_(users, "staff")
    sources = en.get(f"/en/{city.slug}/data/sources/").content.decode()
    assert ">every 15 minutes<" in sources and "Active energy" not in sources
    assert '<th scope="row" class="text">active energy</th>' in sources
    quarantine = en.get(f"/en/{city.slug}/data/batches/{batch.pk}/").content.decode()
    # the refused row reads as its columns and values, not as a Python dict
    assert "{'" not in quarantine and "<li>meter: <code>M1</code></li>" in quarantine
    assert "<li>value: <code>5000</code></li>" in quarantine
