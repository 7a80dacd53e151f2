"""The climate check pages (issue 21; research green-budget-governance.md §3, acceptance checks
14, 15 and 16 of §6, cited by number): the staff's list of the year's proposals with their
statistics and flags, an item's page with its header, the forms that register, check, give the
opinion and publish through ``budget.checks``, the city's threshold, and the public list of
published items, each figure equal to the service layer's. Who may see and do what."""

from __future__ import annotations

import pytest
from django.test import Client

from budget_people import budget_people
from clients import client_for
from page_words import raw_codes, visible_text
from test_budget_web import other_staff  # noqa: F401  (a fixture)
from test_mobility_planning_web import figure, table
from zerocity.budget.checks import (
    describe,
    give_opinion,
    header,
    public_stats,
    publish_item,
    record_check,
    register_proposal,
    set_threshold,
    stats,
)
from zerocity.budget.models import Proposal, Relevance
from zerocity.budget.services import approve_tags, import_budget, propose_tags
from zerocity.web.templatetags import zc

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
BASE = "/en/testville/budget/checks/"


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    return budget_people(city)


def add(city, ref: str, nrp: str = "", kind: str = "council_item"):  # type: ignore[no-untyped-def]
    return register_proposal(city, kind=kind, reference=ref, title=f"Item {ref}", year=2025,
                             estimated_cost="1200000", department_slug="roads", nrp_code=nrp,
                             actor="test").proposal


def a_year(city, people):  # type: ignore[no-untyped-def]
    """2025: a published high one with its opinion, a published none with its reason, a low
    one checked, an unchecked one, and a harmful NRP project whose line is tagged favourable
    (check 16)."""
    high = record_check(add(city, "S-1/2025"), "250", effect_type="change_activity",
                        actor="test")
    give_opinion(high, "Fewer parking places would halve the effect.", by=people["office"])
    publish_item(high, actor="test")
    none = record_check(add(city, "S-2/2025"), "2",
                        justification="A change of the rules of procedure only.", actor="test")
    publish_item(none, actor="test")
    record_check(add(city, "S-3/2025"), "-40", actor="test")
    add(city, "S-4/2025")
    record_check(add(city, "NRP-9", nrp="OB052-25-0099", kind="nrp_project"), "300",
                 actor="test")
    version = import_budget(city, 2025, "adopted", (
        "pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,"
        "amount_eur,funding_source,mitig_tag,adapt_tag\n"
        "4000,Uprava,13,1302,13029003,130299,Parkirna hiša,4204,0451,OB052-25-0099,"
        "Parkirna hiša,500000.00,own,neutral,neutral\n").encode(), filename="b.csv",
        actor="test").version
    change = propose_tags(version.lines.get(), mitigation={"very_favourable": "100"},
                          reason="test", by=people["roads"])
    approve_tags(change, by=people["office"])


# -- who may see and do what ---------------------------------------------------------------

def test_the_staff_pages_are_for_the_citys_staff_and_the_published_list_is_public(
        city, people, other_staff):  # noqa: F811
    a_year(city, people)
    pk = Proposal.objects.get(reference="S-3/2025").pk
    who = {"anonymous": None, "citizen": people["citizen"], "other_city": other_staff,
           "department": people["roads"], "office": people["office"]}
    for path in ("", f"{pk}/"):
        got = {k: client_for(u).get(BASE + path) for k, u in who.items()}
        assert {k: r.status_code for k, r in got.items()} == {
            "anonymous": 302, "citizen": 404, "other_city": 404, "department": 200,
            "office": 200}, path
        assert "no-store" in got["office"]["Cache-Control"]
    assert {k: client_for(u).get(BASE + "published/").status_code for k, u in who.items()} == \
        dict.fromkeys(who, 200)


@pytest.mark.parametrize("path", ["register/", "threshold/", "{pk}/check/", "{pk}/opinion/",
                                  "{pk}/publish/"])
def test_outsiders_change_nothing_with_any_form(city, people, other_staff, path):  # noqa: F811
    a_year(city, people)
    item = Proposal.objects.get(reference="S-4/2025")
    url = BASE + path.format(pk=item.pk)
    before = [describe(p) for p in Proposal.objects.all()]
    fields = {"kind": "council_item", "reference": "X", "title": "X", "year": "2025",
              "estimate_t": "5", "opinion": "Yes.", "threshold_t": "5"}
    assert client_for(None).post(url, fields).status_code == 302  # to the login page
    assert client_for(people["citizen"]).post(url, fields).status_code == 404
    assert client_for(other_staff).post(url, fields).status_code == 404
    assert [describe(p) for p in Proposal.objects.all()] == before


