from django.contrib import admin

from zerocity.core.admin_mixins import ReadOnlyAdmin
from zerocity.data.models import Batch, DataSource, QuarantinedRow, SourceToken


@admin.register(DataSource)
class DataSourceAdmin(ReadOnlyAdmin, admin.ModelAdmin[DataSource]):
    list_display = ("key", "name", "kind", "owner", "frequency", "city")
    list_filter = ("city", "kind")
    search_fields = ("key", "name", "owner")


@admin.register(SourceToken)
class SourceTokenAdmin(ReadOnlyAdmin, admin.ModelAdmin[SourceToken]):
    list_display = ("prefix", "name", "source", "created_at", "created_by", "revoked_at")
    list_filter = ("source__city",)
    exclude = ("digest",)


@admin.register(QuarantinedRow)
class QuarantinedRowAdmin(ReadOnlyAdmin, admin.ModelAdmin[QuarantinedRow]):
    # a batch can have many rejected rows: no inline on the batch, no full count
    list_display = ("batch", "line", "column", "reason")
    list_select_related = ("batch",)
    search_fields = ("=batch__id",)
    show_full_result_count = False


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin, admin.ModelAdmin[Batch]):
    list_display = ("id", "source", "origin", "filename", "status", "received", "accepted",
                    "duplicates", "rejected", "created_at", "by_label")
    list_filter = ("status", "origin", "source__city")
    search_fields = ("filename", "sha256")
