"""The journey planner on the API (``GET /api/v1/cities/{slug}/mobility/plan``): the same JSON
as the command line, bad parameters named in a 400 Problem, public to every caller; and the
fare it quotes is what the card charges when the itinerary's taps reach the validators' API
(research §6 check 6: a trip with a transfer inside 90 minutes is one EUR 1.00)."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from django.test import Client

from journey_feeds import (
    NEAR_PRIMSKOVO,
    NEAR_ZLATO_POLJE,
    PLANINA,
    ZLATO_POLJE,
    import_journey_feed,
    point,
)
from zerocity.api.app import api
from zerocity.cli import main

pytestmark = pytest.mark.django_db
URL = "/api/v1/cities/testville/mobility/plan"
TRANSFER = {"from": point(NEAR_ZLATO_POLJE), "to": point(NEAR_PRIMSKOVO),
            "depart": "2026-10-20T07:30"}


@pytest.fixture
def feed(city):  # type: ignore[no-untyped-def]
    return import_journey_feed(city)


def ask(params: dict[str, str], client: Client | None = None, **headers: str):  # type: ignore[no-untyped-def]
    return (client or Client()).get(f"{URL}?{urlencode(params)}", **headers)


def cli_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["mobility", "plan", "--city", "testville", *args,
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_the_api_answers_what_the_command_line_answers(feed):
    api_answer = ask(TRANSFER)
    assert api_answer.status_code == 200, api_answer.content
    assert api_answer.json() == cli_json("--from", TRANSFER["from"], "--to", TRANSFER["to"],
                                         "--depart", TRANSFER["depart"])
    assert [leg["trip"] for leg in api_answer.json()["itineraries"][0]["legs"]] == [
        None, "1-0730", "2-weekday", None]
    # every option, and notes in a language: the same again
    params = {"from": point(ZLATO_POLJE), "to": point(PLANINA), "depart": "2026-10-20T06:50",
              "wheelchair": "true", "max_walk_m": "500", "transfer_slack": "0",
              "modes": "bus,bike", "within": "120", "lang": "en"}
    got = ask(params).json()
    assert got["excluded"][0] == ("1 trip is marked as not wheelchair accessible and was "
                                  "left out.")
    with_cli = CliRunner().invoke(main, [
        "mobility", "plan", "--city", "testville", "--from", params["from"], "--to",
        params["to"], "--depart", params["depart"], "--wheelchair", "--max-walk-m", "500",
        "--transfer-slack", "0", "--modes", "bus,bike", "--within", "120", "--language", "en",
        "--format", "json"])
    assert got == json.loads(with_cli.output)
    arrive_by = ask({**TRANSFER, "depart": "2026-10-20T08:00", "arrive_by": "true"}).json()
    assert arrive_by == cli_json("--from", TRANSFER["from"], "--to", TRANSFER["to"],
                                 "--depart", "2026-10-20T08:00", "--arrive-by")


@pytest.mark.parametrize(("change", "name", "words"), [
    ({"from": "46.2,north"}, "from", "'46.2,north' is not a point; write latitude and"),
    ({"to": "91,14.3"}, "to", "'91,14.3' is outside the globe"),
    ({"from": "46.2, 14.3"}, "from", "is not a point"),
    ({"from": ""}, "from", "'' is not a point"),
    ({"depart": "next tuesday"}, "depart", "datetime"),
    ({"arrive_by": "perhaps"}, "arrive_by", "boolean"),
    ({"max_walk_m": "-1"}, "max_walk_m", "greater than or equal to 0"),
    ({"max_walk_m": "a lot"}, "max_walk_m", "number"),
    ({"transfer_slack": "3601"}, "transfer_slack", "less than or equal to 3600"),
    ({"wheelchair": "sometimes"}, "wheelchair", "boolean"),
    ({"modes": "car"}, "modes", "'car': use one or more of aerial_lift, bus,"),
    ({"modes": "bus,,bike"}, "modes", "'': use one or more of"),
    ({"within": "0"}, "within", "greater than or equal to 1"),
])
def test_a_bad_parameter_is_a_400_that_names_it(city, change, name, words):
    r = ask({**TRANSFER, **change, "lang": "en"})
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    problem = r.json()
    assert problem["errors"][0]["loc"] == ["query", name]
    assert problem["detail"].startswith(f"{name}: ") and words in problem["detail"]


def test_a_missing_point_is_named_and_unknown_places_and_days_are_404s(feed):
    r = ask({"to": TRANSFER["to"]})
    assert r.status_code == 400 and r.json()["errors"][0]["loc"] == ["query", "from"]
    assert Client().get("/api/v1/cities/atlantis/mobility/plan?"
                        + urlencode(TRANSFER)).status_code == 404
    before = ask({**TRANSFER, "depart": "2025-12-01T08:00:00+01:00", "lang": "en"})
    assert before.status_code == 404
    assert before.json()["detail"] == "Testville has no timetable for 1 Dec 2025."
    ancient = ask({**TRANSFER, "depart": "0001-01-01T00:00:00+14:00"})
    assert ancient.status_code == 404


def test_anyone_may_plan_a_journey(feed, city):
    from zerocity.card import taps
    from zerocity.core.models import Role
    from zerocity.core.services import create_city, ensure_department, grant_role

    other = create_city("velenje", name="Velenje", country="SI")
    dept = ensure_department(city, "transport", "Transport")
    _, token = taps.register_validator(city, "bus-plan", "bus")
    people = [None, grant_role(city, "p-citizen", Role.CITIZEN).user,
              grant_role(city, "p-staff", Role.STAFF, department=dept).user,
              grant_role(other, "p-other", Role.ADMIN).user]
    expected = ask(TRANSFER).json()
    for person in people:
        client = Client()
        if person is not None:
            client.force_login(person)
        r = ask(TRANSFER, client)
        assert (r.status_code, r.json()) == (200, expected)
    with_token = ask(TRANSFER, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (with_token.status_code, with_token.json()) == (200, expected)
    operation = api.get_openapi_schema()["paths"]["/api/v1/cities/{slug}/mobility/plan"]["get"]
    assert operation["x-permission"] == "public" and "security" not in operation
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"slug", "from", "to", "depart", "arrive_by", "max_walk_m",
                     "transfer_slack", "wheelchair", "modes", "within", "scenario"}
    assert {str(code) for code in operation["responses"]} == {"200", "400", "404"}


def test_the_quote_is_what_the_card_charges_for_the_itinerarys_taps(feed, city):
    from zerocity.card import accounts, services, taps

    itinerary = ask(TRANSFER).json()["itineraries"][0]
    assert itinerary["transfers"] == 1
    assert itinerary["fare"] == {"amount": "1.00", "currency": "EUR"}
    account = accounts.open_account(city, actor="test")
    accounts.issue_medium(account, "CARD-PLANNED")
    services.top_up(account.wallet, "5.00", payment_reference="plan-1")
    charged = Decimal("0.00")
    for seq, tap in enumerate(itinerary["taps"], 1):
        # the validator on that bus, with its own token
        device = f"bus-{tap['vehicle'].split('/')[0]}"
        _, token = taps.register_validator(city, device, "bus")
        body = {"device_id": device, "seq": seq, "medium": "CARD-PLANNED", **tap}
        body = {k: v for k, v in body.items() if v is not None}
        r = Client().post("/api/v1/card/taps", json.dumps(body),
                          content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 201, r.content
        assert r.json()["decision"] == "accept"
        charged += Decimal(r.json()["fare"])
    assert [t["route"] for t in itinerary["taps"]] == ["1", "2"]  # checked against the feed
    assert charged == Decimal(itinerary["fare"]["amount"]) == Decimal("1.00")
    assert accounts.balance(account) == Decimal("4.00")
