"""Verification levels: an e-mail confirmed with a signed link, and a verified resident.

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
from typing import Any, Protocol

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.timezone import now

from zerocity.core import audit
from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.models import City
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


def level(user: Any, city: City) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return -1
    found = Verification.objects.filter(city=city, user=user).first()
    return found.level if found else Level.ACCOUNT


def require(user: Any, city: City, needed: int, what: str) -> Verification:
    """Refuse unless the person has the level ``needed`` and is not blocked."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(f"log in to {what}")
    if Block.objects.filter(city=city, user=user).exists():
        raise PermissionDenied(f"your account is blocked from taking part: you cannot {what}")
    found = verification(user, city)
    if found.level < needed:
        raise PermissionDenied(f"to {what} you need {NEEDS[needed]}")
    return found


NEEDS = {Level.ACCOUNT: "an account", Level.EMAIL: "a confirmed e-mail address",
         Level.RESIDENT: "to be a verified resident (on My page)"}


# -- e-mail ---------------------------------------------------------------------------------------

def email_token(user: Any, city: City) -> str:
    return signing.TimestampSigner(salt=EMAIL_SALT).sign_object(
        {"u": user.pk, "c": city.pk, "e": user.email})


def confirm_email(user: Any, city: City, token: str) -> Verification:
    try:
        data = signing.TimestampSigner(salt=EMAIL_SALT).unsign_object(
            token, max_age=EMAIL_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        raise Conflict("the link has expired; ask for a new one") from None
    except signing.BadSignature:
        raise Conflict("the link is not valid") from None
    if data != {"u": user.pk, "c": city.pk, "e": user.email}:
        raise Conflict("the link is for another account or another address")
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
            raise Conflict("no resident with that number and birth date in the census file")
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
def load_census(city: City, text: str, *, by: Any = None, actor: str = "") -> int:
    """Load the census file (CSV: resident_number, birth_date, district): each line is kept
    as a keyed hash and its district. Loading it again replaces it. A file with a bad line or
    a missing column is refused whole (``CensusRejected``), with every mistake's line number,
    and the census loaded before stays."""
    districts = {d.code: d for d in District.objects.filter(city=city)}
    reader = csv.DictReader(io.StringIO(text))
    absent = [c for c in CENSUS_COLUMNS if c not in (reader.fieldnames or [])]
    errors = [f"line 1: missing column(s) {', '.join(absent)}"] if absent else []
    rows = []
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
        if not errors:  # once refused, the lines are only checked
            rows.append(CensusEntry(city=city, key=census_key(city, row["resident_number"],
                                                              row["birth_date"]),
                                    district=districts[row["district"]]))
    if errors:
        raise CensusRejected(errors)
    CensusEntry.objects.filter(city=city).delete()
    CensusEntry.objects.bulk_create(rows, ignore_conflicts=True)
    audit.record("engage.census_loaded", city=city, user=by, actor=actor, entries=len(rows))
    return len(rows)


def verifier() -> ResidentVerifier:
    path = getattr(settings, "ZEROCITY_RESIDENT_VERIFIER",
                   "zerocity.engage.verification.CensusFileVerifier")
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
        raise Conflict("this resident already verified another account") from None
    return found
