"""Oslo-style reporting rounds (docs/reminders.md), acceptance check 20: cut-offs 30 April,
31 August and 31 December (each city its own), every unit responsible for actions reports
their status, a round cannot close while a unit's status is missing (the units are named),
and the digest reminds each missing unit's members before the cut-off and after it."""

from __future__ import annotations

import json
from datetime import date

import pytest

from reminder_people import cli, mailed_to, run_clock, small_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def test_check_20_the_cut_offs_are_30_april_31_august_31_december_and_per_city(city):
    from zerocity.core.errors import Conflict
    from zerocity.plan.rounds import cutoffs, next_cutoff, set_cutoffs

    s = small_plan(city)
    plan = s["plan"]
    assert cutoffs(plan, 2025) == [date(2025, 4, 30), date(2025, 8, 31), date(2025, 12, 31)]
    assert next_cutoff(plan, date(2025, 5, 1)) == date(2025, 8, 31)
    assert next_cutoff(plan, date(2025, 12, 31)) == date(2025, 12, 31)
    assert next_cutoff(plan, date(2026, 1, 1)) == date(2026, 4, 30)
    set_cutoffs(plan, ["06-30", "12-31"], actor="test")
    assert cutoffs(plan, 2025) == [date(2025, 6, 30), date(2025, 12, 31)]
    with pytest.raises(Conflict, match="02-30"):
        set_cutoffs(plan, ["02-30"], actor="test")


def test_check_20_a_round_cannot_close_while_a_units_status_is_missing(city):
    from zerocity.core.errors import Conflict
    from zerocity.plan.rounds import close_round, missing_units, open_round, report

    # given the round of 30 April 2025 open, with two responsible units: roads and energy
    s = small_plan(city)
    rnd = open_round(s["plan"], date(2025, 4, 1), actor="test")
    assert rnd.cutoff == date(2025, 4, 30)
    # when nobody has reported, closing is refused, naming both units
    with pytest.raises(Conflict, match="no status yet from Energy, Roads"):
        close_round(rnd, actor="test")
    # a unit reports a status for each of its actions (and not for others' or half of them)
    with pytest.raises(Conflict, match="missing: 1.2"):
        report(rnd, s["roads"], {"1.1": "on_time"}, by=s["contact"])
    with pytest.raises(Conflict, match="not responsible for 2.1"):
        report(rnd, s["roads"], {"1.1": "on_time", "1.2": "late", "2.1": "late"})
    with pytest.raises(Conflict, match="Unknown status for 1.2"):
        report(rnd, s["roads"], {"1.1": "on_time", "1.2": "slow"})
    report(rnd, s["roads"], {"1.1": "on_time", "1.2": "late"}, by=s["contact"])
    with pytest.raises(Conflict, match="no status yet from Energy$|no status yet from Energy\\."):
        close_round(rnd, actor="test")
    assert [u.slug for u in missing_units(rnd)] == ["energy"]
    # then, once energy has reported, the round closes
    report(rnd, s["energy"], {"2.1": "completed"}, by=s["energy_staff"])
    closed = close_round(rnd, by=s["office"])
    assert closed.closed_at is not None and closed.closed_by == "office-staff"
    with pytest.raises(Conflict, match="closed"):
        report(rnd, s["energy"], {"2.1": "late"})


def test_one_round_is_open_at_a_time_and_opening_it_again_changes_nothing(city):
    from zerocity.core.errors import Conflict
    from zerocity.plan.rounds import open_round

    s = small_plan(city)
    first = open_round(s["plan"], date(2025, 4, 1), actor="test")
    assert open_round(s["plan"], date(2025, 4, 2), actor="test") == first
    with pytest.raises(Conflict, match="2025-04-30 is still open"):
        open_round(s["plan"], date(2025, 4, 1), date(2025, 8, 31), actor="test")
    with pytest.raises(Conflict, match="not one of the plan's cut-off days"):
        open_round(s["plan"], date(2025, 4, 1), date(2025, 5, 31), actor="test")


def test_check_20_the_units_members_are_reminded_before_and_after_the_cut_off(city):
    from zerocity.plan.rounds import open_round, report

    # given the round of 31 August 2025 (a Sunday) opened on 1 July
    s = small_plan(city)
    rnd = open_round(s["plan"], date(2025, 7, 1), actor="test")
    # when roads reports on 3 September and energy never does
    sent = run_clock(city, date(2025, 7, 1), date(2025, 9, 2))
    report(rnd, s["roads"], {"1.1": "on_time", "1.2": "on_time"}, actor="test")
    sent.update(run_clock(city, date(2025, 9, 3), date(2025, 10, 6)))
    # then energy hears 30 days before (1 August), 7 days before (Sunday 24th: Monday 25th),
    # and 1 day after (1 September), 7 days after (7th is a Sunday: Monday 8th) and 30 after
    assert mailed_to(sent, "energy@example.org") == [
        date(2025, 8, 1), date(2025, 8, 25), date(2025, 9, 1), date(2025, 9, 8),
        date(2025, 9, 30)]
    # and roads' members only until they reported
    assert mailed_to(sent, "roads2@example.org") == [
        date(2025, 8, 1), date(2025, 8, 25), date(2025, 9, 1)]
    body = [m for m in sent[date(2025, 9, 1)] if m.to == ["energy@example.org"]][0].body
    assert "Energy has not reported" in body and "/testville/plan/manage/rounds/" in body


def test_the_command_line_opens_reports_and_closes_a_round(city):
    s = small_plan(city)
    code, out = cli("plan", "round-open", "--city", "testville", "--cutoff", "2025-04-30")
    assert code == 0, out
    assert json.loads(out)["missing"] == ["energy", "roads"]
    code, out = cli("plan", "round-close", "--city", "testville")
    assert code == 1 and "no status yet from Energy, Roads" in out
    code, out = cli("plan", "round-report", "--city", "testville", "--unit", "roads",
                    "--status", "1.1=on_time", "--status", "1.2=late", "--note", "Bus lanes wait")
    assert code == 0, out
    data = json.loads(out)
    assert data["missing"] == ["energy"]
    assert data["units"][1]["statuses"] == {"1.1": "on_time", "1.2": "late"}
    cli("plan", "round-report", "--city", "testville", "--unit", "energy", "--status",
        "2.1=completed")
    code, out = cli("plan", "round-close", "--city", "testville")
    assert code == 0 and json.loads(out)["open"] is False
    code, out = cli("plan", "round-cutoffs", "--city", "testville", "06-30", "12-31")
    assert code == 0 and "06-30, 12-31" in out
    assert s["plan"].rounds.count() == 1


def test_the_kranj_demo_has_a_round_open_with_one_unit_reported(kranj):
    from zerocity.plan.round_demo import load
    from zerocity.plan.rounds import get_round, missing_units, units

    said = load(kranj, actor="test")
    rnd = get_round(kranj.plan)
    assert rnd.closed_at is None and rnd.cutoff >= kranj.calendar.today()
    assert rnd.reports.count() == 1
    assert len(missing_units(rnd)) == len(units(kranj.plan)) - 1 > 0
    assert "illustrative" in said
    assert load(kranj, actor="test") == said  # loading it again changes nothing
