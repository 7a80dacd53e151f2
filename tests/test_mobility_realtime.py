"""A city's GTFS-Realtime feed (research §2.2, §6 check 13): pushed to the API with the token of
the city's `gtfs-realtime` data source or pulled from a URL, kept as the latest snapshot per
kind, applied to the planner's timetable by ``timetable_with_realtime``, falling back to the
timetable (and saying so) when stale. Re-sending changes nothing; a malformed message is a 400
Problem and is kept in quarantine; the push endpoint's permission matrix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.test import Client
from django.utils import translation

from mobility_feeds import feed_zip
from rt_messages import MONDAY, ZONE, local, message, stop_at, tables, trip_update, vehicle
from zerocity.cli import main
from zerocity.core.models import AuditLog
from zerocity.core.services import create_city
from zerocity.data.models import DataSource
from zerocity.data.services import add_source, issue_token, revoke_token
from zerocity.mobility import realtime, selectors, services
from zerocity.mobility.models import QuarantinedMessage, RealtimeSnapshot
from zerocity.mobility.planner import Query, compile_timetable, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
URL = "/api/v1/cities/{slug}/mobility/realtime"
FEED = tables()
DELAY_300_AT_SEQ_3 = trip_update("1-0700", {"seq": 3, "arrival_delay": 300})


@pytest.fixture
def kranj_rt(db):  # type: ignore[no-untyped-def]
    """A city with the kranj-mini timetable and a real-time feed, and its push token."""
    city = create_city("kranjmini", name="Kranj (mini)", country="SI", language="sl")
    services.import_feed(city, feed_zip("kranj-mini"), filename="kranj-mini.zip",
                         today=MONDAY - timedelta(days=60), actor="test")
    feed = realtime.configure_feed(city, actor="test")
    _, token = issue_token(feed.source, "operator AVL")
    return city, token


def push(data: bytes, token: str | None, slug: str = "kranjmini",
         content_type: str = "application/x-protobuf"):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(URL.format(slug=slug), data, content_type=content_type,
                         HTTP_ACCEPT_LANGUAGE="en", **headers)


def timetable():  # type: ignore[no-untyped-def]
    return compile_timetable(FEED, ZONE, MONDAY)


def arrival(tt) -> object:  # type: ignore[no-untyped-def]
    """When the planner gets from Glavni trg to Planina, leaving at 07:00 (trip 1-0700)."""
    result = plan(tt, Query(stop_at(FEED, "glavni-trg"), stop_at(FEED, "planina"), local(7)))
    return result.itineraries[0].arrive if result.itineraries else None


# -- pushed, kept, applied ----------------------------------------------------------------------

def test_a_pushed_delay_reaches_the_planner_and_propagates_downstream(kranj_rt):
    city, token = kranj_rt
    response = push(message(local(7), DELAY_300_AT_SEQ_3), token)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["replaced"], body["replay"], body["trip_updates"], body["left_out"]) == (
        ["trip_updates"], False, 1, [])
    tt = timetable()
    adjusted, status = realtime.timetable_with_realtime(city, tt, local(7, 1))
    assert (status.applied, status.stale, status.age_s, status.delayed, status.cancelled) == (
        True, False, 60, 1, 0)
    assert status.timestamp == local(7) and status.message == ""
    assert arrival(tt) == local(7, 20)
    assert arrival(adjusted) == local(7, 25)  # +300 s at zlato-polje, propagated to planina
    again, _ = realtime.timetable_with_realtime(city, tt, local(7, 2))
    assert again is adjusted  # applied once per message and timetable


def test_a_cancelled_trip_vanishes_from_the_planners_answers(kranj_rt):
    city, token = kranj_rt
    assert push(message(local(7), trip_update("1-0700", relationship="CANCELED")),
                token).status_code == 201
    adjusted, status = realtime.timetable_with_realtime(city, timetable(), local(7, 2))
    assert (status.applied, status.cancelled) == (True, 1)
    assert arrival(adjusted) is None and "1-0700" not in adjusted.trip_ids


def test_no_data_after_a_delay_reverts_the_planner_to_the_schedule(kranj_rt):
    city, token = kranj_rt
    push(message(local(7), trip_update("1-0700", {"seq": 3, "arrival_delay": 300},
                                       {"seq": 4, "relationship": "NO_DATA"})), token)
    adjusted, status = realtime.timetable_with_realtime(city, timetable(), local(7, 2))
    assert status.delayed == 1 and arrival(adjusted) == local(7, 20)


def test_stale_real_time_falls_back_to_the_timetable_and_says_so(kranj_rt):
    city, token = kranj_rt
    push(message(local(7), DELAY_300_AT_SEQ_3), token)
    tt = timetable()
    same, status = realtime.timetable_with_realtime(city, tt, local(7, 10))
    assert same is tt and arrival(same) == local(7, 20)
    assert (status.applied, status.stale, status.age_s) == (False, True, 600)
    assert status.message == ("Real-time data is 10 minutes old: times are from the "
                              "timetable.")
    with translation.override("sl"):
        _, status = realtime.timetable_with_realtime(city, tt, local(7, 10))
    assert status.message == ("Podatki v realnem času so stari 10 minut: časi so iz "
                              "voznega reda.")
    # exactly at the limit (300 s, the default) real time still counts
    _, status = realtime.timetable_with_realtime(city, tt, local(7, 5))
    assert status.applied
    # the limit is the city's: a feed allowed 15 minutes is still used at 10
    realtime.configure_feed(city, stale_after_s=900, actor="test")
    adjusted, status = realtime.timetable_with_realtime(city, tt, local(7, 10))
    assert status.applied and arrival(adjusted) == local(7, 25)


def test_without_a_feed_or_a_message_the_timetable_is_used(kranj_rt):
    city, _ = kranj_rt
    other = create_city("bare", name="Bare", country="SI")
    tt = timetable()
    assert realtime.timetable_with_realtime(other, tt, local(7)) == (
        tt, realtime.RealtimeStatus(applied=False))
    same, status = realtime.timetable_with_realtime(city, tt, local(7))
    assert same is tt and status.message == ("No real-time data has been received: times "
                                             "are from the timetable.")


def test_a_message_for_another_timetable_version_is_not_applied(kranj_rt):
    city, token = kranj_rt
    week_before = MONDAY - timedelta(days=7)
    # received on 23 February: the trips it names are those of the version then in force
    push(message(local(7, day=week_before),
                 trip_update("1-0700", {"seq": 3, "arrival_delay": 300},
                             start_date=week_before)), token)
    services.import_feed(city, feed_zip("kranj-mini-v2"), filename="v2.zip",
                         today=MONDAY - timedelta(days=60), actor="test")  # from 1 March
    now = local(7, 1, day=week_before)
    _, status = realtime.timetable_with_realtime(
        city, compile_timetable(FEED, ZONE, week_before), now)
    assert status.applied and status.delayed == 1
    tt = timetable()  # 2 March: the second version is in force
    same, status = realtime.timetable_with_realtime(city, tt, now)
    assert same is tt and not status.applied and not status.stale
    assert status.message == ("The real-time data refers to another version of the "
                              "timetable: times are from the timetable.")


# -- safe storage -------------------------------------------------------------------------------

def test_re_sending_the_same_message_changes_nothing(kranj_rt):
    city, token = kranj_rt
    data = message(local(7), DELAY_300_AT_SEQ_3)
    assert push(data, token).status_code == 201
    held = RealtimeSnapshot.objects.get(city=city)
    audits = AuditLog.objects.count()
    again = push(data, token)
    assert again.status_code == 200
    assert (again.json()["replay"], again.json()["replaced"]) == (True, [])
    now = RealtimeSnapshot.objects.get(city=city)
    assert (now.pk, now.received_at, now.sha256) == (held.pk, held.received_at, held.sha256)
    assert AuditLog.objects.count() == audits and not QuarantinedMessage.objects.exists()


def test_an_older_message_does_not_replace_a_newer_one(kranj_rt):
    city, token = kranj_rt
    push(message(local(7, 1), DELAY_300_AT_SEQ_3), token)
    late = push(message(local(7), trip_update("1-0700", relationship="CANCELED")), token)
    assert late.status_code == 200
    assert (late.json()["replay"], late.json()["replaced"], late.json()["older"]) == (
        False, [], ["trip_updates"])
    _, status = realtime.timetable_with_realtime(city, timetable(), local(7, 2))
    assert (status.delayed, status.cancelled) == (1, 0)


def test_a_malformed_message_is_a_400_problem_kept_in_quarantine_and_loses_nothing(kranj_rt):
    city, token = kranj_rt
    push(message(local(7), DELAY_300_AT_SEQ_3), token)
    garbage = b'{"entity": "this is JSON, not protobuf"}'
    response = push(garbage, token)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "The body is not a GTFS-Realtime message: send the feed's protobuf bytes as they are "
        "(Content-Type application/x-protobuf). The message is kept in quarantine.")
    kept = QuarantinedMessage.objects.get(city=city)
    assert (bytes(kept.message), kept.refused, kept.times, kept.origin) == (
        garbage, True, 1, "push")
    assert kept.reason == "the body is not a protobuf FeedMessage (wire format corrupt)"
    assert push(garbage, token).status_code == 400
    kept.refresh_from_db()
    assert kept.times == 2 and QuarantinedMessage.objects.count() == 1
    assert AuditLog.objects.filter(action="mobility.realtime_refused").count() == 1
    # the snapshot held is untouched: the planner still has its delay
    _, status = realtime.timetable_with_realtime(city, timetable(), local(7, 1))
    assert status.applied and status.delayed == 1


@pytest.mark.parametrize(("data", "detail"), [
    (message(local(7), incrementality=1),
     "The message is DIFFERENTIAL: send full datasets (incrementality FULL_DATASET)."),
    (b"", "The message lacks fields GTFS-Realtime requires (required fields missing: "
          "header): send a complete FeedMessage."),
])
def test_a_message_that_breaks_the_reference_is_refused_with_what_to_do(kranj_rt, data, detail):
    _, token = kranj_rt
    response = push(data, token)
    assert response.status_code == 400
    assert response.json()["detail"] == f"{detail} The message is kept in quarantine."


def test_entities_that_break_a_rule_are_quarantined_and_the_rest_is_used(kranj_rt):
    city, token = kranj_rt
    response = push(message(local(7), DELAY_300_AT_SEQ_3,
                            trip_update("1-0700", {"seq": 2, "arrival_delay": 900},
                                        entity_id="again")), token)
    assert response.status_code == 201
    assert response.json()["left_out"] == [{"entity": "again", "reason": (
        "a second TripUpdate for trip 1-0700 (at most one per trip run; the first is used)")}]
    kept = QuarantinedMessage.objects.get(city=city)
    assert not kept.refused and [p["entity"] for p in kept.problems] == ["again"]
    adjusted, _ = realtime.timetable_with_realtime(city, timetable(), local(7, 1))
    assert arrival(adjusted) == local(7, 25)


def test_vehicle_positions_are_kept_per_city_and_replaced_by_the_next_message(kranj_rt):
    city, token = kranj_rt
    lat, lon = stop_at(FEED, "zlato-polje")
    assert push(message(local(7, 12), vehicle("bus-7", "1-0700", lat, lon, bearing=80.0,
                                               status="STOPPED_AT", stop_id="zlato-polje",
                                               at=local(7, 12)),
                        vehicle("bus-9", "1-0730", 46.25, 14.37, at=local(7, 11))),
                token).status_code == 201
    first = selectors.vehicle_positions(city)
    assert [(v.vehicle_id, v.trip_id, v.status, v.bearing, v.stop_id) for v in first] == [
        ("bus-7", "1-0700", "STOPPED_AT", 80.0, "zlato-polje"),
        ("bus-9", "1-0730", "IN_TRANSIT_TO", 0.0, "")]
    assert (first[0].lat, first[0].lon, first[0].timestamp) == (
        pytest.approx(lat), pytest.approx(lon), local(7, 12))
    assert selectors.vehicles_snapshot(city).timestamp == local(7, 12)
    # TripUpdates alone leave the positions as they are
    push(message(local(7, 13), DELAY_300_AT_SEQ_3), token)
    assert len(selectors.vehicle_positions(city)) == 2
    push(message(local(7, 14), vehicle("bus-7", "1-0700", 46.2500, 14.3710)), token)
    assert [v.vehicle_id for v in selectors.vehicle_positions(city)] == ["bus-7"]


# -- who may push -------------------------------------------------------------------------------

def test_the_push_endpoints_permission_matrix(kranj_rt):
    city, token = kranj_rt
    data = message(local(7), DELAY_300_AT_SEQ_3)
    air = add_source(city, "air", name="Air", kind="air_quality",
                     schema={"no2": {"unit": "ug/m**3"}}, frequency="irregular")
    _, air_token = issue_token(air, "sensor")
    other = create_city("velenje", name="Velenje", country="SI")
    _, other_token = issue_token(realtime.configure_feed(other, actor="test").source, "x")
    revoked, revoked_token = issue_token(DataSource.objects.get(city=city,
                                                                key="gtfs-realtime"), "old")
    revoke_token(revoked)
    got = {name: push(data, t).status_code for name, t in (
        ("no token", None), ("wrong token", "zc_" + "x" * 40), ("revoked", revoked_token),
        ("another source of the city", air_token), ("another city's feed", other_token))}
    assert got == {"no token": 401, "wrong token": 401, "revoked": 401,
                   "another source of the city": 403, "another city's feed": 403}
    assert push(data, token, slug="atlantis").status_code == 404
    assert push(data, other_token, slug="velenje").status_code == 201  # its own city
    assert push(data, token).status_code == 201
    assert not RealtimeSnapshot.objects.filter(city=city).exclude(by_label="token:"
                                                                  "gtfs-realtime").exists()


def test_a_body_of_another_type_is_a_415_and_the_token_pushes_no_readings(kranj_rt):
    _, token = kranj_rt
    response = push(b'{"readings": []}', token, content_type="application/json")
    assert response.status_code == 415
    assert "application/x-protobuf" in response.json()["detail"]
    readings = Client().post("/api/v1/data/readings", {"readings": [
        {"meter": "m", "time": "2026-03-02T07:00:00+01:00", "quantity": "x", "value": 1,
         "unit": "kWh"}]}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert readings.status_code == 403
    assert "receives public-transport real-time messages, not readings" in \
        readings.json()["detail"]


def test_the_openapi_document_describes_the_protobuf_body_and_the_token():
    doc = Client().get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/cities/{slug}/mobility/realtime"]["post"]
    assert op["requestBody"]["content"] == {"application/x-protobuf": {
        "schema": {"type": "string", "format": "binary"}}}
    assert op["x-permission"] == "source_token"
    assert {"SourceToken": []} in op["security"]
    assert {"200", "201", "400", "401", "403", "404", "415"} <= set(op["responses"])


# -- pulled --------------------------------------------------------------------------------------

def test_the_command_line_pulls_a_feed_from_a_url(kranj_rt, tmp_path):
    city, _ = kranj_rt
    path = tmp_path / "tripupdates.pb"
    path.write_bytes(message(local(7), DELAY_300_AT_SEQ_3))
    result = CliRunner().invoke(main, ["mobility", "realtime", "pull", "--city", "kranjmini",
                                       "--url", path.as_uri()])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("message of 2026-03-02 06:00:00 UTC: 1 trip update(s), "
                                    "0 vehicle(s); replaced: trip_updates")
    assert RealtimeSnapshot.objects.get(city=city).origin == "pull"
    again = CliRunner().invoke(main, ["mobility", "realtime", "pull", "--city", "kranjmini",
                                      "--url", str(path)])
    assert "nothing changed" in again.output
    missing = CliRunner().invoke(main, ["mobility", "realtime", "pull", "--city", "kranjmini",
                                        "--url", (tmp_path / "gone.pb").as_uri()])
    assert missing.exit_code == 1 and "could not be read" in missing.output


def test_the_worker_pulls_the_configured_feed_every_minute(kranj_rt, tmp_path):
    from zerocity.ops.jobs import JOBS, run

    city, _ = kranj_rt
    path = tmp_path / "feed.pb"
    path.write_bytes(message(local(7), DELAY_300_AT_SEQ_3))
    realtime.configure_feed(city, url=path.as_uri(), actor="test")
    assert JOBS["mobility-pull"].minutes == 1
    assert run("mobility-pull", request="test") == {"kranjmini": "real time: trip_updates"}
    assert run("mobility-pull", request="test") == {"kranjmini": "real time: unchanged"}
    path.write_bytes(b"garbage")
    from zerocity.ops.jobs import JobFailed

    with pytest.raises(JobFailed):
        run("mobility-pull", request="test")
    assert QuarantinedMessage.objects.get(city=city).origin == "pull"
