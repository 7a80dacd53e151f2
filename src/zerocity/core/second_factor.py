"""A second factor for log-ins: a TOTP authenticator app, with recovery codes (django-otp).

Anyone may add one; a city requires it of the roles it lists (``City.second_factor_roles``):
the staff who move money at the card desk, open tenders or publish figures. A person who holds
such a role and has no confirmed authenticator is sent to add one before any other page works,
and a person who has one confirms every log-in with a code from it, or with one of the ten
recovery codes shown once when it was added (each works once). The database keeps only a
hash of each recovery code (``_kept``), so a copy of it holds no code anyone could type. The
pages are in
``web.account_views``; the rule that holds a session back is ``web.second_factor``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zerocity.core import audit
from zerocity.core.errors import Conflict
from zerocity.core.models import City, Department, Membership, Role

RECOVERY_CODES = 10
APP, RECOVERY = "authenticator", "recovery codes"
# the roles a city may list: a city's citizens sign up themselves and hold no staff power
REQUIRABLE = (Role.STAFF, Role.ADMIN)


# -- the city's rule ------------------------------------------------------------------------------

def _check_entry(city: City, entry: str) -> str:
    role, _, department = entry.strip().partition(":")
    if role not in REQUIRABLE or (department and role != Role.STAFF):
        raise Conflict(gettext(
            "%(entry)s is not a role a second factor can be required for: name staff, admin "
            "or staff:<department>.") % {"entry": entry})
    if department and not Department.objects.filter(city=city, slug=department).exists():
        raise Conflict(gettext("%(city)s has no department %(department)s.") % {
            "city": city.name, "department": department})
    return f"{role}:{department}" if department else role


@transaction.atomic
def require_for(city: City, roles: Iterable[str], *, by: Any = None, actor: str = "") -> City:
    """Set the roles of the city whose holders must log in with a second factor: ``staff``,
    ``admin`` or ``staff:<department slug>``; an empty list requires it of nobody."""
    wanted = sorted({_check_entry(city, r) for r in roles if r.strip()})
    city = City.objects.select_for_update().get(pk=city.pk)
    if wanted == city.second_factor_roles:
        return city
    old, city.second_factor_roles = city.second_factor_roles, wanted
    city.save(update_fields=["second_factor_roles"])
    audit.record("city.second_factor_roles", city=city, user=by, actor=actor, obj=city,
                 old=old, new=wanted)
    return city


def required(user: Any) -> bool:
    """Whether this person must log in with a second factor: they hold a role one of their
    cities lists, or they are one of the platform's operators and the platform says so."""
    if not user.is_authenticated:
        return False
    if user.is_superuser and settings.SECOND_FACTOR_FOR_OPERATORS:
        return True
    for role, dept, listed in (Membership.objects.filter(user=user)
                               .exclude(city__second_factor_roles=[])
                               .values_list("role", "department__slug",
                                            "city__second_factor_roles")):
        if role in listed or (dept and f"{role}:{dept}" in listed):
            return True
    return False


def has_one(user: Any) -> bool:
    """A confirmed authenticator (or recovery codes left from one)."""
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


# -- adding one -----------------------------------------------------------------------------------

def pending_app(user: Any) -> TOTPDevice:
    """The authenticator being added: the same secret until it is confirmed, so reloading the
    page does not change the code the person already scanned."""
    found = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return found or TOTPDevice.objects.create(user=user, name=APP, confirmed=False)


def confirmed_app(user: Any) -> TOTPDevice:
    """The person's confirmed authenticator (one at most: ``confirm_app``)."""
    return TOTPDevice.objects.get(user=user, confirmed=True)


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def confirm_app(user: Any, code: str) -> list[str]:
    """The first code from the app confirms it; any earlier authenticator of the person is
    replaced, and new recovery codes are made and returned (to be shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(
        user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Conflict(gettext("Open the page that adds the authenticator again."))
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise Conflict(gettext("Too many wrong codes: wait a minute and try again."))
    if not device.verify_token(code.replace(" ", "")):
        raise Conflict(gettext("This code is not the one your authenticator shows now: type "
                               "the six digits it shows, before they change."))
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record("account.second_factor_added", city=None, user=user, obj=device)
    return _new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user: Any) -> list[str]:
    """Replace the person's recovery codes (the old ones stop working); for a person with an
    authenticator."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise Conflict(gettext("Add an authenticator first."))
    audit.record("account.recovery_codes_renewed", city=None, user=user)
    return _new_recovery_codes(user)


def _new_recovery_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY,
                                                   defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_kept(c)) for c in codes)
    return codes


def _new_code() -> str:
    """A recovery code: 80 random bits as 16 letters and digits (base32, lowercase), twice
    django-otp's 40, so that its hash cannot be walked back by trying every code."""
    return base64.b32encode(os.urandom(10)).decode().lower()


def _kept(code: str) -> str:
    """What the database keeps of a recovery code: the first 64 bits of its SHA-256, in the
    16 characters django-otp's token column holds. django-otp compares it with the hash of
    what is typed (``verify``)."""
    return hashlib.sha256(code.encode()).hexdigest()[:16]


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


@transaction.atomic
def remove(user: Any, *, by: Any = None, actor: str = "") -> None:
    """Take a person's second factor away: by themselves when no role requires it, or by an
    operator (``zerocity user reset-second-factor``) for a person who lost their phone, who
    then adds a new one at the next log-in."""
    if by is not None and by == user and required(user):
        raise Conflict(gettext("Your role requires a second factor: add a new authenticator "
                               "instead of removing it."))
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    audit.record("account.second_factor_removed", city=None, user=by, actor=actor,
                 username=user.get_username())


# -- a log-in -------------------------------------------------------------------------------------

def verify(user: Any, code: str) -> Device | None:
    """The device that accepts this code: six digits from the authenticator, or a recovery
    code (used up). None when neither does, or when too many wrong codes were typed lately
    (``throttled``); each wrong code doubles the wait before the next one is checked."""
    code = code.strip().replace(" ", "").replace("-", "").lower()
    if not code:
        return None
    with transaction.atomic():
        kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
        for device in kind.objects.devices_for_user(user).select_for_update():
            if device.verify_token(code if kind is TOTPDevice else _kept(code)):
                audit.record("account.second_factor_used", city=None, user=user,
                             device=device.name)
                return device
    return None


def throttled(user: Any) -> bool:
    """Whether the next code would not be checked, after too many wrong ones lately."""
    return any(not d.verify_is_allowed()[0] for d in devices_for_user(user))
