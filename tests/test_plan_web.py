"""The action plan's pages: who may see and do what, the published figures on the public pages,
and the moderation flow through the web (a department proposes, the climate office publishes).
Kranj's figures come from its Climate City Contract (ghg-standards.md §7.6-7.7)."""

from __future__ import annotations

import pytest
from django.test import Client

from zerocity.core.models import Department, Role
from zerocity.core.services import create_city, ensure_department, grant_role

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "citizen", "energy", "transport", "office", "admin", "other_city")


@pytest.fixture
def users(kranj):  # type: ignore[no-untyped-def]
    dept = {d.slug: d for d in Department.objects.filter(city=kranj)}
    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    return {
        "anonymous": None,
        "citizen": grant_role(kranj, "w-citizen", Role.CITIZEN).user,
        "energy": grant_role(kranj, "w-energy", Role.STAFF, department=dept["energy"]).user,
        "transport": grant_role(kranj, "w-transport", Role.STAFF,
                                department=dept["transport"]).user,
        "office": grant_role(kranj, "w-office", Role.STAFF,
                             department=dept["climate-office"]).user,
        "admin": grant_role(kranj, "w-admin", Role.ADMIN).user,
        "other_city": grant_role(other, "w-other", Role.STAFF,
                                 department=ensure_department(other, "energy", "Energy")).user,
    }


