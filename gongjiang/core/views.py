from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import can, restrict
from gongjiang.registry.selectors import overview_counts


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = 50) -> Any:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def scoped_list(
    request: HttpRequest,
    *,
    model: type[Model],
    filterset_class: Any,
    template: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    if not can(request.user, "view", model):
        raise PermissionDenied
    queryset = restrict(model._default_manager.all(), request.user, "view")
    filterset = filterset_class(request.GET or None, queryset=queryset)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    page = paginate(request, qs.order_by("-pk"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode(), **(extra or {})}
    return render(request, template, context)


def object_history(request: HttpRequest, obj: Model) -> list[ChangeRecord]:
    if not can(request.user, "view", ChangeRecord):
        return []
    records = ChangeRecord.objects.filter(model=obj._meta.label, object_id=str(obj.pk))
    return list(restrict(records, request.user).order_by("-time", "-id")[:50])


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"counts": overview_counts(request.user)})


@login_required
def change_log(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "view", ChangeRecord):
        raise PermissionDenied
    qs = restrict(ChangeRecord.objects.all(), request.user, "view").select_related("actor")
    q = request.GET.get("q", "").strip()
    model = request.GET.get("model", "").strip()
    action = request.GET.get("action", "").strip()
    if q:
        qs = qs.filter(Q(object_repr__contains=q) | Q(request_id=q) | Q(actor_label=q) | Q(object_id=q))
    if model:
        qs = qs.filter(model=model)
    if action:
        qs = qs.filter(action=action)
    page = paginate(request, qs)
    models = sorted(set(ChangeRecord.objects.values_list("model", flat=True).distinct()))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/change_log.html",
        {
            "page": page,
            "q": q,
            "model": model,
            "action": action,
            "models": models,
            "actions": ChangeRecord.Action.choices,
            "query": query.urlencode(),
            "title": _("Change log"),
        },
    )
