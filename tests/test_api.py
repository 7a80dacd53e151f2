"""The HTTP API: a permission matrix per endpoint and the shape of the answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from zerocity.api.app import api
from zerocity.budget.services import import_budget, publish_budget
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role

pytestmark = pytest.mark.django_db
BUDGET = Path(__file__).parent / "data" / "budget_worked_example.csv"


@pytest.fixture
def people(kranj):
    other = create_city("velenje", name="Velenje", country="SI")
    dept = ensure_department(kranj, "climate-office", "Climate office")
    other_dept = ensure_department(other, "energy", "Energy")
    return {
        "anonymous": None,
        "citizen": grant_role(kranj, "t-citizen", Role.CITIZEN).user,
        "staff": grant_role(kranj, "t-staff", Role.STAFF, department=dept).user,
        "admin": grant_role(kranj, "t-admin", Role.ADMIN).user,
        "other_staff": grant_role(other, "t-velenje", Role.STAFF, department=other_dept).user,
    }


def get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


# who sees what: (url, expected status for anonymous, citizen, staff, admin, other city staff)
MATRIX = [
    ("/api/v1/cities", (200, 200, 200, 200, 200)),
    ("/api/v1/cities/kranj/inventories", (200, 200, 200, 200, 200)),
    ("/api/v1/cities/kranj/inventories/2018", (200, 200, 200, 200, 200)),
    ("/api/v1/cities/kranj/inventories/2024", (404, 404, 200, 200, 404)),
    ("/api/v1/cities/atlantis/inventories", (404, 404, 404, 404, 404)),
]
ROLES = ("anonymous", "citizen", "staff", "admin", "other_staff")


@pytest.mark.parametrize(("url", "expected"), MATRIX)
def test_permission_matrix(client, people, url, expected):
    got = tuple(get(client, people[r], url).status_code for r in ROLES)
    assert got == expected


def test_drafts_are_listed_only_for_the_citys_staff(client, people):
    years = lambda u: [i["year"] for i in get(client, people[u],  # noqa: E731
                                              "/api/v1/cities/kranj/inventories").json()]
    assert years("anonymous") == [2022, 2020, 2018]
    assert years("other_staff") == [2022, 2020, 2018]
    assert years("staff") == [2024, 2022, 2020, 2018]


def test_inventory_answer_carries_totals_and_rows(client, people):
    data = client.get("/api/v1/cities/kranj/inventories/2018").json()
    assert data["gwp"] == "AR5" and data["illustrative"] is False
    assert data["totals"]["mission"] == pytest.approx(238_832, abs=1)
    assert data["per_capita"]["mission"] == pytest.approx(238_832 / 56_267, abs=0.001)
    assert len(data["rows"]) == 32
    ar6 = client.get("/api/v1/cities/kranj/inventories/2018?gwp=AR6").json()
    assert ar6["gwp"] == "AR6" and ar6["totals"]["mission"] != data["totals"]["mission"]


def test_a_malformed_request_is_a_4xx_with_a_message(client, people):
    r = client.get("/api/v1/cities/kranj/inventories/2018?gwp=AR9")
    assert r.status_code == 400 and "unknown GWP set 'AR9'" in r.json()["detail"]
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"] == [{"loc": ["query", "gwp"], "msg": r.json()["errors"][0]["msg"]}]
    r = client.get("/api/v1/cities/kranj/inventories/twenty")
    assert r.status_code == 400 and r.json()["errors"][0]["loc"] == ["path", "year"]


def test_openapi_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cities/{slug}/inventories/{year}" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "/static/ninja/swagger-ui-bundle.js" in docs


# -- every operation of the document, for every kind of caller --------------------------------

CALLERS = ("anonymous", "citizen", "staff", "other_staff", "holder", "validator", "source")
TAP = {"device_id": "bus-matrix", "seq": 1, "medium": "MATRIX-CARD",
       "at": "2026-11-24T07:00:00+01:00"}
READING = {"readings": [{"meter": "m1", "time": "2026-11-01T10:00:00+01:00",
                         "quantity": "no2", "value": 20, "unit": "ug/m**3"}]}
ENTITY = {"id": "urn:ngsi-ld:AirQualityObserved:matrix", "type": "AirQualityObserved",
          "dateObserved": "2026-11-01T10:00:00Z", "no2": 20}
PUBLIC_OK = (200,) * len(CALLERS)
DEVICE = (401, 401, 401, 401)  # a signed-in person is no device
# (method, document path) -> (URL, body, statuses for CALLERS in order)
API_MATRIX = {
    ("get", "/api/v1/cities"): ("/api/v1/cities", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}"): ("/api/v1/cities/kranj", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/inventories"): (
        "/api/v1/cities/kranj/inventories", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/inventories/{year}"): (
        "/api/v1/cities/kranj/inventories/2024", None, (404, 404, 200, 404, 404, 404, 404)),
    ("get", "/api/v1/cities/{slug}/datasets"): (
        "/api/v1/cities/kranj/datasets", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/datasets/{key}"): (
        "/api/v1/cities/kranj/datasets/energy-use", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/datasets/{key}.{fmt}"): (
        "/api/v1/cities/kranj/datasets/energy-use.csv", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/plan"): ("/api/v1/cities/kranj/plan", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/budget/{year}"): (
        "/api/v1/cities/kranj/budget/2025", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/climate-checks/{year}"): (
        "/api/v1/cities/kranj/climate-checks/2025", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/contract"): (
        "/api/v1/cities/kranj/contract", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/investment-plan"): (
        "/api/v1/cities/kranj/investment-plan", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/governance/bodies"): (
        "/api/v1/cities/kranj/governance/bodies", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/plan/actions"): (
        "/api/v1/cities/kranj/plan/actions", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/plan/actions/{code}"): (
        "/api/v1/cities/kranj/plan/actions/1.1", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/plan/indicators"): (
        "/api/v1/cities/kranj/plan/indicators", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/plan/gap"): (
        "/api/v1/cities/kranj/plan/gap", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/plan/scenarios"): (
        "/api/v1/cities/kranj/plan/scenarios", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/food/outcomes"): (
        "/api/v1/cities/kranj/food/outcomes", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/processes"): (
        "/api/v1/cities/kranj/processes", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/processes/{process_slug}/proposals"): (
        "/api/v1/cities/kranj/processes/zeleni-kranj-2030/proposals", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/card/fare-rules"): (
        "/api/v1/cities/kranj/card/fare-rules", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/mobility/plan"): (
        "/api/v1/cities/kranj/mobility/plan?from=46.253,14.3808&to=46.234,14.328"
        "&depart=2026-12-02T07:15", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/mobility/stats"): (
        "/api/v1/cities/kranj/mobility/stats?date=2026-12-02", None, PUBLIC_OK),
    # made from riders' taps: the city's staff only, other people see nothing there
    ("get", "/api/v1/cities/{slug}/mobility/loads"): (
        "/api/v1/cities/kranj/mobility/loads?date=2026-12-02", None,
        (401, 404, 200, 404, 404, 401, 401)),
    # public: nothing is computed for the matrix's city, so every caller gets the same 404
    # (tests/test_mobility_accessibility.py reads a stored result anonymously)
    ("get", "/api/v1/cities/{slug}/mobility/access"): (
        "/api/v1/cities/kranj/mobility/access", None, (404,) * len(CALLERS)),
    # timetable scenarios: drafts and writes are the city's staff's (no scenario 0 exists)
    ("get", "/api/v1/cities/{slug}/mobility/scenarios"): (
        "/api/v1/cities/kranj/mobility/scenarios", None, PUBLIC_OK),
    ("get", "/api/v1/cities/{slug}/mobility/scenarios/{pk}"): (
        "/api/v1/cities/kranj/mobility/scenarios/0", None, (404,) * len(CALLERS)),
    ("post", "/api/v1/cities/{slug}/mobility/scenarios"): (
        "/api/v1/cities/kranj/mobility/scenarios", {"name": "Matrix", "edits": []},
        (401, 404, 201, 404, 404, 401, 401)),
    ("post", "/api/v1/cities/{slug}/mobility/scenarios/{pk}/versions"): (
        "/api/v1/cities/kranj/mobility/scenarios/0/versions", {"edits": []},
        (401, 404, 404, 404, 404, 401, 401)),
    ("get", "/api/v1/cities/{slug}/mobility/scenarios/{pk}/compare"): (
        "/api/v1/cities/kranj/mobility/scenarios/0/compare", None, (404,) * len(CALLERS)),
    ("post", "/api/v1/cities/{slug}/mobility/scenarios/{pk}/attach"): (
        "/api/v1/cities/kranj/mobility/scenarios/0/attach", {"action": "MT-COMMUTE"},
        (401, 404, 404, 404, 404, 401, 401)),
    # operational planning: the city's own staff only (signed in)
    ("get", "/api/v1/cities/{slug}/mobility/fleet"): (
        "/api/v1/cities/kranj/mobility/fleet?date=2026-12-02", None,
        (401, 404, 200, 404, 404, 401, 401)),
    ("post", "/api/v1/card/taps"): ("/api/v1/card/taps", TAP, (*DEVICE, 401, 201, 401)),
    ("post", "/api/v1/card/taps/batch"): (
        "/api/v1/card/taps/batch", {"device_id": "bus-matrix", "taps": [TAP]},
        (*DEVICE, 401, 200, 401)),
    ("get", "/api/v1/card/denylist"): ("/api/v1/card/denylist", None, (*DEVICE, 401, 200, 401)),
    ("get", "/api/v1/card/rules"): ("/api/v1/card/rules", None, (*DEVICE, 401, 200, 401)),
    ("post", "/api/v1/card/redemptions"): (
        "/api/v1/card/redemptions", {"device_id": "bus-matrix", "medium": "MATRIX-CARD",
                                     "points": 500, "receipt": "R-1"},
        (*DEVICE, 401, 422, 401)),  # the till is let in; the card has no 500 points
    ("post", "/api/v1/card/accounts/{pk}/top-ups"): (
        "/api/v1/card/accounts/{account}/top-ups", {"amount": "5.00"},
        (401, 404, 404, 404, 201, 401, 401)),  # only the holder's own session
    ("post", "/api/v1/data/readings"): (
        "/api/v1/data/readings", READING, (401, 401, 401, 401, 401, 401, 201)),
    # a source token, but not of the city's real-time source
    ("post", "/api/v1/cities/{slug}/mobility/realtime"): (
        "/api/v1/cities/kranj/mobility/realtime", READING, (401, 401, 401, 401, 401, 401, 403)),
    # the city's staff only; anyone else signed in is told there is no such thing
    ("post", "/api/v1/cities/{slug}/mobility/optimise"): (
        "/api/v1/cities/kranj/mobility/optimise",
        {"date": "2026-12-02", "loads": {"1": {"07-09": 210}}},
        (401, 404, 200, 404, 404, 401, 401)),
    ("post", "/ngsi-ld/v1/entities"): (
        "/ngsi-ld/v1/entities", ENTITY, (401, 401, 401, 401, 401, 401, 201)),
    ("post", "/ngsi-ld/v1/entityOperations/upsert"): (
        "/ngsi-ld/v1/entityOperations/upsert", [ENTITY | {"id": "urn:ngsi-ld:X:2"}],
        (401, 401, 401, 401, 401, 401, 201)),
}


@pytest.fixture
def callers(people, kranj):  # type: ignore[no-untyped-def]
    from django.test import Client

    from zerocity.card import accounts, taps
    from zerocity.card.demo import kranj_fares
    from zerocity.data.services import add_source, issue_token

    accounts.set_rules(kranj, kranj_fares())
    _, validator = taps.register_validator(kranj, "bus-matrix", "bus")
    source = add_source(kranj, "matrix-air", name="Air", kind="air_quality",
                        schema={"no2": {"unit": "ug/m**3", "min": 0}}, frequency="irregular")
    _, source_token = issue_token(source, "matrix")
    holder = grant_role(kranj, "t-holder", Role.CITIZEN).user
    account = accounts.open_account(kranj, holder=holder)
    accounts.issue_medium(account, "MATRIX-CARD")
    publish_budget(import_budget(kranj, 2025, "adopted", BUDGET.read_bytes(),
                                 filename=BUDGET.name, actor="test").version, actor="test")
    out = {}
    for name in CALLERS:
        c = Client()
        user = holder if name == "holder" else people.get(name)
        if user is not None:
            c.force_login(user)
        headers = {"validator": {"HTTP_AUTHORIZATION": f"Bearer {validator}"},
                   "source": {"HTTP_AUTHORIZATION": f"Bearer {source_token}"}}.get(name, {})
        out[name] = (c, headers)
    return out, account.pk


def test_the_permission_matrix_covers_every_operation_of_the_document():
    doc = api.get_openapi_schema()
    operations = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert operations == set(API_MATRIX)


def test_api_permission_matrix(callers):
    # one demo for every operation (loading it is the slow part); every difference reported
    import json

    clients, account = callers
    wrong = {}
    for (method, path), (url, body, expected) in sorted(API_MATRIX.items()):
        got = []
        for name in CALLERS:
            client, headers = clients[name]
            if method == "get":
                response = client.get(url.format(account=account), **headers)
            else:
                response = client.post(url.format(account=account), json.dumps(body),
                                       content_type="application/json",
                                       HTTP_IDEMPOTENCY_KEY=f"matrix-{name}", **headers)
            got.append(response.status_code)
        if tuple(got) != expected:
            wrong[f"{method.upper()} {path}"] = dict(zip(CALLERS, got, strict=True))
    assert wrong == {}


def test_every_api_operation_declares_a_permission_rule():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert op.get("x-permission"), f"{method.upper()} {path} has no permission rule"
