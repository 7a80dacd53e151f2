"""The city card's money ledger: double-entry and append-only.

Every movement of money is a ``LedgerTransaction`` of two or more ``LedgerEntry`` rows whose
amounts add up to zero. Entries and transactions are never updated or deleted — the database
refuses it (triggers, see migration 0002) — and a correction is a reversing transaction with a
reason and who made it. ``LedgerAccount.balance`` is a cache of the sum of its entries, kept
under a database CHECK that it never goes below the account's ``floor``; ``reconcile`` proves
the cache equals the sums.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from zerocity.core.models import City
from zerocity.core.money import MONEY_DIGITS

MONEY = MONEY_DIGITS
RENEWAL_WINDOW = timedelta(days=30)  # a concession may be renewed this long before it expires


class AccountKind(models.TextChoices):
    WALLET = "wallet", _("Card holder's stored value")
    SYSTEM = "system", _("City's own account")


class LedgerAccount(models.Model):
    """An account of the ledger: a card holder's wallet, or one of the city's system accounts
    (payments received, fare revenue, refunds). ``floor`` is the lowest balance the product
    rules allow (0 for a wallet; system accounts may go negative)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="ledger_accounts")
    code = models.SlugField(max_length=60)
    kind = models.CharField(max_length=10, choices=AccountKind.choices)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="EUR")
    balance = models.DecimalField(default=Decimal("0.00"), **MONEY)
    floor = models.DecimalField(null=True, blank=True, **MONEY,
                                help_text="Lowest balance allowed; empty: no limit")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="ledgeraccount_unique_code"),
            models.CheckConstraint(condition=models.Q(kind__in=AccountKind.values),
                                   name="ledgeraccount_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(floor__isnull=True) | models.Q(balance__gte=models.F("floor")),
                name="ledgeraccount_balance_above_floor"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.code}"


class TransactionKind(models.TextChoices):
    TOPUP = "topup", _("Top-up")
    FARE = "fare", _("Fare")
    PASS_SALE = "pass_sale", _("Pass sale")
    REFUND = "refund", _("Refund")
    TRANSFER = "transfer", _("Transfer between media")
    CORRECTION = "correction", _("Correction")
    REVERSAL = "reversal", _("Reversal")


class LedgerTransaction(models.Model):
    """One movement of money: its entries add up to zero. ``idempotency_key`` (a payment
    reference, a device and its sequence number, an Idempotency-Key header) makes a retried
    request return the transaction it already made."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=TransactionKind.choices)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by")
    reason = models.CharField(max_length=500, blank=True)
    by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "idempotency_key"],
                                    name="ledgertransaction_unique_key"),
            models.CheckConstraint(condition=models.Q(kind__in=TransactionKind.values),
                                   name="ledgertransaction_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["correction", "reversal"]) | ~models.Q(reason=""),
                name="ledgertransaction_correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT,
                                    related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledgerentry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"


# -- accounts, media, entitlements, concessions --------------------------------------------

class CardAccount(models.Model):
    """A citizen's city account, separate from its media. An anonymous stored-value card has an
    account with no holder. ``pseudonym`` stands for the account in trip data for analysis."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="card_accounts")
    holder = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="card_accounts")
    guardian = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="dependants")
    wallet = models.OneToOneField(LedgerAccount, on_delete=models.PROTECT, related_name="card")
    pseudonym = models.UUIDField(unique=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "id"]

    def __str__(self) -> str:
        return f"{self.city_id}/account {self.pk}"

    @property
    def anonymous(self) -> bool:
        return self.holder_id is None


class MediumKind(models.TextChoices):
    # GTFS-Fares v2 fare_media_type: 2 physical transit card, 3 cEMV, 4 mobile app
    CITY_CARD = "city_card", _("City card")
    BANK_CARD = "bank_card", _("Contactless bank card")
    APP_QR = "app_qr", _("QR code in the app")


class MediumStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    BLOCKED = "blocked", _("Blocked")
    REPLACED = "replaced", _("Replaced")
    CLOSED = "closed", _("Closed")


