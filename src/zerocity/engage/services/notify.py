"""Follows, the in-site inbox and e-mail: a person follows a proposal, a plan action, a
process, their district or a topic (a field of action of the plan, such as mobility), and
hears when it changes or news on it appear, at once or in the weekly digest. Every
mail carries a one-click unsubscribe link (RFC 8058 ``List-Unsubscribe-Post``). Mail goes
through Django's mail backends (the console in the demo)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils.timezone import now

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.engage.models import Follow, MailPreference, Notification

TARGET_KINDS = ("proposal", "action", "process", "district", "topic")
UNSUBSCRIBE_SALT = "zerocity.engage.unsubscribe"


def _target(target: str) -> str:
    kind, _, ident = target.partition(":")
    if kind not in TARGET_KINDS or not ident or len(target) > 80:
        raise Conflict(f"follow one of {', '.join(TARGET_KINDS)} by kind:id")
    return target


def follow(user: Any, city: City, target: str) -> Follow:
    found, _ = Follow.objects.get_or_create(user=user, city=city, target=_target(target))
    return found


def unfollow(user: Any, city: City, target: str) -> None:
    Follow.objects.filter(user=user, city=city, target=target).delete()


def following(user: Any, city: City, target: str) -> bool:
    return Follow.objects.filter(user=user, city=city, target=target).exists()


def preference(user: Any) -> MailPreference:
    found, _ = MailPreference.objects.get_or_create(user=user)
    return found


@transaction.atomic
def set_mail_preferences(user: Any, city: City, *, immediate: bool, digest: bool
                         ) -> MailPreference:
    """The person's choice of mail: at once, the weekly digest, both or neither. Asking for
    any mail again undoes a one-click unsubscribe; the same choice sent twice changes
    nothing."""
    preference(user)  # the row to lock: someone who never chose has none yet
    pref = MailPreference.objects.select_for_update().get(user=user)
    wanted = (immediate, digest, pref.unsubscribed_at if not (immediate or digest) else None)
    if (pref.immediate, pref.digest, pref.unsubscribed_at) == wanted:
        return pref
    pref.immediate, pref.digest, pref.unsubscribed_at = wanted
    pref.save(update_fields=["immediate", "digest", "unsubscribed_at"])
    audit.record("engage.mail_preferences", city=city, user=user, obj=pref,
                 immediate=immediate, digest=digest)
    return pref


def _preferences(users: Sequence[Any]) -> dict[int, MailPreference]:
    """Each person's mail settings in one query; the defaults (mail at once and the digest)
    for someone who never changed them."""
    found = {p.user_id: p for p in MailPreference.objects.filter(user__in=users)}
    return {u.pk: found.get(u.pk) or MailPreference(user=u) for u in users}


def unsubscribe_token(user: Any) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user.pk))


def _unsubscriber(token: str) -> Any:
    """The person an unsubscribe link is for; None for a forged link or a deleted account."""
    try:
        pk = int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return get_user_model().objects.filter(pk=pk).first()


def unsubscribe_link_problem(token: str) -> str | None:
    """Why an unsubscribe link unsubscribes nobody, or None when it is valid: the page says
    so with a 400 to the mail program that follows it (RFC 8058)."""
    return None if _unsubscriber(token) is not None else "the unsubscribe link is not valid"


def unsubscribe(token: str) -> Any:
    """One click: no more mail of any kind (the inbox stays)."""
    user = _unsubscriber(token)
    if user is None:
        raise Conflict("the unsubscribe link is not valid")
    pref = preference(user)
    pref.immediate = pref.digest = False
    pref.unsubscribed_at = now()
    pref.save()
    return user


def _mail(user: Any, subject: str, body: str, base_url: str) -> EmailMessage:
    link = f"{base_url}/unsubscribe/{unsubscribe_token(user)}/"
    return EmailMessage(
        subject=subject, body=f"{body}\n\n--\nUnsubscribe with one click: {link}",
        to=[user.email], headers={"List-Unsubscribe": f"<{link}>",
                                  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def base_url() -> str:
    return str(getattr(settings, "ZEROCITY_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


@transaction.atomic
def tell_action_followers(sender: Any, *, action: Any, subject: str, by: Person | None = None,
                          **_: Any) -> None:
    """A plan action changed (``plan.signals.action_changed``): its followers hear of it."""
    city = action.plan.city
    notify(city, [f"action:{action.code}"], subject,
           url=f"/{city.slug}/plan/actions/{action.code}/", actor=by)


def notify(city: City, targets: list[str], subject: str, body: str = "", url: str = "", *,
           actor: Any = None, at: datetime | None = None) -> int:
    """Tell everyone who follows any of ``targets`` (but the person who made the change):
    an inbox entry each, and a mail now to those who want mail at once. Returns how many
    people were told."""
    at = at or now()
    found = (get_user_model().objects.filter(follows__city=city, follows__target__in=targets)
             .distinct())
    if actor is not None and getattr(actor, "pk", None):
        found = found.exclude(pk=actor.pk)
    mails = []
    told = 0
    people = list(found)
    prefs = _preferences(people)
    for person in people:
        entry = Notification.objects.create(user=person, city=city, target=targets[0],
                                            subject=subject[:300], body=body, url=url,
                                            created_at=at)
        told += 1
        pref = prefs[person.pk]
        if person.email and pref.immediate and not pref.unsubscribed_at:
            mails.append(_mail(person, subject, f"{body}\n{base_url()}{url}", base_url()))
            entry.emailed_at = at
            entry.save(update_fields=["emailed_at"])
    if mails:
        messages = mails
        transaction.on_commit(lambda: get_connection().send_messages(messages))
    return told


def digest(city: City, *, at: datetime | None = None) -> int:
    """The weekly digest: one mail per person with what their inbox got in the last 7 days
    and was not mailed yet. Returns how many mails were sent."""
    at = at or now()
    since = at - timedelta(days=7)
    pending = (Notification.objects.filter(city=city, created_at__gte=since,
                                           emailed_at__isnull=True)
               .select_related("user").order_by("user_id", "created_at"))
    by_user: dict[Any, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user, []).append(n)
    mails = []
    prefs = _preferences(list(by_user))
    for person, entries in by_user.items():
        pref = prefs[person.pk]
        if not person.email or not pref.digest or pref.unsubscribed_at:
            continue
        lines = [f"- {e.subject} {base_url()}{e.url}" for e in entries]
        mails.append(_mail(person, f"{city.name}: your week", "\n".join(lines), base_url()))
        Notification.objects.filter(pk__in=[e.pk for e in entries]).update(emailed_at=at)
    if mails:
        get_connection().send_messages(mails)
    return len(mails)


def inbox(user: Any, city: City) -> list[Notification]:
    return list(Notification.objects.filter(user=user, city=city)[:100])


def mark_read(user: Any, city: City) -> int:
    return Notification.objects.filter(user=user, city=city, read_at__isnull=True).update(
        read_at=now())
