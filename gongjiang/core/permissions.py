from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from gongjiang.core.scope import can

_METHOD_ACTION = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class ScopedModelPermission(BasePermission):
    """Model-level check by role; object-level narrowing happens in get_queryset via restrict()."""

    def has_permission(self, request: Any, view: Any) -> bool:
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None:
            return bool(request.user and request.user.is_authenticated)
        action = getattr(view, "action_scope", {}).get(getattr(view, "action", None)) or _METHOD_ACTION.get(
            request.method, "view"
        )
        return can(request.user, action, model)


class ReferenceReadOnly(BasePermission):
    """Reference data: any signed-in user reads; writes go through admin and the load commands."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.method in ("GET", "HEAD", "OPTIONS"))