class Medium(models.Model):
    """Something a validator reads: the city card's UID, a bank card's token, an app's QR
    code. Only the SHA-256 of what is read is stored (``token_hash``); ``label`` is what the
    holder recognises it by (the last digits)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(CardAccount, on_delete=models.PROTECT, related_name="media")
    kind = models.CharField(max_length=12, choices=MediumKind.choices)
    token_hash = models.CharField(max_length=64)
    label = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=MediumStatus.choices,
                              default=MediumStatus.ACTIVE)
    status_reason = models.CharField(max_length=200, blank=True)
    replaced_by = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="replaces")
    issued_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account", "id"]
        verbose_name_plural = "media"
        constraints = [
            models.UniqueConstraint(fields=["city", "token_hash"], name="medium_unique_token"),
            models.CheckConstraint(condition=models.Q(kind__in=MediumKind.values),
                                   name="medium_kind_valid"),
            models.CheckConstraint(condition=models.Q(status__in=MediumStatus.values),
                                   name="medium_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} …{self.label}"


class Entitlement(models.Model):
    """A pass held by an account (so it survives a lost card): valid in [valid_from, valid_to).
    """

    account = models.ForeignKey(CardAccount, on_delete=models.PROTECT,
                                related_name="entitlements")
    product = models.CharField(max_length=60)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField()
    sale = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="entitlement")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_to__gt=models.F("valid_from")),
                                   name="entitlement_period"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.valid_from:%Y-%m-%d}–{self.valid_to:%Y-%m-%d}"


class Eligibility(models.Model):
    """A concession the account may use (pupil, student, senior, unemployed, disabled): who
    verified it and until when. No evidence is stored, only a short reference to it."""

    account = models.ForeignKey(CardAccount, on_delete=models.CASCADE,
                                related_name="eligibilities")
    category = models.CharField(max_length=30)
    verified_by = models.CharField(max_length=150)
    evidence_ref = models.CharField(max_length=100, blank=True,
                                    help_text="e.g. 'school register 2026/27', never the document")
    valid_from = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "-expires_at"]
        verbose_name_plural = "eligibilities"
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("valid_from")),
                                   name="eligibility_period"),
        ]

    def __str__(self) -> str:
        return f"{self.category} until {self.expires_at:%Y-%m-%d}"

    @property
    def renewal_opens(self) -> datetime:
        """From when the holder may re-enrol (a new record following this one)."""
        return self.expires_at - RENEWAL_WINDOW


class FareRuleSet(models.Model):
    """The city's fare rules as data (GTFS-Fares v2 style, ``zerocity.card.fares``); the
    newest version is in force and validators cache it by version."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["city", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["city", "version"], name="fareruleset_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} fare rules v{self.version}"


# -- validators, taps and the deny list -----------------------------------------------------