def as_(users, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    return client


PUBLIC = dict.fromkeys(ROLES, 200)
STAFF = {"anonymous": 302, "citizen": 404, "energy": 200, "transport": 200, "office": 200,
         "admin": 200, "other_city": 404}

READ = {
    "/en/kranj/plan/": PUBLIC,
    "/sl/kranj/plan/": PUBLIC,
    "/en/kranj/plan/actions/1.1/": PUBLIC,
    "/en/kranj/plan/actions/9.9/": dict.fromkeys(ROLES, 404),
    "/en/kranj/plan/indicators/": PUBLIC,
    "/en/kranj/plan/investment/": PUBLIC,
    "/en/kranj/plan/explorer/": PUBLIC,
    "/en/kranj/plan/explorer.json": PUBLIC,
    "/en/ljubljana/plan/": dict.fromkeys(ROLES, 404),  # a city without a plan
    "/en/kranj/plan/manage/": STAFF,
    "/en/kranj/plan/manage/actions/": STAFF,
    "/en/kranj/plan/manage/actions/?view=board": STAFF,
    "/en/kranj/plan/manage/actions/1.1/": STAFF,
    "/en/kranj/plan/manage/proposals/": STAFF,
    "/en/kranj/plan/manage/indicators/": STAFF,
    "/en/kranj/plan/manage/overdue/": STAFF,
    "/en/kranj/plan/manage/budget/": STAFF,
    "/en/kranj/plan/manage/excel/": STAFF,
    "/en/kranj/plan/manage/excel/?download=1": STAFF,
}


def test_read_permission_matrix(users):
    actual = {url: {r: as_(users, r).get(url).status_code for r in ROLES} for url in READ}
    assert actual == READ


def test_the_public_plan_page_shows_kranjs_a21_table(users):
    page = as_(users, "anonymous").get("/en/kranj/plan/")
    html = page.content.decode()
    # published: 238,832 / 191,066 / 77,802 / 113,263 / 113,265 / 47,766; the gap and the
    # portfolio differ by 1 t through the source's rounding (ghg-standards.md §7.8)
    for cell, value in (("baseline", "238,832"), ("target", "191,066"),
                        ("existing", "77,802"), ("gap", "113,264"), ("portfolio", "113,264"),
                        ("residual", "47,766")):
        assert f'data-cell="{cell}">{value}<' in html, cell
    assert "Target: 80 % less greenhouse gas emissions by 2030 than in 2018." in html
    assert 'class="chart"' in html and "data-step=" in html  # the waterfall is drawn
    sl = as_(users, "anonymous").get("/sl/kranj/plan/").content.decode()
    assert 'data-cell="baseline">238.832<' in sl


def test_an_action_page_shows_status_impact_and_cost_per_tonne(users):
    html = as_(users, "anonymous").get("/en/kranj/plan/actions/1.1/").content.decode()
    assert 'data-figure="reduction">14,342<' in html
    assert 'data-figure="cost">21,827,000<' in html
    assert 'data-figure="cost-per-tonne">1,522<' in html  # C-3.1: EUR 1,522/t
    assert "Domplan d.d." in html and 'data-status="' in html


@pytest.mark.parametrize(("role", "status"), [("anonymous", 302), ("citizen", 404),
                                              ("transport", 403), ("other_city", 404)])
def test_only_the_actions_department_may_propose(users, role, status):
    from zerocity.plan.models import ActionProposal

    response = as_(users, role).post("/en/kranj/plan/manage/actions/1.1/",
                                     {"name": "Hijacked", "end_year": "2030"})
    assert response.status_code == status
    assert not ActionProposal.objects.exists()


def _form(action, **changes):  # type: ignore[no-untyped-def]
    from zerocity.plan.services import EDITABLE_FIELDS

    data = {name: getattr(action, name) for name in EDITABLE_FIELDS}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    return data | changes


def test_a_department_proposes_and_the_office_publishes(users, kranj):
    from zerocity.plan.models import Action, ActionProposal

    action = Action.objects.get(plan=kranj.plan, code="1.1")
    energy = as_(users, "energy")
    response = energy.post("/en/kranj/plan/manage/actions/1.1/",
                           _form(action, total_cost_eur="23000000", publish="1"))
    assert response.status_code == 302
    proposal = ActionProposal.objects.get()
    assert (proposal.state, proposal.changes) == ("proposed", {"total_cost_eur": "23000000.00"})
    # a department cannot publish, even by asking to: the public page still shows the old cost
    public = as_(users, "anonymous").get("/en/kranj/plan/actions/1.1/").content.decode()
    assert 'data-figure="cost">21,827,000<' in public
    assert energy.post(f"/en/kranj/plan/manage/proposals/{proposal.pk}/publish/"
                       ).status_code == 403

    office = as_(users, "office")
    listing = office.get("/en/kranj/plan/manage/proposals/").content.decode()
    assert f'data-proposal-id="{proposal.pk}"' in listing
    assert office.post(f"/en/kranj/plan/manage/proposals/{proposal.pk}/publish/"
                       ).status_code == 302
    public = as_(users, "anonymous").get("/en/kranj/plan/actions/1.1/").content.decode()
    assert 'data-figure="cost">23,000,000<' in public


def test_the_office_publishes_its_own_edit_at_once_and_a_rejection_needs_a_reason(users, kranj):
    from zerocity.plan.models import Action, ActionProposal

    action = Action.objects.get(plan=kranj.plan, code="MT-CARS")
    office = as_(users, "office")
    office.post("/en/kranj/plan/manage/actions/MT-CARS/",
                _form(action, responsible_person="Mobility coordinator", publish="1"))
    action.refresh_from_db()
    assert action.responsible_person == "Mobility coordinator"

    as_(users, "transport").post("/en/kranj/plan/manage/actions/MT-CARS/",
                                 _form(action, scale="Gorenjska"))
    proposal = ActionProposal.objects.get(state="proposed")
    office.post(f"/en/kranj/plan/manage/proposals/{proposal.pk}/reject/", {"reason": ""})
    proposal.refresh_from_db()
    assert proposal.state == "proposed"
    office.post(f"/en/kranj/plan/manage/proposals/{proposal.pk}/reject/",
                {"reason": "Regional scale belongs to the regional plan"})
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by) == ("rejected", "w-office")


def test_an_invalid_edit_is_shown_with_its_reason_and_nothing_is_proposed(users, kranj):
    from zerocity.plan.models import Action, ActionProposal

    action = Action.objects.get(plan=kranj.plan, code="1.1")
    response = as_(users, "energy").post("/en/kranj/plan/manage/actions/1.1/",
                                         _form(action, end_year="2020"))
    assert response.status_code == 400
    assert "start" in response.content.decode().lower()
    assert not ActionProposal.objects.exists()


