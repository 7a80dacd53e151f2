"""The citizen platform's rules: verification levels, proposals and their supports, the city's
answers linked to plan actions, threaded comments with reports and moderation, surveys with
conditional questions, participatory budgets in both voting styles, notifications with
one-click unsubscribe and the weekly digest, pledges and the footprint calculator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils.timezone import now
from django.utils.translation import override

from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.models import Role
from zerocity.core.services import grant_role
from zerocity.engage.models import District, Level, Notification, Phase, ProposalState
from zerocity.engage.services import (
    awareness,
    budgets,
    notify,
    participation,
    surveys,
    verification,
)
from zerocity.engage.services.verification import ParticipationRefused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
CENSUS = ("resident_number,birth_date,district\n"
          "KR-0001,1980-04-01,center\nKR-0002,1975-11-30,center\nKR-0003,2001-02-14,primskovo\n")


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    """Testville with two districts and its census file; people at each level."""
    District.objects.create(city=city, code="center", name="Center")
    District.objects.create(city=city, code="primskovo", name="Primskovo")
    verification.load_census(city, CENSUS)
    out = {}
    for name in ("anon", "mail", "res1", "res2", "res3"):
        user = grant_role(city, name, Role.CITIZEN).user
        user.email = f"{name}@example.org"
        user.save()
        out[name] = user
    for name in ("mail", "res1", "res2", "res3"):
        verification.confirm_email(out[name], city, verification.email_token(out[name], city))
    for name, number, born in (("res1", "KR-0001", "1980-04-01"), ("res2", "KR-0002",
                                                                    "1975-11-30"),
                               ("res3", "KR-0003", "2001-02-14")):
        verification.verify_resident(out[name], city, {"resident_number": number,
                                                       "birth_date": born})
    return city, out


def collecting(city, threshold: int = 2):  # type: ignore[no-untyped-def]
    process = participation.create_process(city, "ideas", "Ideas for a greener Testville",
                                           support_threshold=threshold)
    return participation.next_phase(process)  # inform -> collect


def test_levels_come_from_a_confirmed_email_and_the_resident_check(people):
    city, p = people
    assert [verification.level(p[n], city) for n in ("anon", "mail", "res1")] == [
        Level.ACCOUNT, Level.EMAIL, Level.RESIDENT]
    other = grant_role(city, "other", Role.CITIZEN).user
    with pytest.raises(Conflict, match="another account"):  # a link is for one account
        verification.confirm_email(other, city, verification.email_token(p["anon"], city))
    with pytest.raises(Conflict, match="not valid"):
        verification.confirm_email(p["anon"], city, "forged:token")
    with pytest.raises(Conflict, match="No resident"):
        verification.verify_resident(other, city, {"resident_number": "KR-0001",
                                                   "birth_date": "1980-04-02"})
    with pytest.raises(Conflict, match="already verified another account"):
        verification.verify_resident(other, city, {"resident_number": "kr-0001",
                                                   "birth_date": "1980-04-01"})
    assert verification.verification(p["res3"], city).district.code == "primskovo"
    with pytest.raises(Conflict, match="line 3, district"):
        verification.load_census(city, "resident_number,birth_date,district\n"
                                       "A,2000-01-01,center\nB,2000-01-01,nowhere\n")
    # nothing readable of the census is stored, and a refused file changes nothing
    from zerocity.engage.models import CensusEntry

    assert CensusEntry.objects.filter(city=city).count() == 3
    assert not CensusEntry.objects.filter(key__icontains="KR-0001").exists()


def test_every_bad_line_of_a_census_file_is_reported_at_once(people):
    from zerocity.engage.models import CensusEntry

    city, _ = people
    before = set(CensusEntry.objects.filter(city=city).values_list("key", flat=True))
    # given a census file with a line missing its birth date (line 3), an unknown district
    # (line 5, after a blank line) and a line missing both number and district (line 6)
    text = ("resident_number,birth_date,district\n"
            "A,2000-01-01,center\n"
            "B,,center\n"
            "\n"
            "C,2000-01-01,nowhere\n"
            ",2000-01-01,\n")

    # when it is loaded
    with pytest.raises(verification.CensusRejected) as exc:
        verification.load_census(city, text)

    # then every line's mistake comes in one answer, in line order, and the census loaded
    # before is kept as it was
    assert exc.value.errors == [
        "line 3: missing birth_date",
        "line 5, district: unknown district 'nowhere'",
        "line 6: missing resident_number, district",
    ]
    assert isinstance(exc.value, Conflict)
    assert set(CensusEntry.objects.filter(city=city).values_list("key", flat=True)) == before


def test_a_person_twice_in_the_census_is_refused(people):
    from zerocity.engage.models import CensusEntry

    city, _ = people
    before = set(CensusEntry.objects.filter(city=city).values_list("key", flat=True))
    # given a census file that lists the same resident twice, in two districts
    text = ("resident_number,birth_date,district\n"
            "Q,1990-05-05,center\n"
            "R,1991-06-06,center\n"
            "Q,1990-05-05,primskovo\n")

    # when it is loaded
    with pytest.raises(verification.CensusRejected) as exc:
        verification.load_census(city, text)

    # then the repeat is named with the first line, and the census before is kept: one person
    # counted twice would vote in two districts' budgets
    assert exc.value.errors == ["line 4: the same person as on line 2"]
    assert set(CensusEntry.objects.filter(city=city).values_list("key", flat=True)) == before


def test_a_census_file_without_a_column_says_so_once_not_on_every_line(people):
    from zerocity.engage.models import CensusEntry

    city, _ = people
    # given a census file without its district column, and a line missing its number
    text = "resident_number,birth_date\nA,2000-01-01\n,2000-01-02\nC,2000-01-03\n"

    # when it is loaded
    with pytest.raises(verification.CensusRejected) as exc:
        verification.load_census(city, text)

    # then the header's mistake is said once, with the line's own
    assert exc.value.errors == ["line 1: missing column(s) district",
                                "line 3: missing resident_number"]
    # and an empty file is no census: it is refused, not taken for one without residents
    with pytest.raises(verification.CensusRejected) as exc:
        verification.load_census(city, "")
    assert exc.value.errors == ["line 1: missing column(s) resident_number, birth_date, "
                                "district"]
    assert CensusEntry.objects.filter(city=city).count() == 3  # the census loaded before


def test_a_proposal_collects_support_reaches_the_threshold_and_is_answered(
        people, django_capture_on_commit_callbacks):
    from zerocity.inventory.services import create_inventory
    from zerocity.plan.models import Action, FieldOfAction, Plan

    city, p = people
    process = collecting(city, threshold=2)
    with pytest.raises(ParticipationRefused, match="confirmed e-mail"):
        participation.submit_proposal(process, p["anon"], "Trees along the river",
                                      "Plant a row of trees along the river for shade.")
    proposal = participation.submit_proposal(process, p["mail"], "Trees along the river",
                                             "Plant a row of trees along the river for shade.")
    with pytest.raises(ParticipationRefused, match="verified resident"):
        participation.support(proposal, p["mail"])  # the process asks residents to support
    notify.follow(p["res3"], city, f"proposal:{proposal.pk}")
    participation.support(proposal, p["res1"])
    with pytest.raises(Conflict, match="already"):
        participation.support(proposal, p["res1"])
    proposal = participation.support(proposal, p["res2"])
    assert (proposal.supports, proposal.state) == (2, ProposalState.EVALUATING)
    told = Notification.objects.filter(user=p["res3"], target=f"proposal:{proposal.pk}")
    assert told.filter(subject__contains="enough support").exists()
    with pytest.raises(Conflict, match="reason"):
        participation.answer(proposal, ProposalState.REJECTED, "No.")
    plan = Plan.objects.create(city=city, title="Plan",
                               baseline=create_inventory(city, 2018, gwp="AR5"))
    action = Action.objects.create(plan=plan, code="2.1", name="Green the river banks",
                                   field=FieldOfAction.objects.create(city=city, slug="nature",
                                                                      name="Nature"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # mail leaves once it is committed
        answered = participation.answer(proposal, ProposalState.ACCEPTED,
                                        "We plant 120 trees in spring.", action=action)
    assert answered.action == action and list(action.citizen_proposals.all()) == [answered]
    to = sorted(m.to[0] for m in mail.outbox)  # the author and the supporters follow it
    assert to == ["mail@example.org", "res1@example.org", "res2@example.org",
                  "res3@example.org"]
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_proposals_are_made_while_the_process_collects_and_spam_is_kept_out(people):
    city, p = people
    process = participation.create_process(city, "later", "Later")
    with pytest.raises(Conflict, match="collects"):
        participation.submit_proposal(process, p["mail"], "A proposal title here",
                                      "A long enough description of the proposal.")
    process = participation.next_phase(process)
    with pytest.raises(PermissionDenied):  # the honeypot field, filled by robots only
        participation.submit_proposal(process, p["mail"], "A proposal title here",
                                      "A long enough description of the proposal.",
                                      honeypot="http://spam.example")
    for n in range(participation.PROPOSALS_PER_DAY):
        participation.submit_proposal(process, p["mail"], f"A proposal title {n}",
                                      "A long enough description of the proposal.")
    with pytest.raises(Conflict, match="a day"):
        participation.submit_proposal(process, p["mail"], "One proposal too many",
                                      "A long enough description of the proposal.")
    participation.block(city, p["res1"], "Repeated insults.")
    with pytest.raises(ParticipationRefused, match="blocked"):
        participation.submit_proposal(process, p["res1"], "A proposal title here",
                                      "A long enough description of the proposal.")


def test_comments_nest_three_levels_and_reported_ones_are_hidden_until_moderated(people):
    city, p = people
    process = collecting(city)
    proposal = participation.submit_proposal(process, p["mail"], "Trees along the river",
                                             "Plant a row of trees along the river for shade.")
    first = participation.comment(proposal, p["res1"], "Yes, please!", alignment=1)
    second = participation.comment(proposal, p["res2"], "Which species?", parent=first)
    third = participation.comment(proposal, p["res1"], "Native ones.", parent=second)
    assert third.depth == 3
    with pytest.raises(Conflict, match="three levels"):
        participation.comment(proposal, p["res2"], "And then?", parent=third)
    rude = participation.comment(proposal, p["res3"], "Rude words", alignment=-1)
    for who in ("res1", "res2"):
        participation.report(rude, p[who], "offensive")
    with pytest.raises(Conflict, match="already"):
        participation.report(rude, p["res1"], "spam")
    rude.refresh_from_db()
    assert rude.hidden_at is None  # 2 reports of 3
    rude = participation.report(rude, p["mail"], "offensive")
    assert rude.hidden_at is not None
    reading = {c.pk: c.visible for c in participation.thread(proposal, p["res1"])}
    assert reading[rude.pk] is False and reading[first.pk] is True
    assert [c.pk for c in participation.thread(proposal)][:3] == [first.pk, second.pk, third.pk]
    assert participation.moderation_queue(city)[0] == rude
    participation.moderate(rude, keep=True)
    rude.refresh_from_db()
    assert rude.hidden_at is None and participation.moderation_queue(city) == []
    for n in range(participation.COMMENTS_PER_10_MINUTES - 2):  # res1 wrote 2 already
        participation.comment(proposal, p["res1"], f"More {n}")
    with pytest.raises(Conflict, match="10 minutes"):
        participation.comment(proposal, p["res1"], "One too many")


def test_a_survey_with_every_kind_of_question_and_a_conditional_one(people):
    city, p = people
    process = collecting(city)
    survey = surveys.create_survey(process, "How do you travel?", [
        {"kind": "single", "text": "Do you own a car?", "options": ["yes", "no"]},
        {"kind": "short", "text": "Which car?", "show_if": {"question": 1, "equals": "yes"}},
        {"kind": "multiple", "text": "How else?", "options": ["bus", "bike", "walk"]},
        {"kind": "ranking", "text": "Rank the priorities", "options": ["cycle lanes",
                                                                     "buses", "parking"]},
        {"kind": "matrix", "text": "How satisfied?", "options": ["low", "high"],
         "rows": ["buses", "cycle lanes"]},
        {"kind": "long", "text": "Anything else?", "required": False},
    ], opens_at=now() - timedelta(days=1), closes_at=now() + timedelta(days=10))
    good = {"1": "no", "3": ["bus", "walk"], "4": ["buses", "cycle lanes", "parking"],
            "5": {"buses": "high", "cycle lanes": "low"}}
    with pytest.raises(ParticipationRefused):
        surveys.answer(survey, p["mail"], good)  # residents only, as the survey is set
    with pytest.raises(Conflict, match="“Which car\\?” is not asked"):
        surveys.answer(survey, p["res1"], {**good, "2": "Clio"})
    # without a car, "Which car?" is not asked: the questions after it are named by the
    # numbers the person saw, one less than their positions
    with pytest.raises(Conflict, match="Question 3: rank every option"):
        surveys.answer(survey, p["res1"], {**good, "4": ["buses", "buses", "parking"]})
    with pytest.raises(Conflict, match="Question 4: answer every row"):
        surveys.answer(survey, p["res1"], {**good, "5": {"buses": "high"}})
    surveys.answer(survey, p["res1"], good)
    with pytest.raises(Conflict, match="already"):
        surveys.answer(survey, p["res1"], good)
    with pytest.raises(Conflict, match="Question 2 needs an answer"):
        surveys.answer(survey, p["res2"], {**good, "1": "yes"})
    surveys.answer(survey, p["res2"], {**good, "1": "yes", "2": "Clio",
                                       "4": ["parking", "buses", "cycle lanes"]})
    results = {r["question"].position: r for r in surveys.results(survey)}
    assert results[1]["counts"] == [("yes", 1), ("no", 1)]
    assert results[3]["counts"] == [("bus", 2), ("bike", 0), ("walk", 2)]
    assert results[4]["ranks"][0] == ("buses", 1.5)
    assert results[5]["matrix"][0] == ("buses", [("low", 0), ("high", 2)])
    assert results[2]["answers"] == 1
    # the answers are not linked to the account
    assert all(str(p["res1"].pk) != r.respondent for r in survey.responses.all())


def test_a_participatory_budget_in_both_styles_with_its_ballot_checks(people):
    from zerocity.engage.models import Budget, Project

    city, p = people
    process = collecting(city)
    center = District.objects.get(code="center")
    open_ = {"opens_at": now() - timedelta(days=1), "closes_at": now() + timedelta(days=5)}
    spend = Budget.objects.create(process=process, district=center, title="Center 2027",
                                  amount=Decimal("100000"), style="knapsack", **open_)
    bench, lights, garden = (Project.objects.create(budget=spend, title=t, cost=Decimal(c))
                             for t, c in (("Benches", "30000"), ("Lights", "60000"),
                                          ("Garden", "50000")))
    with pytest.raises(Conflict, match="more than"):
        budgets.vote(spend, p["res1"], [lights, garden])
    with pytest.raises(Conflict, match="residents of the budget's district"):
        budgets.vote(spend, p["res3"], [bench])  # lives in Primskovo
    with pytest.raises(ParticipationRefused):
        budgets.vote(spend, p["mail"], [bench])
    budgets.vote(spend, p["res1"], [bench, lights])
    with pytest.raises(Conflict, match="already voted in this budget"):
        budgets.vote(spend, p["res1"], [bench])
    budgets.vote(spend, p["res2"], [garden, bench])
    budgets.enter_paper_ballot(spend, "P-0001", [garden])
    with pytest.raises(Conflict, match="already been entered"):
        budgets.enter_paper_ballot(spend, "P-0001", [bench])
    result = {r["project"].title: (r["votes"], r["funded"]) for r in budgets.results(spend)}
    # Benches 2 votes, Garden 2 (cheaper of the tie: Benches first), Lights 1: 30k + 50k
    # funded, 60k no longer fits in the 20k left
    assert result == {"Benches": (2, True), "Garden": (2, True), "Lights": (1, False)}
    approve = Budget.objects.create(process=process, title="Whole city", amount=Decimal("1"),
                                    style="approval", max_projects=1, **open_)
    a, b = (Project.objects.create(budget=approve, title=t, cost=Decimal("1")) for t in "ab")
    with pytest.raises(Conflict, match="at most 1"):
        budgets.vote(approve, p["res3"], [a, b])
    budgets.vote(approve, p["res3"], [b])
    closed = Budget.objects.create(process=process, title="Closed", amount=Decimal("1"),
                                   style="approval", opens_at=now() - timedelta(days=9),
                                   closes_at=now() - timedelta(days=1))
    c = Project.objects.create(budget=closed, title="c", cost=Decimal("1"))
    with pytest.raises(Conflict, match="not open"):
        budgets.vote(closed, p["res1"], [c])


def test_the_weekly_digest_and_one_click_unsubscribe(people,
                                                     django_capture_on_commit_callbacks):
    city, p = people
    process = collecting(city)
    for who in ("res1", "res2"):
        notify.follow(p[who], city, f"process:{process.pk}")
    notify.preference(p["res1"]).__class__.objects.filter(user=p["res1"]).update(
        immediate=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        participation.submit_proposal(process, p["mail"], "Trees along the river",
                                      "Plant a row of trees along the river for shade.")
    assert [m.to for m in mail.outbox] == [["res2@example.org"]]  # res1: the digest only
    mail.outbox.clear()
    assert notify.digest(city) == 1
    (digest,) = mail.outbox
    assert "Trees along the river" in digest.body and digest.to == ["res1@example.org"]
    assert notify.digest(city) == 0  # sent once
    token = digest.extra_headers["List-Unsubscribe"].rsplit("/unsubscribe/", 1)[1][:-2]
    assert notify.unsubscribe(token) == p["res1"]
    participation.submit_proposal(process, p["mail"], "Another proposal here",
                                  "Plant a row of trees along the river for shade.")
    assert notify.digest(city) == 0  # unsubscribed: the inbox still has it
    assert len(notify.inbox(p["res1"], city)) == 2
    with pytest.raises(Conflict):
        notify.unsubscribe(token + "x")


@override("en")  # the messages as an English reader sees them
def test_pledges_and_the_footprint_show_their_factors(people):
    city, p = people
    pledges = {x.key: x for x in awareness.ensure_pledges(city)}
    assert pledges["car-free-week"].kg_co2e_year == Decimal("306.0")  # 150 x 12 x 0.17
    assert pledges["bus-to-work"].kg_co2e_year == Decimal("308.0")  # 20 x 220 x 0.07
    awareness.take(pledges["car-free-week"], p["res1"])
    awareness.take(pledges["bus-to-work"], p["res1"])
    awareness.take(pledges["bus-to-work"], p["res2"])
    with pytest.raises(Conflict):
        awareness.take(pledges["bus-to-work"], p["res2"])
    total = awareness.totals(city)
    assert total["people"] == 2 and total["kg_co2e_year"] == Decimal("922.0")
    result = awareness.footprint({"electricity_kwh": "3000", "gas_kwh": "10000",
                                  "car_km": "8000", "diet": "vegetarian"}, household=2)
    # home (3000 x 0.25 + 10000 x 0.202) / 2 = 1385; car 8000 x 0.17 = 1360; diet 1390
    assert result.parts == {"home": Decimal("1385"), "mobility": Decimal("1360"),
                            "food": Decimal("1390")}
    assert any("IPCC 2006" in label for label, _, _ in result.lines)
    # the diet is named in words, not by its code (Scarborough et al. 2014's groups)
    assert result.lines[-1][0].startswith("Vegetarian (Scarborough et al. 2014")
    with pytest.raises(Conflict, match=r"Car a year \(km\): a number of 0 or more"):
        awareness.footprint({"car_km": "-5"})  # named as the form names it, not by its code


def test_a_process_moves_through_its_phases_in_order(people):
    city, p = people
    process = participation.create_process(city, "p", "P")
    phases = [participation.next_phase(process).phase for _ in range(4)]
    assert phases == [Phase.COLLECT, Phase.DELIBERATE, Phase.DECIDE, Phase.FOLLOW_UP]
    with pytest.raises(Conflict, match="last phase"):
        participation.next_phase(process)


def test_the_process_sets_the_level_to_vote_in_a_whole_city_budget(people):
    from zerocity.engage.models import Budget, Project

    city, p = people
    process = participation.create_process(city, "open-vote", "Open vote",
                                           vote_level=Level.EMAIL)
    at = {"opens_at": now() - timedelta(days=1), "closes_at": now() + timedelta(days=1)}
    whole = Budget.objects.create(process=process, title="Whole city", amount=Decimal("10"),
                                  style="approval", max_projects=1, **at)
    center = Budget.objects.create(process=process, title="Center", amount=Decimal("10"),
                                   style="approval", max_projects=1,
                                   district=District.objects.get(code="center"), **at)
    a = Project.objects.create(budget=whole, title="a", cost=Decimal("1"))
    b = Project.objects.create(budget=center, title="b", cost=Decimal("1"))
    with pytest.raises(ParticipationRefused, match="confirmed e-mail"):
        budgets.vote(whole, p["anon"], [a])
    budgets.vote(whole, p["mail"], [a])  # the process lets confirmed e-mails vote
    with pytest.raises(ParticipationRefused, match="verified resident"):
        budgets.vote(center, p["mail"], [b])  # a district's budget: its residents only


def test_signing_up_makes_the_account_and_mails_the_link_once_it_is_committed(
        people, django_capture_on_commit_callbacks):
    """``verification.sign_up``, which the sign-up page calls: the account with its password,
    the citizen's role (audited as a sign-up), and the confirmation mail only after the
    commit. A name taken in any letter case is refused and the account behind it is left
    as it was."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import override

    from zerocity.core.models import AuditLog

    city, p = people
    links: list[str] = []

    def link(token: str) -> str:
        links.append(f"https://city.example/me/confirm/{token}/")
        return links[-1]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        user = verification.sign_up(city, "novak", "novak@example.org", "a long passphrase 7",
                                    link=link)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing leaves before the commit
    callbacks[0]()
    (sent,) = mail.outbox
    assert sent.to == ["novak@example.org"] and links[0] in sent.body
    token = links[0].rsplit("/", 2)[1]
    assert verification.email_link_problem(user, city, token) is None
    assert user.check_password("a long passphrase 7")
    assert user.memberships.get(city=city).role == Role.CITIZEN
    grant = AuditLog.objects.get(action="membership.grant", data__username="novak")
    assert grant.actor_label == "sign-up"
    assert verification.level(user, city) == Level.ACCOUNT
    with override("en"), pytest.raises(Conflict, match="This user name is taken."):
        verification.sign_up(city, "NOVAK", "x@example.org", "another passphrase 8", link=link)
    assert get_user_model().objects.filter(username__iexact="novak").count() == 1
    user.refresh_from_db()
    assert user.email == "novak@example.org" and user.check_password("a long passphrase 7")


