"""A department proposes changes to its actions; the climate office publishes or rejects them.
Nothing a department proposes reaches the public page before it is published."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zerocity.core.errors import Conflict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def people(kranj):
    from zerocity.core.models import Department, Role
    from zerocity.core.services import grant_role

    dept = {d.slug: d for d in Department.objects.filter(city=kranj)}
    return {
        "energy": grant_role(kranj, "e-staff", Role.STAFF, department=dept["energy"]).user,
        "transport": grant_role(kranj, "t-staff", Role.STAFF,
                                department=dept["transport"]).user,
        "office": grant_role(kranj, "o-staff", Role.STAFF,
                             department=dept["climate-office"]).user,
        "admin": grant_role(kranj, "m-admin", Role.ADMIN).user,
    }


def test_the_demo_names_the_climate_office_and_the_departments(kranj):
    plan = kranj.plan
    assert plan.office.slug == "climate-office"
    assert plan.actions.get(code="1.1").department.slug == "energy"
    assert plan.commitments.get(organisation="Domplan d.d.").actions.count() == 2


def test_only_the_office_and_admins_publish(kranj, people):
    from zerocity.plan.access import can_edit_action, is_climate_office

    plan = kranj.plan
    action = plan.actions.get(code="1.1")
    assert [is_climate_office(people[k], plan) for k in ("energy", "office", "admin")] == [
        False, True, True]
    assert can_edit_action(people["energy"], action)
    assert not can_edit_action(people["transport"], action)
    assert can_edit_action(people["office"], action)


def test_a_proposal_changes_nothing_until_published(kranj, people):
    from zerocity.core.models import AuditLog
    from zerocity.plan import services
    from zerocity.plan.models import Action

    action = kranj.plan.actions.get(code="1.1")
    proposal = services.propose_change(
        action, {"total_cost_eur": "22500000", "end_year": 2031, "name": action.name},
        note="Tender came in higher", by=people["energy"])
    assert proposal.changes == {"total_cost_eur": "22500000.00", "end_year": 2031}
    assert proposal.previous == {"total_cost_eur": "21827000.00", "end_year": 2030}
    assert Action.objects.get(pk=action.pk).total_cost_eur == Decimal("21827000")

    services.publish_proposal(proposal, by=people["office"])
    action.refresh_from_db()
    assert (action.total_cost_eur, action.end_year) == (Decimal("22500000"), 2031)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by) == ("published", "o-staff")
    assert AuditLog.objects.filter(action="plan.publish", object_id=str(action.pk)).exists()
    with pytest.raises(Conflict, match="already been published"):
        services.publish_proposal(proposal)


def test_unchanged_or_invalid_proposals(kranj, people):
    from zerocity.plan import services

    action = kranj.plan.actions.get(code="1.1")
    assert services.propose_change(action, {"name": action.name}) is None
    with pytest.raises(Conflict, match="end_year|start"):
        services.propose_change(action, {"end_year": 2020})  # before its start, 2023
    with pytest.raises(Conflict, match="cannot be changed by a proposal"):
        services.propose_change(action, {"department": 1})
    with pytest.raises(Conflict, match=r"Check Total cost \(EUR\)"):
        services.propose_change(action, {"total_cost_eur": "a lot"})


def test_a_stale_proposal_is_refused_and_rejection_needs_a_reason(kranj, people):
    from zerocity.plan import services

    action = kranj.plan.actions.get(code="1.3")
    first = services.propose_change(action, {"scale": "City-wide"}, by=people["energy"])
    second = services.propose_change(action, {"scale": "Gorenjska region"},
                                     by=people["energy"])
    services.publish_proposal(second, by=people["office"])
    with pytest.raises(Conflict, match="changed since this proposal"):
        services.publish_proposal(first, by=people["office"])
    with pytest.raises(Conflict, match="Give a reason for the rejection"):
        services.reject_proposal(first, reason="  ")
    rejected = services.reject_proposal(first, reason="Superseded by the regional plan",
                                        by=people["office"])
    assert rejected.state == "rejected"
    action.refresh_from_db()
    assert action.scale == "Gorenjska region"
