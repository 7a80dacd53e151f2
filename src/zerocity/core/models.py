"""Cities (tenants), their departments, who holds which role in them, and the audit log."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.calendar import CalendarError, CityCalendar, check_zone


def validate_zone(value: str) -> None:
    try:
        check_zone(value)
    except CalendarError as exc:
        raise ValidationError(str(exc)) from None


class City(models.Model):
    """A tenant. Every record of every module belongs to one city."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(
        max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$", "ISO 3166-1 alpha-2, e.g. SI")]
    )
    # The city's own clock: every local day, month and working day is counted in it.
    timezone = models.CharField(max_length=64, validators=[validate_zone],
                                help_text="IANA time zone, e.g. Europe/Ljubljana")
    # ISO 3166-2 subdivision when its public holidays differ from the country's (DE-BY: "BY").
    subdivision = models.CharField(max_length=10, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    area_km2 = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    locode = models.CharField("UN/LOCODE", max_length=6, blank=True)
    region = models.CharField(max_length=200, blank=True)
    # The NUTS-3 region the city counts as "local" (food's local share), e.g. SI042 Gorenjska.
    nuts3 = models.CharField("NUTS-3 region", max_length=5, blank=True)
    language = models.CharField(max_length=8, default="en")
    # Who must confirm each log-in with a second factor (core.second_factor): role names
    # ("staff", "admin") or one department's staff ("staff:card-desk"). Set with
    # ``core.second_factor.require_for``, which checks every entry.
    second_factor_roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "cities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def calendar(self) -> CityCalendar:
        """The city's zone, holidays and working days (``core.calendar``)."""
        return CityCalendar.of(self)


class Department(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="departments")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="department_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.city.slug}/{self.slug}"


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    STAFF = "staff", _("City staff")
    ADMIN = "admin", _("City administrator")


class Membership(models.Model):
    """A user's role in one city. Staff belong to a department; admins may, citizens do not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "city"], name="membership_one_role_per_city"),
            models.CheckConstraint(
                condition=~models.Q(role="staff") | models.Q(department__isnull=False),
                name="membership_staff_has_department",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["citizen", "staff", "admin"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} in {self.city.slug}"


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class AuditLog(models.Model):
    """Append-only record of who changed what. Written inside the service's transaction."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The stubs type the key as int; it is None until the row is first written.
        pk = cast("int | None", self.pk)
        if pk is not None:
            raise TypeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class ReminderSent(models.Model):
    """The last reminder of one thing (a hook's ``Due.key``) sent to one person in one kind
    (due soon, late, not updated): the day it went and the day of the schedule it answered
    (``core.reminders``). Kept so the digest never nags and never sends the same day twice."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField(max_length=20)
    trigger = models.DateField()
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "key", "user", "kind"],
                                               name="reminder_sent_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.key} {self.kind} to {self.user_id} on {self.sent_on}"


class DataVersion(models.Model):
    """A token per app that changes with every write to the app's tables (zerocity.core.
    data_versions): pages cached for anonymous visitors are keyed on the tokens, so a write
    makes its pages compute again and none is ever served stale. A token is random, not a
    count, so that a restored backup or a rolled-back transaction never brings back a value
    a cached page was stored under with other data."""

    app = models.CharField(max_length=40, primary_key=True)
    token = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.app}: {self.token}"
