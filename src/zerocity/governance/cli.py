"""``zerocity governance``: the bodies of the transition, their members, meetings and minutes
(docs/governance.md)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def governance() -> None:
    """The council, the transition team and the working groups: members, meetings, minutes."""


@governance.command("body-add")
@city_opt
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["council", "team", "working_group"]), required=True)
@click.option("--sector", default="", help="A working group's sector: energy, transport, "
              "waste, green, construction.")
@click.option("--parent", default="", help="The slug of the body it reports to.")
@click.option("--quorum", type=click.Choice(["majority", "two_thirds"]), default="majority",
              show_default=True)
@click.option("--minutes-days", type=click.IntRange(1, 90), default=15, show_default=True,
              help="Working days after a meeting within which its minutes are due.")
@handles_errors
def body_add(city_slug: str, slug: str, name: str, kind: str, sector: str, parent: str,
             quorum: str, minutes_days: int) -> None:
    """Add a body (a body with the slug already is left as it is)."""
    from zerocity.core.selectors import get_city
    from zerocity.governance import selectors, services

    city = get_city(city_slug)
    up = selectors.body(city, parent) if parent else None
    body = services.add_body(city, slug, name, kind, sector=sector, parent=up, quorum=quorum,
                             minutes_days=minutes_days, actor=ACTOR)
    click.echo(f"{city_slug}/{body.slug}: {body.name}")


@governance.command("member-add")
@city_opt
@click.option("--body", "body_slug", required=True)
@click.option("--name", required=True)
@click.option("--side", type=click.Choice(["city", "utility", "business", "ngo", "academia",
                                           "public"]), required=True)
@click.option("--organisation", default="")
@click.option("--role", type=click.Choice(["chair", "co_chair", "secretary", "member",
                                           "deputy"]), default="member", show_default=True)
@click.option("--deputy-for", type=int, help="The id of the member a deputy stands in for.")
@click.option("--start", type=DAY, required=True)
@click.option("--end", type=DAY)
@click.option("--no-vote", is_flag=True, help="Not counted for the quorum (a secretary from "
              "the administration).")
@handles_errors
def member_add(city_slug: str, body_slug: str, name: str, side: str, organisation: str,
               role: str, deputy_for: int | None, start: datetime, end: datetime | None,
               no_vote: bool) -> None:
    """Add a member to a body for a term."""
    from zerocity.governance import selectors, services

    body = selectors.body(city_slug, body_slug)
    principal = selectors.seat(body, deputy_for) if deputy_for else None
    m = services.add_member(body, name, side, role=role, organisation=organisation,
                            deputy_for=principal, start=start.date(),
                            end=end.date() if end else None, votes=not no_vote, actor=ACTOR)
    click.echo(f"member {m.pk}: {m.name} ({m.organisation or m.side}), {m.role}")


@governance.command("meeting-add")
@city_opt
@click.option("--body", "body_slug", required=True)
@click.option("--date", "day", type=DAY, required=True)
@click.option("--place", default="")
@click.option("--item", "items", multiple=True, help="An agenda item's title (repeatable, in "
              "order).")
@handles_errors
def meeting_add(city_slug: str, body_slug: str, day: datetime, place: str,
                items: tuple[str, ...]) -> None:
    """Add the body's next meeting with its agenda."""
    from zerocity.governance import selectors, services

    body = selectors.body(city_slug, body_slug)
    meeting = services.add_meeting(body, day.date(), place=place, actor=ACTOR)
    for title in items:
        services.add_item(meeting, title, actor=ACTOR)
    click.echo(f"meeting {meeting.pk}: {body.slug} #{meeting.number} on {meeting.date}, "
               f"{len(items)} items; minutes due {selectors.due_on(meeting)}")


@governance.command("declare")
@city_opt
@click.option("--meeting", "meeting_id", type=int, required=True)
@click.option("--item", "position", type=int, required=True, help="The item's position.")
@click.option("--member", "member_id", type=int, required=True)
@click.option("--interest", required=True, help="What the interest is.")
@handles_errors
def declare(city_slug: str, meeting_id: int, position: int, member_id: int,
            interest: str) -> None:
    """Record a member's declaration of interest in an item: it recuses them from it."""
    from zerocity.governance import selectors, services

    meeting = selectors.city_meeting(city_slug, meeting_id)
    item = selectors.agenda_item(meeting, position)
    member = selectors.seat(meeting.body, member_id)
    services.declare_interest(item, member, interest, actor=ACTOR)
    count = selectors.item_count(item)
    click.echo(f"item {position}: {member.name} recused; {count.eligible} eligible, "
               f"majority {count.majority}")


@governance.command("minutes")
@city_opt
@click.option("--meeting", "meeting_id", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text",
              show_default=True)
