"""The DPS's first stage against the rules of shared/research/dps-food-procurement.md §2 and
the invariants of §3.4: what publishing needs, what the law forbids, the 30-day initial period,
requests taken for the whole validity, sealed until the initial deadline, decided within 10
(or 15) working days with every check recorded, renewed self-declarations in 5 working days,
and every procedural message stored with its hash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from calendars import KRANJ
from zerocity.core.errors import Conflict
from zerocity.food import deadlines
from zerocity.food.models import (
    ApplicationStatus,
    DpsStatus,
    Membership,
    MembershipStatus,
    Message,
    Operator,
)
from zerocity.food.services import dps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
TZ = ZoneInfo("Europe/Ljubljana")
SENT = datetime(2026, 12, 10, 11, 0, tzinfo=TZ)  # the research note's matrix
CRITERIA = [{"id": "price", "type": "price", "name": "Price", "weight": 60},
            {"id": "fresh", "type": "freshness", "name": "Days from harvest", "weight": 25},
            {"id": "co2", "type": "transport_emissions", "name": "Delivery CO2e per kg",
             "weight": 15}]
CHECKS = {"espd_received": True, "exclusion_grounds_art57": True, "selection_criteria": True}

@contextmanager
def refused(code: str | None, kind: type[Exception] = Conflict, text: str = ""
            ) -> Iterator[None]:
    """The service refuses, naming the rule ``code`` on the exception for the audit trail and
    the logs (None: a refusal no rule of the law is behind), and saying ``text`` in a
    sentence that carries no rule code."""
    with pytest.raises(kind) as caught:
        yield
    assert (getattr(caught.value, "code", "") or None) == code
    assert not re.search(r"\b(DPS|SI|INV)-\d", str(caught.value)), str(caught.value)
    assert re.search(text, str(caught.value)), str(caught.value)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def system(city):  # type: ignore[no-untyped-def]
    d = dps.create_dps(
        city, "food-2027", "Joint purchase of food for schools and kindergartens",
        justification="Food is a commonly used purchase (ZJN-3 Art. 49).",
        purchases="Fruit, vegetables, dairy, meat, bread; about 1,200 t a year.",
        operation="Requests all through the validity; specific procurements per category.",
        equipment="ZeroCity supplier portal; qualified e-signature.",
        estimated_value=Decimal("15000000"), valid_from=date(2026, 12, 10),
        valid_to=date(2030, 12, 9))
    veg = dps.add_category(d, "vegetables", "Fresh vegetables",
                           definition="Fresh vegetables delivered to the institutions.",
                           selection_criteria=["registered producer or trader"],
                           max_contract_value="20000", min_turnover="40000")
    dairy = dps.add_category(d, "dairy", "Milk and dairy", definition="Milk and dairy.",
                             selection_criteria=["HACCP"], max_contract_value="50000")
    dps.set_award_criteria(d, CRITERIA)
    return d, veg, dairy


def farm(city, n: int = 1) -> Operator:  # type: ignore[no-untyped-def]
    return Operator.objects.create(city=city, name=f"Kmetija {n}", registration=f"SI{n:08d}")


def published(system):  # type: ignore[no-untyped-def]
    d, veg, dairy = system
    dps.publish(d, sent_at=SENT, initial_deadline=deadlines.in_days(KRANJ, SENT, 30))
    d.refresh_from_db()
    return d, veg, dairy


def test_publishing_needs_every_required_field(city):
    d = dps.create_dps(city, "empty", "An empty DPS")
    with refused("DPS-01 DPS-05 DPS-08 DPS-11 DPS-09 DPS-06",
                 text="^Before publishing, fill in why a purchasing system is used; the nature "
                      "and estimated quantity of the purchases; how the purchasing system "
                      "operates; the electronic equipment and how to connect; the period of "
                      "validity; the estimated value; the award criteria; at least one "
                      r"category\.$"):
        dps.publish(d, sent_at=SENT, initial_deadline=SENT + timedelta(days=40))
    assert d.status == DpsStatus.DRAFT
    with refused(None, text="no setting called colour, max_value; check the spelling"):
        dps.create_dps(city, "odd", "Odd", colour="green", max_value=1)


def test_the_validity_ends_after_it_starts(city, system):
    d, *_ = system
    d.valid_to = date(2026, 12, 1)
    d.save()
    with refused("DPS-08", text="^The period of validity ends before it starts"):
        dps.publish(d, sent_at=SENT, initial_deadline=local(2027, 1, 12, 0, 0))


def test_the_law_forbids_a_cap_on_participants_supplier_fees_and_scoring_origin(city, system):
    with refused("DPS-22", text="number of participants may not be limited"):
        dps.create_dps(city, "capped", "Capped", max_participants=10)
    with refused("DPS-10", text="may not be charged for taking part"):
        dps.create_dps(city, "fees", "Fees", supplier_fee=Decimal("50"))
    d, *_ = system
    with refused("SI-04", text="^Criterion o scores where the food comes from or where the "
                               "supplier is, which the law forbids"):
        dps.set_award_criteria(d, [{"id": "o", "type": "origin", "weight": 100}])
    with refused("DPS-09", text=r"^The weights add up to 90; make them add up to 100\.$"):
        dps.set_award_criteria(d, [{"id": "p", "type": "price", "weight": 90}])
    with refused("DPS-09", text=r"add up to 1,000\.5;"):  # grouped as the language writes it
        dps.set_award_criteria(d, [{"id": "p", "type": "price", "weight": "1000.5"}])
    with refused("DPS-09", text="^Set the award criteria and their weights"):
        dps.set_award_criteria(d, [])
    with refused(None, text="^Criterion p: the type colour is not one"):
        dps.set_award_criteria(d, [{"id": "p", "type": "colour", "weight": 100}])
    with refused(None, text="^Criterion 2: give it an id no other criterion has"):
        dps.set_award_criteria(d, [{"id": "p", "type": "price", "weight": 50},
                                   {"id": "p", "type": "organic", "weight": 50}])
    with refused(None, text="^Criterion p: enter its weight as a number"):
        dps.set_award_criteria(d, [{"id": "p", "type": "price", "weight": "much"}])
    with refused(None, text="^Criterion p: give it a weight above 0"):
        dps.set_award_criteria(d, [{"id": "p", "type": "price", "weight": 0}])
    checked = dps.set_award_criteria(d, [
        {"id": "p", "type": "price", "weight": 70},
        {"id": "s", "type": "short_supply_chain", "name": "Lokalni dobavitelj do 30 km",
         "weight": 30}])
    assert checked.warnings == ["Criterion s (Lokalni dobavitelj do 30 km) speaks of origin, "
                                "locality or distance; check that it does not favour local "
                                "suppliers."]


def test_a_turnover_requirement_is_at_most_twice_the_largest_specific_contract(system):
    d, *_ = system
    with refused("DPS-27", text=r"^A yearly turnover of at most 40,000\.00 EUR may be asked, "
                                r"twice the largest specific contract \(20,000\.00 EUR\)"):
        dps.add_category(d, "meat", "Meat", definition="Meat.", selection_criteria=["vet"],
                         max_contract_value="20000", min_turnover="1000000")
    with refused("DPS-27", text="^State the largest value a specific contract"):
        dps.add_category(d, "meat", "Meat", definition="Meat.", selection_criteria=["vet"],
                         max_contract_value="0")
    with refused("DPS-06", text="^Give the category at least one selection criterion"):
        dps.add_category(d, "bread", "Bread", definition="Bread.", selection_criteria=[],
                         max_contract_value="20000")
    with refused("DPS-06", text="^Describe the category by the characteristics"):
        dps.add_category(d, "bread", "Bread", definition=" ", selection_criteria=["HACCP"],
                         max_contract_value="20000")


def test_the_initial_deadline_gives_at_least_thirty_days_counted_by_the_regulation(system):
    d, *_ = system
    with refused("DPS-20", text="at least 30 days from the notice's dispatch; set the "
                                "initial deadline at 2027-01-12 00:00 CET or later"):
        # day +30 is a Saturday: the end of Monday 11 January is the earliest
        dps.publish(d, sent_at=SENT, initial_deadline=local(2027, 1, 10, 0, 0))
    with refused("DPS-20", text="set the initial deadline at 2027-01-12"):
        dps.publish(d, sent_at=SENT, initial_deadline=local(2027, 1, 11, 10, 0))
    with refused("DPS-20", text="^The initial deadline falls after the purchasing system ends"):
        dps.publish(d, sent_at=SENT, initial_deadline=local(2031, 1, 12, 0, 0))
    dps.publish(d, sent_at=SENT, initial_deadline=local(2027, 1, 12, 0, 0))
    d.refresh_from_db()
    assert d.status == DpsStatus.PUBLISHED
    with refused(None, text="^The purchasing system is published and its terms are fixed; a "
                          "change needs a change notice"):
        dps.set_award_criteria(d, CRITERIA)


def test_requests_are_taken_for_the_whole_validity_and_not_a_moment_longer(city, system):
    d, veg, _ = published(system)
    last = local(2030, 12, 9, 23, 59)
    assert dps.submit(d, farm(city, 1), [veg], at=last).status == \
        ApplicationStatus.UNDER_EVALUATION
    with pytest.raises(Conflict, match="last day of the purchasing system's validity"):
        dps.submit(d, farm(city, 2), [veg], at=local(2030, 12, 10, 0, 0))
    with pytest.raises(Conflict, match="from the notice"):
        dps.submit(d, farm(city, 3), [veg], at=SENT - timedelta(minutes=1))


def test_initial_requests_stay_sealed_until_the_initial_deadline(city, system):
    d, veg, dairy = published(system)
    early = dps.submit(d, farm(city), [veg, dairy], at=local(2026, 12, 15, 9))
    assert early.status == ApplicationStatus.SEALED and early.initial
    # due 10 working days after the initial deadline (12 Jan 2027 00:00): 25 January
    assert KRANJ.local_date(early.decision_due - timedelta(seconds=1)) == date(2027, 1, 25)
    with refused("DPS-31"):
        dps.decide(early, admitted=[veg], checks=CHECKS, at=local(2027, 1, 5, 10))
    assert dps.tick(city, local(2027, 1, 11, 23, 59)).unsealed == 0
    moved = dps.tick(city, local(2027, 1, 12, 0, 0))
    assert moved.unsealed == 1 and dps.tick(city, local(2027, 1, 12, 0, 0)).unsealed == 0
    d.refresh_from_db()
    assert d.status == DpsStatus.INITIAL_EVALUATION
    decided = dps.decide(early, admitted=[veg], checks=CHECKS, at=local(2027, 1, 14, 10),
                         reasons="dairy: no HACCP certificate")
    assert decided.status == ApplicationStatus.ADMITTED and not decided.late
    assert [m.category.code for m in Membership.objects.all()] == ["vegetables"]
    assert dps.tick(city, local(2027, 1, 14, 11)).activated == ["food-2027"]


def test_a_decision_needs_the_checks_and_is_flagged_when_late(city, system):
    d, veg, _ = published(system)
    dps.tick(city, local(2027, 1, 12, 1))
    application = dps.submit(d, farm(city), [veg], at=local(2027, 2, 1, 9))
    with refused("DPS-26"):
        dps.decide(application, admitted=[veg], checks={"espd_received": True},
                   at=local(2027, 2, 3, 9))
    with refused("DPS-26", Conflict, text="admitted only when this check"):
        dps.decide(application, admitted=[veg], checks={**CHECKS, "selection_criteria": False},
                   at=local(2027, 2, 3, 9))
    with refused("DPS-25", Conflict, text="rejection states its reasons"):
        dps.decide(application, admitted=[], checks=CHECKS, at=local(2027, 2, 3, 9))
    # 10 working days from Monday 1 February 2027 (8 February is Prešeren's Day): 16 February
    assert KRANJ.local_date(application.decision_due - timedelta(seconds=1)) == date(
        2027, 2, 16)
    assert dps.tick(city, local(2027, 2, 17, 8)).overdue == [application.pk]
    with refused("DPS-23"):
        dps.extend(application, "  ")
    extended = dps.extend(application, "documents from three group members to examine")
    assert KRANJ.local_date(extended.decision_due - timedelta(seconds=1)) == date(
        2027, 2, 23)
    late = dps.decide(application, admitted=[], checks={**CHECKS, "espd_received": False},
                      reasons="no ESPD", at=local(2027, 2, 24, 9))
    assert late.status == ApplicationStatus.REJECTED and late.late
    with refused(None, text="^The request is decided already; only a request not yet decided "
                            "can be withdrawn"):
        dps.withdraw(late, at=local(2027, 2, 25, 9))


def test_a_renewed_self_declaration_is_due_in_five_working_days_or_the_member_is_excluded(
        city, system):
    d, veg, _ = published(system)
    dps.tick(city, local(2027, 1, 12, 1))
    ok, slow = farm(city, 1), farm(city, 2)
    for operator in (ok, slow):
        application = dps.submit(d, operator, [veg], at=local(2027, 4, 1, 9))
        dps.decide(application, admitted=[veg], checks=CHECKS, at=local(2027, 4, 2, 9))
    asked = local(2027, 4, 23, 10)  # Friday; 27 April, 1 and 2 May are holidays
    first, second = Membership.objects.order_by("operator__name")
    first = dps.request_redeclaration(first, at=asked)
    second = dps.request_redeclaration(second, at=asked)
    # working days: 26, 28, 29, 30 April and 3 May
    assert KRANJ.local_date(first.redeclaration_due - timedelta(seconds=1)) == date(
        2027, 5, 3)
    assert {o.pk for o in dps.members(veg, local(2027, 4, 28))} == {ok.pk, slow.pk}
    with refused(None, text="^Only an active member is asked for a renewed self-declaration"):
        dps.request_redeclaration(first, at=asked)
    dps.receive_redeclaration(first, at=local(2027, 4, 29, 12))
    with refused("DPS-29"):
        dps.receive_redeclaration(second, at=local(2027, 5, 4, 0, 0))
    assert dps.tick(city, local(2027, 5, 3, 23, 0)).excluded == 0
    assert dps.tick(city, local(2027, 5, 4, 0, 0)).excluded == 1
    assert dps.tick(city, local(2027, 5, 4, 0, 0)).excluded == 0
    second.refresh_from_db()
    assert second.status == MembershipStatus.EXCLUDED
    assert [o.pk for o in dps.members(veg, local(2027, 5, 5))] == [ok.pk]
    assert [o.pk for o in dps.members(veg, local(2027, 4, 1, 12))] == []  # not yet admitted
    assert Message.objects.filter(kind="exclusion").count() == 1


def test_every_procedural_message_is_stored_with_the_hash_of_its_content(city, system):
    d, veg, _ = published(system)
    dps.tick(city, local(2027, 1, 12, 1))
    application = dps.submit(d, farm(city), [veg], at=local(2027, 3, 1, 9))
    dps.decide(application, admitted=[veg], checks=CHECKS, at=local(2027, 3, 2, 9))
    messages = list(Message.objects.filter(dps=d).order_by("id"))
    assert [m.kind for m in messages] == ["request_received", "admission_decision"]
    assert all(dps.message_intact(m) for m in messages)
    tampered = messages[1]
    tampered.body = "Not admitted."
    assert not dps.message_intact(tampered)


def test_the_dps_ends_with_its_validity_and_so_do_its_memberships(city, system):
    d, veg, _ = published(system)
    dps.tick(city, local(2027, 1, 12, 1))
    application = dps.submit(d, farm(city), [veg], at=local(2027, 3, 1, 9))
    dps.decide(application, admitted=[veg], checks=CHECKS, at=local(2027, 3, 2, 9))
    assert dps.tick(city, local(2030, 12, 9, 23, 59)).terminated == []
    assert dps.tick(city, datetime(2030, 12, 9, 23, 0, tzinfo=UTC)).terminated == [
        "food-2027"]
    assert Membership.objects.get().status == MembershipStatus.ENDED


def test_an_operator_is_registered_once_per_number_by_the_person_who_acts_for_it(city):
    """DPS-10: registering is free; the person who registers acts for the operator, and the
    registration is in the audit trail with them. A number registered already, or a form
    without name or number, is refused and nothing is written."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import override

    from zerocity.core.models import AuditLog

    person = get_user_model().objects.create_user("novak")
    op = dps.register_operator(city, "  Kmetija Novak ", " SI-77 ", email="novak@example.org",
                               by=person)
    assert (op.name, op.registration, op.email) == ("Kmetija Novak", "SI-77",
                                                    "novak@example.org")
    assert list(op.people.all()) == [person]
    (record,) = AuditLog.objects.filter(action="food.operator_registered")
    assert (record.actor, record.city, record.object_id) == (person, city, str(op.pk))
    other = get_user_model().objects.create_user("kovac")
    with override("en"), pytest.raises(Conflict, match="registration number is registered"):
        dps.register_operator(city, "Another name", "SI-77", by=other)
    for name, number in (("", "SI-78"), ("Kmetija Kovač", "  ")):
        with override("en"), pytest.raises(Conflict, match="name and its registration number"):
            dps.register_operator(city, name, number, by=other)
    assert list(Operator.objects.filter(city=city)) == [op]
    assert list(op.people.all()) == [person]
    assert AuditLog.objects.filter(action="food.operator_registered").count() == 1