def test_a_confirmation_link_is_mailed_to_an_address_only_and_says_why_it_does_not_confirm(
        people, django_capture_on_commit_callbacks):
    city, p = people
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent_to = verification.send_email_confirmation(p["anon"], city, link=lambda t: t)
    (sent,) = mail.outbox
    assert sent_to == "anon@example.org" and sent.to == ["anon@example.org"]
    token = sent.body.rsplit(" ", 1)[1]
    assert verification.email_link_problem(p["anon"], city, token) is None
    assert verification.email_link_problem(p["mail"], city, token) == (
        "the link is for another account or another address")
    assert verification.email_link_problem(p["anon"], city, "forged") == "the link is not valid"
    p["anon"].email = ""
    with pytest.raises(Conflict):
        verification.send_email_confirmation(p["anon"], city, link=lambda t: t)
    assert len(mail.outbox) == 1


def test_mail_settings_are_audited_once_and_asking_for_mail_again_undoes_an_unsubscribe(
        people):
    """``notify.set_mail_preferences``, which My page calls (it used to save them itself)."""
    from zerocity.core.models import AuditLog

    city, p = people
    user = p["mail"]
    pref = notify.set_mail_preferences(user, city, immediate=False, digest=True)
    assert (pref.immediate, pref.digest, pref.unsubscribed_at) == (False, True, None)
    notify.set_mail_preferences(user, city, immediate=False, digest=True)  # sent twice
    (record,) = AuditLog.objects.filter(action="engage.mail_preferences")
    assert (record.actor, record.city, record.data) == (user, city, {"immediate": False,
                                                                     "digest": True})
    token = notify.unsubscribe_token(user)
    assert notify.unsubscribe_link_problem(token) is None
    assert notify.unsubscribe_link_problem(token + "x") == "the unsubscribe link is not valid"
    notify.unsubscribe(token)
    stopped = notify.set_mail_preferences(user, city, immediate=False, digest=False)
    assert stopped.unsubscribed_at is not None  # no mail asked: the unsubscribe stands
    again = notify.set_mail_preferences(user, city, immediate=True, digest=False)
    assert (again.immediate, again.digest, again.unsubscribed_at) == (True, False, None)
    # the choice of no mail was the unsubscribe's already: only the two changes are recorded
    assert AuditLog.objects.filter(action="engage.mail_preferences").count() == 2


