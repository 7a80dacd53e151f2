from django.contrib import admin

from zerocity.card.models import LedgerAccount, LedgerEntry, LedgerTransaction
from zerocity.core.admin_mixins import ReadOnlyAdmin

# Read-only: money moves only through zerocity.card.services, and the ledger is append-only.


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin, admin.ModelAdmin[LedgerAccount]):
    list_display = ("code", "name", "kind", "balance", "floor", "city")
    list_filter = ("city", "kind")
    search_fields = ("code", "name")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin, admin.ModelAdmin[LedgerTransaction]):
    list_display = ("id", "kind", "idempotency_key", "reason", "by_label", "created_at")
    list_filter = ("city", "kind")
    search_fields = ("=id", "idempotency_key")
    show_full_result_count = False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin[LedgerEntry]):
    list_display = ("id", "transaction", "account", "amount", "balance_after")
    list_select_related = ("transaction", "account")
    search_fields = ("=transaction__id", "account__code")
    show_full_result_count = False
