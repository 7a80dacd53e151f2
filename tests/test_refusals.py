"""A refusal a person meets is a sentence in their language that says what to do: one refusal
of each service module, read in Slovenian and in English, with its numbers, money and days
written as the language writes them and any rule code kept on the exception, out of the text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from test_plan_scenario import load_small_plan
from zerocity.core.errors import ZeroCityError

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
Trigger = Callable[[], Any]


def engage_participation(city: Any) -> Trigger:
    from zerocity.core.models import Role
    from zerocity.core.services import grant_role
    from zerocity.engage.models import Level
    from zerocity.engage.services import participation

    user = grant_role(city, "ana", Role.CITIZEN).user
    process = participation.next_phase(participation.create_process(
        city, "ideas", "Ideas", propose_level=Level.ACCOUNT))
    for n in range(participation.PROPOSALS_PER_DAY):
        participation.submit_proposal(process, user, f"Proposal number {n}",
                                      "A description long enough to be a real proposal.")
    return lambda: participation.submit_proposal(
        process, user, "One proposal too many", "A description long enough to be refused.")


def engage_budgets(city: Any) -> Trigger:
    from datetime import timedelta

    from django.utils.timezone import now

    from zerocity.engage.models import Budget, Project
    from zerocity.engage.services import budgets, participation

    process = participation.create_process(city, "spend", "Spend")
    budget = Budget.objects.create(process=process, title="Whole city", style="knapsack",
                                   amount=Decimal("100000"),
                                   opens_at=now() - timedelta(days=1),
                                   closes_at=now() + timedelta(days=1))
    chosen = [Project.objects.create(budget=budget, title=t, cost=Decimal(c))
              for t, c in (("Lights", "60000"), ("Garden", "50000.5"))]
    return lambda: budgets.enter_paper_ballot(budget, "P-1", chosen)


def engage_verification(city: Any) -> Trigger:
    from zerocity.engage.services import verification

    return lambda: verification.require(None, city, 0, "propose")


def engage_selectors(city: Any) -> Trigger:
    from zerocity.engage import selectors

    return lambda: selectors.proposal(city, 4242)


def plan_services(city: Any) -> Trigger:
    from zerocity.plan import services

    action = load_small_plan(city).actions.get(code="T1")
    proposal = services.submit_change(action, {"responsible_person": "Mobility lead"},
                                      publish=True)
    return lambda: services.publish_proposal(proposal)


def plan_selectors(city: Any) -> Trigger:
    from zerocity.plan import selectors

    return lambda: selectors.plan_for_city(city.slug)


def plan_budget(city: Any) -> Trigger:
    from zerocity.plan.budget import climate_budget

    plan = load_small_plan(city)
    plan.target_year = 2020
    plan.save(update_fields=["target_year"])
    return lambda: climate_budget(plan)


def card_accounts(city: Any) -> Trigger:
    from zerocity.card import accounts

    account = accounts.open_account(city)
    zone = ZoneInfo(city.timezone)
    accounts.add_eligibility(account, "pupil", valid_from=datetime(2090, 9, 1, tzinfo=zone),
                             expires_at=datetime(2091, 9, 1, tzinfo=zone),
                             verified_by="School")
    return lambda: accounts.add_eligibility(
        account, "pupil", valid_from=datetime(2091, 1, 1, tzinfo=zone),
        expires_at=datetime(2092, 1, 1, tzinfo=zone), verified_by="School")


def card_services(city: Any) -> Trigger:
    from zerocity.card import accounts, services

    account = accounts.open_account(city)
    return lambda: services.top_up_online(account, "1500", key="k-1")


def card_rewards(city: Any) -> Trigger:
    from zerocity.card import accounts, rewards

    account = accounts.open_account(city)
    return lambda: rewards.redeem(account, 1200, where="Bakery", key="till-1:7")


def card_challenges(city: Any) -> Trigger:
    from zerocity.card import accounts, challenges

    account = accounts.open_account(city)
    over = challenges.create_challenge(city, "winter", title="Winter walks", measure="walk_km",
                                       target=20, bonus_points=5, starts=date(2020, 1, 1),
                                       ends=date(2020, 1, 31))
    return lambda: challenges.join(account, over)


def card_fares(city: Any) -> Trigger:
    from zerocity.card import accounts
    from zerocity.card.demo import kranj_fares

    rules = kranj_fares()
    rules["fare_products"][0] = {**rules["fare_products"][0], "amount": "1.305"}
    return lambda: accounts.set_rules(city, rules)


def card_selectors(city: Any) -> Trigger:
    from zerocity.card import selectors

    return lambda: selectors.desk_account(city, 4242)


def mobility_journeys(city: Any) -> Trigger:
    from journey_feeds import PRIMSKOVO, ZLATO_POLJE, import_journey_feed
    from zerocity.mobility.journeys import plan_journey
    from zerocity.mobility.planner import Query

    import_journey_feed(city)  # in force from 5 January 2026
    return lambda: plan_journey(city, Query(ZLATO_POLJE, PRIMSKOVO, datetime(2025, 12, 1, 8)))


def data_services(city: Any) -> Trigger:
    from zerocity.data import services

    source = services.add_source(city, "heat-meters", name="Heat meters", kind="heat_meters",
                                 schema={"heat": {"unit": "MWh"}})
    return lambda: services.issue_token(source, "   ")


def inventory_services(city: Any) -> Trigger:
    from zerocity.inventory import services

    inventory = services.create_inventory(city, 2021)
    return lambda: services.publish_inventory(inventory)


# module: (what triggers it, the Slovenian sentence, the English one, the rule code)
CASES: dict[str, tuple[Callable[[Any], Trigger], str, str, str]] = {
    "engage.participation": (
        engage_participation,
        "Največje dovoljeno število predlogov na dan je 3; poskusite znova jutri.",
        "You can make at most 3 proposals a day; try again tomorrow.",
        "proposals-per-day"),
    "engage.budgets": (
        engage_budgets,
        f"Izbrani projekti stanejo 110.000,50{NBSP}EUR, kar je več od razpoložljivih "
        f"100.000,00{NBSP}EUR; izpustite kakšen projekt.",
        f"The projects you chose cost 110,000.50{NBSP}EUR, more than the "
        f"100,000.00{NBSP}EUR to spend; leave out a project.", ""),
    "engage.verification": (
        engage_verification,
        "Prijavite se, da boste lahko oddali predlog.",
        "Log in to make a proposal.", "login"),
    "engage.selectors": (
        engage_selectors,
        "V mestu Testville ni predloga 4242.",
        "There is no proposal 4242 in Testville.", ""),
    "plan.services": (
        plan_services,
        "Ta predlog je že objavljen.",
        "This proposal has already been published.", ""),
    "plan.selectors": (
        plan_selectors,
        "To mesto še nima akcijskega načrta.",
        "This city has no action plan yet.", ""),
    "plan.budget": (
        plan_budget,
        "Ciljno leto načrta (2020) mora biti za izhodiščnim letom (2020); v načrtu nastavite "
        "poznejše ciljno leto.",
        "The plan's target year (2020) must come after its baseline year (2020); set a later "
        "target year in the plan.", ""),
    "card.accounts": (
        card_accounts,
        "Ugodnost (učenec) velja do 1. 9. 2091; podaljšati jo je mogoče od 2. 8. 2091.",
        "The concession (pupil) runs until 1 Sep 2091; it can be renewed from 2 Aug 2091.",
        ""),
    "card.services": (
        card_services,
        f"Polnitev znaša od 1,00{NBSP}EUR do 150,00{NBSP}EUR.",
        f"A top-up is 1.00{NBSP}EUR to 150.00{NBSP}EUR.", ""),
    "card.rewards": (
        card_rewards,
        "Zahtevano število točk je 1.200, na voljo pa jih je le 0.",
        "1,200 points are asked, but only 0 are available.", ""),
    "card.challenges": (
        card_challenges,
        "Ta izziv je končan; pridružite se tekočemu.",
        "This challenge is over; join a current one.", ""),
    "card.fares": (
        card_fares,
        'V fare_products[0].amount vrednost "1.305" ni znesek 0 ali več v celih centih; '
        "zapišite jo v evrih z največ dvema decimalkama.",
        'In fare_products[0].amount, "1.305" is not an amount of 0 or more in whole cents; '
        "write it in euros with at most two decimals.", ""),
    "card.selectors": (
        card_selectors,
        "Takšnega računa kartice ni.",
        "There is no such card account.", ""),
    "mobility.journeys": (
        mobility_journeys,
        "Testville nima voznega reda za 1. 12. 2025.",
        "Testville has no timetable for 1 Dec 2025.", ""),
    "data.services": (
        data_services,
        "Žetonu dajte ime, ki pove, kdo ali kaj ga uporablja.",
        "Give the token a name that says who or what uses it.", ""),
    "inventory.services": (
        inventory_services,
        "Evidenca za leto 2021 še nima vrstic; najprej uvozite podatke o dejavnostih.",
        "The 2021 inventory has no lines yet; import its activity data first.", ""),
}


@pytest.mark.parametrize("module", CASES)
def test_a_refusal_is_a_sentence_in_the_readers_language(city, module):
    prepare, slovenian, english, code = CASES[module]
    trigger = prepare(city)
    for language, sentence in (("sl", slovenian), ("en", english)):
        with translation.override(language), pytest.raises(ZeroCityError) as refused:
            trigger()
        assert str(refused.value) == sentence, language
        assert refused.value.code == code
        # the rule stays on the exception: the person reads no code
        assert not code or code not in sentence
        assert (sentence[0].isupper() or sentence[0].isdigit()) and sentence.endswith(".")


def test_a_coded_refusal_is_written_to_the_log_with_its_rule(city, caplog):
    from zerocity.engage.services import verification

    with translation.override("sl"), caplog.at_level("INFO", logger="zerocity.refusals"), \
            pytest.raises(ZeroCityError):
        verification.require(None, city, 0, "vote")
    assert caplog.messages == ["refusal login: Prijavite se, da boste lahko glasovali."]