def test_a_moderator_hides_a_comment_and_blocks_its_author_together_or_not_at_all(people):
    from zerocity.engage.models import Block

    city, p = people
    proposal = participation.submit_proposal(collecting(city), p["mail"],
                                             "Trees along the river",
                                             "Plant a row of trees along the river for shade.")
    rude = participation.comment(proposal, p["res3"], "Rude words", alignment=-1)
    with pytest.raises(Conflict, match="Say why the person is blocked."):
        participation.moderate(rude, keep=True, block_author=True)
    rude.refresh_from_db()
    assert rude.reviewed_at is None and not Block.objects.exists()  # neither
    participation.moderate(rude, keep=False, reason="Insults.", block_author=True)
    rude.refresh_from_db()
    assert rude.hidden_at is not None and rude.hidden_reason == "Insults."
    assert Block.objects.get(city=city).user == p["res3"]
    with pytest.raises(ParticipationRefused, match="blocked"):
        participation.comment(proposal, p["res3"], "Again.")


@override("en")  # the messages as an English reader sees them
def test_the_footprint_form_shows_a_wrong_answer_beside_it(people):
    assert awareness.calculate({"car_km": "100"}) == (None, "")  # not sent: no diet chosen
    result, error = awareness.calculate({"diet": "vegan", "car_km": "100", "household": "2"})
    assert error == "" and result is not None and result.parts["mobility"] == Decimal("17.00")
    assert awareness.calculate({"diet": "vegan", "car_km": "-1"}) == (
        None, "Car a year (km): a number of 0 or more")
    assert awareness.calculate({"diet": "vegan", "household": "two"}) == (
        None, "People in your household: a whole number")
    assert awareness.calculate({"diet": "carnivore"})[1].startswith(
        "Your diet: one of A lot of meat (100 g a day or more), Some meat")


