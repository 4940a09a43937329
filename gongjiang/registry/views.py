"""The registry's pages: persons, organisations, employment and employment statistics, each a register
of the page kit (``core.pages``), plus the logged reveal of one personal-data field."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gongjiang.core import lookups
from gongjiang.core.pages import Action, Field, Register, Step
from gongjiang.core.scope import can_reveal_pii, restrict
from gongjiang.core.services import pii_reveal
from gongjiang.reference.selectors import region_label
from gongjiang.registry import services
from gongjiang.registry.filtersets import EmploymentFilter, EmploymentStatFilter, OrganisationFilter, PersonFilter
from gongjiang.registry.forms import (
    EmploymentEndForm,
    EmploymentForm,
    EmploymentStatForm,
    IdNumberLookupForm,
    OrganisationEditForm,
    OrganisationForm,
    PersonEditForm,
    PersonForm,
)
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person
from gongjiang.registry.selectors import person_lookup
from gongjiang.registry.tables import EmploymentStatTable, EmploymentTable, OrganisationTable, PersonTable


def _find_person(actor: Any, id_number: str) -> Person:
    person = person_lookup(actor, id_number)
    if person is None:
        raise ValidationError({"id_number": lookups.not_found_message()})
    return person


class PersonRegister(Register):
    model = Person
    path = "persons"
    name = "person"
    table = PersonTable
    filterset = PersonFilter
    create_form = PersonForm
    edit_form = PersonEditForm
    list_template = "registry/person_list.html"
    detail_template = "registry/person_detail.html"
    # The ID-number look-up is a POST of its own (never a filter in the address): it opens the person's page.
    actions = (
        Action(
            name="find",
            run=_find_person,
            form=IdNumberLookupForm,
            on_list=True,
            to=lambda obj, person: reverse("person-detail", args=[person.pk]),
        ),
    )
    export_kind = "persons"
    add_label = _("Register a person")
    created_message = _("Saved.")

    def create(self, actor: Any, data: dict[str, Any]) -> Person:
        return services.person_create(actor=actor, **data)

    def update(self, actor: Any, obj: Any, data: dict[str, Any]) -> Person:
        changes = {k: v for k, v in data.items() if v or k not in ("id_number", "phone", "household_region_code")}
        return services.person_update(actor=actor, person=obj, **changes)

    def initial(self, obj: Any) -> dict[str, Any]:
        return {k: getattr(obj, k) for k in ("name", "residence_region_code", "household_region_code")}

    def object_title(self, obj: Any) -> str:
        return str(obj.name)  # officers see names in full; the change log keeps the masked form

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        jobs = restrict(Employment.objects.filter(person=obj), user).select_related("organisation", "occupation")
        return {
            "person": obj,
            "jobs": jobs,
            "can_reveal": can_reveal_pii(user),
            "revealed": getattr(request, "revealed", {}),
        }


class OrganisationRegister(Register):
    model = Organisation
    path = "organisations"
    name = "organisation"
    table = OrganisationTable
    filterset = OrganisationFilter
    related = ("industry",)
    create_form = OrganisationForm
    edit_form = OrganisationEditForm
    export_kind = "organisations"
    add_label = _("Register an organisation")
    fields = (
        Field(_("Unified social credit code"), lambda o: o.uscc),
        Field(_("Kind"), lambda o: o.get_kind_display()),
        Field(_("Region"), lambda o: region_label(o.region_code)),
        Field(_("Industry"), lambda o: o.industry),
        Field(_("Files for self-evaluation"), lambda o: _("Yes") if o.self_evaluation else _("No")),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> Organisation:
        return services.organisation_create(actor=actor, **data)

    def update(self, actor: Any, obj: Any, data: dict[str, Any]) -> Organisation:
        data.pop("uscc", None)
        return services.organisation_update(actor=actor, organisation=obj, **data)

    def initial(self, obj: Any) -> dict[str, Any]:
        return {
            "uscc": obj.uscc,
            "name": obj.name,
            "kind": obj.kind,
            "region_code": obj.region_code,
            "industry_code": obj.industry.code if obj.industry_id else "",
            "self_evaluation": obj.self_evaluation,
        }

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        employed = restrict(Employment.objects.filter(organisation=obj, end__isnull=True), user).count()
        return {"fields": [*[(f.label, f.value(obj)) for f in self.fields], (_("Current employees"), employed)]}


class EmploymentRegister(Register):
    model = Employment
    path = "employments"
    name = "employment"
    table = EmploymentTable
    filterset = EmploymentFilter
    related = ("person", "organisation", "occupation")
    create_form = EmploymentForm
    add_label = _("Register an employment")
    fields = (
        Field(_("Person"), lambda e: e.person.name),
        Field(_("Organisation"), lambda e: e.organisation),
        Field(_("Occupation"), lambda e: e.occupation),
        Field(_("From"), lambda e: e.start),
        Field(_("To"), lambda e: e.end),
    )
    steps = (
        Step(
            "end",
            _("End the employment"),
            lambda actor, obj, end: services.employment_end(actor=actor, employment=obj, end=end),
            form=EmploymentEndForm,
            when=lambda e: e.end is None,
            confirm=_("The employment is closed on the day given."),
            done=_("The employment was ended."),
            danger=False,
        ),
    )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        # The person and the organisation are chosen among those in the user's scope.
        return {"user": request.user}

    def create(self, actor: Any, data: dict[str, Any]) -> Employment:
        return services.employment_create(
            actor=actor,
            person=data["person"],
            organisation=data["organisation"],
            start=data["start"],
            end=data.get("end"),
            occupation_code=data.get("occupation_code", ""),
        )


class EmploymentStatRegister(Register):
    model = EmploymentStat
    path = "employment-stats"
    name = "employment-stat"
    table = EmploymentStatTable
    filterset = EmploymentStatFilter
    create_form = EmploymentStatForm
    add_label = _("Record employed persons")
    ordering = ("region_code", "-year")
    fields = (
        Field(_("Region"), lambda s: region_label(s.region_code)),
        Field(_("Year"), lambda s: s.year),
        Field(_("Employed persons"), lambda s: s.employed),
        Field(_("Source"), lambda s: s.source),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> EmploymentStat:
        return services.employment_stat_set(actor=actor, **data)


PERSONS = PersonRegister()
ORGANISATIONS = OrganisationRegister()
EMPLOYMENTS = EmploymentRegister()
EMPLOYMENT_STATS = EmploymentStatRegister()


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one full personal-data value to an entitled officer; the service logs that it was shown."""
    person = PERSONS.get(request, pk)
    field = request.POST.get("field", "")
    try:
        value = pii_reveal(actor=request.user, obj=person, field=field, reason=request.POST.get("reason", ""))
    except ValidationError:
        raise PermissionDenied from None
    request.revealed = {field: value}  # type: ignore[attr-defined]
    return PERSONS.detail_view(request, pk)
