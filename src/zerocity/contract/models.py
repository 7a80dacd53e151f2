"""The Climate City Contract's commitments and its investment plan
(research/green-budget-governance.md §4; docs/contract.md).

A commitment is the plan's ``Commitment`` (an organisation of the transition group, its text
and the actions it covers). Its wording is kept in numbered versions: a new version leaves the
old one readable, and a version that has been signed never changes. A signatory row says who
signed which version, for which organisation, in which role, on which day, and the SHA-256 of
the signed document.

The investment plan's money comes from two places: the budget lines that name a plan action
(``budget.BudgetLine.ccc_action_id``, read, never written here) and the funding rows staff
enter. A source is *secured* only with a decision reference (check 13), otherwise *applied
for* or *planned*; what is not secured stays in the financing gap.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from django.utils.translation import gettext_lazy as _

from zerocity.core.models import City
from zerocity.plan.models import Action, Commitment


class FundingKind(models.TextChoices):
    OWN = "own", _("Own budget")
    EU = "eu", _("EU funds")
    NATIONAL = "national", _("National funds")
    LOAN = "loan", _("Loans")
    PRIVATE = "private", _("Private")


class FundingStatus(models.TextChoices):
    SECURED = "secured", _("Secured")
    APPLIED = "applied", _("Applied for")
    PLANNED = "planned", _("Planned")


class CommitmentVersion(models.Model):
    """One wording of a commitment. Signed (it has a signatory) it is immutable."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE,
                                   related_name="versions")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    note = models.TextField(blank=True, help_text=_("What changed against the version before"))
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["commitment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "number"],
                                    name="commitment_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        pk = cast("int | None", self.pk)
        if pk is not None and Signatory.objects.filter(version=pk).exists():
            raise TypeError("a signed commitment version never changes")
        super().save(*args, **kwargs)


class Signatory(models.Model):
    """Who signed a commitment's version: the organisation, its representative (as published
    with the contract), their role, the day, and the SHA-256 of the signed document."""

    version = models.ForeignKey(CommitmentVersion, on_delete=models.PROTECT,
                                related_name="signatories")
    organisation = models.CharField(max_length=200)
    representative = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    signed_on = models.DateField()
    document_sha256 = models.CharField(max_length=64)
    document_name = models.CharField(max_length=255, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "signed_on", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["version", "organisation", "representative"],
                                    name="signatory_unique"),
            models.CheckConstraint(condition=models.Q(document_sha256__regex=r"^[0-9a-f]{64}$"),
                                   name="signatory_sha256_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.representative}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if cast("int | None", self.pk) is not None:
            raise TypeError("a signature is never changed")
        super().save(*args, **kwargs)


class FundingSource(models.Model):
    """Money for an action in a year, entered by staff: a grant, a loan, a partner's share.
    Secured only with the decision that grants it (database constraint, check 13)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="funding_sources")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="funding")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=FundingKind.choices)
    status = models.CharField(max_length=10, choices=FundingStatus.choices)
    name = models.CharField(max_length=200, help_text=_("The programme, fund or lender"))
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    decision_reference = models.CharField(max_length=200, blank=True)
    illustrative = models.BooleanField(default=False)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["city", "year", "action", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["action", "year", "kind", "name"],
                                    name="funding_source_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="secured") | ~models.Q(decision_reference=""),
                name="funding_secured_has_decision"),
            models.CheckConstraint(condition=models.Q(amount__gt=0),
                                   name="funding_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.action.code} {self.year} {self.name}"


class FundingDecision(models.Model):
    """The decision on an NRP project's outside money (a grant agreement, a loan contract):
    the budget lines of that project and kind are secured by it, or applied for."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="funding_decisions")
    nrp_code = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=FundingKind.choices)
    status = models.CharField(max_length=10, choices=FundingStatus.choices)
    decision_reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "nrp_code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["city", "nrp_code", "kind"],
                                    name="funding_decision_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="secured") | ~models.Q(decision_reference=""),
                name="funding_decision_secured_has_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.nrp_code} {self.kind}: {self.status}"


class BudgetFigure(models.Model):
    """A year's municipal budget and climate budget entered by hand (IP-A1 table 1) where the
    city has no tagged budget version for that year."""

    class Basis(models.TextChoices):
        APPROVED = "approved", _("Approved")
        ACTUAL = "actual", _("Actual")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="budget_figures")
    year = models.PositiveSmallIntegerField()
    basis = models.CharField(max_length=10, choices=Basis.choices)
    municipal_budget = models.DecimalField(max_digits=16, decimal_places=2)
    climate_budget = models.DecimalField(max_digits=16, decimal_places=2)
    criterion = models.CharField(max_length=300)
    source = models.CharField(max_length=300, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "year"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="budget_figure_one_per_year"),
            models.CheckConstraint(condition=models.Q(municipal_budget__gt=0),
                                   name="budget_figure_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.city_id} {self.year}"