def test_the_pages_read_without_writing_and_hide_a_withdrawn_proposal(people):
    """The selectors behind the pages: My page stores nothing for someone who never chose a
    setting; a withdrawn proposal is its author's only."""
    from zerocity.core.errors import NotFound
    from zerocity.engage import selectors
    from zerocity.engage.models import MailPreference, Verification

    city, p = people
    newcomer = grant_role(city, "newcomer", Role.CITIZEN).user
    page = selectors.me_page(newcomer, city)
    assert page["level"] == Level(Level.ACCOUNT).label and page["preference"].immediate
    assert not Verification.objects.filter(user=newcomer).exists()
    assert not MailPreference.objects.filter(user=newcomer).exists()
    proposal = participation.submit_proposal(collecting(city), p["mail"],
                                             "Trees along the river",
                                             "Plant a row of trees along the river for shade.")
    participation.withdraw(proposal, p["mail"])
    assert selectors.proposal_page(city, proposal.pk, p["mail"])["proposal"] == proposal
    for who in (p["res1"], None):
        with pytest.raises(NotFound):
            selectors.proposal_page(city, proposal.pk, who)


# -- feedback while taking part (issue 17) --------------------------------------------------------

def test_a_voter_finds_their_ballot_and_its_receipt_and_the_city_can_match_the_receipt(people):
    from zerocity.engage import selectors
    from zerocity.engage.models import Budget, Project

    # given an open "spend the budget" budget of the Center district
    city, p = people
    center = District.objects.get(code="center")
    spend = Budget.objects.create(process=collecting(city), district=center, title="Center",
                                  amount=Decimal("100000"), style="knapsack",
                                  opens_at=now() - timedelta(days=1),
                                  closes_at=now() + timedelta(days=5))
    bench, lights = (Project.objects.create(budget=spend, title=t, cost=Decimal(c))
                     for t, c in (("Benches", "30000"), ("Lights", "60000")))
    assert selectors.my_ballot(spend, p["res1"]) is None  # not voted yet: the empty ballot
    # when a resident votes
    ballot = budgets.vote(spend, p["res1"], [lights, bench])
    budgets.vote(spend, p["res2"], [bench])
    # then their page finds their own ballot (by its keyed hash, not the account) with what
    # they chose, what it costs and its receipt; the other voter's is not theirs
    mine = selectors.my_ballot(spend, p["res1"])
    assert mine is not None and mine["ballot"] == ballot
    assert [x.title for x in mine["projects"]] == ["Benches", "Lights"]
    assert mine["spent"] == Decimal("90000")
    code = mine["receipt"]
    assert len(code) == 14 and code.count("-") == 2 and code == budgets.receipt(ballot)
    assert selectors.my_ballot(spend, p["res2"])["receipt"] != code
    assert selectors.my_ballot(spend, None) is None
    assert selectors.my_ballot(spend, p["mail"]) is None
    # the city matches a receipt as a voter quotes it (case, spaces and dashes ignored)
    assert selectors.ballot_for_receipt(spend, code.lower().replace("-", " ")) == ballot
    assert selectors.ballot_for_receipt(spend, "0000-0000-0000") is None
    assert selectors.ballot_for_receipt(spend, "short") is None
    # and voting again is refused: the ballot stays as it was
    with pytest.raises(Conflict, match="already voted in this budget"):
        budgets.vote(spend, p["res1"], [bench])
    assert selectors.my_ballot(spend, p["res1"])["spent"] == Decimal("90000")


