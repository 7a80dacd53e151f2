from django.contrib import admin

from zerocity.contract.models import (
    BudgetFigure,
    CommitmentVersion,
    FundingDecision,
    FundingSource,
    Signatory,
)
from zerocity.core.admin_mixins import RecordedByAdmin


@admin.register(CommitmentVersion)
class CommitmentVersionAdmin(admin.ModelAdmin[CommitmentVersion]):
    list_display = ("commitment", "number", "created_by", "created_at")
    readonly_fields = ("created_by",)

    def has_change_permission(self, request: object,
                              obj: CommitmentVersion | None = None) -> bool:
        # a signed version never changes (the model refuses too)
        return obj is None or not obj.signatories.exists()

    def save_model(self, request: object, obj: CommitmentVersion, form: object,
                   change: bool) -> None:
        obj.created_by = obj.created_by or f"admin:{getattr(request, 'user', '')}"
        super().save_model(request, obj, form, change)  # type: ignore[arg-type]


@admin.register(Signatory)
class SignatoryAdmin(RecordedByAdmin, admin.ModelAdmin[Signatory]):
    """Signatures are added here or with ``zerocity contract signatory add --document FILE``
    (which computes the SHA-256); a signature is never edited."""

    list_display = ("organisation", "representative", "role", "signed_on", "version")
    readonly_fields = ("recorded_by",)

    def has_change_permission(self, request: object, obj: Signatory | None = None) -> bool:
        return obj is None


@admin.register(FundingSource)
class FundingSourceAdmin(RecordedByAdmin, admin.ModelAdmin[FundingSource]):
    list_display = ("action", "year", "kind", "status", "name", "amount", "decision_reference")
    list_filter = ("city", "kind", "status", "year")
    readonly_fields = ("recorded_by",)


@admin.register(FundingDecision)
class FundingDecisionAdmin(RecordedByAdmin, admin.ModelAdmin[FundingDecision]):
    list_display = ("city", "nrp_code", "kind", "status", "decision_reference")
    readonly_fields = ("recorded_by",)


@admin.register(BudgetFigure)
class BudgetFigureAdmin(RecordedByAdmin, admin.ModelAdmin[BudgetFigure]):
    list_display = ("city", "year", "basis", "municipal_budget", "climate_budget")
    readonly_fields = ("recorded_by",)
