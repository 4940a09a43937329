"""Read-only admin views of the signing keys (public halves) and of the verification log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from gongjiang.credentials.models import SigningKey, VerificationEvent


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(_ReadOnly):
    list_display = ["kid", "status", "algorithm", "created", "deactivated", "retired", "held_externally"]
    list_filter = ["status"]
    exclude = ["private_key_enc"]


@admin.register(VerificationEvent)
class VerificationEventAdmin(_ReadOnly):
    list_display = ["time", "channel", "method", "outcome", "client_hash", "certificate_id", "key_id"]
    list_filter = ["outcome", "channel", "method"]
    date_hierarchy = "time"
    raw_id_fields = ["certificate"]
