"""The wage-price pages of the bureau and the enterprises: the registers of surveys, responses and
editions (``core.pages``). An enterprise sees only its own responses; an officer those of the region."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from gongjiang.core.pages import Action, Field, Register, Step
from gongjiang.core.scope import allowed, restrict
from gongjiang.core.tabular import XLSX_TYPE
from gongjiang.core.uploads import template_xlsx
from gongjiang.reference.selectors import industry_label, region_label
from gongjiang.wages import exports, forms, models, selectors, services, tables, tasks
from gongjiang.wages.filtersets import EditionFilter, ResponseFilter, SurveyFilter
from gongjiang.wages.import_kinds import EMPLOYEE_COLUMNS

EditionStatus = models.EditionStatus
ResponseStatus = models.ResponseStatus


class SurveyRegister(Register):
    """Salary surveys: created by the bureau (frame and sample from the registry), closed and reopened;
    the edition of the year made from it."""

    namespace = "wages"
    model = models.Survey
    path = "surveys"
    list_template = "wages/register_list.html"
    name = "survey"
    table = tables.SurveyTable
    filterset = SurveyFilter
    create_form = forms.SurveyForm
    detail_template = "wages/survey_detail.html"
    add_label = _l("Start a salary survey")
    ordering = ("-year", "region_code")
    fields = (
        "year",
        Field(_l("Region"), lambda s: region_label(s.region_code)),
        "as_of",
        "sampling_fraction",
        "seed",
        "status",
    )
    steps = (
        Step(
            "close",
            _l("Close the survey"),
            lambda actor, obj: services.survey_close(actor=actor, survey=obj),
            when=lambda s: s.status == models.SurveyStatus.OPEN,
            confirm=_l("Enterprises can no longer change or submit their responses."),
            done=_l("The survey is closed."),
            danger=False,
        ),
        Step(
            "reopen",
            _l("Reopen the survey"),
            lambda actor, obj: services.survey_reopen(actor=actor, survey=obj),
            when=lambda s: s.status == models.SurveyStatus.CLOSED,
            done=_l("The survey collects responses again."),
            danger=False,
        ),
    )
    actions = (
        Action(
            "edition",
            lambda actor, obj: services.edition_create(actor=actor, survey=obj),
            label=_l("Create the edition of the year"),
            show=lambda user, obj: allowed(user, "add", models.Edition, region_code=obj.region_code),
            done=_l("The draft edition is created."),
            to=lambda obj, edition: reverse("wages:edition-detail", args=[edition.pk]),
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", ""), "sampling_fraction": "0.2", "seed": 1}

    def create(self, actor: Any, data: dict[str, Any]) -> models.Survey:
        return services.survey_create(
            actor=actor,
            region_code=data["region_code"],
            year=data["year"],
            as_of=data["as_of"],
            sampling_fraction=data["sampling_fraction"],
            seed=data.get("seed") or 1,
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        responses = restrict(obj.responses.all(), request.user)
        counts = {s: responses.filter(status=s).count() for s in ResponseStatus.values}
        return {
            "strata": obj.strata.all()[:500],
            "n_strata": obj.strata.count(),
            "counts": [(label, counts[value]) for value, label in ResponseStatus.choices],
            "n_responses": sum(counts.values()),
            "editions": restrict(models.Edition.objects.filter(survey=obj), request.user),
        }


def _pending_and(action: str) -> Any:
    return lambda user, obj: (
        obj.status == ResponseStatus.PENDING
        and allowed(user, action, models.EmployeeRecord(response=obj) if action == "add" else obj)
    )


class ResponseRegister(Register):
    """The enterprises drawn into a survey; each enterprise enters or uploads its employees and submits."""

    namespace = "wages"
    model = models.Response
    path = "responses"
    list_template = "wages/register_list.html"
    name = "response"
    table = tables.ResponseTable
    filterset = ResponseFilter
    related = ("survey", "organisation")
    detail_template = "wages/response_detail.html"
    heading = _l("Salary survey responses")
    ordering = ("-survey__year", "region_code", "id")
    fields = (
        Field(_l("Enterprise"), lambda r: r.organisation.name),
        Field(_l("Unified social credit code"), lambda r: r.uscc),
        Field(_l("Survey year"), lambda r: r.survey.year),
        Field(_l("Region"), lambda r: region_label(r.region_code)),
        Field(_l("Industry section"), lambda r: industry_label(r.industry_section)),
        "size_class",
        "status",
        "submitted_at",
    )
    steps = (
        Step(
            "send",
            _l("Submit the survey"),
            lambda actor, obj: services.response_submit(actor=actor, response=obj),
            when=lambda r: r.status == ResponseStatus.PENDING,
            confirm=_l("Once submitted, the rows can no longer be changed unless the bureau reopens the survey."),
            done=_l("The survey is submitted. Thank you."),
            danger=False,
        ),
        Step(
            "reopen",
            _l("Return to the enterprise for correction"),
            lambda actor, obj: services.response_reopen(actor=actor, response=obj),
            when=lambda r: r.status == ResponseStatus.SUBMITTED,
            confirm=_l("The enterprise can change its rows again and must submit them again."),
            done=_l("The survey is returned to the enterprise."),
            danger=False,
        ),
    )
    actions = (
        Action(
            "employee",
            lambda actor, obj, **data: services.employee_add(actor=actor, response=obj, **data),
            form=forms.EmployeeForm,
            show=_pending_and("add"),
            done=_l("The employee row is saved."),
        ),
        Action(
            "upload",
            lambda actor, obj, file: services.response_upload(
                actor=actor, response=obj, data=file.read(), filename=file.name or "upload"
            ),
            form=forms.SurveyUploadForm,
            show=_pending_and("change"),
            done=lambda n: _("%(n)d employee rows saved.") % {"n": n},
        ),
    )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        employees = restrict(obj.employees.all(), request.user).order_by("id")
        return {
            "employees": tables.EmployeeTable(employees[:1000], levels=selectors.level_names()),
            "n_employees": employees.count(),
        }


def _cells_context(edition: models.Edition) -> dict[str, Any]:
    cells = list(
        edition.cells.filter(cell_kind="occupation_level").order_by("region_code", "occupation_code", "skill_level")[
            :600
        ]
    )
    return {"cells": selectors.labelled(cells)}


def _estimating(edition: models.Edition) -> bool:
    return models.EstimationJob.objects.filter(edition=edition, status__in=models.ESTIMATION_ACTIVE).exists()


def _estimation_started(job: models.EstimationJob) -> str:
    """The message after the estimate step: done at once where tasks run in the request (no worker), else
    queued."""
    job.refresh_from_db()
    if job.status == models.EstimationStatus.DONE:
        return str(_("The edition is estimated."))
    if job.status == models.EstimationStatus.FAILED:
        return str(_("The estimation has ended without a result; its reason is shown below."))
    return str(_("The estimation is queued; this page shows its progress."))


def _latest_estimation(request: HttpRequest, edition: models.Edition) -> models.EstimationJob | None:
    jobs = restrict(models.EstimationJob.objects.filter(edition=edition), request.user)
    job = jobs.select_related("created_by").order_by("-pk").first()
    if (
        job is not None
        and job.status == models.EstimationStatus.RUNNING
        and (job.heartbeat or job.started or job.created) < timezone.now() - tasks.STALE_AFTER
        and tasks.edition_estimations_recover()
    ):
        job.refresh_from_db()
    return job


def _estimation_context(request: HttpRequest, edition: models.Edition) -> dict[str, Any]:
    job = _latest_estimation(request, edition)
    return {
        "estimation": job,
        "estimation_stage": models.EstimationStage(job.stage).label if job is not None else "",
        "estimation_stages": len(services.STAGE_ORDER),
        "estimation_step": (services.STAGE_ORDER.index(job.stage) + 1)
        if job is not None and job.stage in services.STAGE_ORDER
        else 0,
    }


class EditionRegister(Register):
    """The yearly editions: estimated as draft, sent to review, published by a second officer, corrected
    by a new edition."""

    namespace = "wages"
    model = models.Edition
    path = "editions"
    list_template = "wages/register_list.html"
    name = "edition"
    table = tables.EditionTable
    filterset = EditionFilter
    related = ("survey", "supersedes")
    detail_template = "wages/edition_detail.html"
    ordering = ("-year", "region_code", "-number")
    fields = (
        "year",
        Field(_l("Region"), lambda e: region_label(e.region_code)),
        "number",
        "status",
        Field(_l("Corrects the edition"), lambda e: e.supersedes),
        "correction_reason",
        "estimated_at",
        Field(_l("Estimated by"), lambda e: e.estimated_by),
        Field(_l("Sent to review by"), lambda e: e.sent_by),
        "published_at",
        Field(_l("Published by"), lambda e: e.published_by),
    )
    steps = (
        Step(
            "estimate",
            _l("Run the estimation"),
            lambda actor, obj: services.edition_estimate_start(actor=actor, edition=obj),
            when=lambda e: e.status == EditionStatus.DRAFT and not _estimating(e),
            confirm=_l(
                "The estimates are computed from the submitted responses, with their intervals and the "
                "disclosure rules; an earlier estimate of this draft is replaced. The estimation runs in the "
                "background (minutes for a large survey); this page shows its progress."
            ),
            done=_estimation_started,
            danger=False,
        ),
        Step(
            "review",
            _l("Send to review"),
            lambda actor, obj: services.edition_review(actor=actor, edition=obj),
            when=lambda e: e.status == EditionStatus.DRAFT and e.estimated_at is not None and not _estimating(e),
            confirm=_l("A second officer checks the edition and publishes it."),
            done=_l("The edition is in review."),
            danger=False,
        ),
        Step(
            "return",
            _l("Return to draft"),
            lambda actor, obj, reason: services.edition_return(actor=actor, edition=obj, reason=reason),
            form=forms.OptionalReasonForm,
            when=lambda e: e.status == EditionStatus.REVIEW,
            done=_l("The edition is back in draft."),
            danger=False,
        ),
        Step(
            "publish",
            _l("Publish the edition"),
            lambda actor, obj: services.edition_publish(actor=actor, edition=obj),
            when=lambda e: e.status == EditionStatus.REVIEW,
            confirm=_l(
                "The published cells appear on the public pages and in the API. A published edition is frozen: "
                "it can only be corrected by a new edition."
            ),
            done=_l("The edition is published."),
        ),
        Step(
            "correct",
            _l("Correct with a new edition"),
            lambda actor, obj, reason: services.edition_correct(actor=actor, edition=obj, reason=reason),
            form=forms.ReasonForm,
            when=lambda e: e.status == EditionStatus.PUBLISHED and not hasattr(e, "superseded_by"),
            confirm=_l("A new draft of the same year is created; once published it supersedes this edition."),
            done=_l("The correction is created as a draft."),
        ),
    )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {
            **_cells_context(obj),
            **_estimation_context(request, obj),
            "by_status": [
                (label, obj.summary.get("by_status", {}).get(value, 0)) for value, label in models.CellStatus.choices
            ],
        }


SURVEYS = SurveyRegister()
RESPONSES = ResponseRegister()
EDITIONS = EditionRegister()
REGISTERS = (SURVEYS, RESPONSES, EDITIONS)


@login_required
def survey_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_xlsx(EMPLOYEE_COLUMNS, str(_("Salary survey"))), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="salary-survey-template.xlsx"'
    return response


@login_required
@require_GET
def edition_estimation(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of an edition's estimation, polled by its page (HTMX) while it is queued or running;
    once it has ended, the page is reloaded to show the cells."""
    if not allowed(request.user, "view", models.Edition):
        raise PermissionDenied
    edition = get_object_or_404(restrict(models.Edition.objects.all(), request.user), pk=pk)
    context = {"object": edition, **_estimation_context(request, edition)}
    response = render(request, "wages/_estimation.html", context)
    job = context["estimation"]
    if request.headers.get("HX-Request") and (job is None or not job.active):
        response["HX-Refresh"] = "true"
    return response


@login_required
def edition_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """An edition in the bureau: its XLSX or PDF, drafts included, suppressed values never printed."""
    if not allowed(request.user, "view", models.Edition):
        raise PermissionDenied
    edition = get_object_or_404(restrict(models.Edition.objects.all(), request.user), pk=pk)
    return exports.respond(edition, fmt)
