"""Validators and their taps.

A tap is decided by the fare engine (``zerocity.card.fares``) from the account's recent taps,
passes, concessions and balance, under a lock on the account's wallet, so taps and top-ups on
one account never interleave; a fare is paid by a ledger transaction in the same database
transaction (``zerocity.card.recording`` decides and records a single tap and an offline
queue alike, reading and writing once for the whole queue). Taps are unique per (device,
seq): one sent again — online, or in an offline batch repeated or cut off half-way and re-sent
— is answered with the decision already made, and nothing is charged twice. An offline batch
is decided in the order the taps happened, each against the taps before it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.timezone import now

from zerocity.card import recording
from zerocity.card.models import DenyListChange, Tap, Validator
from zerocity.card.recording import TapIn as TapIn  # the API and the tests name it here
from zerocity.core import audit, bulk, hooks, tokens
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City

TOKEN_PREFIX = "zcv_"
CLOCK_SLACK = timedelta(minutes=10)


# -- validators -------------------------------------------------------------------------------

@transaction.atomic
def register_validator(city: City, device_id: str, service: str, *, description: str = "",
                       by: Person | None = None, actor: str = "") -> tuple[Validator, str]:
    """Register a device and issue its token; the secret is returned once, never stored.
    Registering it again issues a new token and revokes the old one."""
    secret, prefix, digest = tokens.new_secret(TOKEN_PREFIX)
    validator, _ = Validator.objects.update_or_create(
        city=city, device_id=device_id,
        defaults={"service": service, "description": description, "token_prefix": prefix,
                  "token_digest": digest, "revoked_at": None})
    audit.record("card.validator_token", city=city, user=by, actor=actor, obj=validator,
                 device=device_id, prefix=prefix)
    return validator, secret


def authenticate_validator(secret: str) -> Validator | None:
    """The validator, with its city, whose token ``secret`` is; None for a token unknown or
    revoked. Read on every request, so a revoked token stops working at once. The read is
    written out (``_validator_read``), as is ``_seen``'s update: the ORM spent most of their
    CPU building their SQL, and a single tap's CPU on PostgreSQL went from 3.3 to 2.6 ms."""
    if not tokens.plausible(secret):
        return None
    read = _validator_read(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [secret[:tokens.PREFIX_LENGTH]])
        rows = cursor.fetchall()
    for row in rows:
        v = read.validator.instance(row)
        if tokens.matches(v.token_digest, secret) and v.revoked_at is None:
            v.city = read.city.instance(row)
            return v
    return None


@dataclass(frozen=True)
class _ValidatorRead:
    sql: str
    validator: bulk.Columns[Validator]
    city: bulk.Columns[City]


@functools.cache
def _validator_read(vendor: str) -> _ValidatorRead:
    """``authenticate_validator``'s read, the validators of a token's prefix joined to their
    city (as ``select_related`` joins it), built once per database."""
    validator = bulk.Columns.of(Validator, 0)
    city = bulk.Columns.of(City, len(validator.names))
    qn = connection.ops.quote_name
    v, c = qn(Validator._meta.db_table), qn(City._meta.db_table)
    v_column, c_column = bulk.quoted_columns(Validator), bulk.quoted_columns(City)
    sql = (f"SELECT {validator.sql()}, {city.sql()} FROM {v} "  # noqa: S608
           f"INNER JOIN {c} ON {v}.{v_column['city']} = {c}.{c_column['id']} "
           f"WHERE {v}.{v_column['token_prefix']} = %s")
    return _ValidatorRead(sql, validator, city)


# -- taps -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TapResult:
    tap: Tap | recording.Recorded  # a tap recorded before is read back as a model
    balance: Decimal | None
    replayed: bool

    def as_dict(self) -> dict[str, Any]:
        t = self.tap
        return {"seq": t.seq, "decision": "accept" if t.accepted else "deny",
                "reason": t.reason, "fare": str(t.fare),
                "balance": None if self.balance is None else str(self.balance),
                "replayed": self.replayed}


def process_tap(validator: Validator, tap: TapIn, *, offline: bool = False) -> TapResult:
    """Decide one tap and record it (and its fare); the same (device, seq) again returns the
    decision already made. The database's unique (device, seq) finds a tap sent again, so a
    new tap, by far the most common, pays no read to look for itself."""
    try:
        _check(validator, tap)
    except Conflict:
        done = _recorded(validator, tap.seq)  # the tap was taken once, under other conditions
        if done is None:
            raise
        return TapResult(done, None, True)
    try:
        with transaction.atomic():
            (result,) = recording.record(validator, [tap], offline=offline)
            _seen(validator, tap.seq)
            return TapResult(result.tap, result.balance, False)
    except IntegrityError:
        done = _recorded(validator, tap.seq)
        if done is None:
            raise
        return TapResult(done, None, True)  # sent before, or raced in on another connection