def test_another_department_may_check_but_only_the_climate_office_gives_the_opinion(
        city, people):
    item = add(city, "S-7/2025")
    roads = client_for(people["roads"])
    roads.post(BASE + f"{item.pk}/check/", {"estimate_t": "150"})
    item.refresh_from_db()
    assert item.relevance == Relevance.NEGATIVE_HIGH
    page = roads.post(BASE + f"{item.pk}/opinion/", {"opinion": "Fine.", "next": BASE + f"{item.pk}/"},
                      follow=True)
    assert "Only the climate office gives the opinion." in page.content.decode()
    assert "The climate office gives the opinion." in page.content.decode()  # no form for them
    item.refresh_from_db()
    assert item.opinion == ""
    page = roads.post(BASE + "threshold/", {"threshold_t": "5", "next": BASE}, follow=True)
    assert "Only the climate office sets the threshold." in page.content.decode()
    office = client_for(people["office"])
    office.post(BASE + "threshold/", {"threshold_t": "200"})
    assert stats(city, 2025)["threshold_t"] == "200.00"


# -- check 14: blocked until the opinion -----------------------------------------------------

def test_check_14_a_plus_250_item_is_refused_naming_the_opinion_until_the_office_gives_it(
        city, people):
    roads, office = client_for(people["roads"]), client_for(people["office"])
    # given a department registers a council item through the page and checks it at +250
    done = roads.post(BASE + "register/", {
        "kind": "council_item", "reference": "S-12/2025", "title": "Parkirna hiša Planina",
        "year": "2025", "estimated_cost": "1.200.000,00".replace(".", "").replace(",", "."),
        "department": "roads", "nrp_code": ""})
    item = Proposal.objects.get(reference="S-12/2025")
    assert done["Location"] == BASE + f"{item.pk}/"
    roads.post(BASE + f"{item.pk}/check/", {"estimate_t": "250",
                                            "effect_type": "change_activity"})
    item.refresh_from_db()
    assert item.relevance == Relevance.NEGATIVE_HIGH and item.threshold_t == 100
    # when it tries to publish, it is refused and the page names the missing opinion
    page = roads.post(BASE + f"{item.pk}/publish/", {"next": BASE + f"{item.pk}/"},
                      follow=True).content.decode()
    assert "S-12/2025 cannot be published without: the climate office&#x27;s opinion." in page
    item.refresh_from_db()
    assert item.published_at is None
    assert 'data-missing="item"' in page
    # when the climate office gives its opinion, publishing succeeds
    office.post(BASE + f"{item.pk}/opinion/", {"opinion": "Add bicycle parking."})
    page = roads.post(BASE + f"{item.pk}/publish/", follow=True).content.decode()
    item.refresh_from_db()
    assert item.published_at is not None
    assert figure(page, "header") == header(item)
    assert "Opinion of the climate office (office-staff" in header(item)
    public = client_for(None).get(BASE + "published/?year=2025").content.decode()
    assert f'data-header="S-12/2025">{header(item)}' .replace("'", "&#x27;") in public


def test_check_15_no_relevance_needs_one_sentence_through_the_page(city, people):
    item = add(city, "S-8/2025")
    roads = client_for(people["roads"])
    page = roads.post(BASE + f"{item.pk}/check/", {"estimate_t": "1", "justification": "",
                                                   "next": BASE + f"{item.pk}/"},
                      follow=True).content.decode()
    assert "No relevance needs a justification of one sentence." in page
    item.refresh_from_db()
    assert item.estimate_t is None
    roads.post(BASE + f"{item.pk}/check/", {"estimate_t": "1",
                                            "justification": "It renames a street only."})
    item.refresh_from_db()
    assert item.relevance == Relevance.NONE


# -- every figure equals the service layer's ---------------------------------------------------

def _stats_figures(page: str, figures: dict) -> None:  # type: ignore[type-arg]
    for key in ("proposals", "checked", "with_opinion", "published"):
        assert figure(page, key) == str(figures[key]), key
    assert figure(page, "relevant_share") == f"{zc.num(figures['relevant']['share'], 1)} %"
    assert figure(page, "relevant_count") == str(figures["relevant"]["count"])
    assert table(page, "ratings") == [
        [str(Relevance(r).label), str(figures["ratings"][r]["count"]),
         f"{zc.num(figures['ratings'][r]['share'], 1)} %"] for r in Relevance.values]


