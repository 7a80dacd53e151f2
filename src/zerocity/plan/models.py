"""The 2030 Climate Neutrality Action Plan behind a city's Climate City Contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from zerocity.core.models import City, Department
from zerocity.inventory.models import Inventory
from zerocity.plan.calculations import FIELD_ROWS, SECTORS

SECTOR_CHOICES = [(s, s) for s in (*SECTORS, *FIELD_ROWS)]


def default_cutoffs() -> list[str]:
    return ["04-30", "08-31", "12-31"]


class Plan(models.Model):
    objects: MultilingualManager[Plan] = MultilingualManager()  # texts per language
    city = models.OneToOneField(City, on_delete=models.PROTECT, related_name="plan")
    title = models.CharField(max_length=300)
    baseline = models.ForeignKey(Inventory, on_delete=models.PROTECT, related_name="+")
    target_year = models.PositiveSmallIntegerField(default=2030)
    reduction_target = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.800"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of the baseline to reduce by the target year (0.8 = 80 %)."),
    )
    source = models.CharField(max_length=500, blank=True)
    loaded_sha256 = models.CharField(max_length=64, blank=True,
                                     help_text=_("Fingerprint of the plan data last loaded."))
    office = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("The climate office: its staff publish what departments propose."))
    drivers = models.JSONField(
        default=dict, blank=True,
        help_text=_("What moves the baseline projection: population_growth, activity_growth "
                    "per sector, grid_factor per year (see docs/pathways.md)."))
    reporting_cutoffs = models.JSONField(
        default=default_cutoffs, blank=True,
        help_text=_("The reporting rounds' cut-off days in a year, as MM-DD (Oslo's: 30 April, "
                    "31 August, 31 December)."))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Vocabulary(models.Model):
    """A term of a CCC vocabulary (fields of action, systemic levers), kept per city as data."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class FieldOfAction(Vocabulary):
    objects: MultilingualManager[FieldOfAction] = MultilingualManager()  # texts per language
    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "slug"], name="field_unique")]


class SystemicLever(Vocabulary):
    objects: MultilingualManager[SystemicLever] = MultilingualManager()  # texts per language
    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "slug"], name="lever_unique")]


