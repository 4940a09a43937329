from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from gongjiang.core.models import PiiAccess
from gongjiang.core.scope import can, can_reveal_pii, restrict
from gongjiang.core.views import object_history, scoped_list
from gongjiang.credentials.models import Certificate
from gongjiang.registry.filtersets import OrganisationFilter, PersonFilter
from gongjiang.registry.models import Employment, Organisation, Person

REVEALABLE = {"id_number": "id_number", "phone": "phone"}


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    return scoped_list(request, model=Person, filterset_class=PersonFilter, template="registry/person_list.html")


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
        request, model=Organisation, filterset_class=OrganisationFilter, template="registry/organisation_list.html"
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
            "employee_count": restrict(
                Employment.objects.filter(organisation=org, end__isnull=True), request.user
            ).count(),
            "issued_count": restrict(Certificate.objects.filter(issuer=org), request.user).count(),
        },
    )