def test_survey_questions_are_numbered_as_they_are_asked(people):
    from zerocity.engage import selectors

    # given a survey whose second question is asked of car owners only
    city, p = people
    survey = surveys.create_survey(collecting(city), "Travel", [
        {"kind": "single", "text": "Do you own a car?", "options": ["yes", "no"]},
        {"kind": "short", "text": "Which car?", "show_if": {"question": 1, "equals": "yes"}},
        {"kind": "ranking", "text": "Rank", "options": ["buses", "bikes", "parking"]},
        {"kind": "long", "text": "Anything else?", "required": False},
    ], opens_at=now() - timedelta(days=1), closes_at=now() + timedelta(days=10))
    questions = selectors.questions(survey)
    # then a blank form numbers 1, -, 2, 3 (no gap where "Which car?" is not asked) ...
    assert surveys.numbering(questions, {}) == {1: 1, 2: None, 3: 2, 4: 3}
    assert surveys.numbering(questions, {"1": "no"}) == {1: 1, 2: None, 3: 2, 4: 3}
    # ... and 1, 2, 3, 4 once it is asked
    assert surveys.numbering(questions, {"1": "yes"}) == {1: 1, 2: 2, 3: 3, 4: 4}
    # and the page starts with the blank form's numbers, naming the condition by its question
    page = selectors.survey_page(city, survey.pk, p["res1"])
    assert [q["number"] for q in page["questions"]] == [1, None, 2, 3]
    assert page["questions"][1]["condition"].text == "Do you own a car?"
    assert list(page["questions"][2]["places"]) == [1, 2, 3]
    # and a refusal names a question by the number the person saw
    with pytest.raises(Conflict, match="Question 2: rank every option once"):
        surveys.answer(survey, p["res1"], {"1": "no", "3": ["buses", "buses", "parking"]})


