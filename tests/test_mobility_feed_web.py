"""The timetable's staff pages and command line (issue 19): who may see and upload, a refused
feed listing every error, an upload sent twice, both languages, and `zerocity mobility feed`."""

from __future__ import annotations

import re
from datetime import date

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mobility_feeds import FEEDS, feed_zip
from zerocity.cli import main
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role
from zerocity.mobility.models import FeedVersion

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "citizen", "staff", "admin", "other_staff")


@pytest.fixture
def users(city):  # type: ignore[no-untyped-def]
    transport = ensure_department(city, "transport", "Transport office")
    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    return {
        "anonymous": None,
        "citizen": grant_role(city, "t-citizen", Role.CITIZEN).user,
        "staff": grant_role(city, "t-staff", Role.STAFF, department=transport).user,
        "admin": grant_role(city, "t-admin", Role.ADMIN).user,
        "other_staff": grant_role(other, "t-other", Role.STAFF,
                                  department=ensure_department(other, "e", "Energy")).user,
    }


def client_as(users, role):  # type: ignore[no-untyped-def]
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    return client


def upload(client, folder="kranj-mini", lang="en", **fields):  # type: ignore[no-untyped-def]
    data = {"file": SimpleUploadedFile(f"{folder}.zip", feed_zip(folder),
                                       content_type="application/zip"), **fields}
    return client.post(f"/{lang}/testville/mobility/feeds/", data)


def test_the_timetable_pages_and_the_upload_are_for_the_citys_staff_and_admins(users):
    # given a version imported by the city's staff
    assert upload(client_as(users, "staff")).status_code == 302
    pk = FeedVersion.objects.get().pk
    # then each role sees (or does not see) the list, a version and the upload
    pages = {role: (client_as(users, role).get("/en/testville/mobility/feeds/").status_code,
                    client_as(users, role).get(f"/en/testville/mobility/feeds/{pk}/").status_code)
             for role in ROLES}
    assert pages == {"anonymous": (302, 302), "citizen": (404, 404), "staff": (200, 200),
                     "admin": (200, 200), "other_staff": (404, 404)}
    uploads = {role: upload(client_as(users, role), "kranj-mini-v2").status_code
               for role in ROLES}
    assert uploads == {"anonymous": 302, "citizen": 404, "staff": 302, "admin": 302,
                       "other_staff": 404}
    # only the first staff upload of the second feed made a version; the admin's was the same
    assert FeedVersion.objects.count() == 2
    assert client_as(users, "anonymous").get("/en/testville/mobility/feeds/")["Location"] \
        .startswith("/en/accounts/login/")


def test_a_refused_upload_lists_every_error_and_imports_nothing(users):
    response = upload(client_as(users, "staff"), "broken")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The feed was refused: 40 errors. Correct them all and send the feed again." in html
    rows = re.findall(r'<tr data-code="([a-z0-9_]+)"><td class="text">([a-z_]+\.txt)</td>'
                      r"<td>(\d+)</td>", html)
    assert len(rows) == 40
    assert ("invalid_time", "stop_times.txt", "6") in rows
    assert ("missing_required_column", "feed_info.txt", "1") in rows
    assert FeedVersion.objects.count() == 0


def test_an_upload_sent_twice_imports_once_and_says_so(users):
    staff = client_as(users, "staff")
    first = upload(staff, licence="CC BY-SA 4.0")
    version = FeedVersion.objects.get()
    assert first["Location"] == f"/en/testville/mobility/feeds/{version.pk}/"
    page = staff.get(first["Location"]).content.decode()
    assert f"Version #{version.pk} (2026-01) is imported and in force from 5 Jan 2026." in page
    assert 'data-figure="licence">CC BY-SA 4.0<' in page
    assert "ZeroCity (illustrative Kranj network); Arriva Kranj (illustrative)" in page
    again = upload(staff)
    assert again["Location"] == first["Location"]
    assert (f"This file is version #{version.pk} (2026-01), imported before: nothing changed."
            in staff.get(again["Location"]).content.decode())
    assert FeedVersion.objects.count() == 1


