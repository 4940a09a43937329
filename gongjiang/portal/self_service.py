"""Workers' self-service pages (个人服务): signing in (by ID number and a code sent to the phone on file,
or by an officer's invitation), and the worker's own page: their certificates with the signed PDF and
credential, their subsidy claims and payments with the trace sentence, their trainings and the subsidised
trainings left, their honours with the services that come with them, and their awards with each yearly
instalment (paid, scheduled, stopped and why). Every read goes by the person the account is bound to
(``selectors.own_person``); no address names a person, so nobody else's record can be asked for. Officers
issue invitations from the person's page (a panel of the registry's person page)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongjiang.core.models import Role, User
from gongjiang.core.pages import BootstrapForm, Panel, apply_errors
from gongjiang.core.scope import allowed, restrict
from gongjiang.credentials import vc
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.credentials.pdf import certificate_pdf
from gongjiang.credentials.proof_views import verify_url_for
from gongjiang.credentials.verification import public_base_url
from gongjiang.honours import selectors as honours_selectors
from gongjiang.labour import skill_path
from gongjiang.portal import ratelimit, selectors, services, signin
from gongjiang.portal.models import WorkerInvitation
from gongjiang.registry.models import Person

SESSION_KEY = "gj_self_service_sent"
BACKEND = "django.contrib.auth.backends.ModelBackend"


class NoEchoInput(forms.TextInput):
    """A text input never written back into the page (an ID number, a code)."""

    def format_value(self, value: Any) -> None:
        return None


class IdNumberForm(BootstrapForm):
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=20,
        widget=NoEchoInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class CodeForm(BootstrapForm):
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        max_length=8,
        widget=NoEchoInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class InvitationForm(BootstrapForm):
    code = forms.CharField(label=gettext_lazy("Invitation code"), max_length=20, widget=NoEchoInput())
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)
    password_again = forms.CharField(label=gettext_lazy("Password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


def _client(request: HttpRequest) -> str:
    return ratelimit.client_hash(request)


def _refused(request: HttpRequest, template: str, form: forms.Form, exc: Exception) -> HttpResponse:
    """A throttled step: a blank form (nothing typed is written back) and the reason."""
    return render(request, template, {"form": form, "refusal": str(exc)}, status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step one: the ID number (by POST only). The next page is the same whether or not it is registered."""
    form = IdNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = signin.code_send(id_number=form.cleaned_data["id_number"], client=_client(request))
        except signin.TooManyTries as exc:
            return _refused(request, "portal/sign_in.html", IdNumberForm(), exc)
        request.session[SESSION_KEY] = {"person_id": sent.person_id}
        return redirect("self-service-code")
    return render(request, "portal/sign_in.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step two: the code sent to the phone on file."""
    sent = signin.session_sent(request.session.get(SESSION_KEY))
    if sent is None:
        return redirect("self-service-sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = signin.code_check(sent=sent, code=form.cleaned_data["code"], client=_client(request))
        except signin.TooManyTries as exc:
            return _refused(request, "portal/sign_in_code.html", CodeForm(), exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(SESSION_KEY, None)
            login(request, account, backend=BACKEND)
            return redirect("self-service")
    return render(request, "portal/sign_in_code.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest) -> HttpResponse:
    """An officer's invitation redeemed: the worker's account opened with the name and password they choose."""
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = signin.invitation_redeem(
                code=data["code"], username=data["username"], password=data["password"], client=_client(request)
            )
        except signin.TooManyTries as exc:
            return _refused(request, "portal/invitation.html", InvitationForm(), exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            login(request, account, backend=BACKEND)
            messages.success(request, _("Your account is open; next time sign in with your user name and password."))
            return redirect("self-service")
    return render(request, "portal/invitation.html", {"form": form})


def _worker(request: HttpRequest) -> Person:
    person = selectors.own_person(request.user)
    if person is None:
        raise PermissionDenied(_("This page is for workers signed in to their own self-service account."))
    return person


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    """The worker's own page."""
    if getattr(request.user, "role", "") != Role.WORKER:
        return redirect("home")
    person = _worker(request)
    return render(
        request,
        "portal/me.html",
        {
            "person": person,
            "certificates": selectors.own_certificates(person),
            "claims": selectors.own_claims(person),
            "trainings": selectors.own_trainings(person),
            "allowance": selectors.subsidised_allowance(person),
            "path": skill_path.skill_path(person),
            "requirement_source": skill_path.REQUIREMENT_SOURCE,
            "honours": honours_selectors.person_honours(person),
            "awards": honours_selectors.person_awards(person),
        },
    )


def _own_certificate(request: HttpRequest, pk: int) -> Certificate:
    person = _worker(request)
    cert = get_object_or_404(
        Certificate.objects.select_related("person", "occupation", "level", "issuer"), pk=pk, person=person
    )
    if cert.status != CertificateStatus.VALID:
        raise Http404(_("A revoked certificate has no proof to download."))
    return cert


@login_required
@require_GET
def certificate_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    cert = _own_certificate(request, pk)
    url, kid = verify_url_for(request, cert)
    response = HttpResponse(certificate_pdf(cert, verify_url=url, key_id=kid), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.pdf"'
    return response


@login_required
@require_GET
def certificate_credential_view(request: HttpRequest, pk: int) -> HttpResponse:
    cert = _own_certificate(request, pk)
    document = vc.credential_issue(cert, base_url=public_base_url(request))
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/ld+json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.credential.json"'
    return response


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer issues an invitation for a person of their region; the code is shown this once."""
    person = get_object_or_404(restrict(Person.objects.all(), request.user), pk=pk)
    try:
        _invitation, code = services.worker_invite(actor=request.user, person=person)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect("person-detail", pk)
    return render(request, "portal/invitation_issued.html", {"person": person, "code": code})


def _invite_panel(request: HttpRequest, person: Any) -> dict[str, Any] | None:
    user = request.user
    if getattr(user, "role", "") != Role.OFFICER or not allowed(user, "add", WorkerInvitation(person=person)):
        return None
    return {"person": person, "has_account": User.objects.filter(person=person).exists()}


INVITE_PANEL = Panel("portal/_invite_panel.html", _invite_panel, order=900)
