"""Monitoring the plan: action status, freshness, overdue lists, indicator status against the
path to the target, department edit rights and frozen reporting periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils.translation import override

from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.plan.monitoring import (
    MilestoneData,
    action_status,
    expected_value,
    freshness,
    indicator_status,
    overdue,
)

TODAY = date(2026, 11, 28)
M = MilestoneData


@pytest.mark.parametrize(
    ("milestones", "start", "expected"),
    [
        ([], 2030, "not_started"),
        ([], 2024, "on_time"),
        ([M("tender", date(2027, 1, 1))], 2028, "not_started"),
        ([M("tender", date(2026, 1, 1), done=date(2025, 12, 1)),
          M("build", date(2027, 6, 1))], 2028, "on_time"),
        ([M("tender", date(2026, 1, 1)), M("build", date(2027, 6, 1))], 2024, "late"),
        ([M("tender", date(2026, 1, 1), done=date(2026, 2, 1))], 2024, "completed"),
    ],
)
def test_action_status_from_milestones(milestones, start, expected):
    assert action_status(milestones, today=TODAY, start_year=start) == expected


def test_an_override_wins_over_the_computed_status():
    late = [M("tender", date(2026, 1, 1))]
    assert action_status(late, today=TODAY, override="on_time") == "on_time"


def test_overdue_lists_only_past_due_open_milestones_oldest_first():
    ms = [M("b", date(2026, 5, 1)), M("a", date(2025, 5, 1)),
          M("done", date(2025, 1, 1), done=date(2025, 2, 1)), M("future", date(2027, 1, 1))]
    assert [m.name for m in overdue(ms, TODAY)] == ["a", "b"]


def test_freshness_bands():
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert freshness(None, now) == (None, "never")
    assert freshness(now - timedelta(days=90), now) == (90, "fresh")
    assert freshness(now - timedelta(days=91), now) == (91, "ageing")
    assert freshness(now - timedelta(days=181), now) == (181, "stale")


def test_expected_value_follows_the_straight_path_between_targets():
    # Kranj OI 1.1, renewable share in district heating: 30 % (2018) -> 60/70/90 % (2025/27/30)
    path = {2018: 30, 2025: 60, 2027: 70, 2030: 90}
    assert expected_value(path, 2025) == 60
    assert expected_value(path, 2026) == 65
    assert expected_value(path, 2022) == pytest.approx(30 + 30 * 4 / 7)
    assert expected_value(path, 2035) == 90 and expected_value(path, 2010) == 30


@pytest.mark.parametrize(
    ("observed", "status"),
    [(65, "on_track"), (61, "deviating"), (50, "off_track"), (70, "on_track")],
)
def test_indicator_status_against_the_path(observed, status):
    # expected 2026: 65 %, progress wanted 35 points from the 30 % baseline
    st = indicator_status((2018, 30), {2025: 60, 2027: 70, 2030: 90}, {2024: 40, 2026: observed})
    assert (st.status, st.year, st.expected) == (status, 2026, 65)
    assert st.progress == pytest.approx((observed - 30) / 35)


def test_a_falling_indicator_is_on_track_when_it_falls():
    # Kranj OI 1.3, public lighting kWh per lamp: 280 / 270 / 250 in 2025 / 2027 / 2030
    targets = {2025: 280, 2027: 270, 2030: 250}
    assert indicator_status((2018, 320), targets, {2025: 279}).status == "on_track"
    assert indicator_status((2018, 320), targets, {2025: 310}).status == "off_track"


def test_indicator_without_data_or_baseline():
    assert indicator_status((2018, 0), {2030: 80}, {}).status == "no_data"
    assert indicator_status(None, {2030: 80}, {2022: 10}).status == "no_baseline"


# -- with the database -------------------------------------------------------------------------

@pytest.fixture
def plan(kranj):
    from zerocity.plan.models import Milestone

    # The demo gives actions departments and milestones; these tests set their own.
    Milestone.objects.filter(action__plan=kranj.plan).delete()
    return kranj.plan


@pytest.fixture
def people(plan):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    city = plan.city
    transport = ensure_department(city, "transport", "Transport")
    energy = ensure_department(city, "energy", "Energy")
    return {
        "energy": grant_role(city, "e-staff", Role.STAFF, department=energy).user,
        "transport": grant_role(city, "t-staff", Role.STAFF, department=transport).user,
        "admin": grant_role(city, "m-admin", Role.ADMIN).user,
        "citizen": grant_role(city, "c-citizen", Role.CITIZEN).user,
    }


@pytest.mark.django_db
def test_staff_edit_only_their_departments_actions(people):
    from zerocity.core.errors import NotFound
    from zerocity.plan.access import access_action_for_edit
    from zerocity.plan.models import Action

    assert access_action_for_edit(people["energy"], "kranj", "1.1").code == "1.1"
    assert access_action_for_edit(people["admin"], "kranj", "1.1").code == "1.1"
    with pytest.raises(PermissionDenied, match="another department"):
        access_action_for_edit(people["transport"], "kranj", "1.1")
    with pytest.raises(NotFound):
        access_action_for_edit(people["citizen"], "kranj", "1.1")
    with pytest.raises(PermissionDenied):  # an action with no department: admins only
        Action.objects.filter(code="MT-CARS").update(department=None)
        access_action_for_edit(people["transport"], "kranj", "MT-CARS")


@pytest.mark.django_db
def test_milestones_drive_the_status_and_an_override_needs_a_reason(plan, people):
    from zerocity.plan import services
    from zerocity.plan.selectors import action_overview, overdue_by_department

    action = plan.actions.get(code="1.1")
    services.set_milestone(action, "Tender for biomass boiler", date(2026, 3, 1))
    services.set_milestone(action, "Heat pumps in Planina", date(2027, 9, 1))
    row = {a["code"]: a for a in action_overview(plan, today=TODAY)}["1.1"]
    assert row["status"] == "late" and row["freshness"] == "fresh"
    assert row["overdue"] == [{"name": "Tender for biomass boiler", "due": "2026-03-01"}]
    assert overdue_by_department(plan, today=TODAY) == {
        "energy": [{"code": "1.1", "name": action.name, "overdue": row["overdue"],
                    "department_name": action.department.name}]}

    with override("en"), pytest.raises(Conflict, match="Give the reason for setting the status"):
        services.override_status(action, "on_time", reason=" ")
    services.override_status(action, "on_time", reason="Tender re-run approved by council",
                             by=people["energy"])
    row = {a["code"]: a for a in action_overview(plan, today=TODAY)}["1.1"]
    assert (row["status"], row["status_overridden"]) == ("on_time", True)
    services.override_status(action, "", reason="Back to the milestones")
    assert {a["code"]: a for a in action_overview(plan, today=TODAY)}["1.1"]["status"] == "late"


@pytest.mark.django_db
def test_observations_give_the_indicator_status_and_corrections_are_audited(plan):
    from zerocity.core.models import AuditLog
    from zerocity.plan import services
    from zerocity.plan.selectors import indicator_overview

    oi = plan.indicators.get(code="OI 0.1")  # CO2e reduction vs 2018: 0 -> 20/40/80 %
    services.record_observation(oi, 2024, 15.0, source="inventory 2024")
    services.record_observation(oi, 2024, 15.0, source="inventory 2024")  # same: no change
    status = {i["code"]: i for i in indicator_overview(plan)}["OI 0.1"]
    assert status["expected"] == pytest.approx(20 * 6 / 7)
    assert status["status"] == "deviating"  # 15 % of the 17.1 % expected: 87.5 % of the way
    before = AuditLog.objects.filter(action="plan.observation").count()
    services.record_observation(oi, 2024, 16.0, source="inventory 2024, corrected")
    entry = AuditLog.objects.filter(action="plan.observation").order_by("-id").first()
    assert AuditLog.objects.filter(action="plan.observation").count() == before + 1
    assert (entry.data["previous"], entry.data["value"]) == (15.0, 16.0)
    assert {i["code"]: i for i in indicator_overview(plan)}["OI 0.1"]["status"] == "on_track"


@pytest.mark.django_db
def test_a_closed_period_is_unchanged_by_later_edits(plan):
    from zerocity.plan import services
    from zerocity.plan.models import Snapshot

    oi = plan.indicators.get(code="OI 1.2")
    services.record_observation(oi, 2025, 21_000, source="Borzen")
    snap = services.close_period(plan, "2025", today=date(2026, 3, 31))
    frozen = snap.data
    services.record_observation(oi, 2025, 25_000, source="Borzen, revised")
    services.set_milestone(plan.actions.get(code="1.3"), "PV on schools", date(2026, 1, 1))
    again = services.close_period(plan, "2025")
    assert again.pk == snap.pk and Snapshot.objects.get(pk=snap.pk).data == frozen
    oi12 = {i["code"]: i for i in frozen["indicators"]}["OI 1.2"]
    assert oi12["observations"] == {"2025": 21000.0}
    assert frozen["gap"]["total"]["baseline"] == pytest.approx(238_832, abs=1)
    with pytest.raises(TypeError, match="cannot change"):
        snap.save()
    # the live report has moved on
    live = services.close_period(plan, "2026", today=date(2026, 11, 28)).data
    assert {i["code"]: i for i in live["indicators"]}["OI 1.2"]["observations"] == {
        "2025": 25000.0}


@pytest.mark.django_db
def test_the_action_boards_last_update_reads_the_milestones_done(plan, people):
    """A milestone marked done is progress reported, whichever way it came (the editor, the
    workbook, the demo): the board's "last update" is the later of the last report and the
    latest milestone done, never "never" for an action whose milestones move."""
    from django.test import Client

    from zerocity.plan.models import Action, Milestone
    from zerocity.plan.selectors import action_overview

    # given action 1.1 never reported on, with a milestone done twelve days ago (as the
    # workbook brings it: no report of its own)
    zone = plan.city.calendar.zone
    at = datetime(2026, 11, 28, 12, 0, tzinfo=zone)
    Action.objects.filter(plan=plan, code="1.1").update(last_update_at=None)
    action = plan.actions.get(code="1.1")
    Milestone.objects.create(action=action, name="Tender for biomass boiler",
                             due=date(2026, 12, 1), done=date(2026, 11, 16))
    # when the board is read
    row = {a["code"]: a for a in action_overview(plan, today=TODAY, now=at)}["1.1"]
    # then its last update is the milestone's day
    assert (row["days_since_update"], row["freshness"]) == (12, "fresh")
    # and a later report counts from the report
    Action.objects.filter(pk=action.pk).update(last_update_at=at - timedelta(days=3))
    row = {a["code"]: a for a in action_overview(plan, today=TODAY, now=at)}["1.1"]
    assert row["days_since_update"] == 3
    # and an action with neither was never updated
    Action.objects.filter(plan=plan, code="1.2").update(last_update_at=None)
    row = {a["code"]: a for a in action_overview(plan, today=TODAY, now=at)}["1.2"]
    assert (row["days_since_update"], row["freshness"]) == (None, "never")
    # and the staff's board shows the milestone's day as the last update
    Action.objects.filter(pk=action.pk).update(last_update_at=None)
    done = plan.city.calendar.today() - timedelta(days=5)
    Milestone.objects.filter(action=action).update(done=done)
    staff = Client()
    staff.force_login(people["energy"])
    board = staff.get("/en/kranj/plan/manage/actions/").content.decode()
    line = board.split('<tr data-action="1.1">', 1)[1].split("</tr>", 1)[0]
    assert "5 days ago" in line  # counted from the local midnight the milestone was done
