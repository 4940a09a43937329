from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.models import ChangeRecord, PiiAccess, User


class AuditedAdmin(admin.ModelAdmin):
    """Admin writes are a write path like any other: each leaves a change record."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        record_change(action="update" if change else "create", instance=obj, before=before)

    def delete_model(self, request, obj):
        before = snapshot(obj)
        super().delete_model(request, obj)
        record_change(action="delete", instance=obj, before=before)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Scope"), {"fields": ("role", "region_code", "organisation")}))
    list_display = ["username", "role", "region_code", "organisation", "is_active", "is_superuser"]
    list_filter = ["role", "is_active", "is_superuser"]
    raw_id_fields = ["organisation"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ["time", "actor_label", "source", "action", "model", "object_id", "request_id"]
    list_filter = ["source", "action", "model"]
    search_fields = ["object_id", "request_id", "actor_label"]


@admin.register(PiiAccess)
class PiiAccessAdmin(ReadOnlyAdmin):
    list_display = ["time", "user", "model", "object_id", "field", "request_id"]
