"""The city budget's pages (issue 21): the public climate report of the published budget, in
which every figure equals the report's own (``budget.selectors.report``), and the climate
office's page of tag proposals, approved or rejected through the services (four eyes). Who
may see them."""

from __future__ import annotations

import pytest
from django.utils import translation

from clients import client_for
from page_words import raw_codes, visible_text
from test_budget import WORKED, csv, people, row  # noqa: F401  (a fixture)
from test_mobility_planning_web import figure, table
from zerocity.budget.calculations import TAGS
from zerocity.budget.models import ChangeState, Tag, TagChange
from zerocity.budget.selectors import budget_version, line_at, line_label, report
from zerocity.budget.services import import_budget, propose_tags, publish_budget
from zerocity.web.templatetags import zc

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def money(value: object) -> str:
    with translation.override("en"):
        return zc.money(value)


def pct(value: object) -> str:
    with translation.override("en"):
        return f"{zc.num(value, 1)} %"


def published(city):  # type: ignore[no-untyped-def]
    """The worked example as the city's published 2025 budget, after a 2024 budget to
    compare with."""
    import_budget(city, 2024, "adopted", csv(row("1", "4201", "1000", "favourable", "neutral"),
                                             row("2", "4201", "1000", "neutral", "neutral")),
                  filename="2024.csv", actor="test")
    version = import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="w.csv",
                            actor="test").version
    untagged = line_at(version, 8)  # konto 4030 (interest): out of scope
    assert not untagged.in_scope
    return publish_budget(version, actor="test")


@pytest.fixture
def other_staff(db):  # type: ignore[no-untyped-def]
    from zerocity.core.models import Role
    from zerocity.core.services import create_city, ensure_department, grant_role

    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    return grant_role(other, "lj-staff", Role.STAFF,
                      department=ensure_department(other, "finance", "Finance")).user


# -- who may see them -----------------------------------------------------------------------

def test_the_report_is_public_and_the_proposals_are_for_the_citys_staff(
        city, people, other_staff):  # noqa: F811
    published(city)
    who = {"anonymous": None, "citizen": people["citizen"], "other_staff": other_staff,
           "staff": people["roads"]}
    report_page = {k: client_for(u).get("/en/testville/budget/").status_code
                   for k, u in who.items()}
    assert report_page == dict.fromkeys(who, 200)
    tags_page = {k: client_for(u).get("/en/testville/budget/tags/") for k, u in who.items()}
    assert {k: r.status_code for k, r in tags_page.items()} == {
        "anonymous": 302, "citizen": 404, "other_staff": 404, "staff": 200}
    assert "no-store" in tags_page["staff"]["Cache-Control"]


def test_without_a_published_budget_the_page_says_so(city, people):  # noqa: F811
    import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="w.csv", actor="test")
    page = client_for(None).get("/en/testville/budget/").content.decode()
    assert 'data-empty="budget"' in page
    assert "has not published a budget" in page
    assert "6,800,000.00" not in page  # the unpublished figures are not shown


# -- every figure equals the report's -------------------------------------------------------

def test_every_figure_of_the_public_page_equals_the_reports(city):
    version = published(city)
    data = report(version, decimals=1)
    page = client_for(None).get("/en/testville/budget/").content.decode()
    for key in ("total", "in_scope", "out_of_scope"):
        assert figure(page, key) == money(data[key]), key
    assert figure(page, "green_share") == pct(data["green_share"])
    assert figure(page, "investment_share") == pct(data["investment"]["share"])
    assert figure(page, "investment") == money(data["investment"]["amount"])
    trend = data["trend"]
    assert trend is not None and trend["against_year"] == 2024
    assert f"changed by +{zc.num(trend['change_pp'].lstrip('+'), 1)} percentage points" \
        in figure(page, "trend")
    assert f"({pct(trend['green_share_then'])})" in figure(page, "trend")
    for axis in ("mitigation", "adaptation"):  # two tables, never added
        assert table(page, axis) == [[str(Tag(t).label), money(data[axis][t]["amount"]),
                                      pct(data[axis][t]["share"])] for t in TAGS], axis
    assert table(page, "actions") == [
        [a["action"], money(a["linked"]), money(a["planned"]) or "—",
         pct(a["covered"]) if a["covered"] is not None else "—", money(a["gap"]) or "—"]
        for a in data["actions"]]
    assert data["actions"][0]["action"] == "3.3"
    assert page.count('<svg class="chart"') == 2
    assert 'data-illustrative="budget"' not in page  # an imported budget, not the demo's