class Action(models.Model):
    """An action of the portfolio, with the fields of the CCC action outline (B-2.2)."""

    objects: MultilingualManager[Action] = MultilingualManager()  # texts per language
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=300)
    action_type = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    field = models.ForeignKey(FieldOfAction, on_delete=models.PROTECT, related_name="actions")
    lever = models.ForeignKey(SystemicLever, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="actions")
    outcome = models.TextField(blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="actions")
    responsible_body = models.CharField(max_length=300, blank=True)
    responsible_person = models.CharField(max_length=200, blank=True)
    stakeholders = models.TextField(blank=True)
    scale = models.CharField(max_length=300, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    energy_generated_mwh = models.FloatField(null=True, blank=True)
    energy_substituted = models.TextField(blank=True)
    sinks_tco2e = models.FloatField(default=0)
    total_cost_eur = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=500, blank=True)
    last_update_at = models.DateTimeField(null=True, blank=True,
                                          help_text=_("When staff last reported on it."))
    effects = models.JSONField(
        default=list, blank=True,
        help_text=_("Typed effects for the pathway model (reduce_demand, switch_carrier, "
                    "change_factor, add_renewable, change_activity). Without them the model "
                    "calibrates the action to its reductions per sector."))

    class Meta:
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="action_unique_code"),
            models.CheckConstraint(
                condition=models.Q(end_year__isnull=True) | models.Q(start_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="action_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ActionReduction(models.Model):
    """The action's estimated reduction in one emission sector (tCO2e a year by the target)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reductions")
    sector = models.CharField(max_length=20, choices=SECTOR_CHOICES)
    tco2e = models.FloatField(validators=[MinValueValidator(0)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "sector"], name="action_reduction_unique"),
            models.CheckConstraint(condition=models.Q(tco2e__gte=0),
                                   name="action_reduction_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.action.code} {self.sector} {self.tco2e}"


class Policy(models.Model):
    """An existing national, regional or EU policy (A-2) and what it is expected to reduce."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="policies")
    name = models.CharField(max_length=300)
    policy_type = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=20, choices=[
        ("local", _("Local")), ("regional", _("Regional")), ("national", _("National")),
        ("eu", _("EU"))])
    description = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "policies"
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="policy_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyReduction(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="reductions")
    sector = models.CharField(max_length=20, choices=SECTOR_CHOICES)
    tco2e = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "sector"], name="policy_reduction_unique"),
            models.CheckConstraint(condition=models.Q(tco2e__gte=0),
                                   name="policy_reduction_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.sector} {self.tco2e}"


class Indicator(models.Model):
    """A monitoring, evaluation and learning indicator (B-3) with its metadata (B-3.2)."""

    objects: MultilingualManager[Indicator] = MultilingualManager()  # texts per language
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=300)
    unit = models.CharField(max_length=50)
    definition = models.TextField(blank=True)
    calculation = models.TextField(blank=True)
    data_source = models.CharField(max_length=300, blank=True)
    interval = models.CharField(max_length=100, blank=True)
    baseline_year = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    actions = models.ManyToManyField(Action, blank=True, related_name="indicators")

    class Meta:
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField()
    value = models.FloatField()

    class Meta:
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="target_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Milestone(models.Model):
    objects: MultilingualManager[Milestone] = MultilingualManager()  # texts per language
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=300)
    due = models.DateField()
    done = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["action", "due", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["action", "name"], name="milestone_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.action.code}: {self.name} ({self.due})"


class StatusOverride(models.Model):
    """A person's word on an action's status, with the reason. Append-only: the newest one
    counts; an override with an empty status hands the status back to the computation."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="overrides")
    status = models.CharField(max_length=20, choices=ActionStatus.choices, blank=True)
    reason = models.TextField()
    by_label = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.action.code}: {self.status or 'computed'}"


class Commitment(models.Model):
    """What a department or partner organisation of the city's transition group (energy,
    transport, waste and circular economy, green infrastructure, construction) commits to."""

    class Group(models.TextChoices):
        ENERGY = "energy", _("Energy")
        TRANSPORT = "transport", _("Transport")
        WASTE = "waste", _("Waste and circular economy")
        GREEN = "green", _("Green infrastructure")
        CONSTRUCTION = "construction", _("Construction")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="commitments")
    organisation = models.CharField(max_length=200)
    partner = models.BooleanField(default=False, help_text=_("Outside the city administration"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="commitments")
    group = models.CharField(max_length=20, choices=Group.choices)
    text = models.TextField()
    actions = models.ManyToManyField(Action, blank=True, related_name="commitments")

    class Meta:
        ordering = ["plan", "group", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "organisation", "group"],
                                    name="commitment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.group})"


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class ActionProposal(models.Model):
    """A change to an action proposed by its department, published (applied) or rejected by
    the climate office. Append-only apart from the decision."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="proposals")
    changes = models.JSONField(help_text=_("Field name -> proposed value"))
    previous = models.JSONField(help_text=_("Field name -> value when proposed"))
    note = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=ProposalState.choices,
                             default=ProposalState.PROPOSED)
    proposed_by = models.CharField(max_length=150)
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="rejected") | ~models.Q(decision_reason=""),
                name="proposal_rejection_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.action.code}: {self.state}"


class ActionCost(models.Model):
    """Capital and operating cost of an action in one year (C-3.1, Investment Plan)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="costs")
    year = models.PositiveSmallIntegerField()
    capex_eur = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    opex_eur = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    funding_source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["action", "year"]
        constraints = [
            models.UniqueConstraint(fields=["action", "year", "funding_source"],
                                    name="cost_unique_year_source"),
        ]

    def __str__(self) -> str:
        return f"{self.action.code} {self.year}"


class Observation(models.Model):
    """An observed value of an indicator for a year, entered by staff or computed."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE,
                                  related_name="observations")
    year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    source = models.CharField(max_length=300, blank=True)
    by_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="observation_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"


class Snapshot(models.Model):
    """A closed reporting period: every action, indicator and figure frozen as they were, so
    the period's progress report can be reproduced later. Never changed once written."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="snapshots")
    period = models.CharField(max_length=40)
    data = models.JSONField()
    sha256 = models.CharField(max_length=64)
    by_label = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period"], name="snapshot_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.city_id} {self.period}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The stubs type the key as int; it is None until the row is first written.
        pk = cast("int | None", self.pk)
        if pk is not None:
            raise TypeError("a closed reporting period cannot change")
        super().save(*args, **kwargs)


class ReportingRound(models.Model):
    """An Oslo-style reporting round (research §1.3, check 20): by its cut-off day each unit
    responsible for actions (a department) reports their status. It closes only when every
    unit has reported."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rounds")
    cutoff = models.DateField()
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.CharField(max_length=150, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-cutoff"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "cutoff"], name="round_one_per_cutoff"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.city_id} {self.cutoff}"


class UnitReport(models.Model):
    """One unit's report for a round: a status for each of its actions, and a note."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="reports")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    statuses = models.JSONField(help_text=_("Action code -> status"))
    note = models.TextField(blank=True)
    by_label = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "department"], name="unit_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.department.slug}"
