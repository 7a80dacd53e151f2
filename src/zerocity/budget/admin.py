from django.contrib import admin

from zerocity.budget.models import BudgetLine, BudgetVersion, TagChange
from zerocity.core.admin_mixins import ReadOnlyAdmin


@admin.register(BudgetVersion)
class BudgetVersionAdmin(ReadOnlyAdmin, admin.ModelAdmin[BudgetVersion]):
    list_display = ("city", "year", "stage", "source", "imported_at", "published_at")
    list_filter = ("city", "year", "stage")


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin, admin.ModelAdmin[BudgetLine]):
    list_display = ("version", "row", "pu_code", "pp_code", "konto", "amount", "in_scope")
    list_filter = ("version", "in_scope")


@admin.register(TagChange)
class TagChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin[TagChange]):
    list_display = ("version", "line_key", "state", "proposed_by", "proposed_at",
                    "decided_by", "decided_at")
    list_filter = ("state",)
