"""The citizen platform on the site, on the Kranj demo: what anyone reads, what each
verification level and role may do (the permission matrix), and the main actions through
the pages: support, comment and report, answer a survey, vote, verify, download one's data,
delete the account, one-click unsubscribe, and the staff's answers, moderation and paper
ballots."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from clients import client_for
from zerocity.core.models import Role
from zerocity.core.services import ensure_department, grant_role
from zerocity.engage.models import (
    Ballot,
    Budget,
    Comment,
    Level,
    Proposal,
    ProposalState,
    Response,
    Survey,
    Verification,
)
from zerocity.engage.services import notify, verification

pytestmark = pytest.mark.django_db


def url(path: str) -> str:
    return f"/en/kranj/{path}"


@pytest.fixture
def levels(kranj):  # type: ignore[no-untyped-def]
    """One person at each level, none of them in the demo's ballots yet: an account, a
    confirmed e-mail, a resident of the Center district (KR-1020, whose number the demo
    leaves free), plus staff."""
    out = {}
    for name in ("acc", "mailok", "resident"):
        user = grant_role(kranj, f"w-{name}", Role.CITIZEN).user
        user.email = f"{name}@example.org"
        user.save()
        out[name] = user
    for name in ("mailok", "resident"):
        verification.confirm_email(out[name], kranj, verification.email_token(out[name], kranj))
    verification.verify_resident(out["resident"], kranj, {"resident_number": "KR-1020",
                                                          "birth_date": "1980-01-01"})
    users = get_user_model().objects
    out["staff"] = users.get(username="ana.staff")
    return kranj, out


def test_everything_is_readable_by_anyone_and_the_home_page_shows_the_climate_status(levels):
    city, p = levels
    anonymous = Client()
    proposal = Proposal.objects.filter(process__city=city).first()
    survey = Survey.objects.get(process__city=city)
    budget = Budget.objects.filter(process__city=city).first()
    for page in ("", "participate/", "participate/zeleni-kranj-2030/",
                 f"participate/proposals/{proposal.pk}/", f"participate/surveys/{survey.pk}/",
                 f"participate/budgets/{budget.pk}/", "pledges/", "footprint/",
                 "accessibility/", "news/kranj-joins-the-100-climate-neutral-cities/"):
        assert anonymous.get(url(page)).status_code == 200, page
    home = anonymous.get("/sl/kranj/").content.decode()
    assert 'data-figure="emissions"' in home and 'data-figure="allowed"' in home
    assert "Kranj med 100 podnebno nevtralnimi mesti" in home  # news in Slovenian
    assert "The participatory budget results" not in anonymous.get(url("")).content.decode()
    assert anonymous.get(url("news/the-participatory-budget-results/")).status_code == 404
    for page in ("me/", "participate/manage/"):
        assert anonymous.get(url(page)).status_code == 302  # to the login
    assert client_for(p["resident"]).get(url("participate/manage/")).status_code == 404
    assert client_for(p["staff"]).get(url("participate/manage/")).status_code == 200


def test_each_action_needs_the_level_its_process_sets(levels, django_capture_on_commit_callbacks):
    """The permission matrix: propose (e-mail), support (resident), comment (e-mail),
    answer the survey (resident), vote (resident of the district), report (any account)."""
    city, p = levels
    proposal = Proposal.objects.get(process__city=city, title="Community gardens in Planina")
    survey = Survey.objects.get(process__city=city)
    budget = Budget.objects.get(process__city=city, district__code="center")
    projects = list(budget.projects.values_list("pk", flat=True)[:1])
    actions = {
        "propose": lambda c: c.post(url("participate/zeleni-kranj-2030/proposals/"), {
            "title": "Water fountains in every park", "body": "Drinking water fountains in "
                                                              "every park of the city."}),
        "support": lambda c: c.post(url(f"participate/proposals/{proposal.pk}/support/")),
        "comment": lambda c: c.post(url(f"participate/proposals/{proposal.pk}/comments/"),
                                    {"body": "Good idea.", "alignment": "1"}),
        "survey": lambda c: c.post(url(f"participate/surveys/{survey.pk}/answer/"), {
            "q1": "bike", "q3": ["safe cycle lanes"], "q4_0": "1", "q4_1": "2", "q4_2": "3",
            "q5_0": "low", "q5_1": "medium", "q5_2": "high"}),
        "vote": lambda c: c.post(url(f"participate/budgets/{budget.pk}/vote/"),
                                 {"projects": projects}),
    }
    done = {
        "propose": lambda u: Proposal.objects.filter(author=u).exists(),
        "support": lambda u: proposal.support_set.filter(user=u).exists(),
        "comment": lambda u: Comment.objects.filter(author=u).exists(),
        "survey": lambda u: Response.objects.filter(survey=survey).count() > 0 and
        Response.objects.filter(respondent=verification.keyed(
            "survey", str(survey.pk), str(u.pk))).exists(),
        "vote": lambda u: Ballot.objects.filter(budget=budget, voter=verification.keyed(
            "ballot", str(budget.pk), Verification.objects.get(
                user=u, city=city).resident_key or str(u.pk))).exists(),
    }
    needed = {"propose": Level.EMAIL, "support": Level.RESIDENT, "comment": Level.EMAIL,
              "survey": Level.RESIDENT, "vote": Level.RESIDENT}
    for who, level in (("acc", Level.ACCOUNT), ("mailok", Level.EMAIL),
                       ("resident", Level.RESIDENT)):
        c = client_for(p[who])
        for action, post in actions.items():
            with django_capture_on_commit_callbacks(execute=True):
                response = post(c)
            assert response.status_code == 302, (who, action)
            assert done[action](p[who]) is (level >= needed[action]), (who, action)
    anonymous = Client()
    for post in actions.values():
        assert post(anonymous).status_code == 302  # to the login, nothing done
    assert Proposal.objects.filter(title="Water fountains in every park").count() == 2


def test_a_resident_of_another_district_cannot_vote_in_the_centers_budget(levels):
    city, p = levels
    other = grant_role(city, "w-bitnje", Role.CITIZEN).user
    verification.confirm_email(other, city, verification.email_token(other, city))
    verification.verify_resident(other, city, {"resident_number": "KR-1024",  # Bitnje
                                               "birth_date": "1980-01-01"})
    budget = Budget.objects.get(process__city=city, district__code="center")
    project = budget.projects.first()
    before = budget.ballots.count()
    back = url(f"participate/budgets/{budget.pk}/")  # the ballot form's page, its "next"
    page = client_for(other).post(url(f"participate/budgets/{budget.pk}/vote/"),
                                  {"projects": [project.pk], "next": back},
                                  follow=True).content.decode()
    assert "Only residents of the budget" in page
    assert budget.ballots.count() == before  # nothing counted
    over = client_for(p["resident"]).post(url(f"participate/budgets/{budget.pk}/vote/"), {
        "projects": list(budget.projects.values_list("pk", flat=True)), "next": back},
        follow=True)
    assert "more than the 150,000.00\u00a0EUR to spend" in over.content.decode()
    assert budget.ballots.count() == before


def test_a_reported_comment_is_hidden_and_the_staff_moderate_and_block(levels):
    city, p = levels
    proposal = Proposal.objects.get(process__city=city, title="Repair café in the old town")
    author = grant_role(city, "w-troll", Role.CITIZEN).user
    verification.confirm_email(author, city, verification.email_token(author, city))
    client_for(author).post(url(f"participate/proposals/{proposal.pk}/comments/"),
                            {"body": "Nonsense, all of it.", "alignment": "-1"})
    bad = Comment.objects.get(author=author)
    reporters = [p["acc"], p["mailok"], p["resident"]]
    for who in reporters:
        client_for(who).post(url(f"participate/comments/{bad.pk}/report/"),
                             {"reason": "offensive"})
    bad.refresh_from_db()
    assert bad.hidden_at is not None
    page = Client().get(url(f"participate/proposals/{proposal.pk}/")).content.decode()
    assert "Nonsense, all of it." not in page and "hidden after reports" in page
    own = client_for(author).get(url(f"participate/proposals/{proposal.pk}/")).content.decode()
    assert "Nonsense, all of it." in own  # its author still sees it
    staff = client_for(p["staff"])
    assert f'data-comment="{bad.pk}"' in staff.get(url("participate/manage/")).content.decode()
    staff.post(url(f"participate/manage/comments/{bad.pk}/moderate/"),
               {"decision": "hide", "reason": "Insulting.", "block": "on"})
    blocked = client_for(author).post(url(f"participate/proposals/{proposal.pk}/comments/"),
                                      {"body": "Again.", "alignment": "0",
                                       "next": url(f"participate/proposals/{proposal.pk}/")},
                                      follow=True)
    assert "blocked" in blocked.content.decode()
    assert blocked.redirect_chain[-1][0] == url(f"participate/proposals/{proposal.pk}/")
    # the honeypot keeps robots out
    client_for(p["mailok"]).post(url(f"participate/proposals/{proposal.pk}/comments/"),
                                 {"body": "Buy now", "website": "http://spam.example"})
    assert not Comment.objects.filter(body="Buy now").exists()


def test_staff_answer_a_proposal_link_it_to_an_action_and_enter_paper_ballots(levels):
    city, p = levels
    proposal = Proposal.objects.get(process__city=city, title="Community gardens in Planina")
    staff = client_for(p["staff"])
    staff.post(url(f"participate/manage/proposals/{proposal.pk}/answer/"), {
        "state": "accepted", "answer": "Accepted: gardens next spring.", "action": "1.3"})
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.ACCEPTED and proposal.action.code == "1.3"
    page = Client().get(url(f"participate/proposals/{proposal.pk}/")).content.decode()
    assert 'data-figure="action"' in page and "/plan/actions/1.3/" in page
    budget = Budget.objects.get(process__city=city, district__code="center")
    project = budget.projects.first()
    for _ in range(2):
        staff.post(url(f"participate/manage/budgets/{budget.pk}/paper-ballots/"),
                   {"number": "KR-C-0099", "projects": [project.pk]})
    assert budget.ballots.filter(paper_number="KR-C-0099").count() == 1
    assert client_for(p["resident"]).post(
        url(f"participate/manage/proposals/{proposal.pk}/answer/"),
        {"state": "rejected", "answer": "No, no, no, no."}).status_code == 404


def test_verification_data_download_deletion_and_one_click_unsubscribe(
        levels, django_capture_on_commit_callbacks):
    city, p = levels
    c = client_for(p["acc"])
    with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after the commit
        c.post(url("me/confirm/"))
    (sent,) = mail.outbox
    link = next(w for w in sent.body.split() if "/me/confirm/" in w)
    c.get(link.replace("http://testserver", ""))
    assert verification.level(p["acc"], city) == Level.EMAIL
    c.post(url("me/resident/"), {"resident_number": "KR-1001", "birth_date": "1980-01-01"})
    assert verification.level(p["acc"], city) == Level.EMAIL  # KR-1001 is the demo citizen's
    c.post(url("me/resident/"), {"resident_number": "KR-1030", "birth_date": "1980-01-01"})
    assert verification.level(p["acc"], city) == Level.RESIDENT
    data = json.loads(client_for(p["resident"]).get(url("me/my-data.json")).content)
    assert set(data) == {"city", "exported_at", "user", "engage", "card", "reminders"}  # every app's part
    assert data["engage"]["account"]["username"] == "w-resident"
    assert data["engage"]["verification"]["district"] == "Center"
    assert data["card"]["accounts"] == []
    token = notify.unsubscribe_token(p["mailok"])
    assert Client().get(f"/en/unsubscribe/{token}/").status_code == 200
    assert notify.preference(p["mailok"]).unsubscribed_at is None  # a GET changes nothing
    Client().post(f"/en/unsubscribe/{token}/")
    assert notify.preference(p["mailok"]).unsubscribed_at is not None
    assert Client().post("/en/unsubscribe/forged/").status_code == 400
    proposal = Proposal.objects.filter(process__city=city).first()
    client_for(p["mailok"]).post(url(f"participate/proposals/{proposal.pk}/comments/"),
                                 {"body": "I was here.", "alignment": "0"})
    gone = client_for(p["mailok"])
    gone.post(url("me/delete/"), {"confirm": "yes"})
    emptied = get_user_model().objects.get(pk=p["mailok"].pk)
    assert not emptied.is_active and emptied.email == "" and not emptied.has_usable_password()
    assert emptied.username.startswith("deleted-")
    assert not Verification.objects.filter(user=emptied).exists()
    assert not emptied.follows.exists() and not emptied.notifications.exists()
    kept = Comment.objects.get(body="I was here.")
    assert kept.author is None  # the debate keeps the comment, without the name
    assert client_for(p["staff"]).post(url("me/delete/"), {"confirm": "yes"}).status_code == 302
    assert get_user_model().objects.filter(username="ana.staff").exists()


def test_signing_up_makes_a_citizen_account_and_sends_the_confirmation_link(
        kranj, django_capture_on_commit_callbacks):
    c = Client()
    weak = c.post(url("signup/"), {"username": "novak", "email": "novak@example.org",
                                   "password": "123"})
    assert weak.status_code == 400 and not get_user_model().objects.filter(
        username="novak").exists()
    taken = c.post(url("signup/"), {"username": "Citizen", "email": "x@example.org",
                                    "password": PASSWORD_OK})
    assert "This user name is taken." in taken.content.decode()
    robot = c.post(url("signup/"), {"username": "robot", "email": "r@example.org",
                                    "password": PASSWORD_OK, "website": "http://x"})
    assert robot.status_code == 400 and not get_user_model().objects.filter(
        username="robot").exists()
    with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after the commit
        made = c.post(url("signup/"), {"username": "novak", "email": "novak@example.org",
                                       "password": PASSWORD_OK})
    assert made.status_code == 302 and made["Location"].endswith("/kranj/me/")
    user = get_user_model().objects.get(username="novak")
    assert user.memberships.get(city=kranj).role == "citizen" and user.check_password(
        PASSWORD_OK)
    (sent,) = mail.outbox
    assert sent.to == ["novak@example.org"] and "/kranj/me/confirm/" in sent.body
    assert verification.level(user, kranj) == Level.ACCOUNT


PASSWORD_OK = "a-long-citizen-passphrase-2026"


def test_the_command_line_loads_the_census_and_sends_the_digest(kranj, tmp_path):
    from click.testing import CliRunner

    from zerocity.cli import main

    census = tmp_path / "census.csv"
    census.write_text("resident_number,birth_date,district\nKR-9,1990-05-05,bitnje\n")
    result = CliRunner().invoke(main, ["engage", "census", "--city", "kranj", str(census)])
    assert result.exit_code == 0 and "1 residents loaded" in result.output
    user = grant_role(kranj, "w-cli", Role.CITIZEN).user
    assert verification.verify_resident(user, kranj, {"resident_number": "KR-9",
                                                      "birth_date": "1990-05-05"}).district
    bad = tmp_path / "bad.csv"
    bad.write_text("resident_number,birth_date,district\nKR-10,1990-05-05,atlantis\n")
    result = CliRunner().invoke(main, ["engage", "census", "--city", "kranj", str(bad)])
    assert result.exit_code != 0 and "line 2, district" in result.output
    result = CliRunner().invoke(main, ["engage", "digest", "--city", "kranj"])
    assert result.exit_code == 0 and "digest mails sent" in result.output
    # the demo residents get the digest only: they have pending inbox entries
    assert int(result.output.split()[0]) > 0 and mail.outbox


def test_followers_of_a_plan_action_hear_of_its_changes_and_news_appear_when_scheduled(
        levels):
    from datetime import date, timedelta

    from django.utils.timezone import now

    from zerocity.plan.models import Action
    from zerocity.plan.services import set_milestone

    city, p = levels
    action = Action.objects.get(plan__city=city, code="1.3")
    c = client_for(p["mailok"])
    c.post(url("participate/follow/"), {"target": "action:1.3",
                                        "next": "/en/kranj/plan/actions/1.3/"})
    set_milestone(action, "First five school roofs", date(2027, 6, 30),
                  done=date(2027, 6, 1), by=p["staff"])
    inbox = c.get(url("me/")).content.decode()
    assert "First five school roofs done" in inbox
    page = Client().get(url("plan/actions/1.3/")).content.decode()
    assert "Solar panels on every school roof" in page  # the citizens' proposal behind it
    staff = client_for(p["staff"])
    later = (now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    staff.post(url("participate/manage/articles/"), {
        "title": "Bike week", "body": "Come and ride.", "title_sl": "Teden kolesa",
        "publish_at": later})
    assert "Bike week" not in Client().get(url("")).content.decode()  # scheduled
    staff.post(url("participate/manage/articles/"), {"title": "Bike lanes open",
                                                     "body": "Today."})
    assert "Bike lanes open" in Client().get(url("")).content.decode()
    assert client_for(p["resident"]).post(url("participate/manage/articles/"), {
        "title": "x", "body": "y"}).status_code == 404


def test_a_card_holder_sees_points_trips_and_challenges_on_their_page(levels):
    city, p = levels
    from django.contrib.auth import get_user_model

    citizen = get_user_model().objects.get(username="citizen")  # the demo's card holder
    page = client_for(citizen).get(url("me/")).content.decode()
    assert 'data-section="card"' in page and 'data-figure="points"' in page
    assert "Ten bus trips this month" in page
    assert 'data-section="card"' not in client_for(p["resident"]).get(url("me/")).content.decode()


def test_the_followers_of_a_topic_hear_of_an_article_when_it_appears(levels):
    from datetime import timedelta

    from django.utils.timezone import now

    from zerocity.engage.models import Article, Event
    from zerocity.engage.services import news

    city, p = levels
    assert "mobility-transport" in news.topics(city)  # the plan's fields of action
    c = client_for(p["mailok"])
    c.post(url("participate/follow/"), {"target": "topic:mobility-transport"})
    staff = client_for(p["staff"])
    staff.post(url("participate/manage/articles/"), {
        "title": "New bus line 7", "body": "From Monday.", "topic": "mobility-transport",
        "publish_at": (now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    article = Article.objects.get(title="New bus line 7")
    assert "New bus line 7" not in c.get(url("me/")).content.decode()  # not yet appeared
    assert news.announce(city, at=now() + timedelta(hours=3)) >= 1
    assert news.announce(city, at=now() + timedelta(hours=3)) == 0  # once
    article.refresh_from_db()
    assert article.announced_at is not None
    assert "New bus line 7" in c.get(url("me/")).content.decode()
    refused = staff.post(url("participate/manage/articles/"), {
        "title": "Odd", "body": "x", "topic": "astrology",
        "next": url("participate/manage/")}, follow=True)
    assert "Choose the topic among" in refused.content.decode()
    staff.post(url("participate/manage/events/"), {
        "title": "Car-free day", "starts_at": (now() + timedelta(days=4)).strftime(
            "%Y-%m-%dT%H:%M"), "place": "Glavni trg"})
    assert Event.objects.filter(title="Car-free day").exists()
    assert "Car-free day" in Client().get(url("")).content.decode()


def test_account_level_actions_and_staff_only_actions_by_role(levels):
    """Follow, report and pledge need an account (anonymous: to the login); every staff
    action is a 404 for a resident, however verified, and works for staff."""
    from zerocity.engage.models import Pledge, Report

    city, p = levels
    proposal = Proposal.objects.filter(process__city=city).first()
    comment = Comment.objects.filter(proposal__process__city=city, hidden_at=None).first()
    pledge = Pledge.objects.filter(city=city).first()
    anonymous, account = Client(), client_for(p["acc"])
    posts = [(url("participate/follow/"), {"target": f"proposal:{proposal.pk}"}),
             (url(f"participate/comments/{comment.pk}/report/"), {"reason": "spam"}),
             (url(f"pledges/{pledge.pk}/take/"), {})]
    for path, data in posts:
        response = anonymous.post(path, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert account.post(path, data).status_code == 302
    assert notify.following(p["acc"], city, f"proposal:{proposal.pk}")
    assert Report.objects.filter(comment=comment, user=p["acc"]).exists()
    assert pledge.taken.filter(user=p["acc"]).exists()
    budget = Budget.objects.filter(process__city=city).first()
    staff_posts = [
        (url(f"participate/manage/proposals/{proposal.pk}/answer/"),
         {"state": "evaluating", "answer": "We look at it."}),
        (url(f"participate/manage/comments/{comment.pk}/moderate/"), {"decision": "keep"}),
        (url(f"participate/manage/budgets/{budget.pk}/paper-ballots/"),
         {"number": "X-1", "projects": [budget.projects.first().pk]}),
        (url("participate/manage/articles/"), {"title": "T", "body": "B"}),
        (url("participate/manage/events/"), {"title": "E", "place": "P",
                                             "starts_at": "2030-01-01T10:00"}),
    ]
    resident = client_for(p["resident"])
    for path, data in staff_posts:
        assert resident.post(path, data).status_code == 404, path
    assert budget.ballots.filter(paper_number="X-1").count() == 0
    staff = client_for(p["staff"])
    for path, data in staff_posts:
        assert staff.post(path, data).status_code == 302, path
    assert budget.ballots.filter(paper_number="X-1").count() == 1


def test_the_home_pages_climate_status_is_read_once_per_version_of_the_inventories(
        levels, django_assert_num_queries):
    """``selectors.climate_status``: the latest published inventory, the target and the plan's
    actions, kept per version of the city's inventories, so that a second visit asks the
    database only for that version."""
    from django.core.cache import cache

    from zerocity.engage import selectors

    city, p = levels
    cache.clear()
    status = selectors.climate_status(city)
    assert status["latest"]["year"] > status["baseline"]["year"]
    assert status["figures"]["target_year"] == city.plan.target_year
    assert status["actions"] == sum(n for _, n in status["counts"]) > 0
    with django_assert_num_queries(1):
        assert selectors.climate_status(city) == status
    home = Client().get(url("")).content.decode()
    assert f'data-figure="actions">{status["actions"]}<' in home


# -- feedback while taking part (issue 17) --------------------------------------------------------

def test_after_voting_the_budget_page_shows_the_ballot_and_its_receipt_not_the_empty_ballot(
        levels):
    from zerocity.engage import selectors

    # given the Center budget's page for a resident of the Center who has not voted
    city, p = levels
    budget = Budget.objects.get(process__city=city, district__code="center")
    c = client_for(p["resident"])
    page = c.get(url(f"participate/budgets/{budget.pk}/")).content.decode()
    assert 'data-form="ballot"' in page and 'data-meter="knapsack"' in page
    assert "Choose projects costing up to 150,000 EUR in all" in page  # said without JS too
    assert 'data-section="my-ballot"' not in page
    # when they vote for two projects
    chosen = list(budget.projects.order_by("cost")[:2])
    after = c.post(url(f"participate/budgets/{budget.pk}/vote/"),
                   {"projects": [x.pk for x in chosen]}, follow=True).content.decode()
    # then the page shows what they voted for, the total and the receipt, and no ballot form
    ballot = selectors.my_ballot(budget, p["resident"])
    assert ballot is not None
    for shown in (after, c.get(url(f"participate/budgets/{budget.pk}/")).content.decode()):
        assert 'data-form="ballot"' not in shown
        assert f'<strong data-figure="receipt">{ballot["receipt"]}</strong>' in shown
        assert all(x.title in shown for x in chosen)
        assert f"Spent {int(ballot['spent']):,} of 150,000 EUR." in shown
    # and a second ballot sent anyway (an old tab) is refused and changes nothing
    again = c.post(url(f"participate/budgets/{budget.pk}/vote/"),
                   {"projects": [chosen[0].pk],
                    "next": url(f"participate/budgets/{budget.pk}/")}, follow=True)
    assert "You have already voted in this budget." in again.content.decode()
    assert Ballot.objects.filter(budget=budget, voter=ballot["ballot"].voter).count() == 1
    # and the whole city's "approve up to 2" budget counts projects, not euros
    city_wide = Budget.objects.get(process__city=city, district__isnull=True)
    approval = c.get(url(f"participate/budgets/{city_wide.pk}/")).content.decode()
    assert 'data-meter="approval"' in approval and "Choose up to 2 projects" in approval
    assert "Chosen 0 of at most 2 projects." in approval


def test_a_ranking_with_a_place_given_twice_is_refused_with_the_number_seen(levels):
    # given the demo survey, whose question 2 is asked of car drivers only
    city, p = levels
    survey = Survey.objects.get(process__city=city)
    c = client_for(p["resident"])
    page = c.get(url(f"participate/surveys/{survey.pk}/")).content.decode()
    # then the blank form numbers the questions asked 1, 2, 3... and the car drivers'
    # question has no number, its condition named by the question it depends on
    assert '<span data-number>1. </span>How do you usually travel?' in page
    assert '<span data-number></span>Would you take the bus' in page
    assert '<span data-number>2. </span>What would make you drive less?' in page
    assert "to “How do you usually travel?”" in page
    assert '<select id="q4_0" name="q4_0">' in page  # ranking by places, not typed numbers
    # when a ranking gives place 1 twice
    answer = {"q1": "bike", "q3": ["safe cycle lanes"], "q4_0": "1", "q4_1": "1", "q4_2": "3",
              "q5_0": "low", "q5_1": "medium", "q5_2": "high",
              "next": url(f"participate/surveys/{survey.pk}/")}
    refused = c.post(url(f"participate/surveys/{survey.pk}/answer/"), answer, follow=True)
    # then it is refused, naming the question by the number the person saw (3, not 4)
    assert "Question 3: rank every option once." in refused.content.decode()
    assert not survey.responses.exists()


def test_proposals_show_author_date_and_progress_and_the_process_its_current_phase(levels):
    # given the demo's process, collecting proposals, and a proposal collecting support
    city, p = levels
    proposal = Proposal.objects.get(process__city=city, title="Community gardens in Planina")
    process_page = Client().get(url("participate/zeleni-kranj-2030/")).content.decode()
    # then the phase now is marked for eyes and for screen readers
    assert ('<li data-phase="collect" aria-current="step"><strong>Collect</strong>'
            in process_page)
    assert process_page.count('aria-current="step"') == 1
    # and each proposal names its author by display name, never the user name
    author = proposal.author
    assert author is not None and author.username not in process_page
    name = f"{author.first_name} {author.last_name[0]}."
    assert f"by {name} on" in process_page
    page = Client().get(url(f"participate/proposals/{proposal.pk}/")).content.decode()
    assert f"Proposed by {name} on" in page and author.username not in page
    assert (f'<progress max="5" value="{proposal.supports}" '
            f'aria-labelledby="supports-{proposal.pk}">') in page


def test_following_is_confirmed_and_my_page_lists_follows_by_name(levels):
    # given a person on the process page
    city, p = levels
    c = client_for(p["acc"])
    process = "participate/zeleni-kranj-2030/"
    # when they follow the process and the topic of transport
    done = c.post(url("participate/follow/"), {"target": "process:"
                  + str(Proposal.objects.filter(process__city=city).first().process_id),
                  "next": url(process)}, follow=True).content.decode()
    # then the page they come back to says so, by the process's name
    assert "You follow Process: Zeleni Kranj 2030" in done
    c.post(url("participate/follow/"), {"target": "topic:mobility-transport"})
    me = c.get(url("me/")).content.decode()
    assert "Process: Zeleni Kranj 2030" in me and "Topic: " in me
    assert "process:" not in me.split('data-section="follows"')[1].split("</ul>")[0].replace(
        'value="process:', "")
    # and stopping is confirmed too
    stopped = c.post(url("participate/follow/"), {"target": "topic:mobility-transport",
                                                  "stop": "1"}, follow=True).content.decode()
    assert "You no longer follow Topic: " in stopped


def test_the_footprint_offers_diets_by_name(levels):
    page = Client().get(url("footprint/?diet=vegan")).content.decode()
    assert '<option value="vegan" selected>Vegan</option>' in page
    assert ">Some meat (50 to 99 g a day)</option>" in page and ">medium_meat<" not in page
    assert "Vegan (Scarborough et al. 2014" in page


def test_staff_check_a_voters_receipt_and_see_the_ballot_counted_never_who_cast_it(levels):
    """The receipt page: city staff and administrators enter a code a voter quotes and see
    whether the ballot is counted and for which projects; a citizen and another city's staff
    get "page not found", a visitor the login; the page names nobody."""
    from zerocity.core.models import City
    from zerocity.engage import selectors

    # given a resident of the Center who voted for two projects
    city, p = levels
    budget = Budget.objects.get(process__city=city, district__code="center")
    chosen = list(budget.projects.order_by("cost")[:2])
    client_for(p["resident"]).post(url(f"participate/budgets/{budget.pk}/vote/"),
                                   {"projects": [x.pk for x in chosen]})
    mine = selectors.my_ballot(budget, p["resident"])
    assert mine is not None
    code = mine["receipt"]
    page_url = url(f"participate/manage/budgets/{budget.pk}/receipts/")
    quoted = {"code": code.lower().replace("-", " ")}  # as a voter reads it on the phone
    # when the city's staff and its administrator enter the code
    admin = get_user_model().objects.get(username="marko.admin")
    for person in (p["staff"], admin):
        response = client_for(person).get(page_url, quoted)
        # then they see the ballot counted, its projects and the day; no voter, no account
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        page = response.content.decode()
        assert 'data-state="counted"' in page and f"Ballot {code} is counted" in page
        assert all(x.title in page for x in chosen)
        unchosen = budget.projects.exclude(pk__in=[x.pk for x in chosen]).first()
        assert unchosen is not None and unchosen.title not in page
        assert "Cast online on" in page
        for secret in (p["resident"].username, p["resident"].email, mine["ballot"].voter):
            assert secret not in page
    # and a code no ballot has is said so, and counts nothing
    wrong = client_for(p["staff"]).get(page_url, {"code": "0000-0000-0000"}).content.decode()
    assert 'data-state="unknown"' in wrong and "No ballot of this budget has that receipt" in wrong
    # and another budget's page does not know this budget's receipt
    other = Budget.objects.filter(process__city=city).exclude(pk=budget.pk).first()
    elsewhere = client_for(p["staff"]).get(
        url(f"participate/manage/budgets/{other.pk}/receipts/"), quoted).content.decode()
    assert 'data-state="unknown"' in elsewhere
    # and the page reads in Slovenian
    sl = client_for(p["staff"]).get(page_url.replace("/en/", "/sl/"), quoted).content.decode()
    assert "Preveri potrdilo volivca" in sl and 'data-state="counted"' in sl
    # and it is linked from the staff's participation page and the budget's page, for staff
    assert page_url in client_for(p["staff"]).get(url("participate/manage/")).content.decode()
    budget_page = url(f"participate/budgets/{budget.pk}/")
    assert page_url in client_for(p["staff"]).get(budget_page).content.decode()
    assert page_url not in client_for(p["resident"]).get(budget_page).content.decode()
    assert page_url not in Client().get(budget_page).content.decode()
    # and refused: a citizen and another city's staff do not find it, a visitor must log in
    ljubljana = City.objects.create(slug="ljubljana", name="Ljubljana", country="SI",
                                    timezone="Europe/Ljubljana")
    outsider = grant_role(ljubljana, "lj-staff", Role.STAFF,
                          department=ensure_department(ljubljana, "climate", "Climate")).user
    for person in (p["resident"], p["acc"], outsider):
        assert client_for(person).get(page_url, quoted).status_code == 404
    anonymous = Client().get(page_url, quoted)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

def test_one_click_unsubscribe_from_a_mail_program_is_not_refused_by_csrf(levels):
    """RFC 8058: the mail program POSTs ``List-Unsubscribe=One-Click`` to the address in the
    mail's header, as it is (no language prefix, no CSRF token, no cookie)."""
    from urllib.parse import urlsplit

    from django.utils.timezone import now

    from zerocity.engage.models import Notification

    city, p = levels
    notify.set_mail_preferences(p["mailok"], city, immediate=False, digest=True)
    Notification.objects.create(user=p["mailok"], city=city, target="process:1",
                                subject="News", url="/", created_at=now())
    assert notify.digest(city) >= 1  # the demo's residents get theirs too
    (sent,) = [m for m in mail.outbox if m.to == ["mailok@example.org"]]
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = urlsplit(sent.extra_headers["List-Unsubscribe"].strip("<>")).path
    mail_program = Client(enforce_csrf_checks=True)
    answer = mail_program.post(address, "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert notify.preference(p["mailok"]).unsubscribed_at is not None
    forged = mail_program.post(address.replace("/unsubscribe/", "/unsubscribe/x"),
                               "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
    assert forged.status_code == 400
    # every other form still needs its CSRF token
    assert mail_program.post("/en/kranj/participate/follow/", {"target": "process:1"}
                             ).status_code == 403
