"""Public transport real time pushed by the operator's system: one GTFS-Realtime message
(a protobuf ``FeedMessage`` with TripUpdates and/or VehiclePositions) per request, with the
token of the city's ``gtfs-realtime`` data source (docs/mobility.md, "Real time").

- 201: it replaced the city's snapshot (of the kinds it carries); 200: nothing changed (the
  very same message again, ``replay``; or an older one than the snapshot held, ``older``).
- 400: the body is no usable message (it is kept in quarantine); 403: the token is not the
  city's real-time source's; 415: a body that says it is something else than protobuf.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from zerocity.api.errors import Problem
from zerocity.api.security import SOURCE, SOURCE_TOKEN, rule
from zerocity.mobility import realtime

router = Router(tags=["mobility"])
BODY = {"requestBody": {"required": True, "description": "A GTFS-Realtime FeedMessage "
                        "(FULL_DATASET), as the bytes of its protobuf encoding",
                        "content": {"application/x-protobuf": {
                            "schema": {"type": "string", "format": "binary"}}}}}


class LeftOut(Schema):
    entity: str
    reason: str


class Receipt(Schema):
    timestamp: datetime = Field(description="The message header's timestamp")
    replaced: list[str] = Field(description="The snapshots it replaced: trip_updates, "
                                "vehicle_positions")
    older: list[str] = Field(description="Kinds for which a newer message is held: not "
                             "replaced")
    replay: bool = Field(description="The very same message was taken before: nothing changed")
    trip_updates: int
    vehicles: int
    left_out: list[LeftOut] = Field(description="Entities that break a rule of GTFS-Realtime "
                                    "(the first 100), kept in quarantine; the rest was taken")


@router.post("/api/v1/cities/{slug}/mobility/realtime", auth=SOURCE,
             url_name="mobility_realtime_push",
             response={200: Receipt, 201: Receipt, 400: Problem, 401: Problem, 403: Problem,
                       404: Problem, 413: Problem, 415: Problem},
             openapi_extra=rule(SOURCE_TOKEN, **BODY),
             summary="Real-time TripUpdates and VehiclePositions (GTFS-Realtime)")
def realtime_push(request: HttpRequest, slug: str) -> Status[dict[str, Any]]:
    source = request.auth  # type: ignore[attr-defined]
    city = realtime.pushing_city(slug, source)
    kind = (request.content_type or "").lower()
    if kind and kind not in realtime.PROTOBUF_TYPES:
        raise HttpError(415, f"the body is {kind}: send the protobuf bytes of a GTFS-Realtime "
                        "FeedMessage with Content-Type application/x-protobuf")
    done = realtime.receive_message(city, request.body, origin="push",
                                    by_label=f"token:{source.key}")
    got = done.value
    body = {"timestamp": got.timestamp, "replaced": list(got.replaced),
            "older": list(got.older), "replay": done.replayed,
            "trip_updates": got.trip_updates, "vehicles": got.vehicles,
            "left_out": [{"entity": p.entity, "reason": p.reason} for p in got.problems[:100]]}
    return Status(201 if got.replaced else 200, body)
