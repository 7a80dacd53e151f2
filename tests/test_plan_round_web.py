"""The reporting round's staff page (docs/reminders.md, check 20): every unit and whether it
has reported equal the service's (``plan.rounds``), the climate office closes the round, which
is refused with the missing units named, and who may see it."""

from __future__ import annotations

from datetime import date

import pytest

from clients import client_for
from page_words import visible_text
from reminder_people import small_plan
from zerocity.plan.rounds import missing_units, open_round, report, unit_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
URL = "/en/testville/plan/manage/rounds/"


def test_check_20_the_page_lists_each_unit_as_the_service_does_and_closing_names_the_missing(
        city):
    s = small_plan(city)
    rnd = open_round(s["plan"], date(2025, 4, 1), actor="test")
    report(rnd, s["roads"], {"1.1": "on_time", "1.2": "late"}, "Lanes wait", by=s["contact"])
    page = client_for(s["contact"]).get(URL)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    # every unit of the service, reported or not, with the statuses it gave
    for row in unit_rows(rnd):
        reported = "yes" if row.report else "no"
        assert f'data-unit="{row.department.slug}" data-reported="{reported}"' in html
    assert [u.name for u in missing_units(rnd)] == ["Energy"]
    assert 'data-field="missing">Energy<' in html
    assert 'data-action="1.2">1.2 Bus lanes: <span class="tag status status-late"' in html
    assert "Reported by maja" in visible_text(html)
    # a member of a department may not close the round: the office does
    assert "Close the round" not in html
    refused = client_for(s["contact"]).post(URL + "close/", {"next": URL}, follow=True)
    assert "Only the climate office closes a reporting round." in visible_text(
        refused.content.decode())
    # the office's close is refused while energy has not reported, naming it
    office = client_for(s["office"])
    refused = office.post(URL + "close/", {"next": URL}, follow=True)
    assert "The round cannot close: no status yet from Energy." in visible_text(
        refused.content.decode())
    rnd.refresh_from_db()
    assert rnd.closed_at is None
    report(rnd, s["energy"], {"2.1": "completed"}, by=s["energy_staff"])
    done = office.post(URL + "close/", follow=True)
    assert "The reporting round of 2025-04-30 is closed." in visible_text(done.content.decode())
    rnd.refresh_from_db()
    assert rnd.closed_at is not None and rnd.closed_by == "office-staff"


def test_who_may_see_the_round_page(city):
    s = small_plan(city)
    assert client_for(None).get(URL).status_code == 302  # to the log-in
    assert client_for(s["citizen"]).get(URL).status_code == 404
    assert client_for(s["citizen"]).post(URL + "close/").status_code == 404
    empty = client_for(s["office"]).get(URL)
    assert empty.status_code == 200 and 'data-empty="round"' in empty.content.decode()


def test_a_unit_reports_its_actions_status_on_the_page(city):
    from zerocity.plan.models import UnitReport

    s = small_plan(city)
    rnd = open_round(s["plan"], date(2025, 4, 1), actor="test")
    member = client_for(s["contact"])
    html = member.get(URL).content.decode()
    # a member of roads gets the form of roads only, with a choice for each of its actions
    assert html.count("data-report-form=") == 1 and 'data-report-form="roads"' in html
    assert 'name="status-1.1"' in html and 'name="status-1.2"' in html
    # another unit's report is refused as a message, and so is a report missing an action
    refused = member.post(URL + "report/", {"unit": "energy", "status-2.1": "late", "next": URL},
                          follow=True)
    assert "Only the unit's staff and the climate office report its status." in visible_text(
        refused.content.decode())
    refused = member.post(URL + "report/", {"unit": "roads", "status-1.1": "late", "next": URL},
                          follow=True)
    assert "missing: 1.2" in visible_text(refused.content.decode())
    assert not UnitReport.objects.exists()
    done = member.post(URL + "report/", {"unit": "roads", "status-1.1": "on_time",
                                         "status-1.2": "late", "note": "Lanes wait"},
                       follow=True)
    assert "Roads has reported." in visible_text(done.content.decode())
    got = UnitReport.objects.get(round=rnd)
    assert (got.department, got.statuses, got.note, got.by_label) == (
        s["roads"], {"1.1": "on_time", "1.2": "late"}, "Lanes wait", "maja")
    # the climate office may report for every unit
    office_html = client_for(s["office"]).get(URL).content.decode()
    assert office_html.count("data-report-form=") == 2