def test_check_15_and_16_the_staff_page_shows_the_statistics_and_the_flags(city, people):
    a_year(city, people)
    figures = stats(city, 2025)
    page = client_for(people["office"]).get(BASE + "?year=2025").content.decode()
    _stats_figures(page, figures)
    assert figures["relevant"] == {"count": 3, "share": "75.0"}  # of 4 checked
    assert [f["reference"] for f in figures["flagged"]] == ["NRP-9"]
    assert figures["flagged"][0]["message"] in page.replace("&#x27;", "'")
    rows = table(page, "proposals")
    assert [r[0] for r in rows] == [p.reference for p in Proposal.objects.filter(year=2025)]
    by_ref = {r[0]: r for r in rows}
    assert by_ref["S-1/2025"][5] == "published"
    assert by_ref["S-3/2025"][5] == "ready to publish"
    assert by_ref["S-4/2025"][5] == "missing: a climate check (estimated tCO2e per year)"
    assert by_ref["NRP-9"][5] == "missing: the climate office's opinion"
    assert by_ref["S-1/2025"][3] == "250.00"


def test_the_public_page_shows_only_published_items_and_equals_the_service(city, people):
    a_year(city, people)
    figures = public_stats(city, 2025)
    page = client_for(None).get(BASE + "published/").content.decode()
    _stats_figures(page, figures)
    for p in Proposal.objects.all():
        shown = f'data-item="{p.reference}"' in page
        assert shown == (p.published_at is not None), p.reference
    for p in Proposal.objects.exclude(published_at=None):
        assert header(p).replace("'", "&#x27;") in page
    assert "NRP-9" not in page and "S-4/2025" not in page  # unpublished stay unnamed
    assert figures["unchecked"] == 1 and figures["flagged"] == 0


def test_the_slovenian_pages_speak_slovenian(city, people):
    a_year(city, people)
    office = client_for(people["office"])
    pk = Proposal.objects.get(reference="S-1/2025").pk
    for url in ("/sl/testville/budget/checks/", f"/sl/testville/budget/checks/{pk}/",
                "/sl/testville/budget/checks/published/"):
        page = office.get(url).content.decode()
        text = visible_text(page)
        for english in ("Climate check", "Opinion", "Proposals", "Published", "relevance"):
            assert english not in text, (url, english)
        assert raw_codes(page) == [], url
    assert "Negativen, zelo pomemben" in office.get("/sl/testville/budget/checks/").content.decode()


def test_a_threshold_set_by_the_office_rates_later_checks(city, people):
    set_threshold(city, "300", by=people["office"])
    item = add(city, "S-9/2025")
    client_for(people["roads"]).post(BASE + f"{item.pk}/check/", {"estimate_t": "250"})
    item.refresh_from_db()
    assert item.relevance == Relevance.NEGATIVE_LOW


# -- the Kranj demo ------------------------------------------------------------------------------

def test_check_16_the_kranj_demo_has_checked_items_and_flags_the_harmful_hall(kranj):
    from zerocity.budget import check_demo
    from zerocity.budget.demo import load as load_budget

    load_budget(kranj, actor="test")
    first = check_demo.load(kranj, actor="test")
    assert check_demo.load(kranj, actor="test") == first  # again: nothing changes
    figures = stats(kranj, 2025)
    assert figures["proposals"] == len(check_demo.PROPOSALS) == 7
    assert figures["published"] == 5 and figures["unchecked"] == ["S-21/2025"]
    assert [f["reference"] for f in figures["flagged"]] == ["NRP OB052-25-2801"]
    assert {f["mitigation"].get("favourable") for f in figures["flagged"]} == {"100"}
    assert "(illustrative)" in first
    hall = Proposal.objects.get(city=kranj, reference="NRP OB052-25-2801")
    assert describe(hall)["missing"] == ["the climate office's opinion"]
    page = Client().get("/en/kranj/budget/checks/published/?year=2025").content.decode()
    assert page.count("data-item=") == 5


def test_without_items_the_pages_say_so_for_the_citys_year(city, people):
    this_year = city.calendar.today().year
    page = client_for(None).get(BASE + "published/?year=abc").content.decode()
    assert 'data-empty="items"' in page and f'value="{this_year}" selected' in page
    assert figure(page, "proposals") == "0"
    staff = client_for(people["roads"]).get(BASE).content.decode()
    assert 'data-empty="proposals"' in staff and 'data-empty="flagged"' in staff
