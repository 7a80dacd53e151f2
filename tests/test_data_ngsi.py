"""NGSI-LD entities read into readings: both forms, the @context rules, and a precise error
for each entity and attribute that cannot be read. The payloads follow the Smart Data Models'
own NGSI-LD examples (anchors-citycard-engagement.md §C.2-C.3)."""

from __future__ import annotations

import pytest

from zerocity.data.ngsi import (
    CORE_CONTEXT,
    JSONLD_CONTEXT_REL,
    NgsiError,
    check_context,
    entity_readings,
    parse_entities,
)

SDM_ENVIRONMENT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
LINK = f'<{SDM_ENVIRONMENT}>; rel="{JSONLD_CONTEXT_REL}"; type="application/ld+json"'

AIR_NORMALIZED = {
    "id": "urn:ngsi-ld:AirQualityObserved:Kranj-Zlato-polje",
    "type": "AirQualityObserved",
    "dateObserved": {"type": "Property",
                     "value": {"@type": "DateTime", "@value": "2026-11-27T10:00:00Z"}},
    "no2": {"type": "Property", "value": 22.5, "unitCode": "GQ",
            "observedAt": "2026-11-27T10:00:00Z"},
    "pm10": {"type": "Property", "value": 31, "unitCode": "GQ"},
    "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:aq-zp-1"},
    "location": {"type": "GeoProperty",
                 "value": {"type": "Point", "coordinates": [14.3556, 46.2389]}},
}
AIR_KEYVALUES = {
    "id": "urn:ngsi-ld:AirQualityObserved:Kranj-Zlato-polje",
    "type": "AirQualityObserved",
    "dateObserved": "2026-11-27T10:00:00Z",
    "no2": 22.5, "pm10": 31, "refDevice": "urn:ngsi-ld:Device:aq-zp-1",
}


def test_both_forms_give_the_same_readings():
    _, normalized = entity_readings(AIR_NORMALIZED, "entity")
    _, key_values = entity_readings(AIR_KEYVALUES, "entity")
    assert normalized == key_values == [
        {"meter": "urn:ngsi-ld:Device:aq-zp-1", "time": "2026-11-27T10:00:00Z",
         "quantity": "no2", "value": 22.5, "unit": "GQ",
         "entity": "urn:ngsi-ld:AirQualityObserved:Kranj-Zlato-polje"},
        {"meter": "urn:ngsi-ld:Device:aq-zp-1", "time": "2026-11-27T10:00:00Z",
         "quantity": "pm10", "value": 31.0, "unit": "GQ",
         "entity": "urn:ngsi-ld:AirQualityObserved:Kranj-Zlato-polje"},
    ]


@pytest.mark.parametrize(("entity", "expected"), [
    ({"id": "urn:ngsi-ld:SmartMeteringObservation:EG-1001", "type": "SmartMeteringObservation",
      "meterType": "Electricity", "dateObserved": "2026-11-27T10:15:00+01:00",
      "totalConsumption": {"type": "Property", "value": 1.25, "unitCode": "KWH"}},
     ("active_energy", 1.25, "KWH")),
    ({"id": "urn:ngsi-ld:SmartMeteringObservation:DP-77", "type": "SmartMeteringObservation",
      "meterType": "Gas", "dateObserved": "2026-11-27", "totalConsumption": 12.0},
     ("gas_volume", 12.0, "MTQ")),
    ({"id": "urn:ngsi-ld:ThreePhaseAcMeasurement:TP-3", "type":
      "https://smartdatamodels.org/dataModel.Energy/ThreePhaseAcMeasurement",
      "totalActiveEnergyImport": {"type": "Property", "value": 4.2, "unitCode": "MWH",
                                  "observedAt": "2026-11-27T10:15:00Z"}},
     ("active_energy", 4.2, "MWH")),
    ({"id": "urn:ngsi-ld:NoiseLevelObserved:center", "type": "NoiseLevelObserved",
      "dateObservedFrom": "2026-11-27T10:00:00Z", "dateObservedTo": "2026-11-27T11:00:00Z",
      "LAeq": 58.3}, ("laeq", 58.3, "2N")),
    ({"id": "urn:ngsi-ld:TrafficFlowObserved:Bleiweisova-1", "type": "TrafficFlowObserved",
      "dateObserved": "2026-11-27T10:00:00Z", "intensity": 412}, ("vehicle_count", 412.0,
                                                                  "C62")),
    ({"id": "urn:ngsi-ld:WasteContainer:K-12", "type": "WasteContainer",
      "cargoWeight": {"type": "Property", "value": 83.5, "observedAt": "2026-11-27T06:00Z"}},
     ("waste_weight", 83.5, "KGM")),
    ({"id": "urn:ngsi-ld:DeviceMeasurement:pv-7", "type": "DeviceMeasurement",
      "controlledProperty": ["pv_energy"], "numValue": 3.5, "unit": "KWH",
      "dateObserved": "2026-11-27T12:00:00Z"}, ("pv_energy", 3.5, "KWH")),
])
def test_each_smart_data_model_kranj_has(entity, expected):
    _, [reading] = entity_readings(entity, "entity")
    assert (reading["quantity"], reading["value"], reading["unit"]) == expected