@override("en")  # the messages as an English reader sees them
def test_proposals_show_a_display_name_never_the_user_name(people):
    from zerocity.engage import selectors

    # given a proposal by a person who gave a name, and one by a person who did not
    city, p = people
    process = collecting(city, threshold=3)
    p["mail"].first_name, p["mail"].last_name = "Maja", "Kern"
    p["mail"].save()
    named = participation.submit_proposal(process, p["mail"], "Trees along the river",
                                          "Plant a row of trees along the river for shade.")
    nameless = participation.submit_proposal(process, p["res1"], "Benches in the park",
                                             "More benches in the park near the school.")
    # then the pages name the first by first name and initial, the second as "a citizen"
    page = selectors.proposal_page(city, named.pk, None)
    assert page["author"] == "Maja K." and page["mine"] is False
    assert selectors.proposal_page(city, named.pk, p["mail"])["mine"] is True
    assert selectors.proposal_page(city, nameless.pk, None)["author"] == "a citizen"
    rows = selectors.process_page(city, process.slug, None)["proposals"]
    assert {r["proposal"].title: r["author"] for r in rows} == {
        "Trees along the river": "Maja K.", "Benches in the park": "a citizen"}
    assert all("mail" not in r["author"] and "res1" not in r["author"] for r in rows)
    # and a comment's author the same way; a deleted account as such
    participation.comment(named, p["res1"], "Yes, and fruit trees.")
    assert [c.author_name for c in selectors.proposal_page(city, named.pk, None)["comments"]
            ] == ["a citizen"]
    p["mail"].is_active = False
    p["mail"].save()
    assert selectors.proposal_page(city, named.pk, None)["author"] == "a deleted account"


