"""The governance pages: who may see and keep what (the permission matrix), a declaration of
interest recounting the item on the keeper's page (check 21), the public body page's figures
against the service layer, and a working group's sector panel against the climate budget."""

from __future__ import annotations

import re
from datetime import date

import pytest

from clients import client_for
from governance_people import council
from test_mobility_planning_web import figure, table
from zerocity.governance import selectors, services
from zerocity.governance.models import Declaration, Meeting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

DAY = date(2026, 3, 2)


def _meeting(c):  # type: ignore[no-untyped-def]
    meeting = services.add_meeting(c["body"], DAY, place="City hall", actor="test")
    item = services.add_item(meeting, "Grid reinforcement", actor="test")
    services.record_attendance(meeting, {s.pk for s in c["seats"]}, actor="test")
    return meeting, item


def test_the_bodies_are_public_and_a_meetings_workspace_is_for_its_keepers(city):
    c = council(city)
    meeting, _item = _meeting(c)
    who = {"anonymous": None, "citizen": c["citizen"], "staff": c["staff"],
           "secretary": c["secretary"], "chair": c["mayor"], "admin": c["admin"]}
    for url in ("/en/testville/governance/", "/en/testville/governance/council/"):
        assert {k: client_for(u).get(url).status_code for k, u in who.items()} == dict.fromkeys(
            who, 200)
    manage = f"/en/testville/governance/council/meetings/{meeting.pk}/manage/"
    pages = {k: client_for(u).get(manage) for k, u in who.items()}
    assert {k: r.status_code for k, r in pages.items()} == {
        "anonymous": 302, "citizen": 404, "staff": 404, "secretary": 200, "chair": 200,
        "admin": 200}
    assert "no-store" in pages["secretary"]["Cache-Control"]
    # a draft's public page does not exist until the minutes are approved
    public = f"/en/testville/governance/council/meetings/{meeting.pk}/"
    assert client_for(None).get(public).status_code == 404
    # a staff member who keeps nothing cannot post either: nothing changes
    item = meeting.items.get()
    response = client_for(c["staff"]).post(
        f"/en/testville/governance/council/meetings/{meeting.pk}/declare/",
        {"item": item.pk, "member": c["grid"].pk, "interest": "x"})
    assert response.status_code == 404 and not Declaration.objects.exists()


def test_check_21_the_secretary_records_a_declaration_and_the_item_is_recounted(city):
    c = council(city)
    meeting, item = _meeting(c)
    client = client_for(c["secretary"])
    manage = f"/en/testville/governance/council/meetings/{meeting.pk}/manage/"
    before = client.get(manage).content.decode()
    assert "27 eligible members, majority 14, 27 present" in before
    response = client.post(f"/en/testville/governance/council/meetings/{meeting.pk}/declare/",
                           {"item": item.pk, "member": c["grid"].pk,
                            "interest": "Employed by the grid operator"}, follow=True)
    page = response.content.decode()
    count = selectors.item_count(item)
    assert (count.eligible, count.majority) == (26, 14)
    assert "26 eligible members, majority 14, 26 present" in page
    assert ("Eva Grid (Elektro Gorenjska) declared an interest: Employed by the grid "
            "operator. Recused from this item.") in page
    # the vote, the decision and the approval: the public page prints the minutes
    base = f"/en/testville/governance/council/meetings/{meeting.pk}"
    client.post(f"{base}/vote/", {"item": item.pk, "for": "20", "against": "4",
                                  "abstain": "2"})
    client.post(f"{base}/decisions/", {"text": "Study the grid", "item": item.pk,
                                       "owner": f"d:{c['office'].pk}",
                                       "deadline": "2026-06-01"})
    refused = client.post(f"{base}/decisions/", {"text": "No owner", "owner": "",
                                                 "deadline": "2026-06-01", "next": manage},
                          follow=True)
    assert "Every decision has an owner" in refused.content.decode()
    client.post(f"{base}/approve/")
    assert Meeting.objects.get(pk=meeting.pk).minutes_approved_at is not None
    public = client_for(None).get(f"{base}/").content.decode()
    assert "Vote: 20 for, 4 against, 2 abstained" in public
    assert table(public, f"decisions-{meeting.pk}") == [
        ["Study the grid", "Climate office Testville", "1 Jun 2026"]]


def test_the_body_page_shows_members_and_counts_as_the_services_give_them(city):
    c = council(city)
    page = client_for(None).get("/en/testville/governance/council/").content.decode()
    data = selectors.body_page(c["body"], city.calendar.today())
    assert figure(page, "voting") == str(data["voting"]) == "27"
    assert figure(page, "quorum") == str(data["quorum"]) == "14"
    assert figure(page, "minutes_days") == "15"
    rows = table(page, "members")
    assert len(rows) == 28  # 27 members and the secretary
    assert rows[1][:3] == ["Eva Grid", "Elektro Gorenjska Utility", "Member"]
    assert "example.org" not in page  # no e-mail is ever published


