"""NGSI-LD entities (ETSI GS CIM 009) from FIWARE devices and brokers, read into readings.

The subset a city's devices actually send: entities in the *normalized* form (every attribute
a Property with ``value``, optional ``unitCode`` and ``observedAt``, or a Relationship with
``object``) or the *keyValues* form (bare values), with the JSON-LD ``@context`` inline
(``application/ld+json``) or in a ``Link`` header (``application/json``), for the Smart Data
Models Kranj has: SmartMeteringObservation, ThreePhaseAcMeasurement, AirQualityObserved,
NoiseLevelObserved, TrafficFlowObserved, WasteContainer and DeviceMeasurement.

Pure functions: request parts in, readings (the intake's record shape) and errors out. Each
error names the entity and the attribute (``entities[2].no2: ...``). Errors follow the NGSI-LD
ProblemDetails types (BadRequestData, InvalidRequest, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
ERROR_BASE = "https://uri.etsi.org/ngsi-ld/errors/"
URN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")

# model -> attribute -> (quantity, default unit code). Quantities name what the intake stores.
ELECTRICITY_ATTRIBUTES = {
    "totalActiveEnergyImport": ("active_energy", "KWH"),
    "totalActiveEnergyExport": ("active_energy_export", "KWH"),
}
MODELS: dict[str, dict[str, tuple[str, str]]] = {
    "ThreePhaseAcMeasurement": ELECTRICITY_ATTRIBUTES,
    "AirQualityObserved": {
        "no2": ("no2", "GQ"), "pm10": ("pm10", "GQ"), "pm25": ("pm25", "GQ"),
        "o3": ("o3", "GQ"), "so2": ("so2", "GQ"), "co": ("co", "GP"),
    },
    "NoiseLevelObserved": {"LAeq": ("laeq", "2N"), "LAmax": ("lamax", "2N"),
                           "LAeq_d": ("laeq_day", "2N")},
    "TrafficFlowObserved": {"intensity": ("vehicle_count", "C62"),
                            "averageVehicleSpeed": ("vehicle_speed", "KMH")},
    "WasteContainer": {"cargoWeight": ("waste_weight", "KGM"),
                       "fillingLevel": ("filling_level", "C62")},
}
# SmartMeteringObservation names its commodity in meterType; DeviceMeasurement in
# controlledProperty.
METER_TYPES = {"electricity": ("active_energy", "KWH"), "gas": ("gas_volume", "MTQ"),
               "water": ("water_volume", "MTQ"), "heat": ("heat_energy", "KWH")}
TIME_ATTRIBUTES = ("dateObserved", "dateObservedTo", "dateLastEmptying", "dateModified")
SUPPORTED = (*MODELS, "SmartMeteringObservation", "DeviceMeasurement")


class NgsiError(ValueError):
    """A request the NGSI-LD API answers with a 4xx ProblemDetails."""

    def __init__(self, kind: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status

    def problem(self) -> dict[str, Any]:
        return {"type": ERROR_BASE + self.kind, "title": self.kind, "detail": self.detail}


@dataclass
class Parsed:
    """Readings ready for the intake, the entities they came from, and per-entity errors."""

    records: list[dict[str, Any]] = field(default_factory=list)
    entity_ids: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)  # {"entityId", "error"}


def check_context(content_type: str, link_header: str | None,
                  body: Mapping[str, Any] | list[Any]) -> None:
    """The JSON-LD context rules: ``application/ld+json`` carries ``@context`` in the body and
    no Link header; ``application/json`` carries none in the body, and a Link header (if any)
    must point to a context. Anything else is refused as the specification says."""
    media = content_type.split(";")[0].strip().lower()
    entities = body if isinstance(body, list) else [body]
    has_inline = [isinstance(e, Mapping) and "@context" in e for e in entities]
    if media == "application/ld+json":
        if link_header:
            raise NgsiError("BadRequestData",
                            "a Link header must not be sent with application/ld+json")
        if not all(has_inline):
            raise NgsiError("BadRequestData",
                            "application/ld+json needs an @context in every entity")
    elif media == "application/json":
        if any(has_inline):
            raise NgsiError("BadRequestData", "an @context in the body needs the content "
                            "type application/ld+json; with application/json send it in a "
                            "Link header")
        if link_header and JSONLD_CONTEXT_REL not in link_header:
            raise NgsiError("BadRequestData",
                            f'the Link header must have rel="{JSONLD_CONTEXT_REL}"')
    else:
        raise NgsiError("InvalidRequest", f"unsupported content type {media or '(none)'}; "
                        "use application/json or application/ld+json", status=415)


def short_type(value: Any) -> str:
    """``AirQualityObserved`` from a short name or an expanded Smart Data Models URI."""
    text = str(value)
    return text.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _attr(entity: Mapping[str, Any], name: str) -> tuple[Any, str | None, str | None]:
    """(value, unitCode, observedAt) in either form; a Relationship gives its object."""
    raw = entity.get(name)
    if isinstance(raw, Mapping) and ("value" in raw or "object" in raw or "type" in raw):
        if raw.get("type") == "Relationship" or "object" in raw:
            return raw.get("object"), None, raw.get("observedAt")
        value = raw.get("value")
        if isinstance(value, Mapping) and "@value" in value:  # a typed JSON-LD literal
            value = value["@value"]
        return value, raw.get("unitCode"), raw.get("observedAt")
    return raw, None, None


def _text(value: Any, where: str, what: str) -> str | None:
    """A text attribute (a time, a unit code, a device's id) as text, or None when absent:
    a number, a list or an object where the specification has a string is bad data."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise NgsiError("BadRequestData", f"{where}: {what} must be a string, got "
                        f"{type(value).__name__} {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _time(entity: Mapping[str, Any], observed_at: Any, where: str) -> str | None:
    if observed_at is not None:
        return _text(observed_at, f"{where}.observedAt", "a time")
    for name in TIME_ATTRIBUTES:
        value, _, _ = _attr(entity, name)
        if value:
            return _text(value, f"{where.rsplit('.', 1)[0]}.{name}", "a time")
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def entity_readings(entity: Mapping[str, Any], where: str) -> tuple[str, list[dict[str, Any]]]:
    """The readings one entity carries, or NgsiError naming ``where`` and the attribute."""
    if not isinstance(entity, Mapping):
        raise NgsiError("BadRequestData", f"{where}: an entity is a JSON object")
    kind = short_type(_text(entity.get("type"), f"{where}.type", "an entity type") or "")
    entity_id = entity.get("id")
    if not isinstance(entity_id, str) or not URN.match(entity_id):
        raise NgsiError("BadRequestData", f"{where}.id: an entity id is a URI, e.g. "
                        f"urn:ngsi-ld:{kind or 'Type'}:1, got {_shown(entity_id)}")
    if kind not in SUPPORTED:
        raise NgsiError("BadRequestData", f"{where}.type: {kind or '(none)'} is not a data "
                        f"model this platform reads ({', '.join(SUPPORTED)})")
    device, _, _ = _attr(entity, "refDevice")
    meter = _text(device, f"{where}.refDevice", "a device's id") or entity_id
    attributes: dict[str, tuple[str, str]] = dict(MODELS.get(kind, {}))
    if kind == "SmartMeteringObservation":
        meter_type, _, _ = _attr(entity, "meterType")
        mapped = METER_TYPES.get(str(meter_type or "").lower())
        if mapped is None:
            raise NgsiError("BadRequestData", f"{where}.meterType: {meter_type!r} is not one "
                            f"of {', '.join(m.title() for m in METER_TYPES)}")
        attributes = {"totalConsumption": mapped}
    elif kind == "DeviceMeasurement":
        prop, _, _ = _attr(entity, "controlledProperty")
        if isinstance(prop, list):
            prop = prop[0] if prop else None
        prop = _text(prop, f"{where}.controlledProperty", "a property's name")
        if not prop:
            raise NgsiError("BadRequestData", f"{where}.controlledProperty is required")
        unit, _, _ = _attr(entity, "unit")
        attributes = {"numValue": (prop, _text(unit, f"{where}.unit", "a unit") or "")}
    out = []
    for name, (quantity, default_unit) in attributes.items():
        if name not in entity:
            continue
        value, unit_code, observed_at = _attr(entity, name)
        number = _number(value)
        if number is None:
            raise NgsiError("BadRequestData",
                            f"{where}.{name}: the value must be a number, got {value!r}")
        time = _time(entity, observed_at, f"{where}.{name}")
        if time is None:
            raise NgsiError("BadRequestData", f"{where}.{name}: no time: give observedAt or "
                            f"one of {', '.join(TIME_ATTRIBUTES)}")
        try:
            datetime.fromisoformat(time.replace("Z", "+00:00"))
        except ValueError:
            raise NgsiError("BadRequestData", f"{where}.{name}: {time!r} is not an ISO 8601 "
                            "date-time") from None
        unit = _text(unit_code, f"{where}.{name}.unitCode", "a unit code") or default_unit
        if not unit:
            raise NgsiError("BadRequestData", f"{where}.{name}: no unit: give unitCode")
        out.append({"meter": meter, "time": time, "quantity": quantity, "value": number,
                    "unit": unit, "entity": entity_id})
    if not out:
        raise NgsiError("BadRequestData", f"{where}: a {kind} with none of the attributes "
                        f"this platform reads ({', '.join(attributes)})")
    return entity_id, out


def parse_entities(entities: Iterable[Any], *, batch: bool) -> Parsed:
    """Readings from entities. In a batch operation one bad entity is reported and the others
    go on (the NGSI-LD BatchOperationResult); a single create fails whole."""
    result = Parsed()
    for i, entity in enumerate(entities):
        where = f"entities[{i}]" if batch else "entity"
        try:
            entity_id, records = entity_readings(entity, where)
        except NgsiError as exc:
            if not batch:
                raise
            eid = entity.get("id") if isinstance(entity, Mapping) else None
            result.errors.append({"entityId": eid if isinstance(eid, str) and eid else where,
                                  "error": exc.detail})
            continue
        result.entity_ids.append(entity_id)
        result.records.extend(records)
    return result
