"""Push intake over HTTP: the JSON endpoint and the NGSI-LD subset, with source tokens.
Malformed requests get a 4xx with a precise message, never a 5xx; re-sending changes
nothing; a token writes to its own source only."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from test_data_ngsi import AIR_KEYVALUES, AIR_NORMALIZED, LINK

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def sources(city, data_dir):
    from zerocity.data.services import add_source, issue_token

    meters = add_source(city, "eg-meters", name="Distribution meters", kind="electricity_meters",
                        schema={"active_energy": {"unit": "kWh", "min": 0, "max": 10_000}},
                        frequency="15min")
    air = add_source(city, "air", name="Air quality", kind="air_quality",
                     schema={"no2": {"unit": "ug/m3", "min": 0, "max": 2000},
                             "pm10": {"unit": "ug/m3", "min": 0, "max": 2000}},
                     frequency="hourly")
    return {"meters": (meters, issue_token(meters, "EG gateway")[1]),
            "air": (air, issue_token(air, "FIWARE broker")[1])}


def post(path: str, body, token: str | None, content_type="application/json", **headers):
    client = Client()
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=data, content_type=content_type, **headers)


READINGS = {"readings": [
    {"meter": "EG-1001", "time": "2026-11-27T10:00:00+01:00", "quantity": "active_energy",
     "value": 1.5, "unit": "KWH", "customer_class": "household"},
    {"meter": "EG-1001", "time": "2026-11-27T10:15:00+01:00", "quantity": "active_energy",
     "value": 0.002, "unit": "MWH", "customer_class": "household"},
]}


def test_json_readings_are_accepted_once(sources):
    _, token = sources["meters"]
    first = post("/api/v1/data/readings", READINGS, token)
    assert first.status_code == 201
    assert first.json() | {"batch": 0} == {"batch": 0, "status": "accepted", "received": 2,
                                           "accepted": 2, "duplicates": 0, "rejected": 0,
                                           "errors": [], "replay": False}
    again = post("/api/v1/data/readings", READINGS, token)  # a retried request
    assert again.status_code == 200
    assert again.json()["replay"] and again.json()["batch"] == first.json()["batch"]
    reordered = {"readings": READINGS["readings"][::-1]}  # the same readings, sent anew
    later = post("/api/v1/data/readings", reordered, token)
    assert later.status_code == 200
    assert (later.json()["accepted"], later.json()["duplicates"]) == (0, 2)


@pytest.mark.parametrize(("body", "status", "detail"), [
    ("{not json", 400, "not valid JSON: Expecting property name enclosed in double quotes "
                       "at character 2"),
    ({"rows": []}, 400, "readings: Field required"),
    ({"readings": [1, 2]}, 400, "readings[1]: Input should be a valid dictionary"),
])
def test_a_malformed_request_is_a_4xx_with_a_precise_message(sources, body, status, detail):
    response = post("/api/v1/data/readings", body, sources["meters"][1])
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].endswith(detail)


def test_a_bad_reading_is_quarantined_with_its_line_and_reason(sources):
    body = {"readings": [READINGS["readings"][0] | {"value": -5},
                         READINGS["readings"][1]]}
    response = post("/api/v1/data/readings", body, sources["meters"][1])
    assert response.status_code == 201
    result = response.json()
    assert (result["status"], result["accepted"], result["rejected"]) == ("partial", 1, 1)
    [error] = result["errors"]
    assert error["line"] == 1 and error["column"] == "value"


def test_tokens(sources):
    assert post("/api/v1/data/readings", READINGS, None).status_code == 401
    assert post("/api/v1/data/readings", READINGS, "zc_" + "x" * 40).status_code == 401
    # the air-quality token cannot write electricity readings: its source has no such quantity
    response = post("/api/v1/data/readings", READINGS, sources["air"][1])
    assert response.status_code == 422
    assert "active_energy" in json.dumps(response.json()["errors"])
    from zerocity.data.models import SourceToken
    from zerocity.data.services import revoke_token

    revoke_token(SourceToken.objects.get(source=sources["meters"][0]))
    assert post("/api/v1/data/readings", READINGS, sources["meters"][1]).status_code == 401
    assert Client().get("/api/v1/data/readings").status_code == 405


def test_ngsi_create_then_upsert_in_both_forms(sources):
    _, token = sources["air"]
    created = post("/ngsi-ld/v1/entities", AIR_NORMALIZED, token, HTTP_LINK=LINK)
    assert created.status_code == 201
    assert created["Location"] == (
        "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:Kranj-Zlato-polje")
    again = post("/ngsi-ld/v1/entities", AIR_NORMALIZED, token)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/AlreadyExists")

    newer = AIR_KEYVALUES | {"dateObserved": "2026-11-27T11:00:00Z", "@context": [
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"]}
    upsert = post("/ngsi-ld/v1/entityOperations/upsert", [newer], token,
                  content_type="application/ld+json")
    assert upsert.status_code == 204  # the entity existed
    second = AIR_KEYVALUES | {"id": "urn:ngsi-ld:AirQualityObserved:Kranj-center",
                              "refDevice": "urn:ngsi-ld:Device:aq-center-1"}
    upsert = post("/ngsi-ld/v1/entityOperations/upsert", [second, second], token)
    assert upsert.status_code == 201
    assert upsert.json() == ["urn:ngsi-ld:AirQualityObserved:Kranj-center"]

    from zerocity.data.models import Batch

    assert sum(b.accepted for b in Batch.objects.filter(source=sources["air"][0])) == 6
    # re-sending the same readings changes nothing
    repeat = post("/ngsi-ld/v1/entityOperations/upsert", [second], token)
    assert repeat.status_code == 204
    assert sum(b.accepted for b in Batch.objects.filter(source=sources["air"][0])) == 6


def test_ngsi_batch_with_a_bad_entity_answers_207(sources):
    bad = AIR_KEYVALUES | {"id": "urn:ngsi-ld:AirQualityObserved:broken", "no2": "n/a"}
    response = post("/ngsi-ld/v1/entityOperations/upsert", [AIR_KEYVALUES, bad],
                    sources["air"][1])
    assert response.status_code == 207
    body = response.json()
    assert body["success"] == ["urn:ngsi-ld:AirQualityObserved:Kranj-Zlato-polje"]
    assert body["errors"][0]["entityId"] == "urn:ngsi-ld:AirQualityObserved:broken"
    assert body["errors"][0]["error"]["detail"] == (
        "entities[1].no2: the value must be a number, got 'n/a'")


@pytest.mark.parametrize(("path", "body", "content_type", "headers", "status", "kind"), [
    ("/ngsi-ld/v1/entities", AIR_KEYVALUES, "application/ld+json", {}, 400, "BadRequestData"),
    ("/ngsi-ld/v1/entities", [AIR_KEYVALUES], "application/json", {}, 400, "BadRequestData"),
    ("/ngsi-ld/v1/entityOperations/upsert", AIR_KEYVALUES, "application/json", {}, 400,
     "BadRequestData"),
    ("/ngsi-ld/v1/entities", AIR_KEYVALUES, "text/csv", {}, 415, "InvalidRequest"),
    ("/ngsi-ld/v1/entities", "[", "application/json", {}, 400, "InvalidRequest"),
    ("/ngsi-ld/v1/entities", AIR_KEYVALUES | {"type": "Vehicle"}, "application/json", {}, 400,
     "BadRequestData"),
])
def test_ngsi_errors_are_problem_details(sources, path, body, content_type, headers, status,
                                         kind):
    response = post(path, body, sources["air"][1], content_type=content_type, **headers)
    assert response.status_code == status
    assert response.json()["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{kind}"
    assert response.json()["detail"]
