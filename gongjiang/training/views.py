"""Training pages: a register of the page kit (``core.pages``) per record, with the workflow steps its
model declares and the forms of its pages that are no step (a catalog upload, an institution's
application to a need, a class's roster and the approval of its computed claims, the bank export, a run
of the checks, a sample item's result). The services decide who may act; a refusal shows its reason."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from gongjiang.core.pages import Action, Field, Register, Step, user_name
from gongjiang.core.scope import allowed, can, restrict
from gongjiang.core.tabular import XLSX_TYPE
from gongjiang.core.templatetags.gongjiang import region_name
from gongjiang.policy.selectors import clause_citation, policy_set_title
from gongjiang.registry.models import Organisation
from gongjiang.training import checks, filtersets, forms, models, rules, selectors, services, tables
from gongjiang.training.payables import payable, payables


def _on(service: Any, name: str) -> Any:
    """A step's or action's run: ``service(actor=…, <name>=the record, **the form's data)``."""
    return lambda actor, obj, **data: service(actor=actor, **{name: obj}, **data)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{models.fen_to_yuan(fen)} {_('yuan')}"


def _period(start: Any, end: Any) -> str:
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def _hours(obj: Any) -> str:
    return _("%(total)s class hours, %(practical)s practical") % {
        "total": obj.class_hours,
        "practical": obj.practical_hours,
    }


def _by(user: Any, when: Any) -> str | None:
    """Who decided and when, by the user's name and in local time (the change history's clock)."""
    if not user:
        return None
    return f"{user_name(user)} · {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else user_name(user)


def _reason(reason: str) -> str:
    return f" ({reason})" if reason and reason != "ok" else ""


def _link(register: Register, pk: Any, text: Any) -> str | None:
    return format_html('<a href="{}">{}</a>', register.url("detail", pk), text) if pk else None


DATES = Field(_("Dates"), lambda obj: _period(obj.start_date, obj.end_date))
CLAUSE = Field(_("Source clause"), lambda obj: clause_citation(obj.clause) or None)
HOURS = Field(_("Hours"), _hours)


class TrainingRegister(Register):
    """A register of the training app: its URL namespace, its tabs, and new records in the user's region."""

    namespace = "training"
    list_template = "training/register_list.html"
    detail_template = "training/register_detail.html"

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", "") or ""}


# --- designations and the catalog --------------------------------------------------------------


class DesignationRegister(TrainingRegister):
    model = models.Designation
    path = "institutions"
    name = "designation"
    table = tables.DesignationTable
    filterset = filtersets.DesignationFilter
    related = ("organisation",)
    create_form = forms.DesignationForm
    list_template = "training/designation_list.html"
    heading = _("Designated training institutions")
    add_label = _("Designate an institution")
    created_message = _("Designated.")
    fields = (
        "organisation",
        "region_code",
        Field(_("Period"), lambda d: _period(d.period_start, d.period_end)),
        "tender_reference",
        CLAUSE,
        *("status", "revoked_on", "revoke_reason"),
    )
    steps = (
        Step(
            "revoke",
            _("Revoke the designation"),
            _on(services.designation_revoke, "designation"),
            form=forms.RevokeForm,
            when=lambda d: d.status == models.DesignationStatus.ACTIVE,
            confirm=_(
                "The institution opens no more designated classes under a revoked designation. It cannot be undone."
            ),
            done=_("The designation was revoked."),
        ),
    )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        institutions = Organisation.objects.filter(kind__in=rules.INSTITUTION_KINDS)
        return {"organisations": restrict(institutions, request.user)}

    def create(self, actor: Any, data: dict[str, Any]) -> models.Designation:
        return services.designation_create(actor=actor, **data)


class CatalogRegister(TrainingRegister):
    model = models.CatalogEntry
    path = "catalog"
    name = "catalog"
    table = tables.CatalogTable
    filterset = filtersets.CatalogFilter
    related = ("occupation",)
    list_template = "training/catalog_list.html"
    heading = _("Subsidy and shortage-occupation catalog")
    fields = ("region_code", "year", "occupation", "tier", "digital", "shortage", CLAUSE)
    actions = (
        Action(
            "upload",
            lambda actor, file, **data: services.catalog_import(actor=actor, frame=file, **data),
            form=forms.CatalogUploadForm,
            show=lambda user, _: can(user, "add", models.CatalogEntry),
            done=lambda n: _("%(n)d catalog entries saved.") % {"n": n},
            on_list=True,
        ),
    )


class DesignationRequestRegister(TrainingRegister):
    """Institutions apply to be designated; an officer of the region approves (designating them) or
    rejects with the reason the institution reads here."""

    model = models.DesignationRequest
    path = "designation-applications"
    name = "designation-request"
    table = tables.DesignationRequestTable
    filterset = filtersets.DesignationRequestFilter
    related = ("institution", "decided_by", "designation")
    create_form = forms.DesignationRequestForm
    heading = _("Designation applications")
    add_label = _("Apply for designation")
    created_message = _("Application submitted for review.")
    fields = (
        "institution",
        "region_code",
        "period_start",
        "tender_reference",
        "occupations",
        "statement",
        "status",
        Field(_("Decided by"), lambda r: _by(r.decided_by, r.decided_at)),
        "decision_note",
        Field(_("Designation"), lambda r: _link(DESIGNATIONS, r.designation_id, r.designation)),
    )
    steps = (
        Step(
            "decide",
            _("Decide"),
            _on(services.designation_request_decide, "request"),
            form=forms.DecisionForm,
            when=lambda r: r.status == models.DesignationRequestStatus.IN_REVIEW,
            confirm=_(
                "Approval designates the institution for the tender period; a rejection needs its reason, "
                "which the institution reads."
            ),
            done=_("Decision recorded."),
            danger=False,
        ),
        Step(
            "withdraw",
            _("Withdraw"),
            _on(services.designation_request_withdraw, "request"),
            when=lambda r: r.status == models.DesignationRequestStatus.IN_REVIEW,
            confirm=_("A withdrawn application leaves the review."),
            done=_("Withdrawn."),
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        org = getattr(request.user, "organisation", None)
        return {"region_code": org.region_code if org is not None else ""}

    def create(self, actor: Any, data: dict[str, Any]) -> models.DesignationRequest:
        return services.designation_request_submit(actor=actor, institution=actor.organisation, **data)

    def object_title(self, obj: Any) -> str:
        return _("Designation application #%(pk)s: %(institution)s") % {"pk": obj.pk, "institution": obj.institution}


# --- needs and applications --------------------------------------------------------------------


def _may_apply(user: Any, need: models.TrainingNeed) -> bool:
    """Whether ``user`` may apply to run ``need``: an institution, in its own name, to a published need."""
    application = models.Application(need=need, institution=user.organisation, region_code=need.region_code)
    return need.status == models.NeedStatus.PUBLISHED and allowed(user, "add", application)


class NeedRegister(TrainingRegister):
    model = models.TrainingNeed
    path = "needs"
    name = "need"
    table = tables.NeedTable
    filterset = filtersets.NeedFilter
    related = ("occupation", "level")
    create_form = forms.NeedForm
    detail_template = "training/need_detail.html"
    heading = _("Training needs")
    add_label = _("List a need")
    created_message = _("Need listed as a draft.")
    fields = (
        "occupation",
        "level",
        Field(_("Region and year"), lambda n: f"{region_name(n.region_code)} · {n.year}"),
        "places",
        Field(_("Listed price per trainee"), lambda n: _yuan(n.price_fen)),
        Field(_("Review stages"), lambda n: " → ".join(region_name(r) for r in rules.stage_regions(n))),
        "status",
        "note",
    )
    steps = (
        Step(
            "publish",
            _("Publish for applications"),
            _on(services.need_publish, "need"),
            when=lambda n: n.status == models.NeedStatus.DRAFT,
            confirm=_("Once published, every training institution sees the need and may apply to run it."),
            done=_("Published."),
            danger=False,
        ),
        Step(
            "close",
            _("Close"),
            _on(services.need_close, "need"),
            when=lambda n: n.status == models.NeedStatus.PUBLISHED,
            confirm=_("A closed need takes no more applications; those already submitted stay in review."),
            done=_("Closed."),
        ),
    )
    actions = (
        Action(
            "apply",
            lambda actor, need, price, **data: services.application_submit(
                actor=actor, need=need, institution=actor.organisation, price_fen=price, **data
            ),
            form=forms.ApplicationForm,
            show=_may_apply,
            initial=lambda need: {"places": need.places},
            done=_("Application submitted for review."),
            to=lambda need, application: APPLICATIONS.url("detail", application.pk),
        ),
    )

    def object_title(self, obj: Any) -> str:
        return f"{obj.occupation.name} · {obj.level}"

    def create(self, actor: Any, data: dict[str, Any]) -> models.TrainingNeed:
        level, price, stages = data.pop("level"), data.pop("price"), data.pop("stages")
        return services.need_create(actor=actor, level_code=level.code, price_fen=price, stages=stages or None, **data)

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        applications = restrict(obj.applications.select_related("institution"), request.user)
        table = tables.ApplicationTable(
            applications, exclude=("need", "region_code"), orderable=False, attrs=tables.nested("need-applications")
        )
        return {"applications": table if applications else None}


class ApplicationRegister(TrainingRegister):
    model = models.Application
    path = "applications"
    name = "application"
    table = tables.ApplicationTable
    filterset = filtersets.ApplicationFilter
    related = ("need__occupation", "need__level", "institution")
    detail_template = "training/application_detail.html"
    fields = (
        Field(_("Need"), lambda a: _link(NEEDS, a.need_id, a.need)),
        "institution",
        "region_code",
        Field(_("Planned"), lambda a: _period(a.start_date, a.end_date)),
        HOURS,
        "places",
        Field(_("Price per trainee"), lambda a: _yuan(a.price_fen)),
        "plan",
        "status",
        Field(_("Class"), lambda a: _class_link(getattr(a, "training_class", None))),
    )
    steps = (
        Step(
            "decide",
            _("Decide this stage"),
            _on(services.application_decide, "application"),
            form=forms.DecisionForm,
            when=lambda a: a.status == models.ApplicationStatus.IN_REVIEW,
            confirm=_(
                "Your decision on this stage is recorded in your name and is final; a rejection needs a comment."
            ),
            done=_("Decision recorded."),
            danger=False,
        ),
        Step(
            "withdraw",
            _("Withdraw"),
            _on(services.application_withdraw, "application"),
            when=lambda a: a.status == models.ApplicationStatus.IN_REVIEW,
            confirm=_("A withdrawn application leaves the review; the institution cannot apply to this need again."),
            done=_("Withdrawn."),
        ),
    )

    def object_title(self, obj: Any) -> str:
        return _("Application #%(pk)s: %(institution)s") % {"pk": obj.pk, "institution": obj.institution}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        decisions = {d.stage: d for d in obj.decisions.select_related("reviewer")}
        regions = rules.stage_regions(obj.need)
        return {"stages": [(i, region, decisions.get(i)) for i, region in enumerate(regions)]}


def _organisation_opens(user: Any) -> bool:
    """An organisation user whose organisation may open a class: a designated institution or an enterprise."""
    org = getattr(user, "organisation", None)
    return (
        getattr(user, "role", "") == "organisation"
        and org is not None
        and (org.kind == "enterprise" or org.kind in rules.INSTITUTION_KINDS)
        and can(user, "add", models.TrainingClass)
    )


def _class_link(training_class: models.TrainingClass | None) -> str | None:
    if training_class is None:
        return None
    return format_html(
        '<a id="class-link" href="{}">{}</a>', CLASSES.url("detail", training_class.pk), training_class.code
    )


# --- classes and claims ------------------------------------------------------------------------


def _approved(result: dict[str, Any]) -> str:
    done = _("%(n)d claims approved.") % {"n": result["approved"]}
    if result["conflicts"]:
        ids = ", ".join(map(str, result["conflicts"]))
        done += " " + _(
            "Not approved, the occupation and level is already approved or paid for the trainee: claims %(ids)s."
        ) % {"ids": ids}
    return done


class ClassRegister(TrainingRegister):
    model = models.TrainingClass
    path = "classes"
    name = "class"
    table = tables.ClassTable
    filterset = filtersets.ClassFilter
    related = ("institution", "occupation", "level", "application")
    list_template = "training/class_list.html"
    detail_template = "training/class_detail.html"
    create_form = forms.ClassForm
    add_label = _("Open a designated-institution or enterprise class")
    created_message = _("The class is open; the institution uploads its real-name roster.")
    fields = (
        "name",
        "kind",
        Field(_("Application"), lambda c: _link(APPLICATIONS, c.application_id, f"#{c.application_id}")),
        "institution",
        "region_code",
        Field(_("Occupation and level"), lambda c: f"{c.occupation} · {c.level}"),
        DATES,
        HOURS,
        Field(_("Fee per trainee"), lambda c: _yuan(c.fee_fen)),
        "programme",
        "status",
    )
    steps = (
        Step(
            "end",
            _("Close the roster (class ended)"),
            _on(services.class_end, "training_class"),
            when=lambda c: c.status == models.ClassStatus.OPEN,
            confirm=_("No trainee can be added once the roster is closed."),
            done=_("The roster is closed."),
            danger=False,
        ),
        Step(
            "match",
            _("Match results to certificates"),
            _on(services.results_match, "training_class"),
            when=lambda c: c.status == models.ClassStatus.ENDED,
            confirm=_(
                "Each trainee is matched to a valid certificate of the class's occupation and level issued within a "
                "year after the class ended; a trainee without one has not passed."
            ),
            done=_("Results matched."),
            danger=False,
        ),
        Step(
            "compute",
            _("Compute claims"),
            _on(services.claims_compute, "training_class"),
            when=lambda c: c.status == models.ClassStatus.MATCHED,
            confirm=_(
                "A claim is computed for every passed trainee by the policy in force, then the checks run over them."
            ),
            done=_("Claims computed."),
            danger=False,
        ),
    )
    actions = (
        # An institution opens a class under its designation; an enterprise opens its own training.
        Action(
            "open",
            lambda actor, level, fee, **data: services.class_create(
                actor=actor,
                institution=actor.organisation,
                region_code=actor.organisation.region_code,
                level_code=level.code,
                fee_fen=fee or 0,
                **data,
            ),
            form=forms.OrganisationClassForm,
            show=lambda user, _: _organisation_opens(user),
            done=_("Class opened; upload its real-name roster."),
            to=lambda _, tc: CLASSES.url("detail", tc.pk),
            on_list=True,
        ),
        # The class's own institution or enterprise claims the subsidies of an ended class.
        Action(
            "claim",
            lambda actor, tc: services.class_claim_submit(actor=actor, training_class=tc),
            label=_("Claim the subsidies"),
            show=lambda user, tc: (
                tc.status == models.ClassStatus.ENDED
                and tc.kind != models.ClassKind.PROJECT
                and allowed(user, "claim", tc)
            ),
            done=lambda n: _("%(n)d claims computed and sent for approval.") % {"n": n},
        ),
        # The institution's real-name roster, uploaded as a file (CSV or XLSX, read by forms.read_table).
        Action(
            "roster",
            lambda actor, tc, file: services.roster_upload(actor=actor, training_class=tc, frame=file),
            form=forms.RosterUploadForm,
            show=lambda user, tc: tc.status == models.ClassStatus.OPEN and allowed(user, "roster", tc),
            done=lambda count: _("%(n)d trainees added to the roster.") % {"n": count},
        ),
        # The class's computed claims approved at once; those that would pay a trainee twice are named.
        Action(
            "approve",
            lambda actor, tc: services.claims_approve(
                actor=actor, claims=restrict(models.Claim.objects.filter(training_class=tc), actor, "change")
            ),
            label=_("Approve computed claims"),
            show=lambda user, tc: (
                can(user, "approve", models.Claim) and tc.claims.filter(status=models.ClaimStatus.COMPUTED).exists()
            ),
            done=_approved,
        ),
    )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        # The institution or enterprise is chosen among the organisations in the user's scope.
        return {"user": request.user}

    def create(self, actor: Any, data: dict[str, Any]) -> models.TrainingClass:
        level, fee = data.pop("level"), data.pop("fee")
        return services.class_create(actor=actor, level_code=level.code, fee_fen=fee or 0, **data)

    def object_title(self, obj: Any) -> str:
        return str(obj.code)

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        enrolments = restrict(obj.enrolments.select_related("person", "certificate"), user)
        claims = selectors.claims_with_findings(restrict(obj.claims.select_related("person"), user))
        return {
            "roster": tables.EnrolmentTable(enrolments),
            "claims": tables.ClassClaimTable(claims, request=request) if claims else None,
        }


class ClaimRegister(TrainingRegister):
    model = models.Claim
    path = "claims"
    name = "claim"
    table = tables.ClaimTable
    filterset = filtersets.ClaimFilter
    related = ("person", "training_class", "institution", "occupation", "level", "certificate", "decided_by")
    detail_template = "training/claim_detail.html"
    heading = _("Subsidy claims")
    fields = (
        Field(
            _("Trainee"),
            lambda c: format_html('{} <span class="masked">{}</span>', c.person.name, c.person.id_number_masked),
        ),
        Field(_("Class"), lambda c: _link(CLASSES, c.training_class_id, c.training_class.code)),
        "institution",
        Field(_("Occupation and level"), lambda c: f"{c.occupation} · {c.level}"),
        Field(
            _("Certificate"),
            lambda c: c.certificate and f"{c.certificate.number} ({c.certificate.issue_date:%Y-%m-%d})",
        ),
        Field(_("Policy set"), lambda c: policy_set_title(c.policy_set, c.policy_version)),
        "event_date",
        "region_code",
        Field(_("Eligible"), lambda c: f"{_('Yes') if c.eligible else _('No')}{_reason(c.reason)}"),
        Field(_("Amount"), lambda c: _yuan(c.amount_fen)),
        "trace",
        Field(_("Clauses"), lambda c: "、".join(clause_citation(k) for k in c.clauses) or None),
        "status",
        Field(_("Decided by"), lambda c: _by(c.decided_by, c.decided_at)),
        "decision_note",
    )
    steps = (
        Step(
            "approve",
            _("Approve"),
            _on(services.claim_approve, "claim"),
            when=lambda c: c.status == models.ClaimStatus.COMPUTED,
            confirm=_("An approved claim is paid in its region's next payment batch, unless a finding holds it."),
            done=_("Claim approved."),
            danger=False,
        ),
        Step(
            "reject",
            _("Reject"),
            _on(services.claim_reject, "claim"),
            form=forms.ReasonForm,
            when=lambda c: c.status in (models.ClaimStatus.COMPUTED, models.ClaimStatus.APPROVED),
            confirm=_("A rejected claim is not paid."),
            done=_("Claim rejected."),
        ),
    )

    def object_title(self, obj: Any) -> str:
        return _("Claim #%(pk)s") % {"pk": obj.pk}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        line = models.PaymentLine.objects.filter(claim=obj).select_related("batch").first()
        return {
            "findings": restrict(obj.findings.all(), user) if can(user, "view", models.Finding) else None,
            "line": line if can(user, "view", models.PaymentBatch) else None,
        }


# --- payments and post-audit -------------------------------------------------------------------


def _workbook(batch: models.PaymentBatch, content: bytes) -> HttpResponse:
    """The bank-transfer workbook (full account numbers: the export is a logged personal-data access)."""
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{batch.reference}.xlsx"'
    return response


class BatchRegister(TrainingRegister):
    model = models.PaymentBatch
    path = "batches"
    name = "batch"
    table = tables.BatchTable
    filterset = filtersets.BatchFilter
    related = ("created_by", "approved_by")
    create_form = forms.BatchForm
    list_template = "training/batch_list.html"
    detail_template = "training/batch_detail.html"
    heading = _("Payment batches")
    add_label = _("Draft a payment batch")
    created_message = _("Payment batch drafted.")
    fields = (
        "region_code",
        "purpose",
        Field(_("Lines and total"), lambda b: f"{b.line_count} · {_yuan(b.total_fen)}"),
        Field(_("Drafted by"), lambda b: _by(b.created_by, b.created)),
        Field(_("Approved by"), lambda b: _by(b.approved_by, b.approved_at)),
        "status",
        Field(_("Paid"), lambda b: f"{b.paid_on:%Y-%m-%d} · {b.bank_voucher}" if b.paid_on else None),
    )
    steps = (
        Step(
            "approve",
            _("Approve batch"),
            _on(services.payment_batch_approve, "batch"),
            when=lambda b: b.status == models.BatchStatus.DRAFT,
            confirm=_("Once approved, the bank-transfer file of the batch can be exported."),
            done=_("Batch approved."),
            danger=False,
        ),
        Step(
            "pay",
            _("Mark as paid"),
            _on(services.payment_batch_mark_paid, "batch"),
            form=forms.PaidForm,
            when=lambda b: b.status == models.BatchStatus.EXPORTED,
            confirm=_(
                "Confirm only once the bank has made the transfers: every claim of the batch becomes paid, which "
                "cannot be undone."
            ),
            done=_("Marked as paid."),
        ),
        Step(
            "sample",
            _("Draw a post-audit sample"),
            lambda actor, batch, **data: services.audit_sample_draw(
                actor=actor, region_code=batch.region_code, batch=batch, **data
            ),
            form=forms.SampleForm,
            when=lambda b: b.status == models.BatchStatus.PAID,
            confirm=_(
                "Paid claims of the batch are drawn at random for checking; the seed is kept to repeat the draw."
            ),
            done=_("Sample drawn."),
            danger=False,
        ),
    )
    actions = (
        Action(
            "export",
            _on(services.payment_batch_export, "batch"),
            label=_("Export bank-transfer file (logged)"),
            show=lambda user, b: (
                b.status in (models.BatchStatus.APPROVED, models.BatchStatus.EXPORTED) and allowed(user, "export", b)
            ),
            to=_workbook,
        ),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.PaymentBatch:
        return services.payment_batch_create(actor=actor, **data)

    def list_context(self, request: HttpRequest) -> dict[str, Any]:
        user: Any = request.user
        may_draft = can(user, "add", models.PaymentBatch) and bool(user.region_code)
        if not may_draft:
            return {"batchable": None}
        others = [(kind.label, kind.count(user.region_code)) for kind in payables() if kind.count is not None]
        return {"batchable": selectors.batchable_claims(user.region_code).count(), "payables": others}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        lines = obj.lines.select_related("claim__person", "claim__enrolment", "claim__training_class")
        table = tables.LineTable(lines.order_by("line_no"))
        RequestConfig(request, paginate={"per_page": 100}).configure(table)
        samples = obj.samples.all()
        return {"lines": table, "samples": tables.SampleTable(samples, exclude=("batch",)) if samples else None}


def _record_item(actor: Any, sample: models.AuditSample, item: int, **data: Any) -> models.SampleItem:
    chosen = get_object_or_404(restrict(models.SampleItem.objects.filter(sample=sample), actor), pk=item)
    return services.sample_item_record(actor=actor, item=chosen, **data)


class SampleRegister(TrainingRegister):
    model = models.AuditSample
    path = "samples"
    name = "sample"
    table = tables.SampleTable
    related = ("batch", "created_by")
    detail_template = "training/sample_detail.html"
    heading = _("Post-audit samples")
    actions = (
        Action(
            "record",
            _record_item,
            form=forms.SampleItemForm,
            show=lambda user, sample: allowed(user, "change", sample),
            done=_("Result recorded."),
        ),
    )

    def object_title(self, obj: Any) -> str:
        return _("Post-audit sample #%(pk)s") % {"pk": obj.pk}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        items = list(
            restrict(
                models.SampleItem.objects.filter(sample=obj).select_related(
                    "claim__person", "claim__training_class", "line__batch"
                ),
                request.user,
            )
        )
        for item in items:
            # A line of another payable kind (an award instalment): its kind's name and page.
            kind = payable(item.line.kind) if item.line_id and item.line else None
            item.kind_label = kind.label if kind else ""  # type: ignore[attr-defined]
            link = kind.link if kind else None
            item.item_link = link(item.line.source_id) if link and item.line and item.line.source_id else ""  # type: ignore[attr-defined]
        return {"items": items}


class FindingRegister(TrainingRegister):
    model = models.Finding
    path = "findings"
    name = "finding"
    table = tables.FindingTable
    filterset = filtersets.FindingFilter
    related = ("person", "institution", "reviewer")
    detail_template = "training/finding_detail.html"
    heading = _("Fraud and anomaly findings")
    fields = (
        "institution",
        "region_code",
        "detected_at",
        "status",
        Field(_("Reviewed by"), lambda f: _by(f.reviewer, f.reviewed_at)),
        "note",
    )
    steps = (
        Step(
            "review",
            _("Review"),
            _on(services.finding_review, "finding"),
            form=forms.FindingReviewForm,
            confirm=_(
                "A dismissed finding releases its claims for payment; a confirmed one keeps holding them "
                "(reject the claims to close them)."
            ),
            done=_("Review recorded."),
            danger=False,
        ),
    )
    actions = (
        Action(
            "run",
            lambda actor: checks.checks_run(actor=actor),
            label=_("Run all checks now"),
            show=lambda user, _: can(user, "review", models.Finding),
            done=lambda r: (
                _("Checks run: %(f)d findings, %(n)d new, %(g)d with new claims.")
                % {"f": r["findings"], "n": r["new"], "g": r["grown"]}
            ),
            on_list=True,
        ),
    )

    def object_title(self, obj: Any) -> str:
        return _("Finding #%(pk)s: %(kind)s") % {"pk": obj.pk, "kind": obj.get_kind_display()}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        claims = restrict(
            obj.claims.select_related("person", "training_class", "enrolment", "institution"), request.user
        )
        return {
            "sentence": checks.finding_sentence(obj),
            "claims": tables.FindingClaimTable(claims) if claims else None,
        }


DESIGNATIONS: Register = DesignationRegister()
DESIGNATION_REQUESTS: Register = DesignationRequestRegister()
CATALOG: Register = CatalogRegister()
NEEDS: Register = NeedRegister()
APPLICATIONS: Register = ApplicationRegister()
CLASSES: Register = ClassRegister()
CLAIMS: Register = ClaimRegister()
BATCHES: Register = BatchRegister()
SAMPLES: Register = SampleRegister()
FINDINGS: Register = FindingRegister()
REGISTERS = (
    DESIGNATIONS,
    DESIGNATION_REQUESTS,
    CATALOG,
    NEEDS,
    APPLICATIONS,
    CLASSES,
    CLAIMS,
    BATCHES,
    SAMPLES,
    FINDINGS,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "overview": selectors.overview(user),
        "awaiting": selectors.awaiting_decision(user)[:20],
        "needs": selectors.needs_for(user)
        .filter(status=models.NeedStatus.PUBLISHED)
        .select_related("occupation", "level")[:20],
        "is_officer": can(user, "add", models.TrainingNeed),
        "claim_statuses": models.ClaimStatus.choices,
    }
    return render(request, "training/home.html", context)


def _template(columns: Any, name: str, title: Any) -> HttpResponse:
    response = HttpResponse(forms.template_xlsx(columns, str(title)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    """A blank roster workbook with the Chinese headers."""
    return _template(forms.ROSTER_COLUMNS, "roster-template.xlsx", _("Real-name roster"))


@login_required
@require_GET
def catalog_template(request: HttpRequest) -> HttpResponse:
    """A blank catalog workbook with the Chinese headers."""
    return _template(forms.CATALOG_COLUMNS, "catalog-template.xlsx", _("Subsidy catalog"))