def test_milestones_and_status_are_reported_by_the_department(users, kranj):
    from zerocity.plan.models import Action

    energy = as_(users, "energy")
    energy.post("/en/kranj/plan/manage/actions/1.3/milestone/",
                {"name": "PV on the sports hall", "due": "2026-01-31", "done": ""})
    energy.post("/en/kranj/plan/manage/actions/1.3/status/",
                {"status": "on_time", "reason": ""})  # no reason: refused
    action = Action.objects.get(plan=kranj.plan, code="1.3")
    assert action.milestones.filter(name="PV on the sports hall").exists()
    assert not action.overrides.exists()
    assert as_(users, "transport").post("/en/kranj/plan/manage/actions/1.3/milestone/", {
        "name": "x", "due": "2026-01-31"}).status_code == 403
    overdue = energy.get("/en/kranj/plan/manage/overdue/").content.decode()
    assert 'data-department="energy"' in overdue and "PV on the sports hall" in overdue


def test_indicator_data_entry(users, kranj):
    from zerocity.plan.models import Indicator

    oi = Indicator.objects.get(plan=kranj.plan, code="OI 1.2")
    staff = as_(users, "transport")
    assert staff.post(f"/en/kranj/plan/manage/indicators/{oi.pk}/",
                      {"year": "2025", "value": "21500", "source": "Borzen"}).status_code == 302
    assert oi.observations.get(year=2025).value == 21500
    staff.post(f"/en/kranj/plan/manage/indicators/{oi.pk}/", {"year": "x", "value": "1"})
    assert oi.observations.count() == 1
    public = as_(users, "anonymous").get("/en/kranj/plan/indicators/").content.decode()
    assert "21,500.0" in public
    assert as_(users, "citizen").post(f"/en/kranj/plan/manage/indicators/{oi.pk}/", {
        "year": "2026", "value": "1"}).status_code == 404


def test_the_action_list_filters_and_shows_a_board(users):
    staff = as_(users, "energy")
    table = staff.get("/en/kranj/plan/manage/actions/?department=transport").content.decode()
    assert 'data-action="MT-CARS"' in table and 'data-action="1.1"' not in table
    board = staff.get("/en/kranj/plan/manage/actions/?view=board").content.decode()
    assert 'data-column="not_started"' in board and 'data-column="late"' in board


def test_closing_a_period_is_for_admins_and_the_report_downloads(users, kranj):
    assert as_(users, "office").post("/en/kranj/plan/manage/periods/",
                                     {"period": "2026"}).status_code == 404
    admin = as_(users, "admin")
    assert admin.post("/en/kranj/plan/manage/periods/", {"period": "2026"}).status_code == 302
    report = admin.get("/en/kranj/plan/manage/periods/2026.json")
    assert report.status_code == 200
    assert report.json()["gap"]["total"]["baseline"] == pytest.approx(238_832, abs=1)
    assert as_(users, "citizen").get("/en/kranj/plan/manage/periods/2026.json"
                                     ).status_code == 404


def test_an_edit_is_proposed_or_published_in_one_step_and_nothing_is_none(users, kranj):
    from zerocity.core.models import AuditLog
    from zerocity.plan import selectors, services
    from zerocity.plan.models import ActionProposal

    plan = selectors.plan_for_city("kranj")
    action = selectors.plan_action(plan, "1.1")
    # nothing changed: no proposal
    assert services.submit_change(action, {"name": action.name}, by=users["energy"]) is None
    # a department's change is proposed; the office's is published with it, in one step
    proposed = services.submit_change(action, {"responsible_person": "Energy agency"},
                                      note="new contact", by=users["energy"])
    assert (proposed.state, proposed.changes) == ("proposed", {
        "responsible_person": "Energy agency"})
    published = services.submit_change(action, {"scale": "Kranj"}, publish=True,
                                       by=users["office"])
    assert (published.state, published.decided_by) == ("published", "w-office")
    assert selectors.plan_action(plan, "1.1").scale == "Kranj"
    assert list(AuditLog.objects.filter(action__in=("plan.propose", "plan.publish"))
                .order_by("id").values_list("action", flat=True)) == [
        "plan.propose", "plan.propose", "plan.publish"]
    assert selectors.pending_proposals(plan) == 1 == ActionProposal.objects.filter(
        state="proposed").count()
    page = selectors.proposals_page(plan)
    assert (page["open"], page["decided"]) == ([proposed], [published])


