from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongjiang.core.models import PiiAccess
from gongjiang.core.scope import ScopeDenied, can, can_reveal_pii, restrict
from gongjiang.core.views import object_history, scoped_list
from gongjiang.credentials.models import Certificate
from gongjiang.registry import services
from gongjiang.registry.filtersets import OrganisationFilter, PersonFilter
from gongjiang.registry.forms import OrganisationForm, PersonForm, apply_errors
from gongjiang.registry.models import Employment, Organisation, Person

REVEALABLE = {"id_number": "id_number", "phone": "phone"}


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    return scoped_list(
        request,
        model=Person,
        filterset_class=PersonFilter,
        template="registry/person_list.html",
        extra={"can_add": can(request.user, "add", Person)},
    )


def _person_context(request: HttpRequest, person: Person, revealed: dict[str, str]) -> dict:
    certificates = restrict(Certificate.objects.filter(person=person), request.user).select_related(
        "occupation", "level", "issuer"
    )
    jobs = restrict(Employment.objects.filter(person=person), request.user).select_related("organisation", "occupation")
    return {
        "person": person,
        "certificates": certificates,
        "jobs": jobs,
        "history": object_history(request, person),
        "can_reveal": can_reveal_pii(request.user),
        "can_change": restrict(Person.objects.filter(pk=person.pk), request.user, "change").exists(),
        "revealed": revealed,
    }


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(restrict(Person.objects.all(), request.user), pk=pk)
    return render(request, "registry/person_detail.html", _person_context(request, person, {}))


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one full personal-data value to an entitled officer, and log that it was shown."""
    person = get_object_or_404(restrict(Person.objects.all(), request.user), pk=pk)
    field = request.POST.get("field", "")
    if field not in REVEALABLE or not can_reveal_pii(request.user):
        raise PermissionDenied
    PiiAccess.objects.create(
        user=request.user,  # type: ignore[misc]  # login required: never anonymous here
        request_id=getattr(request, "request_id", ""),
        model=Person._meta.label,
        object_id=str(person.pk),
        field=field,
        reason=request.POST.get("reason", "")[:200],
    )
    value = getattr(person, REVEALABLE[field])
    return render(request, "registry/person_detail.html", _person_context(request, person, {field: value}))


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    return scoped_list(
        request,
        model=Organisation,
        filterset_class=OrganisationFilter,
        template="registry/organisation_list.html",
        extra={"can_add": can(request.user, "add", Organisation)},
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, "view", Organisation):
        raise PermissionDenied
    org = get_object_or_404(restrict(Organisation.objects.select_related("industry"), request.user), pk=pk)
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "org": org,
            "history": object_history(request, org),
            "can_change": restrict(Organisation.objects.filter(pk=org.pk), request.user, "change").exists(),
            "employee_count": restrict(
                Employment.objects.filter(organisation=org, end__isnull=True), request.user
            ).count(),
            "issued_count": restrict(Certificate.objects.filter(issuer=org), request.user).count(),
        },
    )


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "add", Person):
        raise PermissionDenied
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ScopeDenied as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("The person was registered."))
            return redirect("person-detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "title": _("Register a person")})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(restrict(Person.objects.all(), request.user, "change"), pk=pk)
    initial = {
        "name": person.name,
        "residence_region_code": person.residence_region_code,
        "household_region_code": person.household_region_code,
    }
    form = PersonForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v or k not in ("id_number", "phone")}
        if not changes.get("household_region_code"):
            changes.pop("household_region_code", None)
        try:
            services.person_update(actor=request.user, person=person, **changes)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ScopeDenied as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("person-detail", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "title": _("Edit person"), "person": person})


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "add", Organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ScopeDenied as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("The organisation was registered."))
            return redirect("organisation-detail", pk=org.pk)
    return render(request, "registry/organisation_form.html", {"form": form, "title": _("Register an organisation")})


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(restrict(Organisation.objects.all(), request.user, "change"), pk=pk)
    initial = {
        "uscc": org.uscc,
        "name": org.name,
        "kind": org.kind,
        "region_code": org.region_code,
        "industry_code": org.industry.code if org.industry_id else "",  # type: ignore[union-attr]
        "self_evaluation": org.self_evaluation,
    }
    form = OrganisationForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("uscc", None)
        try:
            services.organisation_update(actor=request.user, organisation=org, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except ScopeDenied as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("organisation-detail", pk=org.pk)
    return render(
        request, "registry/organisation_form.html", {"form": form, "title": _("Edit organisation"), "org": org}
    )
