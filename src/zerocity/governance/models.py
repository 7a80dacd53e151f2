"""The bodies that steer a city's transition (research/green-budget-governance.md §5): a
strategic council chaired by the mayor, a transition team of officers and working groups per
sector, each with members from the city and from outside, their roles and terms; meetings
with an agenda, papers, attendance, declarations of interest (each recusing its member from
the item), votes and minutes; and decisions, each with an owner and a deadline.

Procedural records are kept, never deleted: a member who leaves gets an end of term, and once
a meeting's minutes are approved nothing of the meeting changes (``Meeting.save`` and the
records' ``save`` refuse).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.models import City, Department
from zerocity.plan.models import ActionProposal, Commitment


class Kind(models.TextChoices):
    COUNCIL = "council", _("Strategic council")
    TEAM = "team", _("Transition team")
    WORKING_GROUP = "working_group", _("Working group")


class Quorum(models.TextChoices):
    MAJORITY = "majority", _("Majority of the eligible members")
    TWO_THIRDS = "two_thirds", _("Two thirds of the eligible members")


class Body(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="bodies")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # a working group's sector: the keys of plan.Commitment.Group
    sector = models.CharField(max_length=20, choices=Commitment.Group.choices, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="groups")
    description = models.TextField(blank=True)
    quorum = models.CharField(max_length=12, choices=Quorum.choices, default=Quorum.MAJORITY)
    minutes_days = models.PositiveSmallIntegerField(
        default=15, help_text=_("Working days after a meeting within which its minutes are "
                                "due"))
    illustrative = models.BooleanField(default=False, help_text="invented members (a demo's)")

    class Meta:
        ordering = ["city", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "slug"], name="body_unique_slug"),
            models.CheckConstraint(condition=models.Q(minutes_days__gte=1),
                                   name="body_minutes_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.city.slug}/{self.slug}"


class Side(models.TextChoices):
    CITY = "city", _("City")
    UTILITY = "utility", _("Utility")
    BUSINESS = "business", _("Business")
    NGO = "ngo", _("Non-governmental organisation")
    ACADEMIA = "academia", _("Academia")
    PUBLIC = "public", _("Public institution")


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    CO_CHAIR = "co_chair", _("Co-chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")
    DEPUTY = "deputy", _("Deputy")


class Member(models.Model):
    """A seat in a body for a term. A deputy stands in for ``deputy_for`` and does not count
    among the members; a secretary who is not a voting member is a ``secretary`` too."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=200)
    side = models.CharField(max_length=10, choices=Side.choices)
    organisation = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    email = models.EmailField(blank=True, help_text="never published")
    role = models.CharField(max_length=10, choices=MemberRole.choices,
                            default=MemberRole.MEMBER)
    deputy_for = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="deputies")
    votes = models.BooleanField(default=True, help_text="counts among the members for the "
                                "quorum (a secretary from the administration may not)")
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="ceased: kept, with the term's end")

    class Meta:
        ordering = ["body", "start", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__isnull=True)
                                   | models.Q(end__gte=models.F("start")),
                                   name="member_term_ends_after_start"),
            models.CheckConstraint(condition=~models.Q(role="deputy")
                                   | models.Q(deputy_for__isnull=False),
                                   name="member_deputy_names_whom"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation or self.side})"


class Meeting(models.Model):
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    number = models.PositiveIntegerField()
    date = models.DateField(help_text="the city's local day")
    place = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["body", "-date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="meeting_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.body.slug} #{self.number} {self.date}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Meeting.objects.filter(pk=self.pk).exclude(
                minutes_approved_at=None).exists():
            raise TypeError("approved minutes are immutable")
        super().save(*args, **kwargs)


class Sealed(models.Model):
    """A record of a meeting: refused once the meeting's minutes are approved."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Meeting.objects.filter(pk=self.meeting_pk()).exclude(
                minutes_approved_at=None).exists():
            raise TypeError("approved minutes are immutable")
        super().save(*args, **kwargs)

    def meeting_pk(self) -> int:
        raise NotImplementedError


class AgendaItem(Sealed):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="item_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def meeting_pk(self) -> int:
        return self.meeting_id


class Paper(Sealed):
    """A paper of an item: an uploaded file (kept by its SHA-256) or a link."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="papers")
    title = models.CharField(max_length=300)
    url = models.URLField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["item", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(url="") | ~models.Q(sha256=""),
                                   name="paper_is_file_or_link"),
        ]

    def __str__(self) -> str:
        return self.title

    def meeting_pk(self) -> int:
        return self.item.meeting_id


class Attendance(Sealed):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {'present' if self.present else 'absent'}"

    def meeting_pk(self) -> int:
        return self.meeting_id


class Declaration(Sealed):
    """A member's declaration of an interest in an item: it recuses them from the item, which
    is then counted without them (eligible members and majority, check 21)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="declarations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="declarations")
    interest = models.TextField()
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="declaration_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} on item {self.item_id}"

    def meeting_pk(self) -> int:
        return self.item.meeting_id


class Vote(Sealed):
    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="vote")
    votes_for = models.PositiveSmallIntegerField()
    votes_against = models.PositiveSmallIntegerField()
    abstentions = models.PositiveSmallIntegerField()
    adopted = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.votes_for}/{self.votes_against}/{self.abstentions}"

    def meeting_pk(self) -> int:
        return self.item.meeting_id


class Decision(Sealed):
    """What the meeting decided, with an owner (a member or a department) and a deadline
    (check 22); it may open a change proposal on a plan action or a commitment."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="decisions")
    text = models.TextField()
    owner_member = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="decisions")
    owner_department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+")
    deadline = models.DateField()
    proposal = models.ForeignKey(ActionProposal, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["meeting", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(owner_member__isnull=False)
                                   | models.Q(owner_department__isnull=False),
                                   name="decision_has_owner"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def meeting_pk(self) -> int:
        return self.meeting_id


class DecisionDone(models.Model):
    """A decision carried out (append-only: the minutes stay as approved)."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="done")
    on = models.DateField()
    by = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"{self.decision_id} done {self.on}"
