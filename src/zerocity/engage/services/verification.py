"""Verification levels: an account (signing up), an e-mail confirmed with a signed link, and a
verified resident.

The resident check is pluggable (``ZEROCITY_RESIDENT_VERIFIER``, a dotted path to a class with
``verify(city, fields) -> (key, district)``): the demo ships ``CensusFileVerifier``, which
matches a person's resident number and birth date against the city's census file, stored as
keyed hashes only; a real deployment plugs in the national e-identity (SI-PASS) the same way.
One register entry verifies one account (the ``key``'s uniqueness).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.timezone import now
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from zerocity.core import audit
from zerocity.core.actors import Person, signed_in
from zerocity.core.errors import Conflict
from zerocity.core.models import City, Role
from zerocity.core.selectors import address_owner
from zerocity.core.services import grant_role
from zerocity.engage.models import Block, CensusEntry, District, Level, Verification

EMAIL_SALT = "zerocity.engage.email"
EMAIL_LINK_DAYS = 3


def keyed(*parts: str) -> str:
    """A keyed hash (HMAC-SHA256 with the site's secret): the same person gives the same key,
    and nobody can turn the key back into the person."""
    message = "|".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def verification(user: Any, city: City) -> Verification:
    found, _ = Verification.objects.get_or_create(city=city, user=user)
    return found


def level(user: Person | None, city: City) -> int:
    account = signed_in(user)
    if account is None:
        return -1
    found = Verification.objects.filter(city=city, user=account).first()
    return found.level if found else Level.ACCOUNT


class ParticipationRefused(Conflict):
    """The person may not take this part: not logged in, below the level the process asks, or
    blocked. Nothing is hidden behind it (the process is public), and the person is told why
    (on the site, as a message on the page they came from), so that they can log in or reach
    the level."""


def require(user: Person | None, city: City, needed: int, what: str) -> Verification:
    """Refuse (``ParticipationRefused``) unless the person has the level ``needed`` and is not
    blocked. ``what`` is what they are trying to do, a key of ``WHAT`` ("propose",
    "support", "vote", "comment", "report", "answer"); the refusal's ``code`` says which
    condition failed (``login``, ``blocked``, ``level``)."""
    account = signed_in(user)
    doing = WHAT[what]
    if account is None:
        raise ParticipationRefused(gettext("Log in to %(what)s.") % {"what": doing},
                                   code="login")
    if Block.objects.filter(city=city, user=account).exists():
        raise ParticipationRefused(gettext(
            "Your account is blocked from taking part. If you think this is a mistake, "
            "write to the city."), code="blocked")
    found = verification(account, city)
    if found.level < needed:
        raise ParticipationRefused(str(NEEDS[Level(needed)]) % {"what": doing}, code="level")
    return found


# Translators: what a person tries to do, as it ends "Log in to ..." and begins "To ... you
# need"; in Slovenian the polite past participle ("oddali predlog") after "da boste lahko".
WHAT = {
    "propose": pgettext_lazy("taking part", "make a proposal"),
    "support": pgettext_lazy("taking part", "support a proposal"),
    "vote": pgettext_lazy("taking part", "vote"),
    "comment": pgettext_lazy("taking part", "comment"),
    "report": pgettext_lazy("taking part", "report a comment"),
    "answer": pgettext_lazy("taking part", "answer the survey"),
}

NEEDS = {
    Level.ACCOUNT: gettext_lazy("To %(what)s you need an account: sign up or log in."),
    Level.EMAIL: gettext_lazy("To %(what)s you need a confirmed e-mail address: ask for a "
                              "confirmation link on My page."),
    Level.RESIDENT: gettext_lazy("To %(what)s you need to be a verified resident: verify "
                                 "your residence on My page."),
}


# -- the account and its e-mail -------------------------------------------------------------------

@transaction.atomic
def sign_up(city: City, username: str, email: str, password: str, *,
            link: Callable[[str], str]) -> Any:
    """A citizen's account: the user, the citizen's role in this city (audited as a sign-up),
    and the mail with the link that confirms the address, sent once the account is committed
    (``link`` turns the token into the page's address, which the site knows). A user name
    taken in any letter case is refused, also when two people send it at the same moment: an
    existing account is never taken over."""
    users = get_user_model()
    if users.objects.filter(username__iexact=username).exists():
        raise Conflict(gettext("This user name is taken."))
    try:
        with transaction.atomic():
            user = users.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        raise Conflict(gettext("This user name is taken.")) from None
    grant_role(city, username, Role.CITIZEN, actor="sign-up")
    send_email_confirmation(user, city, link=link)
    return user


def send_email_confirmation(user: Any, city: City, *, link: Callable[[str], str]) -> str:
    """Mail the person the link that confirms their address (valid ``EMAIL_LINK_DAYS``), after
    the surrounding transaction commits, and return the address; refused for an account
    without one. An address that belongs to an earlier account (``address_owner``) gets, in
    place of the link, a mail telling its owner; the answer is the same either way."""
    if not user.email:
        raise Conflict(gettext("Your account has no e-mail address."))
    subject = gettext("Confirm your e-mail address")
    owner = address_owner(user.email)
    if owner is None or owner.pk == user.pk:
        body = gettext("Open this link to confirm your address: %(link)s") % {
            "link": link(email_token(user, city))}
    else:
        # The address belongs to an earlier account. The page said the same as for a new
        # address (nobody learns from it who has an account); the mail tells the owner, and
        # the new account never gets the address.
        body = gettext(
            "Someone, perhaps you, used this address to open a new account at %(city)s. The "
            "address already belongs to an account, and stays with it. To get into that "
            "account, log in; if you forgot its password, ask for a new one on the log-in "
            "page. If it was not you, there is nothing to do.") % {"city": city.name}
    to = str(user.email)
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))
    return to


def email_token(user: Any, city: City) -> str:
    return signing.TimestampSigner(salt=EMAIL_SALT).sign_object(
        {"u": user.pk, "c": city.pk, "e": user.email})


def email_link_problem(user: Any, city: City, token: str) -> str | None:
    """Why the link of ``token`` does not confirm this person's address here (expired, forged,
    another account's or an older address's), or None when it does."""
    try:
        data = signing.TimestampSigner(salt=EMAIL_SALT).unsign_object(
            token, max_age=EMAIL_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        return "the link has expired; ask for a new one"
    except signing.BadSignature:
        return "the link is not valid"
    if data != {"u": user.pk, "c": city.pk, "e": user.email}:
        return "the link is for another account or another address"
    return None


def confirm_email(user: Any, city: City, token: str) -> Verification:
    problem = email_link_problem(user, city, token)
    if problem is not None:
        raise Conflict(problem)
    with transaction.atomic():
        found = verification(user, city)
        if found.email_confirmed_at is None:
            found.email_confirmed_at = now()
            found.save(update_fields=["email_confirmed_at"])
            audit.record("engage.email_confirmed", city=city, user=user, obj=found)
    return found


# -- residents ------------------------------------------------------------------------------------

class ResidentVerifier(Protocol):
    name: str

    def verify(self, city: City, fields: dict[str, str]) -> tuple[str, District]: ...


class CensusFileVerifier:
    """The demo's check: resident number and birth date against the city's census file."""

    name = "census file"

    def verify(self, city: City, fields: dict[str, str]) -> tuple[str, District]:
        key = census_key(city, fields.get("resident_number", ""), fields.get("birth_date", ""))
        entry = CensusEntry.objects.select_related("district").filter(city=city, key=key).first()
        if entry is None:
            raise Conflict(gettext("No resident with that number and birth date is in the city's "
                                   "register; check both and try again."))
        return key, entry.district


def census_key(city: City, number: str, birth_date: str) -> str:
    return keyed("census", city.slug, number.strip().upper(), birth_date.strip())


CENSUS_COLUMNS = ("resident_number", "birth_date", "district")


class CensusRejected(Conflict):
    """A census file refused, with every mistake of its lines in line order: the register's
    keeper fixes them all at once, not one per try."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@transaction.atomic
def load_census(city: City, text: str, *, by: Person | None = None, actor: str = "") -> int:
    """Load the census file (CSV: resident_number, birth_date, district): each line is kept
    as a keyed hash and its district. Loading it again replaces it. A file with a bad line or
    a missing column is refused whole (``CensusRejected``), with every mistake's line number,
    and the census loaded before stays."""
    districts = {d.code: d for d in District.objects.filter(city=city)}
    reader = csv.DictReader(io.StringIO(text))
    absent = [c for c in CENSUS_COLUMNS if c not in (reader.fieldnames or [])]
    errors = [f"line 1: missing column(s) {', '.join(absent)}"] if absent else []
    rows = []
    first_line: dict[str, int] = {}  # a person's key -> the line that gave it first
    for row in reader:
        # the file's line of the row: DictReader skips blank lines, so counting rows would not
        # number them as the file does
        line = reader.line_num
        # a column the header lacks has its message there, not one on every line
        missing = [c for c in CENSUS_COLUMNS if c not in absent and not row.get(c)]
        if missing:
            errors.append(f"line {line}: missing {', '.join(missing)}")
        if row.get("district") and row["district"] not in districts:
            errors.append(f"line {line}, district: unknown district {row['district']!r}")
        key = (census_key(city, row["resident_number"], row["birth_date"])
               if row.get("resident_number") and row.get("birth_date") else "")
        if key in first_line:
            errors.append(f"line {line}: the same person as on line {first_line[key]}")
        elif key:
            first_line[key] = line
        if not errors:  # once refused, the lines are only checked
            rows.append(CensusEntry(city=city, key=key, district=districts[row["district"]]))
    if errors:
        raise CensusRejected(errors)
    CensusEntry.objects.filter(city=city).delete()
    CensusEntry.objects.bulk_create(rows)
    audit.record("engage.census_loaded", city=city, user=by, actor=actor, entries=len(rows))
    return len(rows)


def verifier() -> ResidentVerifier:
    path = getattr(settings, "ZEROCITY_RESIDENT_VERIFIER",
                   "zerocity.engage.services.verification.CensusFileVerifier")
    made: ResidentVerifier = import_string(path)()
    return made


def verify_resident(user: Any, city: City, fields: dict[str, str]) -> Verification:
    check = verifier()
    key, district = check.verify(city, fields)
    try:
        with transaction.atomic():
            found = verification(user, city)
            found.resident_at, found.resident_method = now(), check.name
            found.resident_key, found.district = key, district
            found.save()
            audit.record("engage.resident_verified", city=city, user=user, obj=found,
                         method=check.name, district=district.code)
    except IntegrityError:
        raise Conflict(gettext("This resident has already verified another account; log in "
                               "with that account, or ask the city for help.")) from None
    return found
