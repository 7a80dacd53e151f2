"""Garbage typed (or forged) into a form never breaks a page: every POST route of the site,
found in the URL configuration, is sent as a role that may use it, with NaN, infinity,
1E+999999, words, empty values, very long digits, negative numbers, numbers beyond 64 bits,
digits that are not ASCII, a field sent twice and a lone UTF-16 surrogate in each number and
id field (and in the text fields, where a body is typed). Each answer is a page again or a
refusal (below 500), and a value that can never be right changes nothing: no audit record,
no ledger entry.

A new POST route must be added to ROUTES (the test says which one is missing), so that it is
sent garbage too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils.timezone import now

from zerocity.card.models import CardAccount, Challenge, LedgerEntry, LedgerTransaction, Medium
from zerocity.core.models import AuditLog
from zerocity.engage.models import Budget, Comment, Pledge, Process, Proposal, Survey
from zerocity.food.models import (
    Application,
    CatalogueItem,
    Contract,
    Institution,
    Operator,
    SpecificProcurement,
    Tender,
)
from zerocity.food.services import tendering
from zerocity.plan.models import Action, Indicator
from zerocity.plan.services import propose_change

pytestmark = pytest.mark.django_db

SURROGATE = "\ud800".encode("utf-8", "surrogatepass")  # a lone surrogate, as a forged body
# Values that are never a valid number or id: after any of them nothing may change.
NEVER_VALID: list[Any] = [
    "NaN", "nan", "Infinity", "-inf", "1E+999999", "abc", "9" * 5000, "²", ["1", "abc"],
    SURROGATE,
]
# Values a field may accept or refuse; either way the answer is not a server error.
# (Beyond 64 bits is a fine measurement, never an id; "١٢" is twelve in Arabic-Indic digits.)
MAYBE_VALID: list[Any] = ["", "-1", "-99999", "0", "1e308", "0.0000001",
                          "99999999999999999999", "١٢"]
TEXT_GARBAGE: list[Any] = [SURROGATE, "\\ud800", "x" * 100_000, '{"a": "\\ud800"}', "a\x00b"]

# The health probe reads no form (and Django's and the API's views are not the site's pages).
NOT_OURS = {"healthz", "livez"}


@dataclass
class Route:
    role: str
    kwargs: Callable[[dict[str, Any]], dict[str, Any]]
    fields: Callable[[dict[str, Any]], dict[str, Any]] = lambda o: {}
    numbers: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def _k(**names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """URL arguments taken from the scene by name (``city`` is always Kranj)."""
    return lambda o: {"city": "kranj", **{k: o[v] for k, v in names.items()}}


ROUTES: dict[str, Route] = {
    # the language switch (no CSRF token: web.page_cache)
    "set_language": Route("anonymous", lambda o: {}, lambda o: {
        "language": "sl", "next": "/sl/kranj/"}, texts=["language", "next"]),
    # accounts
    "password_reset": Route("anonymous", lambda o: {}, lambda o: {
        "email": "nobody@example.org"}, texts=["email"]),
    "password_reset_confirm": Route("anonymous", lambda o: {"uidb64": "MQ", "token": "x-y"},
                                    lambda o: {"new_password1": "a", "new_password2": "a"},
                                    texts=["new_password1"]),
    "account_verify": Route("staff", lambda o: {}, lambda o: {"code": "123456"},
                            numbers=["code"], texts=["next"]),
    "account_second_factor": Route("staff", lambda o: {}, lambda o: {
        "action": "confirm", "code": "123456"}, numbers=["code"], texts=["action"]),
    # the citizen platform
    "unsubscribe": Route("anonymous", lambda o: {"token": o["unsubscribe"]},
                         lambda o: {"List-Unsubscribe": "One-Click"}, texts=["List-Unsubscribe"]),
    "unsubscribe_one_click": Route("anonymous", lambda o: {"token": o["unsubscribe"]},
                                   lambda o: {"List-Unsubscribe": "One-Click"},
                                   texts=["List-Unsubscribe"]),
    "engage_manage_article": Route("staff", _k(), lambda o: {
        "title": "T", "body": "B", "publish_at": ""}, numbers=["publish_at"],
        texts=["body", "title"]),
    "engage_manage_event": Route("staff", _k(), lambda o: {
        "title": "T", "place": "P", "starts_at": "2030-01-01T10:00"}, numbers=["starts_at"]),
    "engage_manage_answer": Route("staff", _k(pk="proposal"), lambda o: {
        "state": "evaluating", "answer": "A"}, numbers=["action"], texts=["answer"]),
    "engage_manage_moderate": Route("staff", _k(pk="comment"), lambda o: {
        "decision": "keep"}, texts=["reason"]),
    "engage_manage_paper_ballot": Route("staff", _k(pk="budget"), lambda o: {
        "number": "P-1", "projects": [o["project"]]}, numbers=["projects"], texts=["number"]),
    "engage_proposal_support": Route("citizen", _k(pk="proposal")),
    "engage_comment": Route("citizen", _k(pk="proposal"), lambda o: {
        "body": "A comment.", "alignment": "0"}, numbers=["parent", "alignment"],
        texts=["body"]),
    "engage_comment_report": Route("citizen", _k(pk="comment"), lambda o: {
        "reason": "spam"}, numbers=["reason"], texts=["details"]),
    "engage_survey_answer": Route("citizen", _k(pk="survey"), lambda o: {},
                                  numbers=["q1", "q3", "q4_0", "q4_1", "q5_0"],
                                  texts=["q6"]),
    "engage_budget_vote": Route("citizen", _k(pk="budget"), lambda o: {
        "projects": [o["project"]]}, numbers=["projects"]),
    "engage_follow": Route("citizen", _k(), lambda o: {"target": f"process:{o['process']}"},
                           numbers=["target"]),
    "engage_proposal_new": Route("citizen", _k(slug="process_slug"), lambda o: {
        "title": "A new idea", "body": "B"}, numbers=["district"], texts=["title", "body"]),
    "engage_pledge_take": Route("citizen", _k(pk="pledge")),
    "engage_signup": Route("anonymous", _k(), lambda o: {
        "username": "someone", "email": "a@example.org", "password": "x"},
        texts=["username", "email"]),
    "engage_read": Route("citizen", _k()),
    "engage_send_confirmation": Route("citizen", _k()),
    "engage_resident": Route("citizen", _k(), lambda o: {"resident_number": "KR-1020"},
                             numbers=["birth_date", "resident_number"]),
    "engage_mail": Route("citizen", _k(), numbers=["immediate", "digest"]),
    "engage_delete": Route("citizen", _k(), numbers=["confirm"]),
    # the inventory
    "inventory_import": Route("staff", _k(), numbers=["year", "mode", "gwp"]),
    "inventory_publish": Route("admin", lambda o: {"city": "kranj", "year": 2024}),
    # the action plan
    "plan_action_edit": Route("staff", _k(code="action"), lambda o: {"name": "N"},
                              numbers=["total_cost_eur", "energy_generated_mwh"]),
    "plan_action_milestone": Route("staff", _k(code="action"), lambda o: {
        "name": "M", "due": "2030-01-01"}, numbers=["due", "done"]),
    "plan_action_status": Route("staff", _k(code="action"), lambda o: {"reason": "R"},
                                numbers=["status"]),
    "plan_proposal_publish": Route("staff", _k(pk="action_proposal")),
    "plan_proposal_reject": Route("staff", _k(pk="action_proposal"), texts=["reason"]),
    "plan_indicator_observe": Route("staff", _k(pk="indicator"), lambda o: {
        "year": "2024", "value": "1"}, numbers=["year", "value"]),
    "plan_excel": Route("staff", _k()),
    "plan_close_period": Route("admin", _k(), numbers=["period"]),
    # the city card: the holder
    "card_top_up": Route("citizen", _k(pk="account"), lambda o: {
        "amount": "10", "key": "a" * 32}, numbers=["amount"], texts=["key"]),
    "card_block": Route("citizen", _k(pk="medium"), numbers=["reason"]),
    "card_buy_pass": Route("citizen", _k(pk="account"), lambda o: {
        "product": "none", "key": "b" * 32}, texts=["key", "product"]),
    "card_walk": Route("citizen", _k(pk="account"), lambda o: {
        "day": "2024-01-01", "km": "2"}, numbers=["km", "day"]),
    "card_join_challenge": Route("citizen", _k(pk="account", challenge="challenge")),
    "card_close": Route("citizen", _k(pk="account"), numbers=["confirm"]),
    # the city card: the desk
    "card_desk_open": Route("staff", _k(), numbers=["guardian", "username"]),
    "card_desk_issue": Route("staff", _k(pk="account"), lambda o: {"token": "NEW-1"},
                             texts=["kind", "token"]),
    "card_desk_refund": Route("staff", _k(pk="account"), lambda o: {
        "amount": "1", "receipt": "R1", "reason": "R"}, numbers=["amount"]),
    "card_desk_concession": Route("staff", _k(pk="account"), lambda o: {
        "category": "student", "valid_from": "2024-01-01", "expires": "2024-12-31"},
        numbers=["valid_from", "expires", "category"]),
    "card_desk_sell_pass": Route("staff", _k(pk="account"), numbers=["product"]),
    "card_desk_close": Route("staff", _k(pk="account"), numbers=["confirm"]),
    "card_desk_personalise": Route("staff", _k(pk="account"), numbers=["username"]),
    "card_desk_move_balance": Route("staff", _k(pk="account"), lambda o: {"reason": "R"},
                                    numbers=["target"]),
    "card_desk_replace": Route("staff", _k(pk="medium"), texts=["token"]),
    "card_desk_block": Route("staff", _k(pk="medium"), texts=["reason"]),
    "card_desk_reverse": Route("staff", _k(pk="transaction"), texts=["reason"]),
    "card_ridership_publish": Route("admin", _k(), numbers=["month"]),
    "card_challenges_manage": Route("admin", _k(), lambda o: {
        "code": "c1", "title": "T", "measure": "walk_km", "starts": "2030-01-01",
        "ends": "2030-02-01", "target": "10", "bonus": "5"},
        numbers=["target", "bonus", "starts", "ends"]),
    "card_fares": Route("admin", _k(), numbers=["rules"], texts=["rules"]),
    # local food: suppliers and institutions
    "food_supplier_register": Route("supplier", _k(), lambda o: {
        "name": "Farm", "registration": "123"}, texts=["name", "registration"]),
    "food_supplier_apply": Route("supplier", _k(pk="operator"), lambda o: {
        "dps": o["dps"], "categories": [o["category"]]}, numbers=["dps", "categories"]),
    "food_supplier_catalogue": Route("supplier", _k(pk="operator"), lambda o: {
        "product": "Apples", "food_group": "fruit", "unit": "kg", "price": "1,20",
        "production_country": "SI", "delivery_days": ["1"]},
        numbers=["price", "delivery_days", "intermediaries"], texts=["product"]),
    "food_supplier_catalogue_retire": Route("supplier", _k(pk="operator", item="item")),
    "food_supplier_tender": Route("supplier", _k(pk="operator", sp="sp"), lambda o: {
        f"c_{c}": "1" for c in o["criteria"]}, numbers=[f"c_{c}" for c in ("price",)]),
    "food_supplier_ask": Route("supplier", _k(pk="operator", sp="sp"), texts=["question"]),
    "food_institution_delivery": Route("buyer", _k(), lambda o: {
        "contract": o["contract"], "rows": "1", "delivered_on": "2024-01-10",
        "vehicle": "van_diesel", "distance_km": "10", "product_0": "Apples",
        "group_0": "fruit", "kg_0": "10", "value_0": "12"},
        numbers=["contract", "rows", "kg_0", "value_0", "intermediaries_0", "distance_km",
                 "delivered_on"]),
    # local food: the back office
    "food_manage_tick": Route("staff", _k()),
    "food_manage_decide": Route("staff", _k(pk="application"), lambda o: {
        "admitted": [o["category"]]}, numbers=["admitted"], texts=["reasons"]),
    "food_manage_procurement_new": Route("staff", _k(), lambda o: {
        "dps": o["dps"], "category": o["category"], "reference": "R-1", "title": "T",
        "estimated_value": "1000", "lots": "all", "item_product_0": "Apples",
        "item_quantity_0": "10", "item_unit_0": "kg"},
        numbers=["dps", "category", "estimated_value", "item_quantity_0"]),
    "food_manage_invite": Route("staff", _k(pk="draft_sp"), lambda o: {
        "deadline": "2099-01-01T10:00"}, numbers=["second_opener", "deadline"]),
    "food_manage_open": Route("staff", _k(pk="closed_sp"), texts=["passphrase"]),
    "food_manage_low_price": Route("staff", _k(pk="sp", tender="tender"), texts=["reason"]),
    "food_manage_award": Route("staff", _k(pk="sp")),
    "food_manage_contracts": Route("staff", _k(pk="sp"), lambda o: {},
                                   numbers=["value_{institution}"]),
    "food_manage_notice": Route("staff", _k(pk="sp")),
    "food_manage_answer": Route("staff", _k(pk="sp", question="question"), lambda o: {
        "answer": "A"}, numbers=["extend_to"], texts=["answer"]),
    # the city budget: tag proposals (refused as a message to who is not the climate office)
    "budget_tag_approve": Route("staff", _k(pk="tag_change")),
    "budget_tag_reject": Route("staff", _k(pk="tag_change"), texts=["reason"]),
    # climate checks of new projects and council items
    "budget_check_register": Route("staff", _k(), lambda o: {
        "kind": "council_item", "reference": "FUZZ-2", "title": "Fuzz", "year": "2031"},
        numbers=["year", "estimated_cost"], texts=["reference", "title", "nrp_code"]),
    "budget_check_threshold": Route("staff", _k(), lambda o: {"threshold_t": "150"},
                                    numbers=["threshold_t"]),
    "budget_check_record": Route("staff", _k(pk="check"), lambda o: {"estimate_t": "5"},
                                 numbers=["estimate_t"], texts=["justification", "effect_type"]),
    "budget_check_opinion": Route("staff", _k(pk="check"), lambda o: {"opinion": "Fine."},
                                  texts=["opinion"]),
    "budget_check_publish": Route("staff", _k(pk="check")),
    # a budget's import (the climate office or an administrator) and a department's tagging
    "budget_import": Route("admin", _k(), lambda o: {"year": "2031", "stage": "adopted"},
                           numbers=["year"]),
    "budget_line_confirm": Route("staff", _k(pk="budget_line")),
    "budget_line_propose": Route("staff", _k(pk="budget_line"), lambda o: {
        "mitigation": "favourable", "reason": "r"}, numbers=[
        "mitigation_pct", "mitigation2_pct", "adaptation_pct", "adaptation2_pct"],
        texts=["reason"]),
    # the plan's reporting round: closing is refused (a message) while a unit has not reported
    "plan_round_close": Route("admin", _k()),
    "plan_round_report": Route("admin", _k(), lambda o: {"unit": o["round_unit"]},
                               texts=["unit", "note"]),
    # the Green Transition Group: a meeting's records (refused as a message when the procedure
    # does not allow them), kept by the body's secretary (the demo's staff member)
    "governance_meeting_add": Route("staff", _k(body="body"), lambda o: {
        "date": "2026-03-02", "place": "Hall"}, texts=["date", "place"]),
    "governance_item_add": Route("staff", _k(body="body", pk="meeting"), lambda o: {
        "title": "T"}, texts=["title", "paper_url", "paper_title"]),
    "governance_attendance": Route("staff", _k(body="body", pk="meeting"), lambda o: {
        "present": o["seat"]}, numbers=["present"]),
    "governance_declare": Route("staff", _k(body="body", pk="meeting"), lambda o: {
        "item": o["agenda_item"], "member": o["seat"], "interest": "I"},
        numbers=["item", "member"], texts=["interest"]),
    "governance_vote": Route("staff", _k(body="body", pk="meeting"), lambda o: {
        "item": o["agenda_item"], "for": "1", "against": "0", "abstain": "0"},
        numbers=["item", "for", "against", "abstain"]),
    "governance_decision_add": Route("staff", _k(body="body", pk="meeting"), lambda o: {
        "text": "D", "owner": f"m:{o['seat']}", "deadline": "2099-01-01"},
        numbers=["item", "deadline"],
        texts=["text", "owner", "action", "field", "value", "organisation", "commitment"]),
    "governance_minutes_approve": Route("staff", _k(body="body", pk="meeting")),
    "governance_decision_done": Route("staff", _k(body="body", pk="decision"), lambda o: {
        "on": "2026-03-02"}, texts=["on"]),
    # the contract's staff page: signatures, new wordings, funding and decisions
    "contract_sign": Route("staff", _k(pk="commitment"), lambda o: {
        "organisation": "O", "representative": "R", "role": "Director",
        "signed_on": "2026-03-02"}, numbers=["signed_on"],
        texts=["organisation", "representative", "role"]),
    "contract_revise": Route("staff", _k(pk="commitment"), lambda o: {"text": "T"},
                             texts=["text", "note"]),
    "contract_funding_add": Route("staff", _k(), lambda o: {
        "action": o["action"], "year": "2031", "kind": "eu", "status": "planned",
        "name": "Fuzz", "amount": "100"}, numbers=["year", "amount"],
        texts=["action", "name", "decision_reference"]),
    "contract_decision_add": Route("staff", _k(), lambda o: {
        "nrp_code": "OB-1", "kind": "eu", "status": "applied"},
        texts=["nrp_code", "decision_reference"]),
    # the data platform
    "data_feed_inventory": Route("staff", _k(), numbers=["year"]),
    "data_feed_indicators": Route("staff", _k()),
    "data_token_issue": Route("admin", _k(key="source"), texts=["name"]),
    "data_token_revoke": Route("admin", _k(key="source", pk="token")),
    "data_upload": Route("staff", _k(), numbers=["source"]),
    # the timetable (a form without its file is refused and imports nothing)
    "mobility_feeds": Route("staff", _k(), lambda o: {"name": "Kranj"},
                            texts=["name", "licence", "attribution"]),
    # timetable scenarios (the attachment's options are numbers a comparison takes seconds
    # for, each: the action alone is sent garbage)
    "mobility_scenarios": Route("staff", _k(), lambda o: {
        "name": "S", "base": o["feed"], "edits": "[]"}, numbers=["base"],
        texts=["name", "edits", "description"]),
    "mobility_scenario_attach": Route("staff", _k(pk="scenario"), lambda o: {
        "action": o["action"]}, texts=["action"]),
    "mobility_optimise_save": Route("staff", _k(), lambda o: {
        "date": "2026-12-08", "name": "S", "fleet": "25", "loads": "route_id,period,peak_load"},
        numbers=["fleet"], texts=["name", "periods"]),
}


def _walk(resolver: URLResolver, prefix: str = ""):  # type: ignore[no-untyped-def]
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            part = "" if isinstance(entry.pattern, LocalePrefixPattern) else str(entry.pattern)
            yield from _walk(entry, prefix + part)
        elif isinstance(entry, URLPattern) and not (prefix + str(entry.pattern)).startswith(
                ("api/", "ngsi-ld/")):  # the API has its own schema test
            yield prefix + str(entry.pattern), entry


def _methods(callback: Any) -> list[str] | None:
    """The methods a view's ``require_http_methods`` allows, read through its decorators;
    None where it allows any."""
    func = callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return list(cell.cell_contents)
        func = getattr(func, "__wrapped__", None)
    return None


def post_routes() -> list[str]:
    """Every route of the site that takes a POST, by name."""
    return sorted(entry.name for _path, entry in _walk(get_resolver())
                  if entry.name and entry.name not in NOT_OURS
                  and entry.callback.__module__.startswith("zerocity.web.")
                  and "POST" in (_methods(entry.callback) or ["POST"]))


def test_every_post_route_of_the_site_is_sent_garbage():
    found = set(post_routes())
    assert found - set(ROUTES) == set(), "add the new POST routes to ROUTES"
    assert set(ROUTES) - found == set(), "ROUTES names routes that no longer take a POST"
    assert {"engage_comment", "card_top_up", "food_supplier_apply"} <= found


@pytest.fixture
def scene(kranj):  # type: ignore[no-untyped-def]
    """The Kranj demo with one of each thing a form can name, and the demo's people."""
    users = get_user_model().objects
    people = {"staff": users.get(username="ana.staff"),
              "admin": users.get(username="marko.admin"),
              "citizen": users.get(username="citizen"),
              "supplier": users.get(username="farm.supplier"),
              "buyer": users.get(username="school.buyer"), "anonymous": None}
    from zerocity.engage.services import notify

    operator = Operator.objects.filter(people=people["supplier"]).first()
    assert operator is not None
    sp = (SpecificProcurement.objects.filter(status="tendering", invitees=operator)
          .order_by("pk").first())
    assert sp is not None
    question = tendering.ask(sp, operator, "When?", at=now(), by=people["supplier"])
    institution = Institution.objects.filter(buyers=people["buyer"]).first()
    assert institution is not None
    contract = Contract.objects.create(procurement=sp, institution=institution,
                                       operator=operator, value="1000",
                                       signed_at=now() - timedelta(days=30))
    action = Action.objects.filter(plan__city=kranj).order_by("code").first()
    assert action is not None
    change = propose_change(action, {"name": action.name + " (new)"}, by=people["staff"])
    application = Application.objects.filter(dps__city=kranj).first()
    assert application is not None
    from zerocity.data.models import DataSource
    from zerocity.data.services import issue_token

    source = DataSource.objects.filter(city=kranj).first()
    assert source is not None
    token, _secret = issue_token(source, "fuzz", by=people["admin"])
    from zerocity.mobility.models import FeedVersion
    from zerocity.mobility.scenarios.services import create_scenario

    feed = FeedVersion.objects.filter(city=kranj).order_by("pk").first()
    assert feed is not None
    scenario = create_scenario(kranj, name="Fuzz", edits=[], base=feed).value.scenario
    from zerocity.budget.services import import_budget, propose_tags

    city_budget = import_budget(kranj, 2031, "adopted", (
        b"pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,amount_eur,"
        b"funding_source,mitig_tag,adapt_tag\n"
        b"4000,Uprava,13,1302,13029003,130206,Avtobusi,4201,0451,,,1000.00,own,neutral,neutral\n"
        ), filename="fuzz.csv",
        actor="fuzz").version
    tag_change = propose_tags(city_budget.lines.get(), mitigation={"favourable": "100"},
                              reason="fuzz", actor="fuzz")
    from zerocity.budget.checks import record_check, register_proposal
    from zerocity.budget.services import set_budget_office

    set_budget_office(kranj, "climate-office", actor="fuzz")  # ana.staff's department
    check = record_check(register_proposal(kranj, kind="council_item", reference="FUZZ-1",
                                           title="Fuzz", year=2031, actor="fuzz").proposal,
                         "250", actor="fuzz")
    from zerocity.plan.round_demo import load as load_round
    from zerocity.plan.rounds import get_round, missing_units

    load_round(kranj, actor="fuzz")  # a round open, one unit reported: closing is refused
    round_unit = missing_units(get_round(kranj.plan))[0].slug
    from zerocity.governance import services as governance

    body = governance.add_body(kranj, "fuzz-council", "Fuzz council", "council", actor="fuzz")
    governance.add_member(body, "Sec", "city", role="secretary", votes=False,
                          user=people["staff"], start=now().date() - timedelta(days=30),
                          actor="fuzz")
    seat = governance.add_member(body, "Member", "utility", organisation="Grid",
                                 start=now().date() - timedelta(days=30), actor="fuzz")
    meeting = governance.add_meeting(body, now().date(), actor="fuzz")
    agenda_item = governance.add_item(meeting, "Grid", actor="fuzz")
    decision = governance.add_decision(meeting, "Fuzz", deadline=now().date(),
                                       owner_member=seat, actor="fuzz")
    from zerocity.plan.models import Commitment

    commitment = Commitment.objects.filter(plan__city=kranj).order_by("pk").first()
    assert commitment is not None
    scene = {
        "budget_line": city_budget.lines.get().pk, "round_unit": round_unit,
        "feed": feed.pk, "scenario": scenario.pk,
        "proposal": Proposal.objects.filter(process__city=kranj).first().pk,
        "comment": Comment.objects.filter(proposal__process__city=kranj).first().pk,
        "budget": (budget := Budget.objects.filter(process__city=kranj).first()).pk,
        "project": budget.projects.first().pk,
        "survey": Survey.objects.filter(process__city=kranj).first().pk,
        "pledge": Pledge.objects.filter(city=kranj).first().pk,
        "process": (process := Process.objects.filter(city=kranj).first()).pk,
        "process_slug": process.slug,
        "unsubscribe": notify.unsubscribe_token(people["citizen"]),
        "account": (account := CardAccount.objects.get(holder=people["citizen"])).pk,
        "medium": Medium.objects.filter(account=account).first().pk,
        "challenge": Challenge.objects.filter(city=kranj).first().pk,
        "transaction": LedgerTransaction.objects.first().pk,
        "operator": operator.pk, "sp": sp.pk, "criteria": [c["id"] for c in sp.criteria],
        "draft_sp": SpecificProcurement.objects.filter(status="draft").first().pk,
        "closed_sp": SpecificProcurement.objects.filter(tender_deadline__lt=now()).first().pk,
        "tender": Tender.objects.filter(procurement=sp).first().pk,
        "question": question.pk, "institution": institution.pk, "contract": contract.pk,
        "item": CatalogueItem.objects.filter(operator=operator).first().pk,
        "dps": sp.dps_id, "category": sp.category_id, "application": application.pk,
        "action": action.code, "action_proposal": change.pk,
        "indicator": Indicator.objects.filter(plan__city=kranj).first().pk,
        "source": source.key, "token": token.pk, "tag_change": tag_change.pk,
        "check": check.pk,
        "body": body.slug, "meeting": meeting.pk, "seat": seat.pk,
        "agenda_item": agenda_item.pk, "decision": decision.pk,
        "commitment": commitment.pk,
    }
    return scene, people


