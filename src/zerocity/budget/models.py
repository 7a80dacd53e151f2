"""The city's money budget in the Slovenian classifications (PU, PPP, GPR, PPR, PP, konto,
NRP; research/green-budget-governance.md §2), each line tagged for mitigation and adaptation
(I4CE: very favourable ... undefined, §1.1).

A version is one stage of one year (adopted, revised, final account), imported from one file
and kept apart from the other stages; once published it never changes. A line's tags are a
split per axis, ``{"very_favourable": "60", "neutral": "40"}`` (percent, adding to 100);
``{}`` is untagged, which is not the tag "undefined". Every change of a tag is a
``TagChange`` (who, when, old, new, reason), proposed by a department and approved by the
climate office (four eyes).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.models import City, Department


class Stage(models.TextChoices):
    ADOPTED = "adopted", _("Adopted budget")
    REVISED = "revised", _("Revised budget")
    FINAL = "final", _("Final account")


class Tag(models.TextChoices):
    VERY_FAVOURABLE = "very_favourable", _("Very favourable")
    FAVOURABLE = "favourable", _("Favourable")
    NEUTRAL = "neutral", _("Neutral")
    UNFAVOURABLE = "unfavourable", _("Unfavourable")
    UNDEFINED = "undefined", _("Undefined")


AXES = ("mitigation", "adaptation")


class BudgetOffice(models.Model):
    """The department that approves the city's budget tags (its climate office)."""

    city = models.OneToOneField(City, on_delete=models.CASCADE, related_name="budget_office")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.city.slug}: {self.department.slug}"