@pytest.mark.parametrize(("entity", "message"), [
    ({"id": "AQ-1", "type": "AirQualityObserved", "no2": 1}, r"entity\.id: .*is a URI"),
    ({"id": "urn:ngsi-ld:Parking:1", "type": "OffStreetParking"},
     r"entity\.type: OffStreetParking is not a data model"),
    ({**AIR_KEYVALUES, "no2": "high"}, r"entity\.no2: the value must be a number"),
    ({k: v for k, v in AIR_KEYVALUES.items() if k != "dateObserved"},
     r"entity\.no2: no time"),
    ({**AIR_KEYVALUES, "dateObserved": "yesterday"}, r"entity\.no2: 'yesterday' is not"),
    ({"id": "urn:ngsi-ld:SmartMeteringObservation:1", "type": "SmartMeteringObservation",
      "meterType": "Steam", "totalConsumption": 1}, r"entity\.meterType: 'Steam'"),
    ({"id": "urn:ngsi-ld:AirQualityObserved:1", "type": "AirQualityObserved",
      "dateObserved": "2026-11-27T10:00:00Z"}, r"none of the attributes"),
])
def test_an_unreadable_entity_says_where_and_why(entity, message):
    with pytest.raises(NgsiError, match=message) as caught:
        entity_readings(entity, "entity")
    assert caught.value.status == 400
    assert caught.value.problem()["type"].endswith("/BadRequestData")


def test_a_batch_keeps_the_good_entities_and_reports_the_bad():
    bad = {**AIR_KEYVALUES, "id": "urn:ngsi-ld:AirQualityObserved:2", "pm10": None}
    parsed = parse_entities([AIR_KEYVALUES, bad], batch=True)
    assert parsed.entity_ids == ["urn:ngsi-ld:AirQualityObserved:Kranj-Zlato-polje"]
    assert len(parsed.records) == 2
    assert parsed.errors == [{"entityId": "urn:ngsi-ld:AirQualityObserved:2",
                              "error": "entities[1].pm10: the value must be a number, "
                                       "got None"}]
    with pytest.raises(NgsiError):
        parse_entities([bad], batch=False)


@pytest.mark.parametrize(("content_type", "link", "body", "error"), [
    ("application/json", LINK, AIR_KEYVALUES, None),
    ("application/json", None, AIR_KEYVALUES, None),  # the core context applies
    ("application/ld+json", None, {**AIR_KEYVALUES, "@context": [SDM_ENVIRONMENT,
                                                                 CORE_CONTEXT]}, None),
    ("application/ld+json", None, AIR_KEYVALUES, "needs an @context"),
    ("application/ld+json", LINK, {**AIR_KEYVALUES, "@context": CORE_CONTEXT},
     "must not be sent"),
    ("application/json", None, {**AIR_KEYVALUES, "@context": CORE_CONTEXT},
     "needs the content type application/ld\\+json"),
    ("application/json", "<https://example.org/ctx>; rel=\"next\"", AIR_KEYVALUES,
     "must have rel="),
    ("text/plain", None, AIR_KEYVALUES, "unsupported content type"),
])
def test_the_context_rules(content_type, link, body, error):
    if error is None:
        check_context(content_type, link, body)
        return
    with pytest.raises(NgsiError, match=error):
        check_context(content_type, link, body)
