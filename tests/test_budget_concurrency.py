"""Two climate officers approving two proposals for the same budget line at once, on
PostgreSQL (check 17: the history must say what each change replaced).

The first test proves the race is real: without the line's lock both approvals read the line
untagged and both are applied, the second overwriting the first with a history that says it
replaced nothing. With the lock the second approval sees the first's tags and is refused."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import translation

from test_card_concurrency import in_threads
from zerocity.budget import services
from zerocity.budget.models import BudgetLine, BudgetVersion, ChangeState, TagChange
from zerocity.core.errors import Conflict

pytestmark = [pytest.mark.postgres_only,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
FILE = (b"pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,"
        b"amount_eur,funding_source\n4000,Uprava,13,1302,13029003,130206,Avtobusi,4201,0451,"
        b",,2000000,own\n")


@pytest.fixture(autouse=True)
def only_on_postgres():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proved on PostgreSQL; the PostgreSQL pass of `make test` "
                    "runs this")


@pytest.fixture
def two_proposals(city):  # type: ignore[no-untyped-def]
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    roads = ensure_department(city, "roads", "Roads")
    office = ensure_department(city, "climate-office", "Climate office")
    services.set_budget_office(city, "climate-office", actor="test")
    staff = grant_role(city, "roads-staff", Role.STAFF, department=roads).user
    officers = [grant_role(city, f"officer-{i}", Role.STAFF, department=office).user
                for i in range(2)]
    services.import_budget(city, 2025, "adopted", FILE, filename="b.csv", actor="test")
    line = BudgetLine.objects.get()
    proposals = [services.propose_tags(line, mitigation={tag: 100}, reason=tag, by=staff)
                 for tag in ("very_favourable", "neutral")]
    return proposals, officers


def test_without_the_lock_both_approvals_apply(two_proposals, monkeypatch):
    proposals, officers = two_proposals
    both_read = threading.Barrier(2)

    def no_lock(version_id, line_id):  # type: ignore[no-untyped-def]
        version = BudgetVersion.objects.get(pk=version_id)
        line = BudgetLine.objects.filter(pk=line_id).first()
        both_read.wait(timeout=10)  # both have read the untagged line: the window
        return version, line

    monkeypatch.setattr(services, "_lock", no_lock)
    results = in_threads(2, lambda i: services.approve_tags(proposals[i], by=officers[i]))
    assert all(isinstance(r, BudgetLine) for r in results), results
    approved = TagChange.objects.filter(state=ChangeState.APPROVED, proposed_by="roads-staff")
    assert [c.old["mitigation"] for c in approved] == [{}, {}]  # a history that lies


def test_with_the_lock_the_second_approval_is_refused(two_proposals):
    proposals, officers = two_proposals
    def approve(i: int) -> object:
        with translation.override("en"):
            return services.approve_tags(proposals[i], by=officers[i])

    results = in_threads(2, approve)
    assert sorted(type(r).__name__ for r in results) == ["BudgetLine", "Conflict"]
    refused = next(r for r in results if isinstance(r, Conflict))
    assert "changed since" in str(refused)
    assert TagChange.objects.filter(state=ChangeState.APPROVED).count() == 1
