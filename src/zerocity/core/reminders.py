"""The reminder digest: what people owe the transition work (``hooks.due``: a milestone due
soon or late, an indicator not updated, minutes overdue, a decision past its deadline), mailed
on the city's working days at intervals that do not nag, one mail per person per run.

The rules are Kausal Watch's (research §5, docs/reminders.md):

- something late is reminded of on its 1st, 7th, 30th, 60th, 90th... day late;
- something due soon 30, 7 and 1 days before it is due;
- something not updated at most once in 30 days;
- never two reminders of one thing to one person fewer than 5 days apart.

Mail goes only on the city's working days (``CityCalendar``). A reminder whose day falls on a
weekend or a holiday, or that the 5-day spacing holds back, waits for the next working day
that allows it: one mail then, however many of its days passed, never lost and never doubled.
What was sent is kept per thing, person and kind (``ReminderSent``), so running the digest
again on the same day sends nothing new. People without an e-mail address and deactivated
accounts are not reminded.

``schedule`` and ``decide`` are pure; ``send`` reads the hooks and writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from zerocity.core import audit, hooks
from zerocity.core.calendar import CityCalendar
from zerocity.core.models import City, ReminderSent

KINDS = ("due_soon", "late", "not_updated")
DUE_SOON_DAYS = (30, 7, 1)  # days before the due day
LATE_DAYS = (1, 7)  # then every 30th day late
LATE_EVERY = 30
NOT_UPDATED_EVERY = 30
MIN_APART = 5


def trigger(kind: str, due: date, today: date) -> date | None:
    """The latest day on or before ``today`` on which a reminder of this kind is owed, or
    None when none is owed yet. For "not_updated" every day is one (the 30-day spacing is
    ``decide``'s)."""
    if kind == "late":
        late = (today - due).days
        if late < LATE_DAYS[0]:
            return None
        if late < LATE_EVERY:
            return due + timedelta(days=max(n for n in LATE_DAYS if n <= late))
        return due + timedelta(days=late // LATE_EVERY * LATE_EVERY)
    if kind == "due_soon":
        days = [due - timedelta(days=n) for n in DUE_SOON_DAYS]
        owed = [d for d in days if d <= today]
        return max(owed) if owed and today < due else None
    if kind == "not_updated":
        return today
    raise ValueError(f"unknown reminder kind {kind!r} (one of {', '.join(KINDS)})")


@dataclass(frozen=True)
class Sent:
    """What was last sent of one thing to one person in one kind."""

    trigger: date
    sent_on: date


def decide(item: hooks.Due, today: date, sent: Sent | None, last_any: date | None,
           calendar: CityCalendar) -> date | None:
    """The trigger day a reminder answers when it goes today, or None when it does not.
    ``sent`` is the last one of this thing, person and kind; ``last_any`` the day the last
    reminder of this thing of any kind went to the person."""
    if not calendar.is_working_day(today):
        return None
    if last_any is not None and (today - last_any).days < MIN_APART:
        return None
    owed = trigger(item.kind, item.due, today)
    if owed is None:
        return None
    if item.kind == "not_updated":
        if sent is not None and (today - sent.sent_on).days < NOT_UPDATED_EVERY:
            return None
        return owed
    return owed if sent is None or owed > sent.trigger else None


@dataclass
class Digest:
    """One person's reminders of a run."""

    user: Any
    items: list[tuple[hooks.Due, date]] = field(default_factory=list)


@dataclass
class Run:
    city: City
    today: date
    working_day: bool
    dry_run: bool
    digests: list[Digest]
    owed: int  # what the apps said people owe today, before the rules

    def as_dict(self) -> dict[str, Any]:
        return {
            "city": self.city.slug, "today": self.today.isoformat(),
            "working_day": self.working_day, "dry_run": self.dry_run, "owed": self.owed,
            "mails": len(self.digests),
            "reminders": sum(len(d.items) for d in self.digests),
            "people": [{"user": d.user.get_username(), "items": [
                {"key": item.key, "kind": item.kind, "due": item.due.isoformat(),
                 "text": item.text, "url": item.url} for item, _trigger in d.items]}
                for d in self.digests]}


def _base_url() -> str:
    from django.conf import settings

    return str(getattr(settings, "ZEROCITY_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


HEADINGS = {"late": lambda: _("Late"), "due_soon": lambda: _("Due soon"),
            "not_updated": lambda: _("Not updated")}


def _mail(city: City, today: date, digest: Digest) -> EmailMessage:
    from django.utils.formats import date_format

    base = _base_url()
    parts = [_("This is what the climate transition work of %(city)s is waiting for from "
               "you:") % {"city": city.name}]
    for kind in ("late", "due_soon", "not_updated"):
        lines = [f"- {item.text}" + (f"\n  {base}{item.url}" if item.url else "")
                 for item, _trigger in digest.items if item.kind == kind]
        if lines:
            parts.append(f"{HEADINGS[kind]()}:\n" + "\n".join(lines))
    parts.append(_("You get this mail on working days only when something is due, at most "
                   "every 5 days for one thing (docs/reminders.md)."))
    return EmailMessage(
        subject=_("%(city)s: reminders of %(day)s (%(count)s)") % {
            "city": city.name, "day": date_format(today, "DATE_FORMAT"),
            "count": len(digest.items)},
        body="\n\n".join(parts), to=[digest.user.email])


def _gather(city: City, today: date) -> list[hooks.Due]:
    with translation.override(city.language or "en"):
        return sorted(hooks.due(city, today), key=lambda d: (d.recipient, d.due, d.key, d.kind))


def plan(city: City, today: date, items: Iterable[hooks.Due]) -> list[Digest]:
    """Which of ``items`` go today, grouped per person (pure over the sent records read)."""
    items = list(items)
    calendar = city.calendar
    users = {u.pk: u for u in get_user_model().objects.filter(
        pk__in={i.recipient for i in items}, is_active=True).exclude(email="")}
    sent: dict[tuple[str, int, str], Sent] = {}
    last_any: dict[tuple[str, int], date] = {}
    for row in ReminderSent.objects.filter(city=city, user_id__in=list(users)):
        sent[(row.key, row.user_id, row.kind)] = Sent(row.trigger, row.sent_on)
        pair = (row.key, row.user_id)
        last_any[pair] = max(last_any.get(pair, row.sent_on), row.sent_on)
    digests: dict[int, Digest] = {}
    seen: set[tuple[str, int, str]] = set()
    going: set[tuple[str, int]] = set()
    for item in items:
        ident = (item.key, item.recipient, item.kind)
        if item.recipient not in users or ident in seen or (item.key, item.recipient) in going:
            continue  # one reminder of a thing per person and run, whatever its kinds
        seen.add(ident)
        answered = decide(item, today, sent.get(ident), last_any.get(ident[:2]), calendar)
        if answered is not None:
            going.add((item.key, item.recipient))
            digests.setdefault(item.recipient, Digest(users[item.recipient])).items.append(
                (item, answered))
    return [digests[pk] for pk in sorted(digests)]


def send(city: City, today: date | None = None, *, dry_run: bool = False,
         actor: str = "") -> Run:
    """Mail today's reminders of ``city``: one digest per person. Safe to run again."""
    today = today or city.calendar.today()
    items = _gather(city, today)
    with transaction.atomic():
        # one run at a time per city: the second waits and then finds everything sent
        City.objects.select_for_update().filter(pk=city.pk).first()
        digests = plan(city, today, items)
        run = Run(city, today, city.calendar.is_working_day(today), dry_run, digests,
                  len(items))
        if dry_run or not digests:
            return run
        for digest in digests:
            for item, answered in digest.items:
                ReminderSent.objects.update_or_create(
                    city=city, key=item.key, user=digest.user, kind=item.kind,
                    defaults={"trigger": answered, "sent_on": today})
        with translation.override(city.language or "en"):
            mails = [_mail(city, today, d) for d in digests]
        audit.record("core.reminders_sent", city=city, actor=actor or "worker",
                     day=today.isoformat(), mails=len(mails),
                     reminders=sum(len(d.items) for d in digests))
    # recorded first: a mail server that fails now loses a day's digest, never sends it twice
    get_connection().send_messages(mails)
    return run


def export(user: Any, city: City) -> dict[str, Any]:
    """The person's part of their personal data download (``hooks.personal_data``): each
    reminder last sent to them in the city, what it was about (the thing's key), its kind,
    the day of the schedule it answered and the day it went. Nothing else is kept of them."""
    rows = ReminderSent.objects.filter(city=city, user=user).order_by("sent_on", "key", "kind")
    return {"reminders": [{"about": r.key, "kind": r.kind, "due_day": r.trigger.isoformat(),
                           "sent_on": r.sent_on.isoformat()} for r in rows]}
