"""Training pages. Views find objects inside ``restrict()``, parse forms and call services; the services
decide who may act. A refused step shows its reason; a step out of the user's role is a 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongjiang.core.history import object_history
from gongjiang.core.models import Role
from gongjiang.core.scope import allowed, can, restrict
from gongjiang.core.tabular import XLSX_TYPE
from gongjiang.core.views import paginate, scoped_list
from gongjiang.registry.models import Organisation
from gongjiang.training import checks, rules, selectors, services
from gongjiang.training.filtersets import (
    ApplicationFilter,
    BatchFilter,
    CatalogFilter,
    ClaimFilter,
    ClassFilter,
    DesignationFilter,
    FindingFilter,
    NeedFilter,
)
from gongjiang.training.forms import (
    CATALOG_COLUMNS,
    ROSTER_COLUMNS,
    ApplicationForm,
    BatchForm,
    CatalogUploadForm,
    DecisionForm,
    DesignationForm,
    FindingReviewForm,
    NeedForm,
    ReasonForm,
    RosterUploadForm,
    SampleForm,
    SampleItemForm,
    template_xlsx,
)
from gongjiang.training.models import (
    Application,
    ApplicationStatus,
    AuditSample,
    BatchStatus,
    CatalogEntry,
    Claim,
    ClaimStatus,
    ClassStatus,
    Designation,
    Finding,
    FindingStatus,
    NeedStatus,
    PaymentBatch,
    PaymentLine,
    SampleItem,
    TrainingClass,
    TrainingNeed,
)


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{m}" for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _attempt(request: HttpRequest, step: Callable[[], Any], done: str = "") -> Any:
    """Run a service; on a refusal show its reasons and return None."""
    try:
        result = step()
    except ValidationError as exc:
        for m in _messages_of(exc):
            messages.error(request, m)
        return None
    if done:
        messages.success(request, done)
    return result if result is not None else True


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}: {e}" if label else str(e))


def _get(model: type[Model], request: HttpRequest, pk: int, *related: str) -> Any:
    return get_object_or_404(restrict(model._default_manager.select_related(*related), request.user), pk=pk)


# ---------------------------------------------------------------------------------------------


def _institution(user: Any) -> bool:
    """An organisation user: the pages of an institution (apply, upload its rosters)."""
    return bool(user.is_authenticated and user.role == Role.ORGANISATION and user.organisation_id)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "overview": selectors.overview(user),
        "awaiting": selectors.awaiting_decision(user)[:20],
        "needs": selectors.needs_for(user)
        .filter(status=NeedStatus.PUBLISHED)
        .select_related("occupation", "level")[:20],
        "is_officer": can(user, "add", TrainingNeed),
        "is_institution": _institution(user),
        "claim_statuses": ClaimStatus.choices,
    }
    return render(request, "training/home.html", context)


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    form = CatalogUploadForm()
    if request.method == "POST":
        form = CatalogUploadForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            count = _attempt(
                request,
                lambda: services.catalog_import(
                    actor=request.user,
                    region_code=d["region_code"],
                    year=d["year"],
                    frame=d["file"],
                    clause=d["clause"],
                ),
            )
            if count:
                messages.success(request, _("%(n)d catalog entries saved.") % {"n": count})
                return redirect("training:catalog")
        else:
            _form_errors(request, form)
    return scoped_list(
        request,
        model=CatalogEntry,
        filterset_class=CatalogFilter,
        template="training/catalog.html",
        extra={"form": form, "can_write": can(request.user, "add", CatalogEntry)},
    )


@login_required
def designations(request: HttpRequest) -> HttpResponse:
    organisations = restrict(Organisation.objects.filter(kind__in=rules.INSTITUTION_KINDS), request.user)
    form = DesignationForm(organisations=organisations)
    if request.method == "POST":
        form = DesignationForm(request.POST, organisations=organisations)
        if form.is_valid() and _attempt(
            request, lambda: services.designation_create(actor=request.user, **form.cleaned_data), _("Designated.")
        ):
            return redirect("training:designations")
        _form_errors(request, form)
    return scoped_list(
        request,
        model=Designation,
        filterset_class=DesignationFilter,
        template="training/designations.html",
        extra={"form": form, "can_write": can(request.user, "add", Designation)},
    )


@login_required
def needs(request: HttpRequest) -> HttpResponse:
    form = NeedForm(initial={"region_code": getattr(request.user, "region_code", "")})
    if request.method == "POST":
        form = NeedForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            need = _attempt(
                request,
                lambda: services.need_create(
                    actor=request.user,
                    region_code=d["region_code"],
                    year=d["year"],
                    occupation_code=d["occupation_code"],
                    level_code=d["level"].code,
                    places=d["places"],
                    price_fen=d["price"],
                    stages=d["stages"] or None,
                    note=d["note"],
                ),
                _("Need listed as a draft."),
            )
            if need:
                return redirect("training:need", pk=need.pk)
        else:
            _form_errors(request, form)
    qs = selectors.needs_for(request.user).select_related("occupation", "level")
    filterset = NeedFilter(request.GET or None, queryset=qs)
    page = paginate(request, (filterset.qs if filterset.is_bound and filterset.is_valid() else qs).order_by("-pk"))
    return render(
        request,
        "training/needs.html",
        {"page": page, "filter": filterset, "form": form, "can_write": can(request.user, "add", TrainingNeed)},
    )


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(selectors.needs_for(request.user).select_related("occupation", "level"), pk=pk)
    user = request.user
    form = ApplicationForm(initial={"places": need.places})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "publish":
            _attempt(request, lambda: services.need_publish(actor=user, need=need), _("Published."))
            return redirect("training:need", pk=pk)
        if action == "close":
            _attempt(request, lambda: services.need_close(actor=user, need=need), _("Closed."))
            return redirect("training:need", pk=pk)
        if action == "apply":
            if not _institution(user):
                raise PermissionDenied
            form = ApplicationForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                application = _attempt(
                    request,
                    lambda: services.application_submit(
                        actor=user,
                        need=need,
                        institution=user.organisation,  # type: ignore[union-attr,arg-type]
                        start_date=d["start_date"],
                        end_date=d["end_date"],
                        class_hours=d["class_hours"],
                        practical_hours=d["practical_hours"],
                        places=d["places"],
                        price_fen=d["price"],
                        plan=d["plan"],
                    ),
                    _("Application submitted for review."),
                )
                if application:
                    return redirect("training:application", pk=application.pk)
            else:
                _form_errors(request, form)
    applications = (
        restrict(need.applications.select_related("institution"), user)
        if can(user, "view", Application)
        else Application.objects.none()
    )
    return render(
        request,
        "training/need_detail.html",
        {
            "need": need,
            "applications": applications,
            "form": form,
            "can_apply": _institution(user) and need.status == NeedStatus.PUBLISHED,
            "can_publish": allowed(user, "publish", need) and need.status == NeedStatus.DRAFT,
            "can_close": allowed(user, "close", need) and need.status == NeedStatus.PUBLISHED,
            "stage_labels": [rules.stage_region(need.region_code, s) for s in need.stages],
            "history": object_history(request.user, need),
        },
    )


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    return scoped_list(
        request, model=Application, filterset_class=ApplicationFilter, template="training/applications.html"
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _get(Application, request, pk, "need__occupation", "need__level", "institution")
    user = request.user
    level = application.current_stage_level
    can_decide = bool(level) and rules.can_decide_stage(user, application.need.region_code, level)
    form = DecisionForm()
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            _attempt(
                request, lambda: services.application_withdraw(actor=user, application=application), _("Withdrawn.")
            )
            return redirect("training:application", pk=pk)
        form = DecisionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if _attempt(
                request,
                lambda: services.application_decide(
                    actor=user, application=application, decision=d["decision"], comment=d["comment"]
                ),
                _("Decision recorded."),
            ):
                return redirect("training:application", pk=pk)
        else:
            _form_errors(request, form)
    stages = [
        {
            "index": i,
            "level": s,
            "region": rules.stage_region(application.need.region_code, s),
            "decision": next((d for d in application.decisions.all() if d.stage == i), None),
        }
        for i, s in enumerate(application.need.stages)
    ]
    return render(
        request,
        "training/application_detail.html",
        {
            "application": application,
            "stages": stages,
            "form": form,
            "can_decide": can_decide,
            "can_withdraw": allowed(user, "withdraw", application)
            and application.status == ApplicationStatus.IN_REVIEW,
            "training_class": TrainingClass.objects.filter(application=application).first(),
            "history": object_history(request.user, application),
        },
    )


def _template(columns: Any, name: str, title: str) -> HttpResponse:
    response = HttpResponse(template_xlsx(columns, title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    """A blank roster workbook with the Chinese headers."""
    return _template(ROSTER_COLUMNS, "roster-template.xlsx", _("Real-name roster"))


@login_required
@require_GET
def catalog_template(request: HttpRequest) -> HttpResponse:
    """A blank catalog workbook with the Chinese headers."""
    return _template(CATALOG_COLUMNS, "catalog-template.xlsx", _("Subsidy catalog"))


@login_required
def classes(request: HttpRequest) -> HttpResponse:
    return scoped_list(request, model=TrainingClass, filterset_class=ClassFilter, template="training/classes.html")


@login_required
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tc = _get(TrainingClass, request, pk, "institution", "occupation", "level", "application")
    user = request.user
    upload = RosterUploadForm()
    if request.method == "POST":
        action = request.POST.get("action")
        steps: dict[str, tuple[Callable[[], Any], str]] = {
            "end": (lambda: services.class_end(actor=user, training_class=tc), _("The roster is closed.")),
            "match": (lambda: services.results_match(actor=user, training_class=tc), _("Results matched.")),
            "compute": (lambda: services.claims_compute(actor=user, training_class=tc), _("Claims computed.")),
            "approve": (
                lambda: services.claims_approve(
                    actor=user, claims=restrict(Claim.objects.filter(training_class=tc), user, "change")
                ),
                "",
            ),
        }
        if action == "roster":
            upload = RosterUploadForm(request.POST, request.FILES)
            if upload.is_valid():
                count = _attempt(
                    request,
                    lambda: services.roster_upload(actor=user, training_class=tc, frame=upload.cleaned_data["file"]),
                )
                if count:
                    messages.success(request, _("%(n)d trainees added to the roster.") % {"n": count})
                    return redirect("training:class", pk=pk)
            else:
                _form_errors(request, upload)
        elif action in steps:
            step, done = steps[action]
            result = _attempt(request, step, done)
            if action == "approve" and isinstance(result, dict):
                messages.success(request, _("%(n)d claims approved.") % {"n": result["approved"]})
                if result["conflicts"]:
                    messages.warning(
                        request,
                        _(
                            "Not approved, the occupation and level is already approved or paid for the trainee: "
                            "claims %(ids)s."
                        )
                        % {"ids": ", ".join(map(str, result["conflicts"]))},
                    )
            return redirect("training:class", pk=pk)
        else:
            raise PermissionDenied
    enrolments = restrict(tc.enrolments.select_related("person", "certificate"), user)
    claims = selectors.claims_with_findings(restrict(Claim.objects.filter(training_class=tc), user)).select_related(
        "person"
    )
    is_officer = allowed(user, "match", tc)
    may_roster = allowed(user, "roster", tc)
    return render(
        request,
        "training/class_detail.html",
        {
            "tc": tc,
            "enrolments": enrolments,
            "claims": claims,
            "upload": upload,
            "can_upload": may_roster and tc.status == ClassStatus.OPEN,
            "can_end": may_roster and tc.status == ClassStatus.OPEN,
            "can_match": is_officer and tc.status == ClassStatus.ENDED,
            "can_compute": is_officer and tc.status == ClassStatus.MATCHED,
            "can_approve": is_officer and any(c.status == ClaimStatus.COMPUTED for c in claims),
            "history": object_history(request.user, tc),
        },
    )


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    return scoped_list(request, model=Claim, filterset_class=ClaimFilter, template="training/claims.html")


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _get(Claim, request, pk, "person", "training_class", "institution", "occupation", "level", "certificate")
    user = request.user
    form = ReasonForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "approve":
            _attempt(request, lambda: services.claim_approve(actor=user, claim=claim), _("Claim approved."))
            return redirect("training:claim", pk=pk)
        if action == "reject":
            form = ReasonForm(request.POST)
            if form.is_valid() and _attempt(
                request,
                lambda: services.claim_reject(actor=user, claim=claim, reason=form.cleaned_data["reason"]),
                _("Claim rejected."),
            ):
                return redirect("training:claim", pk=pk)
            _form_errors(request, form)
        else:
            raise PermissionDenied
    findings = restrict(claim.findings.all(), user) if can(user, "view", Finding) else Finding.objects.none()
    line = PaymentLine.objects.filter(claim=claim).select_related("batch").first()
    return render(
        request,
        "training/claim_detail.html",
        {
            "claim": claim,
            "findings": findings,
            "line": line if line and can(user, "view", PaymentBatch) else None,
            "form": form,
            "is_officer": allowed(user, "approve", claim),
            "history": object_history(request.user, claim),
        },
    )


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    form = BatchForm(initial={"region_code": getattr(request.user, "region_code", "")})
    if request.method == "POST":
        form = BatchForm(request.POST)
        if form.is_valid():
            batch = _attempt(
                request,
                lambda: services.payment_batch_create(actor=request.user, **form.cleaned_data),
                _("Payment batch drafted."),
            )
            if batch:
                return redirect("training:batch", pk=batch.pk)
        else:
            _form_errors(request, form)
    user: Any = request.user
    batchable = (
        selectors.batchable_claims(user.region_code).count()
        if can(user, "add", PaymentBatch) and user.region_code
        else 0
    )
    return scoped_list(
        request,
        model=PaymentBatch,
        filterset_class=BatchFilter,
        template="training/batches.html",
        extra={"form": form, "can_write": can(user, "add", PaymentBatch), "batchable": batchable},
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _get(PaymentBatch, request, pk, "created_by", "approved_by")
    user = request.user
    sample_form = SampleForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "approve":
            _attempt(request, lambda: services.payment_batch_approve(actor=user, batch=batch), _("Batch approved."))
        elif action == "paid":
            _attempt(request, lambda: services.payment_batch_mark_paid(actor=user, batch=batch), _("Marked as paid."))
        elif action == "sample":
            sample_form = SampleForm(request.POST)
            if sample_form.is_valid():
                sample = _attempt(
                    request,
                    lambda: services.audit_sample_draw(
                        actor=user,
                        region_code=batch.region_code,
                        batch=batch,
                        size=sample_form.cleaned_data["size"],
                        seed=sample_form.cleaned_data["seed"],
                    ),
                    _("Sample drawn."),
                )
                if sample:
                    return redirect("training:sample", pk=sample.pk)
            else:
                _form_errors(request, sample_form)
        else:
            raise PermissionDenied
        return redirect("training:batch", pk=pk)
    lines = batch.lines.select_related("claim__person", "claim__enrolment", "claim__training_class").order_by("line_no")
    is_officer = allowed(user, "export", batch)
    return render(
        request,
        "training/batch_detail.html",
        {
            "batch": batch,
            "page": paginate(request, lines, per_page=100),
            "samples": batch.samples.all(),
            "sample_form": sample_form,
            "can_approve": allowed(user, "approve", batch) and batch.status == BatchStatus.DRAFT,
            "can_export": is_officer and batch.status in (BatchStatus.APPROVED, BatchStatus.EXPORTED),
            "can_pay": is_officer and batch.status == BatchStatus.EXPORTED,
            "can_sample": is_officer and batch.status == BatchStatus.PAID,
            "history": object_history(request.user, batch),
        },
    )


@login_required
@require_POST
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank-transfer workbook (full account numbers: a logged personal-data access)."""
    batch = _get(PaymentBatch, request, pk)
    content = _attempt(request, lambda: services.payment_batch_export(actor=request.user, batch=batch))
    if not isinstance(content, bytes):
        return redirect("training:batch", pk=pk)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{batch.reference}.xlsx"'
    return response


