"""Evaluation pages of supervision (inspectors, draws, inspections), resources and recognition (foreign
qualifications, the 特级技师 pilot and its appointments)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _l

from gongjiang.core.pages import Action, Field, Step
from gongjiang.core.pii import mask_name
from gongjiang.core.scope import allowed, restrict
from gongjiang.evaluation import forms, models, rules, selectors, tables
from gongjiang.evaluation.filtersets import ResourceFilter
from gongjiang.evaluation.pages import EvaluationRegister, registered_person
from gongjiang.evaluation.services import recognition, supervision
from gongjiang.reference.selectors import region_label

Status = models.FilingStatus


class InspectorRegister(EvaluationRegister):
    model = models.Inspector
    path = "inspectors"
    name = "inspector"
    table = tables.InspectorTable
    create_form = forms.InspectorForm
    add_label = _l("Add an inspector")
    fields = ("name", "region_code", "affiliation", "active")

    def create(self, actor: Any, data: dict[str, Any]) -> models.Inspector:
        return supervision.inspector_add(actor=actor, **data)


class DrawRegister(EvaluationRegister):
    """双随机 draws: institutions and inspectors drawn, the draw's seed and its inspections."""

    model = models.Draw
    path = "draws"
    name = "draw"
    table = tables.DrawTable
    create_form = forms.DrawForm
    detail_template = "evaluation/draw_detail.html"
    add_label = _l("Draw institutions for inspection")
    created_message = _l("The draw is made; its seed is recorded, so anyone can repeat it.")
    fields = ("date", "region_code", "count", "eligible", "uniform_share", "inspectors_each", "seed", "drawn_by")

    def create(self, actor: Any, data: dict[str, Any]) -> models.Draw:
        return supervision.draw_run(
            actor=actor,
            region_code=data["region_code"],
            count=data["count"],
            uniform_share=float(data["uniform_share"]),
            inspectors_each=data["inspectors_each"],
            seed=data["seed"],
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        inspections = restrict(obj.inspections.select_related("institution__organisation"), request.user)
        return {
            "inspections": tables.InspectionTable(inspections.prefetch_related("inspectors")),
            "quality": selectors.draw_quality(obj.region_code),
        }


class InspectionRegister(EvaluationRegister):
    model = models.Inspection
    path = "inspections"
    name = "inspection"
    table = tables.InspectionTable
    related = ("institution__organisation", "draw")
    fields = (
        Field(_l("Institution"), lambda i: i.institution),
        Field(_l("Draw"), lambda i: f"{i.draw.date} · {region_label(i.draw.region_code)}"),
        "stratum",
        Field(_l("Risk score at the draw"), lambda i: f"{i.risk:.2f}"),
        Field(_l("Inspectors"), lambda i: "、".join(str(x) for x in i.inspectors.all())),
        "done_on",
        "severity",
        "findings",
        "published",
    )
    steps = (
        Step(
            "record",
            _l("Record the inspection"),
            lambda actor, obj, done_on, severity, findings, publish: supervision.inspection_record(
                actor=actor, inspection=obj, done_on=done_on, severity=severity, findings=findings, publish=publish
            ),
            form=forms.InspectionForm,
            when=lambda i: i.done_on is None,
            done=_l("The inspection was recorded."),
            danger=False,
        ),
    )


class ResourceRegister(EvaluationRegister):
    model = models.Resource
    path = "resources"
    name = "resource"
    table = tables.ResourceTable
    filterset = ResourceFilter
    related = ("occupation", "level")
    create_form = forms.ResourceForm
    add_label = _l("Add a resource")
    ordering = ("occupation__code", "kind", "-since")
    fields = (
        "kind",
        "title",
        "occupation",
        "level",
        "region_code",
        "owner",
        "version",
        "status",
        "since",
        "until",
        "digital",
    )
    steps = (
        Step(
            "retire",
            _l("Retire"),
            lambda actor, obj, until: supervision.resource_retire(actor=actor, resource=obj, until=until),
            form=forms.RetireForm,
            when=lambda r: r.status != models.ResourceStatus.RETIRED,
            done=_l("The resource was retired."),
        ),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.Resource:
        return supervision.resource_add(
            actor=actor,
            kind=data["kind"],
            title=data["title"],
            occupation_code=data["occupation"],
            level_code=data["level"],
            region_code=data["region_code"],
            owner=data["owner"],
            version=data["version"],
            since=data["since"],
            digital=data["digital"],
        )


class ForeignQualificationRegister(EvaluationRegister):
    """Foreign qualifications recognised as equivalent (国(境)外职业技能比照认定)."""

    model = models.ForeignQualification
    path = "foreign-qualifications"
    name = "foreign-qualification"
    table = tables.ForeignQualificationTable
    related = ("occupation", "level")
    create_form = forms.ForeignQualificationForm
    add_label = _l("Add a recognised qualification")
    ordering = ("country", "name")
    fields = ("name", "country", "awarding_body", "occupation", "level", "region_code", "since", "until", "clause")

    def create(self, actor: Any, data: dict[str, Any]) -> models.ForeignQualification:
        return recognition.foreign_qualification_add(
            actor=actor,
            name=data["name"],
            country=data["country"],
            awarding_body=data["awarding_body"],
            occupation_code=data["occupation"],
            level_code=data["level"],
            region_code=data["region_code"],
            since=data["since"],
            clause=data["clause"],
        )


class PilotRegister(EvaluationRegister):
    """Enterprises in the 特级技师 / 首席技师 appointment pilot, their quotas and appointments."""

    model = models.Pilot
    path = "pilots"
    name = "pilot"
    table = tables.PilotTable
    related = ("organisation",)
    create_form = forms.PilotForm
    detail_template = "evaluation/pilot_detail.html"
    add_label = _l("Add a pilot enterprise")
    fields = (
        Field(_l("Enterprise"), lambda p: p.organisation),
        Field(_l("Region"), lambda p: region_label(p.organisation.region_code)),
        "quota_special",
        "quota_chief",
        "since",
        "until",
        "clause",
    )
    actions = (
        Action(
            "appoint",
            lambda actor, obj, id_number, name, title, occupation, start, years: recognition.appointment_make(
                actor=actor,
                pilot=obj,
                person=registered_person(id_number, name),
                title=title,
                occupation_code=occupation,
                start=start,
                years=years,
            ),
            form=forms.AppointmentForm,
            show=lambda user, obj: allowed(user, "add", models.Appointment(pilot=obj)),
            done=_l("The appointment was made."),
        ),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.Pilot:
        return recognition.pilot_add(
            actor=actor,
            organisation=data["organisation"],  # one of the organisations in the user's scope
            quota_special=data["quota_special"],
            quota_chief=data["quota_chief"],
            since=data["since"],
            clause=data["clause"],
        )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"user": request.user}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        appointments = restrict(obj.appointments.select_related("person", "occupation"), request.user)
        return {
            "appointments": tables.AppointmentTable(appointments),
            "bridging": rules.BRIDGING,
        }


class AppointmentRegister(EvaluationRegister):
    model = models.Appointment
    path = "appointments"
    name = "appointment"
    table = tables.AppointmentTable
    related = ("pilot__organisation", "person", "occupation")
    fields = (
        Field(_l("Worker"), lambda a: mask_name(a.person.name)),
        "title",
        Field(_l("Enterprise"), lambda a: a.pilot.organisation),
        "occupation",
        "start",
        "end",
        "ended_on",
    )
    steps = (
        Step(
            "end",
            _l("End the appointment"),
            lambda actor, obj, ended_on: recognition.appointment_end(actor=actor, appointment=obj, ended_on=ended_on),
            form=forms.EndForm,
            when=lambda a: a.ended_on is None,
            done=_l("The appointment was ended."),
        ),
    )


INSPECTORS = InspectorRegister()
DRAWS = DrawRegister()
INSPECTIONS = InspectionRegister()
RESOURCES = ResourceRegister()
FOREIGN = ForeignQualificationRegister()
PILOTS = PilotRegister()
APPOINTMENTS = AppointmentRegister()
REGISTERS = (INSPECTORS, DRAWS, INSPECTIONS, RESOURCES, FOREIGN, PILOTS, APPOINTMENTS)
MENU = (RESOURCES, DRAWS, INSPECTORS, FOREIGN, PILOTS, APPOINTMENTS)
