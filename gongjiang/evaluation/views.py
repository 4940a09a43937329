"""Evaluation pages: the registers of institutions, plans, inspectors, draws, inspections and resources
(``core.pages``), and the public pages: the directory of filed institutions and the 公示 lists."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from gongjiang.core import pii
from gongjiang.core.models import Role
from gongjiang.core.pages import Action, Field, Register, Step
from gongjiang.core.pii import mask_id_number, mask_name
from gongjiang.core.scope import allowed, can, restrict
from gongjiang.core.tabular import XLSX_TYPE
from gongjiang.core.uploads import template_xlsx
from gongjiang.evaluation import forms, models, rules, selectors, tables
from gongjiang.evaluation.filtersets import InstitutionFilter, PlanFilter, ResourceFilter
from gongjiang.evaluation.services import institutions as inst_services
from gongjiang.evaluation.services import plans as plan_services
from gongjiang.evaluation.services import recognition, supervision
from gongjiang.reference.selectors import region_name
from gongjiang.registry.models import Organisation, Person
from gongjiang.registry.selectors import find_person_by_id_number

Status = models.FilingStatus


def _region(code: str) -> str:
    return f"{region_name(code)} ({code})" if code else "—"


def _date(value: Any) -> str:
    return value.isoformat() if value else "—"


class EvaluationRegister(Register):
    namespace = "evaluation"


# ---- institutions -------------------------------------------------------------------------------


def _decision(step: str, service: Any) -> Any:
    return lambda actor, obj, reason, clause: service(actor=actor, institution=obj, reason=reason, clause=clause)


def _registered(id_number: str, name: str) -> Person:
    """The registry's person with this ID number and name; the same refusal whichever of them differs."""
    person = find_person_by_id_number(id_number)
    if person is None or person.name != (name or "").strip():
        raise ValidationError({"id_number": _("No person with this ID number and name is in the registry.")})
    return person


