"""Evaluation pages: the registers of institutions and plans (``core.pages``), the evaluation menu and the
results template. The registers of supervision, resources and recognition are in ``supervision_views``,
the public pages (directory, 公示) in ``public_views``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gongjiang.core.models import Role
from gongjiang.core.pages import Action, Field, Step
from gongjiang.core.pii import mask_name
from gongjiang.core.scope import allowed, can, restrict
from gongjiang.core.tabular import XLSX_TYPE
from gongjiang.core.uploads import template_xlsx
from gongjiang.evaluation import forms, models, selectors, supervision_views, tables
from gongjiang.evaluation.filtersets import InstitutionFilter, PlanFilter
from gongjiang.evaluation.pages import EvaluationRegister, date_label, registered_person
from gongjiang.evaluation.services import institutions as inst_services
from gongjiang.evaluation.services import plans as plan_services
from gongjiang.reference.selectors import region_label

Status = models.FilingStatus


def _decision(step: str, service: Any) -> Any:
    return lambda actor, obj, reason, clause: service(actor=actor, institution=obj, reason=reason, clause=clause)


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
        Field(_l("Region"), lambda i: region_label(i.organisation.region_code)),
        "sites",
        "contact",
        "station_code",
        "quota",
        Field(
            _l("Filed"), lambda i: f"{date_label(i.valid_from)} — {date_label(i.valid_until)}" if i.valid_from else None
        ),
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
                person=registered_person(id_number, name),
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
        return {"organisation_fixed": role == Role.ORGANISATION, "editing": obj is not None, "user": request.user}

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
        # An organisation files for its own; an officer's choice is one of the organisations in scope.
        organisation = actor.organisation if actor.role == Role.ORGANISATION else data["organisation"]
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


def _approved_institutions(user: Any) -> QuerySet:
    """The approved evaluation institutions the user may file plans for."""
    return restrict(models.Institution.objects.select_related("organisation"), user, "change").filter(
        status=Status.APPROVED
    )


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
        Field(_l("Occupation and level"), lambda p: f"{p.occupation} · {p.level}"),
        "source",
        "exam_date",
        "site",
        Field(_l("Examiners"), lambda p: "、".join(mask_name(e.person.name) for e in p.examiners.all()) or None),
        "status",
        "pass_mark",
        Field(
            _l("Publicity"),
            lambda p: f"{date_label(p.publicity_from)} — {date_label(p.publicity_until)}" if p.publicity_from else None,
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
        return _approved_institutions(request.user)

    def may_add(self, user: Any) -> bool:
        # A plan is filed for an approved institution the user acts for: an organisation that is none
        # (a school, a college) is not offered a form with nothing to choose.
        return super().may_add(user) and _approved_institutions(user).exists()

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


INSTITUTIONS = InstitutionRegister()
PLANS = PlanRegister()
REGISTERS = (INSTITUTIONS, PLANS, *supervision_views.REGISTERS)


@login_required
def results_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_xlsx(forms.RESULT_COLUMNS, str(_("Evaluation results"))), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="results-template.xlsx"'
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The evaluation menu: what the user may open."""
    user = request.user
    links = [(reg, can(user, "view", reg.model)) for reg in (INSTITUTIONS, PLANS, *supervision_views.MENU)]
    return render(request, "evaluation/index.html", {"links": [r for r, ok in links if ok]})