def test_the_demo_budget_is_labelled_illustrative_and_years_are_chosen(city):
    from zerocity.budget.demo import budget_csv
    from zerocity.budget.selectors import budget_version, report
    from zerocity.budget.services import import_budget, publish_budget

    # given the worked example published for 2025 and the demo's budget, illustrative, for 2026
    published(city)
    import_budget(city, 2026, "adopted", budget_csv(), filename="demo.csv", illustrative=True,
                  actor="test")
    publish_budget(budget_version("testville", 2026), actor="test")
    # then the report says which is made up, and so does the page, only on the made-up one
    assert report(budget_version("testville", 2026))["illustrative"] is True
    assert report(budget_version("testville", 2025))["illustrative"] is False
    page = client_for(None).get("/en/testville/budget/?year=2026").content.decode()
    assert 'data-illustrative="budget"' in page
    real = client_for(None).get("/en/testville/budget/?year=2025&stage=adopted").content.decode()
    assert 'data-illustrative="budget"' not in real
    assert client_for(None).get("/en/testville/budget/?year=2024").status_code == 404  # unpublished


def test_the_slovenian_page_names_the_tags_in_slovenian(city):
    published(city)
    page = client_for(None).get("/sl/testville/budget/").content.decode()
    for word in ("Zelo ugodno", "Ugodno", "Nevtralno", "Neugodno", "Nedoločeno"):
        assert word in page, word
    assert "6.800.000,00" in page
    text = visible_text(page)
    for english in ("Mitigation", "Adaptation", "Total budget", "Share", "Gap", "Favourable"):
        assert english not in text, english
    assert raw_codes(page) == []


# -- approving and rejecting through the page -----------------------------------------------

BACK = {"next": "/en/testville/budget/tags/"}  # as the page's forms send it


def _propose(city, by):  # type: ignore[no-untyped-def]
    version = import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="w.csv",
                            actor="test").version
    line = line_at(version, 3)
    return line, propose_tags(line, mitigation={"favourable": "100"},
                              reason="LED lighting", by=by)


def test_the_climate_office_approves_a_proposal_and_no_one_their_own(city, people):  # noqa: F811
    line, change = _propose(city, people["office"])
    page = client_for(people["office2"]).get("/en/testville/budget/tags/").content.decode()
    assert line_label(line) in page and "LED lighting" in page and "office-staff" in page
    # the proposer cannot approve it: a message, nothing changed
    response = client_for(people["office"]).post(
        f"/en/testville/budget/tags/{change.pk}/approve/", BACK, follow=True)
    assert "other than who made it" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ChangeState.PROPOSED
    # a department's staff cannot approve either
    response = client_for(people["roads"]).post(
        f"/en/testville/budget/tags/{change.pk}/approve/", BACK, follow=True)
    assert "Only the climate office" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ChangeState.PROPOSED
    # another member of the climate office does
    response = client_for(people["office2"]).post(
        f"/en/testville/budget/tags/{change.pk}/approve/", BACK, follow=True)
    assert "Approved" in response.content.decode()
    change.refresh_from_db()
    line.refresh_from_db()
    assert change.state == ChangeState.APPROVED and change.decided_by == "office-staff2"
    assert line.mitigation == {"favourable": "100"}
    assert 'data-empty="proposals"' in response.content.decode()


def test_the_climate_office_rejects_a_proposal_with_a_reason(city, people):  # noqa: F811
    line, change = _propose(city, people["roads"])
    office = client_for(people["office"])
    office.post(f"/en/testville/budget/tags/{change.pk}/reject/", {**BACK, "reason": " "})
    change.refresh_from_db()
    assert change.state == ChangeState.PROPOSED  # a reason is needed
    office.post(f"/en/testville/budget/tags/{change.pk}/reject/", {**BACK, "reason": "Not LED"})
    change.refresh_from_db()
    line.refresh_from_db()
    assert change.state == ChangeState.REJECTED
    assert line.mitigation == change.old["mitigation"] != change.new["mitigation"]
    assert TagChange.objects.filter(state=ChangeState.PROPOSED).count() == 0
    assert budget_version("testville", 2025).published_at is None