def _body(fields: dict[str, Any]) -> str:
    """A form's body as a browser (or a forger) sends it; bytes go as they are."""
    pairs = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            raw = quote_from_bytes(one) if isinstance(one, bytes) else quote(str(one))
            pairs.append(f"{quote(name)}={raw}")
    return "&".join(pairs)


def _changes() -> tuple[int, int]:
    return AuditLog.objects.count(), LedgerEntry.objects.count()


def test_garbage_in_any_number_or_id_field_of_any_form_never_gives_a_server_error(scene):
    objects, people = scene
    clients = {}
    for role, user in people.items():
        clients[role] = Client(raise_request_exception=False)
        if user is not None:
            clients[role].force_login(user)
    errors, changed, unreached = [], [], []
    for name, route in sorted(ROUTES.items()):
        url = reverse(name, kwargs=route.kwargs(objects))
        base = route.fields(objects)
        cases: list[tuple[str, Any, bool]] = [("", None, False)]
        for raw in route.numbers:
            key = raw.format(**objects)
            cases += [(key, v, True) for v in NEVER_VALID]
            cases += [(key, v, False) for v in MAYBE_VALID]
        cases += [(key, v, False) for key in route.texts for v in TEXT_GARBAGE]
        statuses = []
        for key, value, never_valid in cases:
            fields = dict(base)
            if key:
                fields[key] = value
            before = _changes()
            response = clients[route.role].post(
                url, _body(fields), content_type="application/x-www-form-urlencoded")
            statuses.append(response.status_code)
            if response.status_code >= 500:
                errors.append(f"{name} {key}={str(value)[:20]!r}: {response.status_code}")
            elif never_valid and _changes() != before:
                changed.append(f"{name} {key}={str(value)[:20]!r}")
        if all(s == 404 for s in statuses):
            unreached.append(name)
    assert errors == []
    assert changed == []
    assert unreached == []


def test_a_nul_character_in_a_pages_query_or_form_is_refused_with_the_400_page(client):
    """PostgreSQL refuses a text holding U+0000 (a 500 where a view read it without a form);
    every page refuses one up front, in the reader's language, and nothing is saved."""
    before = AuditLog.objects.count()
    for path in ("/en/?q=a%00b", "/en/?a%00=1"):
        response = client.get(path)
        assert response.status_code == 400
        assert "The request could not be read" in response.content.decode()
    sl = client.get("/sl/?q=%00")
    assert sl.status_code == 400 and "Zahteve ni bilo mogoče prebrati" in sl.content.decode()
    signup = client.post("/en/kranj/signup/", _body({"username": "a\x00b", "email": "a@b.si",
                                                         "password1": "x", "password2": "x"}),
                         content_type="application/x-www-form-urlencoded")
    assert signup.status_code == 400
    assert not get_user_model().objects.filter(username__startswith="a").exists()
    assert AuditLog.objects.count() == before
    # the API answers for itself, in Problem Details (api.common.NO_NUL)
    api = client.get("/api/v1/cities/kranj/plan/actions/a%00b")
    assert api["Content-Type"].startswith("application/problem+json"), api["Content-Type"]
