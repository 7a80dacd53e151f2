"""The budget's staff pages for tagging: the import form (mistakes by line, column and
reason, nothing written; the same file again changes nothing), a department's page of its own
lines (a rule's suggestion confirmed, tags proposed whole or split), approved by the climate
office (four eyes, check 18); the public page by policy area, budget user and participatory
project, every figure equal to the report's (check 24). Who may do what."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from budget_people import budget_people
from clients import client_for
from test_budget import HEADER, WORKED
from test_budget_rules import draft, line, pb_project, seed
from test_budget_web import money, pct
from test_mobility_planning_web import table
from zerocity.budget.breakdown import POLICY_AREAS, department_lines
from zerocity.budget.models import BudgetVersion, ChangeState, TagChange
from zerocity.budget.selectors import budget_version, line_at, report
from zerocity.budget.services import import_budget, publish_budget
from zerocity.budget.tagging import assign_lines, link_pb_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

LINES = "/en/testville/budget/lines/"
IMPORT = "/en/testville/budget/import/"


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    return budget_people(city)


def roads_budget(city):  # type: ignore[no-untyped-def]
    """Roads answers for programme 13; a resurfacing line a rule suggests tags for, a bus
    line whose rule asks the fuel type, a street-lighting line with no rule, a school."""
    seed(city)
    assign_lines(city, "roads", ppr="13", actor="test")
    return draft(city, line("13029002", "130201", "4205", "1000000"),
                 line("13029003", "130206", "4201", "2000000"),
                 line("13029001", "130101", "4025", "300000"),
                 line("19039001", "190301", "4205", "1200000"))


def test_who_may_open_and_use_the_tagging_pages(city, people):
    version = roads_budget(city)
    who = {"anonymous": None, "citizen": people["citizen"], "roads": people["roads"],
           "office": people["office"]}
    for url, expected in ((LINES, {"anonymous": 302, "citizen": 404, "roads": 200,
                                   "office": 200}),
                          (IMPORT, {"anonymous": 302, "citizen": 404, "roads": 404,
                                    "office": 200})):
        got = {k: client_for(u).get(url) for k, u in who.items()}
        assert {k: r.status_code for k, r in got.items()} == expected, url
        assert "no-store" in got["office"]["Cache-Control"]
    pk = line_at(version, 2).pk
    for url in (f"{LINES}{pk}/confirm/", f"{LINES}{pk}/propose/"):
        assert client_for(None).post(url).status_code == 302  # to the login
        assert client_for(people["citizen"]).post(url).status_code == 404
        assert client_for(people["roads"]).get(url).status_code == 405
    assert not TagChange.objects.filter(state=ChangeState.PROPOSED).exists()


def test_a_department_sees_its_own_lines_with_the_rules_suggestions_and_filters(city, people):
    version = roads_budget(city)
    page = client_for(people["roads"]).get(LINES).content.decode()
    roads_id = people["roads"].memberships.get().department_id
    own = department_lines(version, [roads_id])
    assert [x.row for x in own] == [2, 3, 4]
    for x in version.lines.all():
        assert (f'data-line-id="{x.pk}"' in page) == (x in own), x.row
    assert "suggests mitigation Unfavourable 100 %, adaptation Neutral 100 %" in page
    assert "Ask the fuel type." in page
    assert page.count("Confirm the suggestion") == 1  # a question has nothing to confirm
    suggested = client_for(people["roads"]).get(LINES + "?show=suggested").content.decode()
    assert f'data-line-id="{line_at(version, 4).pk}"' not in suggested
    assert f'data-line-id="{line_at(version, 2).pk}"' in suggested
    # the climate office sees every line in scope
    office = client_for(people["office"]).get(LINES).content.decode()
    assert f'data-line-id="{line_at(version, 5).pk}"' in office


def test_a_member_confirms_a_suggestion_and_proposes_a_split_and_the_office_approves(
        city, people):
    version = roads_budget(city)
    roads = client_for(people["roads"])
    resurfacing, buses, school = (line_at(version, r) for r in (2, 3, 5))
    # when roads confirms the rule's suggestion for resurfacing
    roads.post(f"{LINES}{resurfacing.pk}/confirm/", {"next": LINES})
    # and proposes the buses' tags by hand, split 60/40, with the reason
    roads.post(f"{LINES}{buses.pk}/propose/", {
        "next": LINES, "mitigation": "very_favourable", "mitigation_pct": "60",
        "mitigation2": "neutral", "mitigation2_pct": "40", "adaptation": "neutral",
        "reason": "Half of the buses are electric"})
    # and a split that does not add up, and another department's line, change nothing
    roads.post(f"{LINES}{buses.pk}/propose/", {
        "mitigation": "favourable", "mitigation_pct": "60", "mitigation2": "neutral",
        "mitigation2_pct": "39", "reason": "x"})
    response = roads.post(f"{LINES}{school.pk}/propose/", {
        "mitigation": "favourable", "reason": "x"})
    assert response.status_code == 404
    # then two proposals wait, both by roads
    waiting = TagChange.objects.filter(state=ChangeState.PROPOSED).order_by("pk")
    assert [(c.line_id, c.proposed_by, c.new) for c in waiting] == [
        (resurfacing.pk, "roads-staff", {"mitigation": {"unfavourable": "100"},
                                         "adaptation": {"neutral": "100"}}),
        (buses.pk, "roads-staff", {"mitigation": {"very_favourable": "60", "neutral": "40"},
                                   "adaptation": {"neutral": "100"}})]
    page = roads.get(LINES).content.decode()
    assert page.count("Waiting for the climate office") == 2
    # and roads cannot approve them; the climate office does
    for change in waiting:
        roads.post(f"/en/testville/budget/tags/{change.pk}/approve/")
    assert TagChange.objects.filter(state=ChangeState.PROPOSED).count() == 2
    office = client_for(people["office"])
    for change in waiting:
        office.post(f"/en/testville/budget/tags/{change.pk}/approve/")
    assert TagChange.objects.filter(state=ChangeState.PROPOSED).count() == 0
    assert line_at(version, 3).mitigation == {"very_favourable": "60", "neutral": "40"}
    untagged = roads.get(LINES + "?show=untagged").content.decode()
    assert f'data-line-id="{buses.pk}"' not in untagged
    assert f'data-line-id="{line_at(version, 4).pk}"' in untagged


# -- the import form ----------------------------------------------------------------------

def _upload(data: bytes, name: str = "budget.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_the_import_form_lists_mistakes_by_line_writes_nothing_and_ignores_a_second_send(
        city, people):
    office = client_for(people["office"])
    bad = (HEADER + line("13029002", "130201", "4205", "abc") + "\n"
           + line("13029002", "130202", "4205", "10", "green") + "\n").encode()
    response = office.post(IMPORT, {"file": _upload(bad), "year": "2025", "stage": "adopted"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert 'line 2, column "amount_eur"' in page and 'line 3, column "mitig_tag"' in page
    assert not BudgetVersion.objects.exists()
    # a decree's totals that the lines miss by a euro: refused with the group
    good = WORKED.read_bytes()
    totals = b"group,amount_eur\n40,950001.00\n"
    response = office.post(IMPORT, {"file": _upload(good), "year": "2025", "stage": "adopted",
                                    "totals": _upload(totals, "totals.csv")})
    assert response.status_code == 400
    assert "group 40: lines 950000.00, decree 950001.00, difference -1.00" in html.unescape(
        response.content.decode())
    assert not BudgetVersion.objects.exists()
    # a good file is imported; the same again changes nothing
    response = office.post(IMPORT, {"file": _upload(good), "year": "2025", "stage": "adopted"},
                           follow=True)
    assert "Imported 10 lines" in response.content.decode()
    version = budget_version("testville", 2025)
    before = (version.content_hash, list(version.lines.values_list("pk", flat=True)))
    response = office.post(IMPORT, {"file": _upload(good), "year": "2025", "stage": "adopted"},
                           follow=True)
    assert "Nothing changed" in response.content.decode()
    version.refresh_from_db()
    assert (version.content_hash, list(version.lines.values_list("pk", flat=True))) == before


# -- the public page by policy area, budget user and participatory project -----------------

def test_the_public_page_by_area_user_and_pb_project_equals_the_report_check_24(city, people):
    version = import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="w.csv",
                            actor="test").version
    project = pb_project(city)
    link_pb_project(line_at(version, 7), project, actor="test")  # the Zarta line, an NRP one
    publish_budget(version, actor="test")
    data = report(version, decimals=1)
    page = client_for(None).get("/en/testville/budget/").content.decode()

    def share_or_dash(row, value):  # type: ignore[no-untyped-def]
        return pct(value) if row["green_share"] is not None else "—"

    assert table(page, "by_policy_area") == [
        [f"{a['code']} {POLICY_AREAS[a['code']]}", money(a["in_scope"]),
         share_or_dash(a, a["green_share"]),
         share_or_dash(a, a["mitigation"]["unfavourable"]["share"])]
        for a in data["by_policy_area"]["ppp"]]
    assert table(page, "by_department") == [
        [f"{d['code']} {d['name']}", money(d["in_scope"]), pct(d["green_share"]),
         pct(d["mitigation"]["unfavourable"]["share"])] for d in data["by_department"]]
    assert table(page, "participatory") == [
        ["Rain garden at the school", money("800000.00"), "Favourable 100 %", "Neutral 100 %"]]
    # the project's line is counted once: the green share is the worked example's
    assert data["green_share"] == "63.9"
    assert sum(Decimal(a["in_scope"]) for a in data["by_policy_area"]["ppp"]) == Decimal(
        data["in_scope"])
