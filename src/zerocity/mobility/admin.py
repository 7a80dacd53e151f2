from django.contrib import admin

from zerocity.core.admin_mixins import ReadOnlyAdmin
from zerocity.mobility.models import FeedVersion

# Read-only: versions are made only by zerocity.mobility.services.import_feed, never changed.


@admin.register(FeedVersion)
class FeedVersionAdmin(ReadOnlyAdmin, admin.ModelAdmin[FeedVersion]):
    list_display = ("id", "city", "name", "start_date", "end_date", "licence", "imported_at",
                    "by_label")
    list_filter = ("city",)
    search_fields = ("name", "sha256", "filename")
    exclude = ("warnings",)
