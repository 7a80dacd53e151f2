"""The HTTP API: a permission matrix per endpoint and the shape of the answers."""

from __future__ import annotations

import pytest

from zerocity.api.app import api
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role

pytestmark = pytest.mark.django_db


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


def test_every_api_operation_declares_a_permission_rule():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert op.get("x-permission"), f"{method.upper()} {path} has no permission rule"