class BudgetVersion(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="budget_versions")
    year = models.PositiveSmallIntegerField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    source = models.CharField(max_length=255, blank=True)
    illustrative = models.BooleanField(default=False, help_text="made-up figures (the demo's), "
                                       "said so wherever it is shown")
    content_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "year", "stage"],
                                    name="budget_version_one_per_stage"),
            models.CheckConstraint(condition=models.Q(stage__in=["adopted", "revised", "final"]),
                                   name="budget_version_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.city.slug} {self.year} {self.stage}"


class BudgetLine(models.Model):
    version = models.ForeignKey(BudgetVersion, on_delete=models.CASCADE, related_name="lines")
    row = models.PositiveIntegerField(help_text="Line of the imported file")
    pu_code = models.CharField(max_length=20)
    pu_name = models.CharField(max_length=255, blank=True)
    ppp = models.CharField(max_length=2, blank=True)
    gpr = models.CharField(max_length=4, blank=True)
    ppr = models.CharField(max_length=8, blank=True)
    pp_code = models.CharField(max_length=20)
    pp_name = models.CharField(max_length=255, blank=True)
    konto = models.CharField(max_length=8)
    cofog = models.CharField(max_length=10, blank=True)
    nrp_code = models.CharField(max_length=30, blank=True)
    nrp_name = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    funding_source = models.CharField(max_length=50, blank=True)
    in_scope = models.BooleanField()
    scope_reason = models.TextField(blank=True, help_text="Why an out-of-scope account is "
                                    "tagged after all")
    mitigation = models.JSONField(default=dict, blank=True)
    adaptation = models.JSONField(default=dict, blank=True)
    ccc_action_id = models.CharField(max_length=30, blank=True)
    rationale = models.TextField(blank=True)
    # the participatory-budget project this line pays for (check 24): the project is counted
    # through its line, once, never beside it
    pb_project = models.ForeignKey("engage.Project", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="budget_lines")

    class Meta:
        ordering = ["row"]
        constraints = [
            models.UniqueConstraint(fields=["version", "row"], name="budget_line_unique_row"),
            models.UniqueConstraint(fields=["version", "pb_project"],
                                    name="budget_line_one_per_pb_project"),
        ]

    def __str__(self) -> str:
        return self.key

    def save(self, *args: Any, **kwargs: Any) -> None:
        # a published version never changes, whatever code path tries (check 17)
        if BudgetVersion.objects.filter(pk=self.version_id).exclude(published_at=None).exists():
            raise TypeError("a published budget version is immutable")
        super().save(*args, **kwargs)

    @property
    def key(self) -> str:
        """What identifies the line across stages: PU, PP, konto and NRP project."""
        return "/".join(p for p in (self.pu_code, self.pp_code, self.konto, self.nrp_code) if p)

    @property
    def group(self) -> str:
        return self.konto[:2]


class TagRule(models.Model):
    """Tags proposed from classification pairs (research §7): lines whose programme code
    starts with ``ppr`` (a PPP, GPR or PPR), of the budget item ``pp_code``, of the COFOG
    function starting ``cofog``, on an account starting ``konto`` get the rule's tags with its
    rationale, or, where the pair alone cannot tell, its ``question`` and no tag (13029003 with
    4201 is a vehicle: ask the fuel type). A department confirms a suggestion, the climate
    office approves it (four eyes)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="budget_tag_rules")
    ppr = models.CharField(max_length=8, blank=True, help_text="PPP, GPR or PPR code prefix")
    pp_code = models.CharField(max_length=20, blank=True)
    cofog = models.CharField(max_length=10, blank=True, help_text="COFOG prefix")
    konto = models.CharField(max_length=8, blank=True, help_text="account prefix")
    mitigation = models.JSONField(default=dict, blank=True)
    adaptation = models.JSONField(default=dict, blank=True)
    question = models.TextField(blank=True, help_text="asked instead of proposing tags")
    rationale = models.TextField(blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["city", "ppr", "pp_code", "cofog", "konto"],
                                    name="budget_tag_rule_one_per_pair"),
        ]

    def __str__(self) -> str:
        return self.pair

    @property
    def pair(self) -> str:
        """``PPR 13029003 × konto 4201``."""
        parts = [f"{name} {code}" for name, code in (
            ("PPR", self.ppr), ("PP", self.pp_code), ("COFOG", self.cofog),
            ("konto", self.konto)) if code]
        return " × ".join(parts)


class BudgetResponsibility(models.Model):
    """Which department answers for which lines: those of a direct user (``pu_code``) and/or
    a programme (``ppr``, a PPP, GPR or PPR prefix). Its staff see and tag those lines."""

    city = models.ForeignKey(City, on_delete=models.CASCADE,
                             related_name="budget_responsibilities")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    pu_code = models.CharField(max_length=20, blank=True)
    ppr = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["city", "department", "pu_code", "ppr"],
                                    name="budget_responsibility_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.department.slug}: {self.pu_code or '*'}/{self.ppr or '*'}"


class ChangeState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TagChange(models.Model):
    """A change of a line's tags: proposed, then approved (applied) or rejected. Imported and
    carried-over tags are recorded approved at once, by whoever imported them. Append-only
    but for the decision."""

    # The history belongs to the version and the line's key, so that it outlives the line when
    # a corrected file replaces an unpublished version's lines.
    version = models.ForeignKey(BudgetVersion, on_delete=models.CASCADE,
                                related_name="tag_changes")
    line_key = models.CharField(max_length=100)
    line = models.ForeignKey(BudgetLine, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="changes")
    old = models.JSONField(default=dict)
    new = models.JSONField(default=dict)
    reason = models.TextField()
    scope_override = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=ChangeState.choices,
                             default=ChangeState.PROPOSED)
    proposed_by = models.CharField(max_length=150)
    proposed_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.line_key} {self.state}"


# -- climate checks of new projects and council items (research §3, checks 14-16) ----------

class ClimateCheckSetting(models.Model):
    """A city's threshold of climate relevance: a proposal whose estimated effect is at least
    this many tCO2e a year, either way, is highly relevant and needs the climate office's
    opinion (no source gives a number; research §3 suggests 100 t/yr)."""

    city = models.OneToOneField(City, on_delete=models.CASCADE,
                                related_name="climate_check_setting")
    threshold_t = models.DecimalField(max_digits=12, decimal_places=2, default=100)

    def __str__(self) -> str:
        return f"{self.city.slug}: {self.threshold_t} tCO2e/yr"


class ProposalKind(models.TextChoices):
    NRP_PROJECT = "nrp_project", _("NRP project")
    COUNCIL_ITEM = "council_item", _("Council item")


class Relevance(models.TextChoices):
    """Direction and strength: negative emits (+ tCO2e/yr), positive saves (- tCO2e/yr)."""

    POSITIVE_HIGH = "positive_high", _("Positive, high relevance")
    POSITIVE_LOW = "positive_low", _("Positive, low relevance")
    NONE = "none", _("No relevance")
    NEGATIVE_LOW = "negative_low", _("Negative, low relevance")
    NEGATIVE_HIGH = "negative_high", _("Negative, high relevance")


class EffectType(models.TextChoices):
    """How the item acts on emissions, in the pathway model's effect types
    (``zerocity.pathways.model.Effect``), where one fits."""

    REDUCE_DEMAND = "reduce_demand", _("Reduces demand")
    SWITCH_CARRIER = "switch_carrier", _("Switches the energy carrier")
    CHANGE_FACTOR = "change_factor", _("Changes an emission factor")
    ADD_LOCAL_RENEWABLE = "add_local_renewable", _("Adds local renewable energy")
    CHANGE_ACTIVITY = "change_activity", _("Changes an activity")


class Proposal(models.Model):
    """A new NRP project or council item with its climate check: the estimated effect in
    tCO2e a year (signed: + emits, - saves), the relevance derived from it against the city's
    threshold, a justification when it has none, and the climate office's opinion."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=12, choices=ProposalKind.choices)
    reference = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField()
    estimated_cost = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    nrp_code = models.CharField(max_length=30, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    estimate_t = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    threshold_t = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                      help_text="The city's threshold when it was checked")
    relevance = models.CharField(max_length=15, choices=Relevance.choices, blank=True)
    effect_type = models.CharField(max_length=20, choices=EffectType.choices, blank=True)
    justification = models.TextField(blank=True)
    checked_by = models.CharField(max_length=150, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField(blank=True)
    opinion_by = models.CharField(max_length=150, blank=True)
    opinion_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["year", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["city", "reference"],
                                    name="budget_proposal_unique_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"