def test_a_keeper_adds_a_meeting_from_the_body_page(city):
    c = council(city)
    client = client_for(c["secretary"])
    page = client.get("/en/testville/governance/council/").content.decode()
    assert 'data-keeper="1"' in page
    assert 'data-keeper="1"' not in client_for(c["staff"]).get(
        "/en/testville/governance/council/").content.decode()
    response = client.post("/en/testville/governance/council/meetings/add/",
                           {"date": "2026-03-02", "place": "City hall"})
    meeting = Meeting.objects.get(body=c["body"])
    assert response.status_code == 302 and response["Location"].endswith(
        f"/meetings/{meeting.pk}/manage/")
    bad = client.post("/en/testville/governance/council/meetings/add/",
                      {"date": "soon", "next": "/en/testville/governance/council/"},
                      follow=True)
    assert "Enter the date as YYYY-MM-DD." in bad.content.decode()


def test_a_working_groups_page_shows_its_sectors_in_the_climate_budget(kranj):
    from zerocity.plan.budget import climate_budget
    from zerocity.plan.models import Plan

    group = services.add_body(kranj, "transport-group", "Transport group", "working_group",
                              sector="transport", actor="test")
    page = client_for(None).get("/en/kranj/governance/transport-group/").content.decode()
    table_rows = table(page, "sectors")
    budget = climate_budget(Plan.objects.get(city=kranj))
    panel = selectors_panel(group)
    year_at = budget["years"].index(panel["year"])
    transport = budget["sectors"]["transport"]
    from test_mobility_planning_web import n

    assert table_rows == [["Transport", n(transport["baseline"]),
                           n(transport["projected"][year_at]),
                           n(transport["ceiling"][year_at]),
                           n(transport["margin"][year_at])]]
    codes = re.findall(r'data-action="([^"]+)"', page)
    assert codes == [c["code"] for c in transport["carriers"]]


def selectors_panel(group):  # type: ignore[no-untyped-def]
    from zerocity.governance.sectors import sector_panel

    return sector_panel(group, group.city.calendar.today())


def test_a_decision_on_the_meetings_page_opens_a_plan_change_or_a_commitment(kranj):
    from zerocity.plan.models import Action, ActionProposal, Commitment

    c = council(kranj)
    meeting, item = _meeting(c)
    client = client_for(c["secretary"])
    base = f"/en/kranj/governance/council/meetings/{meeting.pk}"
    manage = client.get(f"{base}/manage/").content.decode()
    action = Action.objects.filter(plan__city=kranj).order_by("code").first()
    assert f'<option value="{action.code}">' in manage
    client.post(f"{base}/decisions/", {"text": "Start earlier", "owner": f"m:{c['grid'].pk}",
                                       "deadline": "2026-06-01", "action": action.code,
                                       "field": "start_year", "value": "2026"})
    proposal = ActionProposal.objects.get(action=action)
    assert (proposal.changes, proposal.note) == ({"start_year": 2026}, "Start earlier")
    client.post(f"{base}/decisions/", {"text": "Commit", "owner": f"m:{c['grid'].pk}",
                                       "deadline": "2026-06-01",
                                       "organisation": "Elektro Gorenjska d.d.",
                                       "commitment": "Connect the solar co-operatives",
                                       "group": "energy"})
    assert Commitment.objects.get(organisation="Elektro Gorenjska d.d.").group == "energy"
    refused = client.post(f"{base}/decisions/", {
        "text": "X", "owner": f"m:{c['grid'].pk}", "deadline": "2026-06-01",
        "action": "NOPE", "field": "start_year", "value": "1", "next": f"{base}/manage/"},
        follow=True)
    assert "The plan has no action NOPE." in refused.content.decode()
    assert [d["text"] for d in selectors.minutes(meeting)["decisions"]] == [
        "Start earlier", "Commit"]


def test_an_uploaded_paper_is_kept_by_its_sha256_and_public_once_the_minutes_are_approved(
        city, settings, tmp_path, django_capture_on_commit_callbacks):
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_DIR = tmp_path
    c = council(city)
    meeting, _item = _meeting(c)
    client = client_for(c["secretary"])
    base = f"/en/testville/governance/council/meetings/{meeting.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base}/items/", {"title": "Heat", "paper_file": SimpleUploadedFile(
            "study.pdf", b"%PDF-1.4 study")})
    (paper,) = selectors.minutes(meeting)["items"][1]["papers"]
    assert paper["sha256"] == hashlib.sha256(b"%PDF-1.4 study").hexdigest()
    assert (tmp_path / "governance" / "papers" / paper["sha256"]).read_bytes() == \
        b"%PDF-1.4 study"
    url = f"/en/testville/governance/council/papers/{paper['id']}/"
    assert client_for(None).get(url).status_code == 404
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 study"
    services.approve_minutes(meeting, actor="test")
    public = client_for(None).get(url)
    assert public.status_code == 200 and "study.pdf" in public["Content-Disposition"]