class InstitutionRegister(EvaluationRegister):
    """Evaluation institutions: the organisation files and submits; the bureau approves, returns,
    suspends, reinstates, withdraws and grades."""

    model = models.Institution
    path = "institutions"
    name = "institution"
    table = tables.InstitutionTable
    filterset = InstitutionFilter
    related = ("organisation",)
    create_form = forms.InstitutionForm
    edit_form = forms.InstitutionForm
    detail_template = "evaluation/institution_detail.html"
    add_label = _l("File as an evaluation institution")
    ordering = ("organisation__region_code", "organisation__name")
    fields = (
        Field(_l("Organisation"), lambda i: i.organisation),
        "kind",
        "status",
        Field(_l("Region"), lambda i: _region(i.organisation.region_code)),
        "sites",
        "contact",
        "station_code",
        "quota",
        Field(_l("Filed"), lambda i: f"{_date(i.valid_from)} — {_date(i.valid_until)}" if i.valid_from else None),
        "submitted_on",
        "decided_on",
        "decision_reason",
    )
    steps = (
        Step(
            "lodge",
            _l("Submit for review"),
            lambda actor, obj: inst_services.institution_lodge(actor=actor, institution=obj),
            when=lambda i: i.status in (Status.DRAFT, Status.REJECTED),
            confirm=_l("The bureau reviews the filing; it cannot be changed while under review."),
            done=_l("The filing was submitted."),
            danger=False,
        ),
        Step(
            "approve",
            _l("Approve the filing"),
            lambda actor, obj, valid_from, valid_until, reason, clause: inst_services.institution_approve(
                actor=actor,
                institution=obj,
                valid_from=valid_from,
                valid_until=valid_until,
                reason=reason,
                clause=clause,
            ),
            form=forms.ApproveForm,
            when=lambda i: i.status == Status.SUBMITTED,
            confirm=_l("The institution is filed and given its station code; it may then evaluate its filed scope."),
            done=_l("The institution is filed."),
            danger=False,
        ),
        Step(
            "reject",
            _l("Return the filing"),
            _decision("reject", inst_services.institution_reject),
            form=forms.DecisionForm,
            when=lambda i: i.status == Status.SUBMITTED,
            done=_l("The filing was returned."),
        ),
        Step(
            "suspend",
            _l("Suspend"),
            _decision("suspend", inst_services.institution_suspend),
            form=forms.DecisionForm,
            when=lambda i: i.status == Status.APPROVED,
            confirm=_l("While suspended the institution files no plan and no certificate of it is issued."),
            done=_l("The institution is suspended."),
        ),
        Step(
            "reinstate",
            _l("Reinstate"),
            _decision("reinstate", inst_services.institution_reinstate),
            form=forms.DecisionForm,
            when=lambda i: i.status == Status.SUSPENDED,
            done=_l("The institution is reinstated."),
            danger=False,
        ),
        Step(
            "withdraw",
            _l("Withdraw the filing"),
            _decision("withdraw", inst_services.institution_withdraw),
            form=forms.DecisionForm,
            when=lambda i: i.status in (Status.APPROVED, Status.SUSPENDED),
            confirm=_l("Withdrawal is final: the institution must file again to evaluate."),
            done=_l("The filing was withdrawn."),
        ),
        Step(
            "grade",
            _l("Grade a year"),
            lambda actor, obj, year, grade, note: inst_services.grade_set(
                actor=actor, institution=obj, year=year, grade=grade, note=note
            ),
            form=forms.GradeForm,
            when=lambda i: i.status in (Status.APPROVED, Status.SUSPENDED),
            done=_l("The grade was recorded."),
            danger=False,
        ),
        Step(
            "quota",
            _l("Set the certificate quota"),
            lambda actor, obj, quota, reason, clause: inst_services.institution_quota_set(
                actor=actor, institution=obj, quota=quota, reason=reason, clause=clause
            ),
            form=forms.QuotaForm,
            when=lambda i: i.status in (Status.APPROVED, Status.SUSPENDED),
            confirm=_l("A credit reward or penalty: the institution issues at most this many certificates a year."),
            done=_l("The quota was set."),
            danger=False,
        ),
    )
    actions = (
        Action(
            "examiner",
            lambda actor, obj, id_number, name, role, qualification, valid_until: inst_services.examiner_add(
                actor=actor,
                institution=obj,
                person=_registered(id_number, name),
                role=role,
                qualification=qualification,
                valid_until=valid_until,
            ),
            form=forms.ExaminerForm,
            show=lambda user, obj: (
                obj.status != Status.WITHDRAWN and allowed(user, "add", models.Examiner(institution=obj))
            ),
            done=_l("The examiner was added."),
        ),
    )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        role = getattr(request.user, "role", "")
        return {"organisation_fixed": role == Role.ORGANISATION, "editing": obj is not None}

    def initial(self, obj: Any) -> dict[str, Any]:
        codes = list(obj.scope_items.values_list("occupation__code", flat=True).distinct())
        levels = list(obj.scope_items.values_list("level__code", flat=True).distinct())
        return {
            "sites": obj.sites,
            "contact": obj.contact,
            "occupation": codes[0] if codes else "",
            "more_occupations": ", ".join(codes[1:]),
            "levels": levels,
        }

    def create(self, actor: Any, data: dict[str, Any]) -> models.Institution:
        if actor.role == Role.ORGANISATION:
            organisation = actor.organisation
        else:
            organisation = get_object_or_404(restrict(Organisation.objects.all(), actor), pk=data["organisation"])
        return inst_services.institution_file(
            actor=actor,
            organisation=organisation,
            kind=data["kind"],
            sites=data["sites"],
            contact=data["contact"],
            occupations=[data["occupation"].strip(), *forms.split_codes(data.get("more_occupations", ""))],
            levels=data["levels"],
        )

    def update(self, actor: Any, obj: Any, data: dict[str, Any]) -> models.Institution:
        return inst_services.institution_update(
            actor=actor,
            institution=obj,
            sites=data["sites"],
            contact=data["contact"],
            occupations=[data["occupation"].strip(), *forms.split_codes(data.get("more_occupations", ""))],
            levels=data["levels"],
            reason=data.get("reason", ""),
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        today = timezone.localdate()
        examiners = restrict(obj.examiners.select_related("person"), user)
        return {
            "scope_items": obj.scope_items.select_related("occupation", "level"),
            "examiners": [(e, mask_name(e.person.name)) for e in examiners],
            "decisions": obj.decisions.all(),
            "plans": tables.PlanTable(restrict(obj.plans.select_related("occupation", "level", "institution"), user)),
            "stars": selectors.stars(obj, today),
            "credit": selectors.credit(obj, today),
            "grades": obj.grades.order_by("-year"),
            "inspections": obj.inspections.select_related("draw").order_by("-draw__date"),
        }


# ---- plans ----------------------------------------------------------------------------------------


class PlanRegister(EvaluationRegister):
    """Evaluation plans: filed by an institution; results uploaded; publicised; issued or refused."""

    model = models.Plan
    path = "plans"
    name = "plan"
    table = tables.PlanTable
    filterset = PlanFilter
    related = ("institution__organisation", "occupation", "level", "batch")
    create_form = forms.PlanForm
    detail_template = "evaluation/plan_detail.html"
    add_label = _l("File an evaluation plan")
    ordering = ("-exam_date", "-id")
    fields = (
        "code",
        Field(_l("Institution"), lambda p: p.institution),
        Field(_l("Occupation and level"), lambda p: f"{p.occupation.code} {p.occupation} · {p.level}"),
        "source",
        "exam_date",
        "site",
        Field(_l("Examiners"), lambda p: "、".join(mask_name(e.person.name) for e in p.examiners.all()) or None),
        "status",
        "pass_mark",
        Field(
            _l("Publicity"),
            lambda p: f"{_date(p.publicity_from)} — {_date(p.publicity_until)}" if p.publicity_from else None,
        ),
        "review_note",
        "refused_reason",
        Field(_l("Issuance batch"), lambda p: p.batch),
    )
    steps = (
        Step(
            "publicise",
            _l("Publish for objection (公示)"),
            lambda actor, obj: plan_services.plan_publicise(actor=actor, plan=obj),
            when=lambda p: p.status == models.PlanStatus.RESULTS,
            confirm=_l(
                "The names of the candidates who passed, masked, are published on the public 公示 page for seven days; "
                "the results cannot be changed afterwards."
            ),
            done=_l("The list is published for objection."),
            danger=False,
        ),
        Step(
            "issue",
            _l("Issue the certificates"),
            lambda actor, obj, review_note: plan_services.plan_issue(actor=actor, plan=obj, review_note=review_note),
            form=forms.IssueForm,
            when=lambda p: p.status == models.PlanStatus.PUBLICISED,
            confirm=_l(
                "Every candidate who passed receives a certificate with a national number, in one batch signed by the "
                "platform. Issued certificates can only be revoked one by one."
            ),
            done=_l("The certificates were issued."),
        ),
        Step(
            "refuse",
            _l("Refuse the plan"),
            lambda actor, obj, reason: plan_services.plan_refuse(actor=actor, plan=obj, reason=reason),
            form=forms.RefuseForm,
            when=lambda p: p.status not in (models.PlanStatus.ISSUED, models.PlanStatus.REFUSED),
            done=_l("The plan was refused."),
        ),
    )
    actions = (
        Action(
            "results",
            lambda actor, obj, file: plan_services.results_upload(actor=actor, plan=obj, frame=file),
            form=forms.ResultsUploadForm,
            show=lambda user, obj: (
                obj.status in (models.PlanStatus.FILED, models.PlanStatus.RESULTS) and allowed(user, "results", obj)
            ),
            done=lambda n: _("%(n)d candidates' results saved.") % {"n": n},
        ),
        Action(
            "objection",
            lambda actor, obj, candidate, objection, upheld: plan_services.objection_record(
                actor=actor, candidate=candidate, objection=objection, upheld=upheld
            ),
            form=forms.ObjectionForm,
            show=lambda user, obj: obj.status == models.PlanStatus.PUBLICISED and allowed(user, "issue", obj),
            done=_l("The objection was recorded."),
        ),
    )

    def _institutions(self, request: HttpRequest) -> QuerySet:
        return restrict(models.Institution.objects.select_related("organisation"), request.user, "change").filter(
            status=Status.APPROVED
        )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        institutions = self._institutions(request)
        examiners = models.Examiner.objects.filter(
            institution__in=institutions, role=models.ExaminerRole.EXAMINER
        ).select_related("person", "institution__organisation")
        qualifications = restrict(
            models.ForeignQualification.objects.select_related("occupation", "level"), request.user
        )
        return {
            "institutions": institutions,
            "examiners": examiners,
            "qualifications": qualifications.filter(until__isnull=True),
        }

    def create(self, actor: Any, data: dict[str, Any]) -> models.Plan:
        if data["source"] != models.PlanSource.FOREIGN and not (data["occupation"] and data["level"]):
            raise ValidationError({"occupation": _("Choose the occupation and the level.")})
        return plan_services.plan_file(
            actor=actor,
            institution=data["institution"],
            occupation_code=data["occupation"],
            level_code=data["level"],
            source=data["source"],
            exam_date=data["exam_date"],
            site=data["site"],
            examiners=list(data["examiners"]),
            qualification=data.get("qualification"),
        )

    def action_forms(self, request: HttpRequest, obj: Any, posted: dict[str, Any]) -> dict[str, Any]:
        context = super().action_forms(request, obj, posted)
        objection = context["actions"].get("objection")
        if objection is not None:
            objection.fields["candidate"].queryset = obj.candidates.filter(passed=True).select_related("person")
            objection.fields["candidate"].label_from_instance = lambda c: mask_name(c.person.name)
        return context

    def action_view(self, request: HttpRequest, name: str, pk: int | None = None) -> HttpResponse:
        if name == "objection" and pk is not None and request.method == "POST":
            plan = self.get(request, pk)
            form = forms.ObjectionForm(request.POST)
            form.fields["candidate"].queryset = plan.candidates.filter(passed=True)  # type: ignore[attr-defined]
            if not form.is_valid():
                return self.detail_page(request, pk, {name: form})
        return super().action_view(request, name, pk)

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        candidates = restrict(obj.candidates.select_related("person", "certificate"), request.user)
        return {
            "candidates": tables.CandidateTable(candidates),
            "passed": candidates.filter(passed=True).count(),
            "total": candidates.count(),
        }


# ---- supervision and resources ------------------------------------------------------------------


class InspectorRegister(EvaluationRegister):
    model = models.Inspector
    path = "inspectors"
    name = "inspector"
    table = tables.InspectorTable
    create_form = forms.InspectorForm
    add_label = _l("Add an inspector")
    fields = ("name", "region_code", "affiliation", "active")

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", "")}

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

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", "")}

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
        Field(_l("Draw"), lambda i: f"{i.draw.date} · {_region(i.draw.region_code)}"),
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

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", "")}

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

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", "")}

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
        Field(_l("Region"), lambda p: _region(p.organisation.region_code)),
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
                person=_registered(id_number, name),
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
        organisation = get_object_or_404(restrict(Organisation.objects.all(), actor), pk=data["organisation"])
        return recognition.pilot_add(
            actor=actor,
            organisation=organisation,
            quota_special=data["quota_special"],
            quota_chief=data["quota_chief"],
            since=data["since"],
            clause=data["clause"],
        )

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


INSTITUTIONS = InstitutionRegister()
PLANS = PlanRegister()
INSPECTORS = InspectorRegister()
DRAWS = DrawRegister()
INSPECTIONS = InspectionRegister()
RESOURCES = ResourceRegister()
FOREIGN = ForeignQualificationRegister()
PILOTS = PilotRegister()
APPOINTMENTS = AppointmentRegister()
REGISTERS = (INSTITUTIONS, PLANS, INSPECTORS, DRAWS, INSPECTIONS, RESOURCES, FOREIGN, PILOTS, APPOINTMENTS)


@login_required
def results_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_xlsx(forms.RESULT_COLUMNS, str(_("Evaluation results"))), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="results-template.xlsx"'
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The evaluation menu: what the user may open."""
    user = request.user
    links = [(reg, can(user, "view", reg.model)) for reg in (INSTITUTIONS, PLANS, RESOURCES, DRAWS, INSPECTORS)]
    return render(request, "evaluation/index.html", {"links": [r for r, ok in links if ok]})


# ---- public pages ---------------------------------------------------------------------------------


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The public directory of evaluation institutions (信息公开): scope, stars, decisions, inspections."""
    region = request.GET.get("region", "").strip()
    if region and (len(region) != 6 or not region.isdigit()):
        raise Http404(_("Unknown region."))
    q = request.GET.get("q", "").strip()[:50]
    today = timezone.localdate()
    rows = selectors.directory(region, q)
    stars = selectors.stars_of([i.pk for i in rows], today)
    return render(
        request,
        "evaluation/public_directory.html",
        {"rows": [(i, stars[i.pk]) for i in rows], "region": region, "q": q},
    )


@require_GET
def directory_entry(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(
        models.Institution.objects.select_related("organisation").exclude(
            status__in=(Status.DRAFT, Status.SUBMITTED, Status.REJECTED)
        ),
        pk=pk,
    )
    return render(
        request,
        "evaluation/public_institution.html",
        {
            "institution": institution,
            "region": _region(institution.organisation.region_code),
            "stars": selectors.stars(institution, timezone.localdate()),
            "credit": selectors.credit(institution, timezone.localdate()),
            "scope_items": institution.scope_items.select_related("occupation", "level"),
            "decisions": institution.decisions.all(),
            "inspections": institution.inspections.filter(published=True, done_on__isnull=False).select_related("draw"),
        },
    )


@require_GET
def publicity(request: HttpRequest) -> HttpResponse:
    """The 公示 lists open for objection today."""
    return render(request, "evaluation/public_publicity.html", {"plans": selectors.publicity(timezone.localdate())})


@require_GET
def publicity_plan(request: HttpRequest, code: str) -> HttpResponse:
    today = timezone.localdate()
    plan = next((p for p in selectors.publicity(today) if p.code == code), None)
    if plan is None:
        raise Http404(_("No list under objection has this number."))
    rows = []
    for c in selectors.publicity_candidates(plan):
        try:
            masked = mask_id_number(_id_number(c.person))
        except ValidationError:
            masked = "—"
        rows.append((mask_name(c.person.name), masked, c.theory, c.practical))
    return render(request, "evaluation/public_plan.html", {"plan": plan, "rows": rows})


def _id_number(person: Person) -> str:
    return pii.decrypt(person.id_number_enc)
