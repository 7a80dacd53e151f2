"""The reminder digest (docs/reminders.md; research §5, Kausal's rules): acceptance check 23
on a simulated clock, the city's working days, one digest per person, reruns that send nothing
new, and the plan's reminders (milestones, actions not updated, indicators)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from reminder_people import cli, days, mailed_to, run_clock, small_plan

pytestmark = pytest.mark.django_db

DUE = date(2025, 9, 8)  # a Monday: its 1st, 7th, 30th and 60th days late are working days


def milestone(action, name, due):  # type: ignore[no-untyped-def]
    from zerocity.plan.models import Milestone

    return Milestone.objects.create(action=action, name=name, due=due)


def test_check_23_a_late_task_notifies_its_contact_on_days_1_7_30_60_five_days_apart(city):
    from django.core import mail

    # given a milestone of action 1.1 due on Monday 8 September 2025, whose contact is maja
    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Route plan adopted", DUE)
    # when the digest runs every day, weekends too, from 40 days before to 95 days after
    sent = run_clock(city, DUE - timedelta(days=40), DUE + timedelta(days=95))
    # then maja hears of it 30 and 7 days before (the 30th falls on a Saturday: Monday), and
    # on days 1, 7, 30 and 60 late, and the 90th (a Sunday) on the Monday after
    to_contact = mailed_to(sent, "maja@example.org")
    late_days = [(d - DUE).days for d in to_contact if d > DUE]
    assert [(DUE - d).days for d in to_contact if d < DUE] == [28, 7]
    assert late_days == [1, 7, 30, 60, 91]
    assert all((b - a).days >= 5 for a, b in zip(to_contact, to_contact[1:], strict=False))
    # only her: the action names its contact, so the department's other staff are spared
    assert mailed_to(sent, "roads2@example.org") == []
    assert all(len(m) == 1 for m in sent.values())
    assert "Route plan adopted" in mail.outbox[-1].body
    assert "/testville/plan/manage/actions/1.1/" in mail.outbox[-1].body


def test_check_23_not_updated_is_reminded_at_most_once_in_30_days(city):
    from zerocity.plan.models import Action

    # given action 2.1 last reported on in January 2025 (the energy department's)
    s = small_plan(city)
    Action.objects.filter(pk=s["actions"]["2.1"].pk).update(
        last_update_at=datetime(2025, 1, 10, 9, tzinfo=UTC))
    # when the digest runs every day for 100 days
    sent = run_clock(city, date(2025, 6, 2), date(2025, 9, 9))
    got = mailed_to(sent, "energy@example.org")
    # then its staff hear of it on the first day, then every 30 days at the earliest
    assert got[0] == date(2025, 6, 2)
    gaps = [(b - a).days for a, b in zip(got, got[1:], strict=False)]
    assert gaps == [30, 30, 31]  # the 90th day is a Sunday: Monday
    assert all(city.calendar.is_working_day(d) for d in got)


def test_a_reminder_on_a_holiday_goes_on_the_next_working_day_once(city):
    from django.core import mail

    # given a milestone due Thursday 24 April 2025: its 7th day late is 1 May, a holiday,
    # followed by another (2 May) and a weekend
    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Tender published", date(2025, 4, 24))
    sent = run_clock(city, date(2025, 4, 24), date(2025, 5, 10))
    # then the reminder goes on Monday 5 May, once: not lost, not doubled
    assert mailed_to(sent, "maja@example.org") == [date(2025, 4, 25), date(2025, 5, 5)]
    assert len(mail.outbox) == 2


def test_a_reminder_held_back_by_the_five_days_goes_when_they_have_passed(city):
    # given a milestone due Friday 12 September 2025: day 1 late is a Saturday (sent
    # Monday 15th), day 7 is Friday 19th, 4 days after Monday
    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Survey done", date(2025, 9, 12))
    sent = run_clock(city, date(2025, 9, 12), date(2025, 9, 30))
    # then day 7's reminder waits for Monday 22nd instead of being lost
    assert mailed_to(sent, "maja@example.org") == [date(2025, 9, 15), date(2025, 9, 22)]


def test_one_digest_per_person_lists_everything_they_owe(city):
    from django.core import mail

    from zerocity.core.reminders import send

    # given two late milestones of action 1.1 (maja's) and one of 1.2 (the roads department's)
    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Route plan adopted", DUE)
    milestone(s["actions"]["1.1"], "Land bought", DUE)
    milestone(s["actions"]["1.2"], "Lanes painted", DUE)
    # when the digest runs on day 1 late
    run = send(city, DUE + timedelta(days=1))
    # then maja gets one mail with all three, her colleague one with the bus lanes only
    by_person = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_person) == ["maja@example.org", "roads2@example.org"]
    assert len(run.digests) == 2
    body = by_person["maja@example.org"].body
    assert all(name in body for name in ("Route plan adopted", "Land bought", "Lanes painted"))
    assert "Route plan" not in by_person["roads2@example.org"].body
    assert "(3)" in by_person["maja@example.org"].subject


def test_running_again_the_same_day_sends_nothing_new_and_a_dry_run_nothing_at_all(city):
    from django.core import mail

    from zerocity.core.models import ReminderSent
    from zerocity.core.reminders import send

    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Route plan adopted", DUE)
    day = DUE + timedelta(days=1)
    # a dry run says what would go and neither sends nor records
    dry = send(city, day, dry_run=True)
    assert dry.as_dict()["reminders"] == 1 and mail.outbox == []
    assert not ReminderSent.objects.exists()
    assert len(send(city, day).digests) == 1
    # the same day again, and the next day: nothing new
    assert send(city, day).digests == []
    assert send(city, day + timedelta(days=1)).digests == []
    assert len(mail.outbox) == 1


def test_nothing_goes_on_a_weekend(city):
    from zerocity.core.reminders import send

    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Route plan adopted", date(2025, 9, 12))
    saturday = send(city, date(2025, 9, 13))
    assert saturday.working_day is False and saturday.digests == []
    assert saturday.owed == 1


def test_recipients_without_a_named_contact_are_the_department_then_the_office(city):
    from zerocity.plan.models import Action
    from zerocity.plan.reminders import due

    s = small_plan(city)
    milestone(s["actions"]["1.2"], "Lanes painted", DUE)
    orphan = Action.objects.create(plan=s["plan"], code="9.9", name="Orphan",
                                   field=s["actions"]["1.1"].field,
                                   last_update_at=s["actions"]["1.1"].last_update_at)
    milestone(orphan, "Someone's job", DUE)
    got = {(d.key.split(":")[0], d.recipient) for d in due(city, DUE + timedelta(days=1))}
    assert got == {("plan.milestone", s["contact"].pk), ("plan.milestone", s["roads2"].pk),
                   ("plan.milestone", s["office"].pk)}


def test_an_indicator_without_last_years_value_is_late_after_30_june(city):
    from zerocity.plan.models import Indicator, Observation
    from zerocity.plan.reminders import due

    s = small_plan(city)
    ind = Indicator.objects.create(plan=s["plan"], code="I1", name="Cycling share", unit="%")
    ind.actions.add(s["actions"]["2.1"])
    assert [d.kind for d in due(city, date(2025, 6, 10))] == ["due_soon"]
    late = due(city, date(2025, 7, 1))
    assert [(d.kind, d.recipient, d.due) for d in late] == [
        ("late", s["energy_staff"].pk, date(2025, 6, 30))]
    Observation.objects.create(indicator=ind, year=2024, value=12.0)
    assert due(city, date(2025, 7, 1)) == []
    assert due(city, date(2025, 3, 1)) == []  # too early to ask


def test_the_digest_speaks_the_citys_language(city):
    from django.core import mail

    from zerocity.core.reminders import send

    city.language = "sl"
    city.save()
    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Načrt poti", DUE)
    send(city, DUE + timedelta(days=1))
    assert "opomnik" in mail.outbox[0].subject.lower()
    assert "Zamuja" in mail.outbox[0].body


def test_the_command_line_prints_a_json_summary_and_the_worker_runs_it_daily(city):
    from zerocity.ops.jobs import JOBS

    s = small_plan(city)
    milestone(s["actions"]["1.1"], "Route plan adopted", DUE)
    code, out = cli("reminders", "send", "--city", "testville", "--today", "2025-09-09",
                    "--dry-run")
    assert code == 0, out
    data = json.loads(out)
    assert data["mails"] == 1 and data["dry_run"] is True and data["today"] == "2025-09-09"
    assert data["people"][0]["user"] == "maja"
    assert data["people"][0]["items"][0]["kind"] == "late"
    assert JOBS["reminders"].minutes == 24 * 60
    assert days(DUE, DUE) == [DUE]