def test_the_timetable_pages_in_slovenian(users):
    staff = client_as(users, "staff")
    empty = staff.get("/sl/testville/mobility/feeds/").content.decode()
    assert "Vozni red (GTFS)" in empty and "Uvoz nove različice" in empty
    assert "Uvožen ni bil še noben vir." in empty
    first = upload(staff, "kranj-mini", lang="sl")
    upload(staff, "kranj-mini-v2", lang="sl")
    page = staff.get("/sl/testville/mobility/feeds/").content.decode()
    assert "od 1. 3. 2026" in page and "5. 1. 2026 do 28. 2. 2026" in page
    version = staff.get(first["Location"]).content.decode()
    assert "Različica voznega reda" in version and "Vrstice po datotekah" in version
    assert "Opozorila" in version and "Dnevi obratovanja" in version
    refused = upload(staff, "broken", lang="sl").content.decode()
    assert "Vir je bil zavrnjen: 40 napak. Popravite jih vse in ga pošljite znova." in refused


def test_the_pages_keep_their_tables_in_scrolling_regions_for_phones(users):
    staff = client_as(users, "staff")
    upload(staff, "kranj-mini-v2")
    pk = FeedVersion.objects.get().pk
    for url in ("/en/testville/mobility/feeds/", f"/en/testville/mobility/feeds/{pk}/"):
        html = staff.get(url).content.decode()
        assert html.count("<table") == html.count('<div class="table-scroll" tabindex="0" '
                                                  'role="region"') > 0, url


# -- the command line --------------------------------------------------------------------------

def _zip(tmp_path, folder):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{folder}.zip"
    path.write_bytes(feed_zip(folder))
    return str(path)


def test_feed_import_on_the_command_line_refuses_imports_and_replays(tmp_path, city):
    run = CliRunner().invoke
    # a bad feed: every error, exit code 1, nothing imported
    bad = run(main, ["mobility", "feed", "import", _zip(tmp_path, "broken"), "--city",
                     "testville"])
    assert bad.exit_code == 1
    assert "stop_times.txt line 6, column arrival_time: invalid_time: \"07:61:00\" is not a " \
           "time HH:MM:SS" in bad.output
    assert "error: broken.zip refused: 40 error(s); nothing was imported" in bad.output
    # a good feed, named
    good = run(main, ["mobility", "feed", "import", _zip(tmp_path, "kranj-mini"), "--city",
                      "testville", "--name", "Winter 2026"])
    assert good.exit_code == 0, good.output
    version = FeedVersion.objects.get()
    assert good.output.startswith(f"version #{version.pk} Winter 2026: service dates "
                                  "2026-01-05 to 2026-12-31, in force from 2026-01-05; ")
    # the same file again changes nothing
    again = run(main, ["mobility", "feed", "import", _zip(tmp_path, "kranj-mini"), "--city",
                       "testville"])
    assert again.exit_code == 0
    assert f"kranj-mini.zip is identical to version #{version.pk} (Winter 2026)" in again.output
    assert "nothing changed" in again.output and FeedVersion.objects.count() == 1
    listed = run(main, ["mobility", "feed", "list", "--city", "testville"])
    assert listed.output.startswith(f"#{version.pk}\tWinter 2026\t2026-01-05 to 2026-12-31\t"
                                    "in force from 2026-01-05\t")
    shown = run(main, ["mobility", "feed", "show", str(version.pk), "--city", "testville"])
    assert "licence: not stated" in shown.output


def test_the_fixture_feeds_are_in_the_repository():
    assert {p.name for p in FEEDS.iterdir() if p.is_dir()} >= {"kranj-mini", "kranj-mini-v2",
                                                               "broken"}
    assert date(2026, 1, 5).isoformat() == "2026-01-05"
