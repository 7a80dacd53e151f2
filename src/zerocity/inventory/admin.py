from django.contrib import admin

from zerocity.core.admin_mixins import ReadOnlyAdmin
from zerocity.inventory.models import (
    EmissionFactor,
    GpcCategory,
    ImportBatch,
    Inventory,
    InventoryLine,
    RejectedImport,
)


@admin.register(GpcCategory)
class GpcCategoryAdmin(ReadOnlyAdmin, admin.ModelAdmin[GpcCategory]):
    list_display = ("ref", "subsector_name", "name", "scope", "level")
    list_filter = ("sector", "scope", "level")


@admin.register(EmissionFactor)
class EmissionFactorAdmin(ReadOnlyAdmin, admin.ModelAdmin[EmissionFactor]):
    list_display = ("source", "key", "year", "version", "unit", "co2", "ch4", "n2o", "city")
    list_filter = ("source", "city", "country")
    search_fields = ("key", "label", "source")


class LineInline(ReadOnlyAdmin, admin.TabularInline[InventoryLine, Inventory]):
    model = InventoryLine
    fields = ("position", "gpc", "activity", "amount", "unit", "fuel", "co2", "ch4", "n2o",
              "co2e_direct", "notation_key", "data_quality", "ets")
    readonly_fields = fields
    extra = 0


@admin.register(Inventory)
class InventoryAdmin(ReadOnlyAdmin, admin.ModelAdmin[Inventory]):
    list_display = ("city", "year", "status", "gwp", "illustrative", "published_at")
    list_filter = ("city", "status", "illustrative")
    inlines = [LineInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin, admin.ModelAdmin[ImportBatch]):
    list_display = ("at", "inventory", "filename", "rows", "created", "updated", "deleted",
                    "actor_label")


@admin.register(RejectedImport)
class RejectedImportAdmin(ReadOnlyAdmin, admin.ModelAdmin[RejectedImport]):
    list_display = ("at", "city", "year", "filename", "actor_label")
    exclude = ("content",)