@handles_errors
def minutes(city_slug: str, meeting_id: int, fmt: str) -> None:
    """A meeting's minutes: attendance, declarations and recusals, counts, votes, decisions."""
    from zerocity.governance import selectors

    data = selectors.minutes(selectors.city_meeting(city_slug, meeting_id))
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{data['body_name']} #{data['meeting']} {data['date']} "
               f"(minutes due {data['minutes_due']}{', approved' if data['approved'] else ''})")
    click.echo(f"present: {len(data['attendance']['present'])}, "
               f"absent: {len(data['attendance']['absent'])}")
    for item in data["items"]:
        click.echo(f"{item['position']}. {item['title']}: {item['eligible']} eligible, "
                   f"majority {item['majority']}, present {item['present']}")
        for d in item["declarations"]:
            click.echo(f"   interest declared, recused: {d['member']} ({d['organisation']}): "
                       f"{d['interest']}")
        if item["vote"]:
            v = item["vote"]
            click.echo(f"   vote {v['for']}/{v['against']}/{v['abstain']}: "
                       f"{'adopted' if v['adopted'] else 'not adopted'}")
    for d in data["decisions"]:
        click.echo(f"decision: {d['text']} (owner {d['owner']}, deadline {d['deadline']})")


@governance.command("vote")
@city_opt
@click.option("--meeting", "meeting_id", type=int, required=True)
@click.option("--item", "position", type=int, required=True, help="The item's position.")
@click.option("--for", "votes_for", type=click.IntRange(0), required=True)
@click.option("--against", type=click.IntRange(0), required=True)
@click.option("--abstain", type=click.IntRange(0), default=0, show_default=True)
@handles_errors
def vote(city_slug: str, meeting_id: int, position: int, votes_for: int, against: int,
         abstain: int) -> None:
    """Record the vote on an item: refused without a quorum of its eligible members present,
    or with more votes than they are."""
    from zerocity.governance import selectors, services

    item = selectors.agenda_item(selectors.city_meeting(city_slug, meeting_id), position)
    found = services.record_vote(item, votes_for, against, abstain, actor=ACTOR)
    click.echo(f"item {position}: {found.votes_for}/{found.votes_against}/{found.abstentions}"
               f" {'adopted' if found.adopted else 'not adopted'}")


@governance.command("decide")
@city_opt
@click.option("--meeting", "meeting_id", type=int, required=True)
@click.option("--text", required=True)
@click.option("--deadline", type=DAY, required=True)
@click.option("--owner-member", type=int, help="The id of the member who carries it out.")
@click.option("--owner-department", default="", help="The slug of the department who "
              "carries it out.")
@click.option("--item", "position", type=int, help="The agenda item's position it answers.")
@handles_errors
def decide(city_slug: str, meeting_id: int, text: str, deadline: datetime,
           owner_member: int | None, owner_department: str, position: int | None) -> None:
    """Record a decision with its owner (a member or a department) and its deadline."""
    from zerocity.governance import selectors, services

    meeting = selectors.city_meeting(city_slug, meeting_id)
    owner = ({"owner_member": selectors.seat(meeting.body, owner_member)} if owner_member
             else {"owner_department": selectors.department_named(meeting.body.city,
                                                                  owner_department)}
             if owner_department else {})
    item = selectors.agenda_item(meeting, position) if position else None
    found = services.add_decision(meeting, text, deadline=deadline.date(), item=item,
                                  actor=ACTOR, **owner)
    data = selectors.decision_data(found)
    click.echo(f"decision {found.pk}: {data['text']} (owner {data['owner']}, deadline "
               f"{data['deadline']})")


@governance.command("approve")
@city_opt
@click.option("--meeting", "meeting_id", type=int, required=True)
@handles_errors
def approve(city_slug: str, meeting_id: int) -> None:
    """Approve a meeting's minutes: they are published and no longer change."""
    from zerocity.governance import selectors, services

    meeting = services.approve_minutes(selectors.city_meeting(city_slug, meeting_id),
                                       actor=ACTOR)
    click.echo(f"meeting {meeting.pk}: minutes approved "
               f"{meeting.minutes_approved_at.date() if meeting.minutes_approved_at else ''}")


@governance.command("done")
@city_opt
@click.option("--decision", "decision_id", type=int, required=True)
@click.option("--on", "day", type=DAY, help="The day it was carried out (default: today in "
              "the city).")
@handles_errors
def done(city_slug: str, decision_id: int, day: datetime | None) -> None:
    """Mark a decision carried out; its reminders stop."""
    from zerocity.governance import selectors, services

    decision = selectors.city_decision(city_slug, decision_id)
    on = day.date() if day else decision.meeting.body.city.calendar.today()
    found = services.mark_done(decision, on, actor=ACTOR)
    click.echo(f"decision {decision.pk}: done on {found.on}")