def _recorded(validator: Validator, seq: int) -> Tap | None:
    # the taps' hot reads leave out the models' default orderings, which join the city
    return Tap.objects.filter(validator=validator, seq=seq).order_by().first()


def _check(validator: Validator, tap: TapIn) -> None:
    """A tap's time and its place in the timetable feed, before anything is decided."""
    if tap.at.tzinfo is None:
        raise Conflict("the tap's time needs a UTC offset")
    if tap.at > now() + CLOCK_SLACK:
        raise Conflict(f"tap {tap.seq} is in the future ({tap.at.isoformat()})")
    earliest = datetime.combine(settings.DEVICE_TIME_EARLIEST, time(), UTC)
    if tap.at < earliest:  # a validator's unset clock: no fare, no calendar, holds for it
        raise Conflict(f"tap {tap.seq} is dated {tap.at.isoformat()}, before "
                       f"{earliest.date().isoformat()}, the earliest time a device may send "
                       "(its clock not set?)", code="device-time-earliest")
    _check_network(validator.city, tap)


def _seen(validator: Validator, seq: int) -> None:
    """The validator's last contact, written out (see ``authenticate_validator``). The time goes
    through the backend's own adapter, as the ORM's does (SQLite keeps naive UTC text). The
    validator in hand is left as it was, as the ORM's update left it: no caller reads its last
    contact back."""
    with connection.cursor() as cursor:
        cursor.execute(_seen_sql(connection.vendor), [
            connection.ops.adapt_datetimefield_value(now()), seq, validator.pk])


@functools.cache
def _seen_sql(vendor: str) -> str:
    column = bulk.quoted_columns(Validator)
    return (f"UPDATE {connection.ops.quote_name(Validator._meta.db_table)} "  # noqa: S608
            f"SET {column['last_seen_at']} = %s, {column['last_seq']} = %s "
            f"WHERE {column['id']} = %s")


def _check_network(city: City, tap: TapIn) -> None:
    """A tap's route and stop are those of the city's timetable feed in force on the tap's
    local day (the mobility app answers through ``core.hooks``); a city without a feed takes
    any."""
    network = hooks.transit()
    if network is None or not (tap.route or tap.stop):
        return
    unknown = network.unknown(city, city.calendar.local_date(tap.at), tap.route or "",
                              tap.stop or "")
    if unknown:
        raise Conflict(f"tap {tap.seq}: {' and '.join(unknown)} not in {city.slug}'s timetable "
                       "feed in force on the tap's day; the validator's route and stop must "
                       "be the feed's route_id and stop_id", code="tap-unknown-stop")


def process_batch(validator: Validator, taps: list[TapIn]) -> list[TapResult]:
    """An offline validator's queue: decided in the order the taps happened (then by seq),
    each against the taps before it, exactly as one by one (``card.recording``). The batch is
    one transaction: the taps already recorded are found in one read, the rest decided and
    recorded together, the validator's last contact written once. A batch cut off half-way
    keeps nothing of it, and the re-sent batch does it all. A tap the same validator's other
    connection records meanwhile (the same queue sent twice at once) makes the batch go tap
    by tap, each its own transaction."""
    seqs = [t.seq for t in taps]
    if len(set(seqs)) != len(seqs):
        raise Conflict("a batch names the same seq twice")
    order = sorted(taps, key=lambda t: (t.at, t.seq))
    # the taps already recorded: their seqs in one read written out (a queue sent for the first
    # time, by far the most common, has none), then those taps
    in_seqs, keys = bulk.any_of(seqs)
    found = [seq for (seq,) in bulk.select(
        f"SELECT seq FROM {Tap._meta.db_table} WHERE validator_id = %s "  # noqa: S608
        f"AND seq {in_seqs}", [validator.pk, *keys])]
    done = {t.seq: TapResult(t, None, True) for t in Tap.objects.filter(
        validator=validator, seq__in=found).order_by()} if found else {}
    new = [t for t in order if t.seq not in done]
    for t in new:
        _check(validator, t)
    results = dict(done)
    try:
        with transaction.atomic():
            if new:
                for t, r in zip(new, recording.record(validator, new, offline=True),
                                strict=True):
                    results[t.seq] = TapResult(r.tap, r.balance, False)
                _seen(validator, new[-1].seq)
    except IntegrityError:
        results = {t.seq: process_tap(validator, t, offline=True) for t in order}
    return [results[t.seq] for t in taps]


def deny_list(city: City, since: int = 0) -> dict[str, Any]:
    """The deny list's changes after version ``since`` (all of it from 0): token hashes added
    and removed, and the version the validator is then at."""
    changes = list(DenyListChange.objects.filter(city=city, version__gt=since).order_by(
        "version").values_list("version", "token_hash", "added"))
    state: dict[str, bool] = {}
    for _, digest, added in changes:
        state[digest] = added
    version = changes[-1][0] if changes else since
    return {"version": version, "since": since,
            "add": sorted(d for d, a in state.items() if a),
            "remove": sorted(d for d, a in state.items() if not a)}