class Validator(models.Model):
    """A registered device (bus validator, bike station, parking machine, venue gate) with its
    own API token, stored as a SHA-256 digest."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="card_validators")
    device_id = models.SlugField(max_length=60)
    service = models.CharField(max_length=20)
    description = models.CharField(max_length=200, blank=True)
    token_prefix = models.CharField(max_length=8, blank=True, db_index=True)
    token_digest = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_seq = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "device_id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "device_id"], name="validator_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.device_id}"


class Tap(models.Model):
    """One tap as the validator sent it and as it was decided. Unique per (device, seq): a tap
    sent again, online or in an offline batch, is answered with the decision already made."""

    validator = models.ForeignKey(Validator, on_delete=models.PROTECT, related_name="taps")
    seq = models.BigIntegerField()
    medium = models.ForeignKey(Medium, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="taps")
    token_hash = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    offline = models.BooleanField(default=False)
    service = models.CharField(max_length=20)
    vehicle = models.CharField(max_length=60, blank=True)
    route = models.CharField(max_length=60, blank=True, help_text="GTFS route_id")
    stop = models.CharField(max_length=60, blank=True, help_text="GTFS stop_id")
    units = models.PositiveIntegerField(null=True, blank=True)
    location_erased_at = models.DateTimeField(
        null=True, blank=True, help_text="when retention removed the medium, vehicle, route "
        "and stop (time and fare stay with the money records)")
    accepted = models.BooleanField()
    reason = models.CharField(max_length=30)
    fare = models.DecimalField(default=Decimal("0.00"), **MONEY)
    product = models.CharField(max_length=60, blank=True)
    journey_start = models.DateTimeField(null=True, blank=True)
    payment = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="tap")

    class Meta:
        ordering = ["validator", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["validator", "seq"], name="tap_unique_seq"),
        ]
        indexes = [models.Index(fields=["medium", "at"], name="tap_medium_at")]

    def __str__(self) -> str:
        return f"{self.validator_id}#{self.seq} {'accept' if self.accepted else 'deny'}"


class DenyListChange(models.Model):
    """The versioned deny list: each change (a medium's token hash added or removed) has the
    next version number of its city, so a validator asks for the changes since its own."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveBigIntegerField()
    token_hash = models.CharField(max_length=64)
    added = models.BooleanField()
    reason = models.CharField(max_length=30)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "version"]
        constraints = [
            models.UniqueConstraint(fields=["city", "version"], name="denylist_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} deny list v{self.version}"


class PointsKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    CORRECTION = "correction", _("Correction")


class PointsEntry(models.Model):
    """The eco-points ledger, kept apart from money (points are not e-money): append-only like
    the money ledger; a balance is the sum of an account's entries."""

    account = models.ForeignKey(CardAccount, on_delete=models.PROTECT, related_name="points")
    kind = models.CharField(max_length=12, choices=PointsKind.choices)
    points = models.IntegerField()
    reason = models.CharField(max_length=200)
    tap = models.OneToOneField(Tap, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="points")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    at = models.DateTimeField()
    by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["account", "at", "id"]
        verbose_name_plural = "points entries"
        constraints = [
            models.CheckConstraint(condition=~models.Q(points=0), name="points_not_zero"),
            models.CheckConstraint(
                condition=(models.Q(kind="earn", points__gt=0)
                           | models.Q(kind="redeem", points__lt=0)
                           | models.Q(kind="correction")),
                name="points_sign_by_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.points:+} {self.kind}"


# -- ridership: stops, rotating pseudonym keys ------------------------------------------------

class Stop(models.Model):
    """A stop or station as in GTFS ``stops.txt``: where validators stand, for boardings per
    stop and the distances of inferred trips."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="card_stops")
    stop_id = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    lat = models.FloatField()
    lon = models.FloatField()

    class Meta:
        ordering = ["city", "stop_id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "stop_id"], name="stop_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.stop_id} {self.name}"


class PseudonymKey(models.Model):
    """The secret that pseudonymises one period's trip records for analysis (HMAC-SHA256 of
    the account's pseudonym). Periods have different keys, so trips of different months cannot
    be linked; when the period leaves the retention window the key is destroyed."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7, help_text="YYYY-MM")
    secret = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["city", "period"]
        constraints = [
            models.UniqueConstraint(fields=["city", "period"], name="pseudonymkey_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} key {self.period}"


# -- challenges and walks ---------------------------------------------------------------------

class ChallengeMeasure(models.TextChoices):
    BUS_TRIPS = "bus_trips", _("Bus trips")
    BIKE_TRIPS = "bike_trips", _("Bike-sharing trips")
    GREEN_TRIPS = "green_trips", _("Bus and bike trips")
    WALK_KM = "walk_km", _("Kilometres walked")


class Challenge(models.Model):
    """A challenge the city runs: reach a target (trips by bus or bike, kilometres walked)
    between two dates and earn bonus points, once."""

    objects: MultilingualManager[Challenge] = MultilingualManager()  # texts per language
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="card_challenges")
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    measure = models.CharField(max_length=12, choices=ChallengeMeasure.choices)
    target = models.PositiveIntegerField()
    bonus_points = models.PositiveIntegerField()
    starts = models.DateField()
    ends = models.DateField(help_text="last day included")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "-starts", "code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="challenge_unique_code"),
            models.CheckConstraint(condition=models.Q(ends__gte=models.F("starts")),
                                   name="challenge_period"),
            models.CheckConstraint(condition=models.Q(target__gt=0), name="challenge_target"),
            models.CheckConstraint(condition=models.Q(measure__in=ChallengeMeasure.values),
                                   name="challenge_measure_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id}/{self.code}"


class ChallengeEntry(models.Model):
    """An account taking part in a challenge; ``completed_at`` once the target is reached
    (the bonus is a points entry, keyed so it is given once)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(CardAccount, on_delete=models.PROTECT,
                                related_name="challenge_entries")
    joined_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["challenge", "joined_at"]
        verbose_name_plural = "challenge entries"
        constraints = [
            models.UniqueConstraint(fields=["challenge", "account"],
                                    name="challengeentry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.challenge_id}/{self.account_id}"


class Walk(models.Model):
    """Kilometres walked on a day, as the citizen's app or the citizen reported them (a
    weaker evidence than a card tap, so it earns less and is capped)."""

    account = models.ForeignKey(CardAccount, on_delete=models.PROTECT, related_name="walks")
    day = models.DateField()
    km = models.DecimalField(max_digits=5, decimal_places=1)
    evidence = models.CharField(max_length=20, default="self-reported")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="walk_one_per_day"),
            models.CheckConstraint(condition=models.Q(km__gt=0), name="walk_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.km} km"
