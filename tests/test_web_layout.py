"""Pages link only what the person may use, and the refusal pages keep the city's layout
(issue 17): a citizen who follows a wrong address under /sl/kranj/ still has Kranj's
navigation, in Slovenian, to carry on from."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client, RequestFactory
from django.utils import translation

from zerocity.web.error_views import permission_denied

pytestmark = pytest.mark.django_db


def as_user(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def test_a_missing_page_under_a_city_keeps_its_navigation_in_slovenian(city):
    # given a citizen of Testville
    from zerocity.core.models import Role
    from zerocity.core.services import grant_role

    citizen = Client()
    citizen.force_login(grant_role(city, "mira", Role.CITIZEN).user)

    # when they open an address that does not exist, and one behind a staff rule
    missing = citizen.get("/sl/testville/ni-je-tukaj/")
    refused = citizen.get("/sl/testville/participate/manage/")

    # then both are the not-found page in Slovenian, with the city's navigation
    for response in (missing, refused):
        page = response.content.decode()
        assert response.status_code == 404
        assert '<html lang="sl">' in page
        assert "<h1>Strani ni mogoče najti</h1>" in page
        assert '<a class="brand-city" href="/sl/testville/">Testville</a>' in page
        assert '<li><a href="/sl/testville/inventory/">Evidenca emisij</a></li>' in page
        assert '<a href="/sl/testville/">' in page.split("<main", 1)[1]  # back to the city
        assert "<title>Strani ni mogoče najti · Testville · ZeroCity</title>" in page


def test_a_missing_page_outside_any_city_has_the_plain_navigation(city):
    response = Client().get("/sl/nikjer/ni-je-tukaj/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Strani ni mogoče najti</h1>" in page
    assert "brand-city" not in page
    assert "/inventory/" not in page


def test_a_refusal_keeps_the_layout_and_the_city(city):
    # given a request under /en/testville/ that a rule refuses with 403
    request = RequestFactory().get("/en/testville/card/fares/")
    SessionMiddleware(lambda r: None).process_request(request)  # type: ignore[arg-type,return-value]
    request.user = AnonymousUser()
    # when the site answers it
    with translation.override("en"):
        response = permission_denied(request)
    # then it is the 403 page inside the city's layout
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in page
    assert '<li><a href="/en/testville/inventory/">Emissions inventory</a></li>' in page


def links(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_back_office_links_are_shown_only_to_those_who_may_use_them(kranj):
    # given the demo's citizen, a school's buyer, a clerk and the city's administrator
    citizen, buyer = as_user("citizen"), as_user("school.buyer")
    staff, admin = as_user("ana.staff"), as_user("marko.admin")

    # then the food page links the back office for staff only, the buyers' page for buyers
    food = {who: links(c, "/en/kranj/food/") for who, c in
            [("citizen", citizen), ("buyer", buyer), ("staff", staff)]}
    assert 'href="/en/kranj/food/supplier/"' in food["citizen"]  # anyone may register a farm
    assert 'href="/en/kranj/food/institution/"' not in food["citizen"]
    assert 'href="/en/kranj/food/manage/"' not in food["citizen"]
    assert 'href="/en/kranj/food/institution/"' in food["buyer"]
    assert 'href="/en/kranj/food/manage/"' not in food["buyer"]
    assert 'href="/en/kranj/food/manage/"' in food["staff"]

    # and the plan's own navigation offers managing it to staff only
    assert 'href="/en/kranj/plan/manage/"' not in links(citizen, "/en/kranj/plan/")
    assert 'href="/en/kranj/plan/manage/"' in links(staff, "/en/kranj/plan/")

    # and the card's back office links "Products and fares" for administrators, who may
    # edit them, not for the clerks the page would refuse
    assert ">Products and fares</a>" not in links(staff, "/en/kranj/card/desk/")
    assert staff.get("/en/kranj/card/fares/").status_code == 404
    assert ">Products and fares</a>" in links(admin, "/en/kranj/card/desk/")
