from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filtersets import ChangeRecordFilter, model_label
from gongjiang.core.history import field_label, history_rows, value_label
from gongjiang.core.models import ChangeRecord
from gongjiang.core.pages import Register
from gongjiang.core.tables import ChangeRecordTable


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = 50) -> Any:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


class ChangeLogRegister(Register):
    """The change log: append-only, read in the log's own scope (officers and auditors of the region)."""

    model = ChangeRecord
    path = "audit"
    name = "change-log"
    table = ChangeRecordTable
    filterset = ChangeRecordFilter
    related = ("actor",)
    detail_template = "core/change_detail.html"
    ordering = ("-time", "-id")

    def title(self) -> str:
        return str(_("Change log"))

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        row = history_rows([obj])[0]
        try:
            model = apps.get_model(obj.model)
        except (LookupError, ValueError):
            model = None
        before, after = obj.before or {}, obj.after or {}
        changes = [
            (
                field_label(model, name),
                value_label(model, name, before.get(name)),
                value_label(model, name, after.get(name)),
            )
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name) and name not in getattr(model, "AUDIT_INTERNAL", ())
        ]
        return {
            "title": f"{model_label(obj.model)} · {obj.object_repr}",
            "row": row,
            "changes": changes,
            "fields": [
                (_("Time"), f"{timezone.localtime(obj.time):%Y-%m-%d %H:%M:%S}"),
                (_("Actor"), row.actor),
                (_("Source"), obj.get_source_display()),
                (_("Action"), obj.get_action_display()),
                (_("Object type"), model_label(obj.model)),
                (_("Object"), obj.object_repr),
                (_("Request or batch id"), obj.request_id),
            ],
        }


CHANGE_LOG = ChangeLogRegister()
