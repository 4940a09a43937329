"""Honours pages: the registers of calls for nominations, nominations, honours, entitlements, enterprise
recognitions, award applications and instalments (``core.pages``), and the public pages of published
lists (公示), results and recognised enterprises."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from gongjiang.core.pages import Action, Field, Register, Step, user_name
from gongjiang.core.pii import mask_name
from gongjiang.core.scope import allowed, can, restrict
from gongjiang.honours import filtersets, forms, models, selectors, services, tables
from gongjiang.policy.selectors import clause_citation, policy_set_title
from gongjiang.reference.selectors import region_label
from gongjiang.registry.choosing import takes_own_organisation
from gongjiang.registry.models import Organisation, Person
from gongjiang.registry.selectors import find_person_by_id_number
from gongjiang.training.models import PaymentLine, fen_to_yuan

CallStatus = models.CallStatus


def _registered(id_number: str, name: str) -> Person:
    person = find_person_by_id_number(id_number)
    if person is None or person.name != (name or "").strip():
        raise ValidationError({"id_number": _("No person with this ID number and name is in the registry.")})
    return person


def _organisation(actor: Any, chosen: Organisation | None) -> Organisation | None:
    """An enterprise user acts for its own organisation; an officer names one in scope (the form's field,
    which offers only those, and which an organisation user is not shown)."""
    if takes_own_organisation(actor):
        return actor.organisation
    return chosen


def _yuan(fen: int | None) -> str:
    return "—" if fen is None else fen_to_yuan(int(fen))


# ---- calls for nominations ---------------------------------------------------------------------------


class HonoursRegister(Register):
    """The honours registers share a row of tabs. Their forms naming an enterprise (``forms.EnterpriseForm``)
    are bound to the user, create forms and record actions alike, before they are shown or validated."""

    list_template = "honours/register_list.html"
    detail_template = "honours/register_detail.html"

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        form = self.edit_form if obj is not None else self.create_form
        return {"user": request.user} if form is not None and issubclass(form, forms.EnterpriseForm) else {}


class CallRegister(HonoursRegister):
    """Calls for nominations: drafted and opened by the bureau, nominated to by enterprises, reviewed, put
    under objection (公示) and decided."""

    namespace = "honours"
    model = models.HonourCall
    path = "calls"
    name = "call"
    table = tables.CallTable
    filterset = filtersets.CallFilter
    related = ("min_level",)
    create_form = forms.CallForm
    detail_template = "honours/call_detail.html"
    add_label = _l("Issue a call for nominations")
    ordering = ("-year", "-id")
    fields = (
        "title",
        "kind",
        "level",
        Field(_l("Region"), lambda c: region_label(c.region_code)),
        "year",
        "quota",
        Field(_l("Lowest skill level"), lambda c: c.min_level or "—"),
        "local_only",
        "criteria",
        "closes",
        "term_years",
        "award_rule",
        "public",
        Field(_l("Source clause"), lambda c: clause_citation(c.clause) if c.clause else "—"),
        "status",
        "publicity_until",
        "decided_on",
    )
    steps = (
        Step(
            "open",
            _l("Open for nominations"),
            lambda actor, obj: services.honour_call_open(actor=actor, call=obj),
            when=lambda c: c.status == CallStatus.DRAFT,
            done=_l("The call is open for nominations."),
            danger=False,
        ),
        Step(
            "close",
            _l("Close nominations and review"),
            lambda actor, obj: services.honour_call_close(actor=actor, call=obj),
            when=lambda c: c.status == CallStatus.OPEN,
            confirm=_l("No more nominations are taken."),
            done=_l("Nominations are closed."),
            danger=False,
        ),
        Step(
            "publish",
            _l("Put under objection (公示)"),
            lambda actor, obj, until: services.honour_call_publish(actor=actor, call=obj, until=until),
            form=forms.PublishForm,
            when=lambda c: c.status == CallStatus.REVIEW,
            confirm=_l("The nominees who passed review are listed publicly, their names masked."),
            done=_l("The list is published for objections."),
            danger=False,
        ),
        Step(
            "decide",
            _l("Decide the honours"),
            lambda actor, obj, decided_on: services.honour_call_decide(actor=actor, call=obj, decided_on=decided_on),
            form=forms.DecideCallForm,
            when=lambda c: c.status == CallStatus.PUBLICITY,
            confirm=_l(
                "Each listed nominee receives the honour; where the call pays an award it is priced by the policy "
                "engine and its yearly instalments are scheduled. This cannot be undone."
            ),
            done=_l("The honours are decided."),
        ),
    )
    actions = (
        Action(
            "nominate",
            lambda actor, obj, id_number, name, statement, bank_name, bank_account, organisation=None: (
                services.nomination_submit(
                    actor=actor,
                    call=obj,
                    person=_registered(id_number, name),
                    organisation=_organisation(actor, organisation),  # type: ignore[arg-type]
                    statement=statement,
                    bank_name=bank_name,
                    bank_account=bank_account,
                )
            ),
            form=forms.NominateForm,
            show=lambda user, obj: obj.status == CallStatus.OPEN and can(user, "add", models.Nomination),
            done=_l("The nomination is submitted."),
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", ""), "local_only": True, "public": True}

    def create(self, actor: Any, data: dict[str, Any]) -> models.HonourCall:
        return services.honour_call_create(
            actor=actor,
            title=data["title"],
            kind=data["kind"],
            level=data["level"],
            region_code=data["region_code"],
            year=data["year"],
            quota=data["quota"],
            closes=data["closes"],
            min_level_code=data.get("min_level") or "",
            local_only=bool(data.get("local_only")),
            criteria=data.get("criteria") or "",
            term_years=data.get("term_years") or 0,
            award_rule=data.get("award_rule") or "",
            public=bool(data.get("public")),
            clause=data.get("clause") or "",
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        nominations = restrict(obj.nominations.select_related("person", "organisation", "call"), request.user)
        return {
            "nominations": tables.NominationTable(nominations.order_by("pk"), exclude=("call",)),
            "count": nominations.count(),
        }


class NominationRegister(HonoursRegister):
    namespace = "honours"
    model = models.Nomination
    path = "nominations"
    name = "nomination"
    table = tables.NominationTable
    filterset = filtersets.NominationFilter
    related = ("person", "organisation", "call")
    fields = (
        Field(_l("Call"), lambda n: n.call),
        Field(_l("Nominee"), lambda n: mask_name(n.person.name)),
        Field(_l("Nominated by"), lambda n: n.organisation),
        "statement",
        "bank_name",
        "status",
        "comment",
        Field(_l("Submitted at"), lambda n: n.created),
    )
    steps = (
        Step(
            "shortlist",
            _l("Pass review"),
            lambda actor, obj, comment: services.nomination_shortlist(actor=actor, nomination=obj, comment=comment),
            form=forms.CommentForm,
            when=lambda n: n.status == models.NominationStatus.SUBMITTED and n.call.status == CallStatus.REVIEW,
            done=_l("The nomination passed review."),
            danger=False,
        ),
        Step(
            "reject",
            _l("Not pass"),
            lambda actor, obj, comment: services.nomination_reject(actor=actor, nomination=obj, comment=comment),
            form=forms.CommentForm,
            when=lambda n: n.status == models.NominationStatus.SUBMITTED and n.call.status == CallStatus.REVIEW,
            done=_l("The nomination did not pass review."),
        ),
        Step(
            "withdraw",
            _l("Withdraw"),
            lambda actor, obj: services.nomination_withdraw(actor=actor, nomination=obj),
            when=lambda n: n.status == models.NominationStatus.SUBMITTED,
            confirm=_l("The nomination is withdrawn."),
            done=_l("The nomination is withdrawn."),
        ),
    )

    def object_title(self, obj: Any) -> str:
        return _("Nomination #%(pk)s") % {"pk": obj.pk}


# ---- honours and entitlements ------------------------------------------------------------------------


class HonourRegister(HonoursRegister):
    namespace = "honours"
    model = models.Honour
    path = "held"
    name = "honour"
    table = tables.HonourTable
    filterset = filtersets.HonourFilter
    related = ("person", "organisation", "call")
    create_form = forms.HonourForm
    detail_template = "honours/honour_detail.html"
    add_label = _l("Record an honour")
    fields = (
        "title",
        Field(_l("Holder"), lambda h: mask_name(h.person.name)),
        "kind",
        "level",
        Field(_l("Region"), lambda h: region_label(h.region_code)),
        Field(_l("Nominated by"), lambda h: h.organisation),
        Field(_l("Call"), lambda h: h.call),
        "awarded_on",
        "term_start",
        "term_end",
        "public",
        "status",
        "ended_on",
        "end_reason",
        Field(_l("Source clause"), lambda h: clause_citation(h.clause) if h.clause else "—"),
    )
    steps = (
        Step(
            "revoke",
            _l("Revoke"),
            lambda actor, obj, reason: services.honour_revoke(actor=actor, honour=obj, reason=reason),
            form=forms.ReasonForm,
            when=lambda h: h.status == models.HonourStatus.ACTIVE,
            confirm=_l("Its entitlements expire and the award's instalments not yet paid stop."),
            done=_l("The honour is revoked."),
        ),
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.Honour:
        return services.honour_record(
            actor=actor,
            person=_registered(data["id_number"], data["name"]),
            kind=data["kind"],
            level=data["level"],
            title=data["title"],
            region_code=data["region_code"],
            awarded_on=data["awarded_on"],
            term_end=data.get("term_end"),
            public=bool(data.get("public")),
        )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", ""), "public": True}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        return {
            "entitlements": tables.EntitlementTable(restrict(obj.entitlements.all(), user), exclude=("honour",)),
            "awards": tables.AwardTable(restrict(obj.awards.select_related("person", "organisation"), user)),
        }


class EntitlementRegister(HonoursRegister):
    namespace = "honours"
    model = models.Entitlement
    path = "entitlements"
    name = "entitlement"
    table = tables.EntitlementTable
    filterset = filtersets.EntitlementFilter
    related = ("honour",)
    fields = (
        Field(_l("Honour"), lambda e: e.honour),
        "service",
        "clause",
        "state",
        "granted_on",
        "valid_until",
        "used_on",
        "note",
    )
    steps = (
        Step(
            "use",
            _l("Record use"),
            lambda actor, obj, used_on, note: services.entitlement_use(
                actor=actor, entitlement=obj, used_on=used_on, note=note
            ),
            form=forms.UseForm,
            when=lambda e: e.state == models.EntitlementState.GRANTED,
            done=_l("The use is recorded."),
            danger=False,
        ),
    )


class RecognitionRegister(HonoursRegister):
    namespace = "honours"
    model = models.Recognition
    path = "recognitions"
    name = "recognition"
    table = tables.RecognitionTable
    filterset = filtersets.RecognitionFilter
    related = ("organisation",)
    create_form = forms.RecognitionForm
    add_label = _l("Recognise an enterprise")
    fields = (
        Field(_l("Enterprise"), lambda r: r.organisation),
        "kind",
        "title",
        "year",
        Field(_l("Region"), lambda r: region_label(r.region_code)),
        "as_of",
        "employees",
        "high_skilled",
        Field(_l("High-skilled share"), lambda r: r.share_percent),
        "clause",
        "public",
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.Recognition:
        organisation = _organisation(actor, data.get("organisation"))
        assert organisation is not None  # the field is required where the account gives none
        return services.recognition_create(
            actor=actor,
            organisation=organisation,
            kind=data["kind"],
            year=data["year"],
            as_of=data["as_of"],
            title=data.get("title") or "",
        )


# ---- awards ------------------------------------------------------------------------------------------


def _decidable(application: Any) -> bool:
    return application.status == models.AwardStatus.SUBMITTED and application.stage < len(application.stages)


class AwardRegister(HonoursRegister):
    """Award applications: entered by an enterprise (or by the bureau for a person), priced by the policy
    engine, reviewed stage by stage; approved awards are paid in instalments through the payment batches."""

    namespace = "honours"
    model = models.AwardApplication
    path = "awards"
    name = "award"
    table = tables.AwardTable
    filterset = filtersets.AwardFilter
    related = ("person", "organisation", "honour")
    create_form = forms.AwardForm
    detail_template = "honours/award_detail.html"
    add_label = _l("Apply for an award")
    fields = (
        "rule",
        Field(_l("Person"), lambda a: mask_name(a.person.name)),
        Field(_l("Enterprise"), lambda a: a.organisation),
        Field(_l("Honour"), lambda a: a.honour),
        Field(_l("Region"), lambda a: region_label(a.region_code)),
        "event_date",
        Field(
            _l("Paid to"), lambda a: {"person": _("the person"), "organisation": _("the enterprise")}.get(a.payee, "—")
        ),
        "bank_name",
        Field(_l("Bank account"), lambda a: a.bank_account_masked),
        "eligible",
        Field(_l("Amount (yuan)"), lambda a: _yuan(a.amount_fen)),
        "instalments",
        Field(_l("Each instalment (yuan)"), lambda a: _yuan(a.instalment_fen)),
        "status",
        Field(_l("Current stage"), lambda a: f"{a.stage} / {len(a.stages)}"),
        "stop_reason",
    )
    steps = (
        Step(
            "decide",
            _l("Decide this stage"),
            lambda actor, obj, decision, comment: services.award_decide(
                actor=actor, application=obj, decision=decision, comment=comment
            ),
            form=forms.DecisionForm,
            when=_decidable,
            done=_l("The decision is recorded."),
            danger=False,
        ),
        Step(
            "stop",
            _l("Stop the award"),
            lambda actor, obj, reason: services.award_stop(actor=actor, application=obj, reason=reason),
            form=forms.ReasonForm,
            when=lambda a: a.status == models.AwardStatus.APPROVED,
            confirm=_l("Instalments not yet in a payment batch stop; what was paid stays paid."),
            done=_l("The award is stopped."),
        ),
    )

    def object_title(self, obj: Any) -> str:
        return _("Award application #%(pk)s") % {"pk": obj.pk}

    def create(self, actor: Any, data: dict[str, Any]) -> models.AwardApplication:
        requested = data.get("requested")
        return services.award_apply(
            actor=actor,
            rule=data["rule"],
            person=_registered(data["id_number"], data["name"]),
            organisation=_organisation(actor, data.get("organisation")),
            event_date=data["event_date"],
            level_code=data.get("level") or "",
            talent_title=data.get("talent_title") or "",
            shortage=bool(data.get("shortage")),
            work_start=data.get("work_start"),
            requested_fen=int(Decimal(requested) * 100) if requested else None,
            bank_name=data.get("bank_name") or "",
            bank_account=data["bank_account"],
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        user = request.user
        instalments = restrict(obj.instalment_set.all(), user)
        reviews = list(restrict(obj.reviews.select_related("reviewer"), user))
        for review in reviews:  # by the reviewer's name, as the change history shows them, not by login name
            review.reviewer_name = user_name(review.reviewer)
        return {
            "reviews": reviews,
            "policy_title": policy_set_title(obj.policy_set, obj.policy_version) if obj.policy_set else "",
            "clause_citations": [clause_citation(c) for c in obj.clauses or ()],
            "instalments": tables.InstalmentTable(
                instalments.select_related("application__person"), exclude=("application",)
            ),
        }


class InstalmentRegister(HonoursRegister):
    namespace = "honours"
    model = models.AwardInstalment
    path = "instalments"
    name = "instalment"
    table = tables.InstalmentTable
    filterset = filtersets.InstalmentFilter
    related = ("application__person",)
    ordering = ("due_on", "id")
    detail_template = "honours/instalment_detail.html"
    fields = (
        Field(_l("Award"), lambda i: i.application),
        Field(_l("Person"), lambda i: mask_name(i.application.person.name)),
        "year_no",
        "due_on",
        Field(_l("Amount (yuan)"), lambda i: _yuan(i.amount_fen)),
        "status",
        "stop_reason",
    )
    actions = (
        Action(
            "release",
            lambda actor: services.instalments_release(actor=actor, region_code=actor.region_code),
            label=_l("Release the instalments due"),
            show=lambda user, obj: (
                bool(getattr(user, "region_code", ""))
                and allowed(user, "change", models.AwardApplication, region_code=user.region_code)
            ),
            done=lambda result: (
                _("%(n)d instalments released for payment, %(s)d stopped.") % {"n": result[0], "s": result[1]}
            ),
            on_list=True,
        ),
    )

    def object_title(self, obj: Any) -> str:
        return _("Instalment #%(pk)s") % {"pk": obj.pk}

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        line = PaymentLine.objects.filter(kind="award", source_id=obj.pk).select_related("batch").first()
        return {"line": line if line is not None and can(request.user, "view", type(line.batch)) else None}


CALLS = CallRegister()
REGISTERS = (
    CALLS,
    NominationRegister(),
    HonourRegister(),
    EntitlementRegister(),
    RecognitionRegister(),
    AwardRegister(),
    InstalmentRegister(),
)


# ---- public pages ------------------------------------------------------------------------------------


@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    """Published honour lists: those under objection (公示) and the results, and recognised enterprises."""
    calls = list(selectors.published_calls())
    return render(
        request,
        "honours/public_index.html",
        {
            "publicity": [c for c in calls if c.status == CallStatus.PUBLICITY],
            "results": [c for c in calls if c.status == CallStatus.DECIDED],
            "recognitions": selectors.public_recognitions()[:200],
            "honours": selectors.public_honours(),
        },
    )


@require_GET
def public_call(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(selectors.published_calls(), pk=pk)
    if call.status not in (CallStatus.PUBLICITY, CallStatus.DECIDED):
        raise Http404
    return render(
        request,
        "honours/public_call.html",
        {"call": call, "rows": selectors.public_rows(call), "region": region_label(call.region_code)},
    )