@login_required
def findings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        result = _attempt(request, lambda: checks.checks_run(actor=request.user))
        if not result:
            return redirect("training:findings")
        messages.success(
            request,
            _("Checks run: %(f)d findings, %(n)d new, %(g)d with new claims.")
            % {"f": result["findings"], "n": result["new"], "g": result["grown"]},
        )
        return redirect("training:findings")
    return scoped_list(
        request,
        model=Finding,
        filterset_class=FindingFilter,
        template="training/findings.html",
        extra={"can_run": can(request.user, "review", Finding), "sentence": checks.finding_sentence},
    )


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _get(Finding, request, pk, "person", "institution", "reviewer")
    user = request.user
    form = FindingReviewForm()
    if request.method == "POST":
        form = FindingReviewForm(request.POST)
        if form.is_valid() and _attempt(
            request,
            lambda: services.finding_review(actor=user, finding=finding, **form.cleaned_data),
            _("Review recorded."),
        ):
            return redirect("training:finding", pk=pk)
        _form_errors(request, form)
    claims_qs = restrict(finding.claims.select_related("person", "training_class", "enrolment", "institution"), user)
    return render(
        request,
        "training/finding_detail.html",
        {
            "finding": finding,
            "sentence": checks.finding_sentence(finding),
            "claims": claims_qs,
            "form": form,
            "can_review": allowed(user, "review", finding) and finding.status == FindingStatus.OPEN,
            "can_revise": allowed(user, "review", finding) and finding.status != FindingStatus.OPEN,
            "history": object_history(request.user, finding),
        },
    )


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = _get(AuditSample, request, pk, "batch", "created_by")
    user = request.user
    if request.method == "POST":
        item = get_object_or_404(restrict(SampleItem.objects.filter(sample=sample), user), pk=request.POST.get("item"))
        form = SampleItemForm(request.POST)
        if form.is_valid():
            _attempt(
                request,
                lambda: services.sample_item_record(actor=user, item=item, **form.cleaned_data),
                _("Result recorded."),
            )
        else:
            _form_errors(request, form)
        return redirect("training:sample", pk=pk)
    items = restrict(
        SampleItem.objects.filter(sample=sample).select_related("claim__person", "claim__training_class"), user
    )
    return render(
        request,
        "training/sample_detail.html",
        {
            "sample": sample,
            "items": items,
            "form": SampleItemForm(),
            "is_officer": allowed(user, "change", AuditSample, region_code=sample.region_code),
        },
    )
