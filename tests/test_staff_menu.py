"""The staff area's menu (issue 21, docs/budget.md "Staff menu"): every staff page of the
budget, the climate checks, the reporting round, the contract and the Green Transition
Group's meetings is reachable from it; each link opens for whom it is shown, and a link is
shown only to who may use its page."""

from __future__ import annotations

import re

import pytest

from clients import client_for
from contract_city import contract_city
from governance_people import council
from zerocity.web.staff_menu import staff_links

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

# where the menu is shown: the plan's staff pages and every staff page of issue 21
PAGES = ("plan/manage/", "plan/manage/rounds/", "plan/contract/manage/", "budget/lines/",
         "budget/tags/", "budget/checks/")
ALL = {"budget_lines", "budget_tags", "budget_import", "budget_checks", "plan_round",
       "contract_manage"}


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    from zerocity.budget.services import set_budget_office

    contract_city(city)
    c = council(city)
    set_budget_office(city, "climate-office", actor="test")  # the secretary's department
    return c


def shown(page: str) -> dict[str, str]:
    menu = re.search(r'<nav[^>]*data-menu="staff">(.*?)</nav>', page, re.S)
    if menu is None:
        return {}
    return dict((k, u) for u, k in re.findall(
        r'<a href="([^"]+)" data-staff-link="([^"]+)"', menu.group(1)))


def test_each_link_of_the_menu_opens_for_whom_it_is_shown(people, city):
    for who in ("secretary", "staff", "admin"):
        client = client_for(people[who])
        for path in PAGES:
            response = client.get(f"/en/testville/{path}")
            assert response.status_code == 200, (who, path)
            links = shown(response.content.decode())
            assert links == {x["key"]: x["url"] for x in staff_links(people[who], city)}, (
                who, path)
            for key, url in links.items():
                assert client.get(url).status_code == 200, (who, key)


def test_a_link_is_shown_only_to_who_may_use_its_page(people, city):
    keys = {who: {x["key"] for x in staff_links(people[who], city)}
            for who in ("secretary", "staff", "admin", "citizen")}
    # the climate office's secretary of the council: everything, and the council's meetings
    assert keys["secretary"] == ALL | {"governance_body:council"}
    # a department's staff: no import of the budget, no body whose records they do not keep
    assert keys["staff"] == ALL - {"budget_import"}
    assert keys["admin"] == ALL | {"governance_body:council"}
    assert keys["citizen"] == set()
    assert client_for(people["staff"]).get(
        "/en/testville/budget/import/").status_code == 404
    # no menu for a citizen or a visitor, on any page that shows it to staff
    public = client_for(None).get("/en/testville/governance/council/").content.decode()
    assert shown(public) == {}
    assert shown(client_for(people["citizen"]).get(
        "/en/testville/governance/council/").content.decode()) == {}
    assert "governance_body:council" in shown(client_for(people["secretary"]).get(
        "/en/testville/governance/council/").content.decode())
