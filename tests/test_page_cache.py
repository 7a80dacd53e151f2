"""Pages kept for anonymous visitors (zerocity.web.page_cache): a second visit is served from
the cache with a query or two, any write shows at once (through a service, the ORM or raw SQL),
and nothing personal is ever kept or served: signed-in people, sessions, pending messages and
CSRF tokens pass through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from mobility_feeds import planner_zip
from zerocity.core.services import grant_role
from zerocity.inventory.models import Inventory
from zerocity.inventory.services import publish_inventory, unpublish_inventory
from zerocity.mobility.models import FeedVersion
from zerocity.mobility.services import import_feed
from zerocity.plan.models import Action
from zerocity.web import page_cache
from zerocity.web.page_cache import HIT, shared_page

pytestmark = pytest.mark.django_db


def _get(client: Client, path: str) -> tuple[HttpResponse, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response, len(queries)


def _action_path(city) -> tuple[Action, str]:  # type: ignore[no-untyped-def]
    action = Action.objects.filter(plan__city=city).order_by("code").first()
    assert action is not None
    return action, f"/en/kranj/plan/actions/{action.code}/"


def test_a_second_visit_is_served_from_the_cache_with_one_query(kranj) -> None:  # type: ignore[no-untyped-def]
    _action, path = _action_path(kranj)
    client = Client()
    first, miss_queries = _get(client, path)
    second, hit_queries = _get(client, path)
    assert first[HIT] == "miss" and second[HIT] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # the data versions, and the city's time zone for the local day
    assert hit_queries <= 2 < miss_queries


def test_each_language_is_kept_apart(kranj) -> None:  # type: ignore[no-untyped-def]
    _action, path = _action_path(kranj)
    client = Client()
    english, _ = _get(client, path)
    slovenian, _ = _get(client, path.replace("/en/", "/sl/"))
    assert slovenian[HIT] == "miss"
    assert 'lang="sl"' in slovenian.content.decode() and 'lang="en"' in english.content.decode()


def test_a_write_through_the_orm_or_raw_sql_shows_at_once(kranj) -> None:  # type: ignore[no-untyped-def]
    action, path = _action_path(kranj)
    client = Client()
    _get(client, path)
    Action.objects.filter(pk=action.pk).update(name="Solar roofs on every school")
    shown, _ = _get(client, path)
    assert shown[HIT] == "miss" and "Solar roofs on every school" in shown.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE plan_action SET responsible_body = %s WHERE id = %s",
                       ["Energy agency of Gorenjska", action.pk])
    shown, _ = _get(client, path)
    assert "Energy agency of Gorenjska" in shown.content.decode()


def test_withdrawing_and_publishing_an_inventory_show_at_once(kranj) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    latest = Inventory.objects.filter(city=kranj).exclude(published_at=None).order_by("-year")
    newest = latest.first()
    assert newest is not None and latest.count() >= 2
    path = f"/en/kranj/inventory/{newest.year}/"
    _get(client, path)
    unpublish_inventory(newest, reason="a meter read twice", actor="test")
    assert client.get(path).status_code == 404  # not the page kept a moment ago
    publish_inventory(Inventory.objects.get(pk=newest.pk), actor="test")
    shown, _ = _get(client, path)
    assert shown[HIT] == "miss"


def test_a_published_inventorys_downloads_are_kept_and_a_large_one_is_not(kranj,
                                                                          settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    path = "/en/kranj/inventory/2018/download/ecrf/"
    first, _ = _get(client, path)
    second, _ = _get(client, path)
    assert (first[HIT], second[HIT]) == ("miss", "hit") and second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"] == (
        'attachment; filename="eCRF-inventory-SIKRA-2018.xlsx"')
    assert second["Content-Type"] == first["Content-Type"]
    # a new figure shows at once in the download too
    unpublish_inventory(Inventory.objects.get(city=kranj, year=2018), reason="a recount",
                        actor="test")
    assert client.get(path).status_code == 404
    # over the size kept, every request computes it and none is kept
    path = "/en/kranj/inventory/2022/download/csv/"
    size = len(_get(client, path)[0].content)
    settings.PAGE_CACHE_MAX_BYTES = size - 1
    assert [HIT in _get(client, path)[0] for _ in range(2)] == [False, False]
    settings.PAGE_CACHE_MAX_BYTES = size
    assert [_get(client, path)[0][HIT] for _ in range(2)] == ["miss", "hit"]


def test_signed_in_people_never_get_or_leave_a_cached_page(kranj, django_user_model) -> None:  # type: ignore[no-untyped-def]
    _action, path = _action_path(kranj)
    staff = django_user_model.objects.create_user("ana", password="x")
    grant_role(kranj, "ana", "admin", actor="test")
    client = Client()
    client.force_login(staff)
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200 and HIT not in response
    visitor, _ = _get(Client(), path)
    assert visitor[HIT] == "miss"  # what the staff saw was not kept
    assert b"Log out" not in visitor.content


def test_a_session_or_a_pending_message_passes_through(kranj) -> None:  # type: ignore[no-untyped-def]
    _action, path = _action_path(kranj)
    _get(Client(), path)
    for cookie in ("sessionid", "messages"):
        client = Client()
        client.cookies[cookie] = "something"
        response = client.get(path)
        assert response.status_code == 200 and HIT not in response


def test_a_page_that_uses_the_csrf_token_or_fails_is_not_kept(db) -> None:  # type: ignore[no-untyped-def]
    calls = []

    @shared_page
    def with_form(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return HttpResponse(f"<input value={get_token(request)}>")

    @shared_page
    def failing(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return HttpResponse("no", status=503)

    for view in (with_form, failing):
        for _ in range(2):
            request = RequestFactory().get("/en/somewhere/")
            request.user = AnonymousUser()
            view(request)
    assert len(calls) == 4


def test_the_language_switch_needs_no_token(kranj) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "sl", "next": "/sl/kranj/"})
    assert response.status_code == 302 and response["Location"] == "/sl/kranj/"
    page = client.get("/en/kranj/plan/")
    assert 'name="csrfmiddlewaretoken"' not in page.content.decode()


def test_the_journey_planners_form_is_kept_for_the_minute_it_shows(city, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The planner's form starts at the minute it is shown, so its page is kept for that
    minute only, and a new timetable shows at once (issue 22: "the same for the planner"). A
    question is answered afresh: real-time delays and the card's fares change without a write
    the data versions see."""
    import_feed(city, planner_zip())
    path = "/en/testville/mobility/?date=2026-03-02"
    client = Client()
    monkeypatch.setattr(page_cache, "_this_minute", lambda: "2026-03-02T07:41")
    first, miss_queries = _get(client, path)
    second, hit_queries = _get(client, path)
    assert (first[HIT], second[HIT]) == ("miss", "hit") and second.content == first.content
    assert hit_queries <= 2 < miss_queries
    monkeypatch.setattr(page_cache, "_this_minute", lambda: "2026-03-02T07:42")
    assert _get(client, path)[0][HIT] == "miss"
    FeedVersion.objects.filter(city=city).update(name="Spring timetable")
    assert _get(client, path)[0][HIT] == "miss"
    asked = path + "&from=Kranj+kolodvor&to=Planina&time=06:55&go=1&modes=bus"
    answers = [_get(client, asked)[0] for _ in range(2)]
    assert [HIT in a for a in answers] == [False, False]
    assert 'class="itinerary"' in answers[1].content.decode()