def test_the_plans_lookups_are_not_found_outside_the_plan(users, kranj):
    from zerocity.core.errors import NotFound
    from zerocity.plan import selectors
    from zerocity.plan.models import Indicator

    plan = selectors.plan_for_city("kranj")
    with pytest.raises(NotFound):
        selectors.plan_action(plan, "9.9")
    with pytest.raises(NotFound):
        selectors.plan_proposal(plan, 1)
    with pytest.raises(NotFound):
        selectors.plan_snapshot(plan, "2026")
    indicator = Indicator.objects.filter(plan=plan).first()
    assert selectors.plan_indicator(plan, indicator.pk) == indicator
    with pytest.raises(NotFound):
        selectors.plan_indicator(plan, indicator.pk + 10_000)
    entry = selectors.indicator_entry_page(plan)
    assert entry["ids"][indicator.code] == indicator.pk
    assert len(entry["ids"]) == len(entry["indicators"])


def test_a_refused_decision_comes_back_to_the_proposals_with_the_reason(users, kranj):
    from zerocity.plan import selectors, services

    plan = selectors.plan_for_city("kranj")
    proposal = services.submit_change(selectors.plan_action(plan, "1.1"),
                                      {"scale": "Gorenjska"}, by=users["energy"])
    office = as_(users, "office")
    listing = "/en/kranj/plan/manage/proposals/"
    assert f'name="next" value="{listing}"' in office.get(listing).content.decode()
    services.reject_proposal(proposal, reason="regional", by=users["office"])
    response = office.post(f"{listing}{proposal.pk}/publish/", {"next": listing})
    assert (response.status_code, response["Location"]) == (302, listing)
    assert "This proposal has already been rejected." in office.get(listing).content.decode()


MANAGE_PAGES = ("", "actions/", "actions/?view=board", "actions/1.1/", "proposals/",
                "indicators/", "overdue/", "budget/", "excel/")


def test_the_plan_management_pages_read_as_words_for_every_staff_role(users, kranj):
    from datetime import date

    from page_words import raw_codes
    from zerocity.plan import services
    from zerocity.plan.models import Action

    # given a cost change proposed by the energy department and one of its milestones overdue
    action = Action.objects.get(plan=kranj.plan, code="1.1")
    as_(users, "energy").post("/en/kranj/plan/manage/actions/1.1/",
                              _form(action, total_cost_eur="23000000"))
    services.set_milestone(action, "Tender for the first roofs", date(2020, 3, 31))
    for role in ("energy", "transport", "office", "admin"):
        client = as_(users, role)
        for lang in ("en", "sl"):
            for page in MANAGE_PAGES:
                # when each staff role opens each page in each language
                response = client.get(f"/{lang}/kranj/plan/manage/{page}")
                assert response.status_code == 200, (role, lang, page)
                # then no field name, dict or lowercase "eur" label is in what they read
                assert raw_codes(response.content.decode()) == [], (role, lang, page)
    office = as_(users, "office")
    # the editor and the proposal name the field as a person does
    edit = office.get("/en/kranj/plan/manage/actions/1.1/").content.decode()
    assert '>Total cost (EUR)</label>' in edit and ">Total cost eur<" not in edit
    proposals = office.get("/en/kranj/plan/manage/proposals/").content.decode()
    assert '<th scope="row" class="text">Total cost (EUR)</th>' in proposals
    # the overdue list is headed by the department's name, not its slug
    overdue = office.get("/en/kranj/plan/manage/overdue/").content.decode()
    name = action.department.name
    assert f'data-department="energy"><h2>{name}</h2>' in overdue and name != "energy"
