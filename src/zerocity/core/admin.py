from django.contrib import admin

from zerocity.core.admin_mixins import ReadOnlyAdmin
from zerocity.core.models import AuditLog, City, Department, Membership


@admin.register(City)
class CityAdmin(admin.ModelAdmin[City]):
    list_display = ("slug", "name", "country", "population")
    search_fields = ("slug", "name")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("city", "slug", "name")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "city", "role", "department")
    list_filter = ("city", "role")


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin, admin.ModelAdmin[AuditLog]):
    list_display = ("at", "city", "actor_label", "action", "object_type", "object_id")
    list_filter = ("city", "action")
