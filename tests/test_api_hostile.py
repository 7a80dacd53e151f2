"""What an attacker or a broken device sends the API, each case named after what was sent:
every one is a 4xx Problem that says what is wrong (NGSI-LD paths keep their ETSI types),
never a 5xx, and nothing of it is stored."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from test_data_ngsi import AIR_KEYVALUES, AIR_NORMALIZED, LINK
from zerocity.card import accounts, taps
from zerocity.card.demo import kranj_fares
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role
from zerocity.core.units import UnitError, parse_unit
from zerocity.data import services
from zerocity.data.models import Batch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
PROBLEM = "application/problem+json"
ETSI = "https://uri.etsi.org/ngsi-ld/errors/"


@pytest.fixture
def tokens(city, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    meters = services.add_source(city, "eg-meters", name="Meters", kind="electricity_meters",
                                 schema={"active_energy": {"unit": "kWh", "min": 0}},
                                 frequency="15min")
    air = services.add_source(city, "air", name="Air", kind="air_quality",
                              schema={"no2": {"unit": "ug/m3", "min": 0},
                                      "pm10": {"unit": "ug/m3", "min": 0}}, frequency="hourly")
    accounts.set_rules(city, kranj_fares(), actor="test")
    _, validator = taps.register_validator(city, "bus-101", "bus")
    return {"meters": services.issue_token(meters, "gateway")[1],
            "air": services.issue_token(air, "broker")[1], "validator": validator}


def post(path: str, body: object, token: str, content_type: str = "application/json",
         **headers: str):  # type: ignore[no-untyped-def]
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(path, data=data, content_type=content_type,
                         HTTP_AUTHORIZATION=f"Bearer {token}", **headers)


def reading(**change: object) -> dict[str, object]:
    return {"readings": [{"meter": "EG-1", "time": "2026-11-27T10:00:00+01:00",
                          "quantity": "active_energy", "value": 1.5, "unit": "kWh", **change}]}


TAP = {"device_id": "bus-101", "seq": 1, "medium": "CARD-0001",
       "at": "2026-11-24T07:00:00+01:00"}


# -- the body ------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000,
                                  '{"readings": [' + '{"a": ' * 50_000 + "1" + "}" * 50_000
                                  + "]}"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(tokens, body):
    response = post("/api/v1/data/readings", body, tokens["meters"])
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == ("the body is not valid JSON a server can take: it "
                                         "nests too deeply")


def test_a_lone_utf16_surrogate_is_a_400(tokens):
    response = post("/api/v1/data/readings", '{"readings": [{"meter": "\\ud800"}]}',
                    tokens["meters"])
    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in response.json()["detail"]


def test_a_meter_id_with_a_control_character_is_refused_with_its_line(tokens):
    response = post("/api/v1/data/readings", reading(meter="EG\x07-1"), tokens["meters"])
    assert response.status_code == 422
    assert response.json()["errors"] == [{"line": 1, "column": "meter", "reason": (
        "holds a control character (a line break, a tab, a NUL...): a meter's id is one "
        "line of text")}]


def test_a_body_over_the_api_limit_is_the_documented_413_problem(tokens, settings):
    settings.API_MAX_BODY = 2**20
    big = json.dumps(reading(meter="x" * (2**20))).encode()
    response = post("/api/v1/data/readings", big, tokens["meters"])
    assert response.status_code == 413 and response["Content-Type"] == PROBLEM
    assert response.json()["detail"].startswith("the body is over 1 MB")
    ngsi = post("/ngsi-ld/v1/entityOperations/upsert", big, tokens["air"], HTTP_LINK=LINK)
    assert ngsi.status_code == 413 and ngsi.json()["type"] == ETSI + "RequestTooLarge"
    assert Batch.objects.count() == 0


def test_a_body_over_21_mb_is_a_413_and_one_of_3_mb_is_read_not_an_html_400(tokens):
    over = b'{"readings": [{"meter": "' + b"x" * (21 * 2**20) + b'"}]}'
    refused = post("/api/v1/data/readings", over, tokens["meters"])
    assert refused.status_code == 413 and refused["Content-Type"] == PROBLEM
    assert refused.json()["detail"].startswith("the body is over 20 MB")
    # Django's own limit on a form (DATA_UPLOAD_MAX_MEMORY_SIZE) does not answer first
    three_mb = reading(meter="x" * (3 * 2**20))
    read = post("/api/v1/data/readings", three_mb, tokens["meters"])
    assert read.status_code == 422
    assert read.json()["errors"][0]["reason"] == "longer than 200 characters"


# -- units ---------------------------------------------------------------------------------

@pytest.mark.parametrize("unit", ["{}", "((((", "kWh/0", "9**9**9", "kWh**9**9", "1e999 kWh",
                                  "kWh" * 100])
def test_a_unit_pint_cannot_read_is_refused_before_its_parser(tokens, unit):
    response = post("/api/v1/data/readings", reading(unit=unit), tokens["meters"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["reason"] == f"unknown unit {unit!r}"


@pytest.mark.parametrize("unit", ["kWh", "MWh", "m**3/h", "ug/m3", "1/h", "s^-1", "°C", "%",
                                  "m²", "microgram / meter ** 3", "kW h"])
def test_the_units_devices_send_still_parse(unit):
    assert parse_unit(unit) is not None


@pytest.mark.parametrize("unit", ["", " ", "2**2", "kWh**100", "(kWh", "kWh)", "1000 m3",
                                  "kWh/(0)", "kWh**-999", "__import__", "kWh;", "a" * 41])
def test_a_malformed_unit_is_a_unit_error_and_nothing_else(unit):
    with pytest.raises(UnitError):
        parse_unit(unit)


# -- times ---------------------------------------------------------------------------------

def test_a_reading_at_0001_01_01_sent_as_json_is_refused(tokens):
    response = post("/api/v1/data/readings", reading(time="0001-01-01T00:00:00Z"),
                    tokens["meters"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "time"
    assert "before 1990-01-01" in response.json()["errors"][0]["reason"]


def test_an_ngsi_entity_observed_at_0001_01_01_is_refused_in_the_batch_result(tokens):
    old = AIR_KEYVALUES | {"dateObserved": "0001-01-01T00:00:00Z"}
    response = post("/ngsi-ld/v1/entityOperations/upsert", [old], tokens["air"])
    assert response.status_code == 207
    assert "before 1990-01-01" in response.json()["errors"][0]["error"]["detail"]


# -- NGSI-LD shapes ------------------------------------------------------------------------

@pytest.mark.parametrize(("entity", "detail"), [
    (AIR_NORMALIZED | {"no2": AIR_NORMALIZED["no2"] | {"observedAt": 1764237600}},
     "entity.no2.observedAt: a time must be a string, got int 1764237600"),
    (AIR_NORMALIZED | {"id": ["urn:ngsi-ld:AirQualityObserved:1"]},
     "entity.id: an entity id is a URI, e.g. urn:ngsi-ld:AirQualityObserved:1, got "
     "['urn:ngsi-ld:AirQualityObserved:1']"),
    (AIR_NORMALIZED | {"type": ["AirQualityObserved"]},
     "entity.type: an entity type must be a string, got list ['AirQualityObserved']"),
    (AIR_KEYVALUES | {"refDevice": ["urn:ngsi-ld:Device:1"]},
     "entity.refDevice: a device's id must be a string, got list ['urn:ngsi-ld:Device:1']"),
    (AIR_KEYVALUES | {"dateObserved": 1764237600},
     "entity.dateObserved: a time must be a string, got int 1764237600"),
    (AIR_NORMALIZED | {"no2": AIR_NORMALIZED["no2"] | {"unitCode": {"a": 1}}},
     "entity.no2.unitCode: a unit code must be a string, got dict {'a': 1}"),
])
def test_ngsi_observed_at_as_a_number_and_ids_as_lists_are_bad_request_data(tokens, entity,
                                                                             detail):
    created = post("/ngsi-ld/v1/entities", entity, tokens["air"], HTTP_LINK=LINK)
    assert created.status_code == 400 and created["Content-Type"] == PROBLEM
    assert created.json() == {"type": ETSI + "BadRequestData", "title": "BadRequestData",
                              "status": 400, "detail": detail}
    upsert = post("/ngsi-ld/v1/entityOperations/upsert", [entity], tokens["air"],
                  HTTP_LINK=LINK)
    assert upsert.status_code == 207
    assert upsert.json()["errors"][0]["error"]["detail"] == detail.replace("entity",
                                                                          "entities[0]", 1)


# -- numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "where"), [({"seq": 2**64}, "tap.seq"),
                                               ({"seq": 2**63}, "tap.seq"),
                                               ({"units": 2**64}, "tap.units"),
                                               ({"seq": 1e300}, "tap.seq")])
def test_a_tap_seq_or_units_beyond_64_bits_is_a_400(tokens, change, where):
    response = post("/api/v1/card/taps", TAP | change, tokens["validator"])
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["detail"].startswith(where)


@pytest.mark.parametrize("change", [{"medium": "CARD\n0001"}, {"vehicle": "bus\x00101"},
                                    {"device_id": "bus-101\r"}])
def test_a_tap_with_a_control_character_is_a_400(tokens, change):
    response = post("/api/v1/card/taps", TAP | change, tokens["validator"])
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"][-1] == next(iter(change))


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "0001-01-01T05:00:00Z",
                                "1900-01-01T00:00:00Z"])
def test_a_tap_dated_0001_01_01_is_refused_not_a_500_and_charges_nothing(tokens, at):
    """A validator with an unset clock: the local time before year 1 overflowed (a 500);
    now it is the 422 of any tap the platform will not price, online and in a batch."""
    from zerocity.card.models import Tap

    online = post("/api/v1/card/taps", TAP | {"at": at}, tokens["validator"])
    assert online.status_code == 422 and online["Content-Type"] == PROBLEM
    assert "before 1990-01-01, the earliest time a device may send" in online.json()["detail"]
    batch = post("/api/v1/card/taps/batch",
                 {"device_id": "bus-101", "taps": [{**TAP, "seq": 5, "at": at}]},
                 tokens["validator"])
    assert batch.status_code == 422
    assert not Tap.objects.exists()


@pytest.mark.parametrize("since", ["²", "-1", "1e3", "9" * 30, "0x10"])
def test_denylist_since_superscript_two_is_a_400(tokens, since):
    response = Client().get(f"/api/v1/card/denylist?since={since}",
                            HTTP_AUTHORIZATION=f"Bearer {tokens['validator']}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["query", "since"]


@pytest.mark.parametrize("amount", ["1E+999999", "NaN", "Infinity", "-5", "12.345", 1e300,
                                    "150.01", "0.99"])
def test_a_top_up_of_1e_plus_999999_is_a_400(city, amount):
    holder = grant_role(city, "t-holder", Role.CITIZEN).user
    account = accounts.open_account(city, holder=holder)
    client = Client()
    client.force_login(holder)
    response = client.post(f"/api/v1/card/accounts/{account.pk}/top-ups",
                           json.dumps({"amount": amount}), content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="key-0001-abcd")
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["body", "body", "amount"]
    assert accounts.balance(account) == 0


# -- a new city ----------------------------------------------------------------------------

def test_a_new_citys_card_desk_without_fare_rules_answers_a_page(db):
    city = create_city("velenje", name="Velenje", country="SI")
    staff = grant_role(city, "v-staff", Role.STAFF,
                       department=ensure_department(city, "card", "Card")).user
    client = Client()
    client.force_login(staff)
    for url in ("/en/velenje/card/desk/", "/en/velenje/card/desk/?q=ana",
                "/en/velenje/card/", "/api/v1/cities/velenje/card/fare-rules"):
        assert client.get(url).status_code < 500, url
    assert client.get("/en/velenje/card/desk/").status_code == 200
