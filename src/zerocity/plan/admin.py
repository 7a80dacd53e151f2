from django.contrib import admin

from zerocity.core.admin_mixins import ReadOnlyAdmin
from zerocity.plan.models import Action, Indicator, Plan, Policy


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin, admin.ModelAdmin[Plan]):
    list_display = ("city", "title", "target_year", "reduction_target")


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin, admin.ModelAdmin[Action]):
    list_display = ("plan", "code", "name", "field", "total_cost_eur")
    list_filter = ("plan", "field")


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin, admin.ModelAdmin[Policy]):
    list_display = ("plan", "name", "level")


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin, admin.ModelAdmin[Indicator]):
    list_display = ("plan", "code", "name", "unit")
