from django.contrib import admin

from zerocity.core.models import AuditLog, City, Department, Membership


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "country", "population")
    search_fields = ("slug", "name")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("city", "slug", "name")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "city", "role", "department")
    list_filter = ("city", "role")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "city", "actor_label", "action", "object_type", "object_id")
    list_filter = ("city", "action")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
