from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongjiang.core import second_factor
from gongjiang.core.filtersets import ChangeRecordFilter, model_label
from gongjiang.core.history import field_label, history_rows, value_label
from gongjiang.core.models import ChangeRecord
from gongjiang.core.pages import BootstrapForm, Register
from gongjiang.core.tables import ChangeRecordTable


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class OneTimeCodeForm(BootstrapForm):
    token = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code the user's authenticator app shows now."""
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(_next(request))
    if second_factor.confirmed_device(user) is None:
        return redirect(f"{reverse('otp-setup')}?{urlencode({'next': _next(request)})}")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = second_factor.verify(actor=user, request=request, token=form.cleaned_data["token"])
        if verified:
            return redirect(_next(request))
        if verified is None:
            form.add_error("token", gettext("Too many wrong codes; wait a little and try again."))
        else:
            form.add_error("token", gettext("The one-time code is not correct."))
    return render(request, "core/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Setting up an authenticator app: its QR code (or the key to type), then a code from it to confirm."""
    user = request.user
    if second_factor.confirmed_device(user) is not None:
        return render(request, "core/otp_setup.html", {"done": True, "required": second_factor.required(user)})
    device = second_factor.device_for_setup(actor=user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if second_factor.device_confirm(actor=user, request=request, device=device, token=token):
            messages.success(request, gettext("The authenticator is set up; every sign-in will ask for its code."))
            return redirect(_next(request))
        form.add_error("token", gettext("The one-time code is not correct."))
    context = {
        "form": form,
        "next": _next(request),
        "required": second_factor.required(user),
        "qr": mark_safe(second_factor.qr_svg(device)),  # noqa: S308  (qrcode's own SVG markup)
        "secret": second_factor.secret_text(device),
    }
    return render(request, "core/otp_setup.html", context)


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