def test_a_process_marks_its_current_phase_and_those_done(people):
    from zerocity.engage import selectors

    # given a process that is collecting proposals (its second phase)
    city, _ = people
    process = collecting(city)
    # then the phases list marks "collect" as now and "inform" as done, the others ahead
    got = [(ph["value"], ph["current"], ph["done"]) for ph in selectors.phases(process)]
    assert got == [("inform", False, True), ("collect", True, False),
                   ("deliberate", False, False), ("decide", False, False),
                   ("follow_up", False, False)]


@override("en")  # the messages as an English reader sees them
def test_follows_are_listed_by_name(people):
    from zerocity.engage import selectors
    from zerocity.plan.models import FieldOfAction

    # given a person following a process, a proposal, a district, a topic and a proposal
    # since withdrawn
    city, p = people
    process = collecting(city)
    FieldOfAction.objects.create(city=city, slug="mobility", name="Transport")
    kept = participation.submit_proposal(process, p["mail"], "Trees along the river",
                                         "Plant a row of trees along the river for shade.")
    gone = participation.submit_proposal(process, p["mail"], "Benches in the park",
                                         "More benches in the park near the school.")
    participation.withdraw(gone, p["mail"])
    for target in (f"process:{process.pk}", f"proposal:{kept.pk}", "district:center",
                   "topic:mobility", f"proposal:{gone.pk}"):
        notify.follow(p["res1"], city, target)
    # then My page names each, with a link where it has a page
    follows = selectors.me_page(p["res1"], city)["follows"]
    assert [f["label"] for f in follows] == [
        "Process: Ideas for a greener Testville", "Proposal: Trees along the river",
        "District: Center", "Topic: Transport", "A proposal that is no longer public"]
    assert follows[0]["url"] == f"/{city.slug}/participate/ideas/"
    assert follows[1]["url"] == f"/{city.slug}/participate/proposals/{kept.pk}/"
    assert selectors.follow_label(city, "district:center") == "District: Center"


@override("en")  # the messages as an English reader sees them
def test_the_footprint_names_diets_in_words(people):
    # then every diet the calculator knows has a label, none of them a code
    assert set(awareness.DIET_LABELS) == set(awareness.DIETS)
    assert all("_" not in str(label) for label in awareness.DIET_LABELS.values())
    assert str(awareness.DIET_LABELS["medium_meat"]) == "Some meat (50 to 99 g a day)"
