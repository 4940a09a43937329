"""Honours services: calls for nominations (quota and criteria), nominations by enterprises, review, 公示
and the decision that records the honours and their awards; entitlements; enterprise recognitions; award
applications priced by the policy engine and reviewed in stages; instalments released for payment and
stopped at the end of the term or of the conditions.

Limits under concurrent decisions. Every decision that could exceed a quota or a per-person limit takes
row locks first, in one order: the call (and the region's other calls of the same award and year), then
the person. A second decision waits for the first and then sees its result (on PostgreSQL); the engine is
given the awards already approved as history, so its ``max_per_person``, ``cap_per_person`` and
``quota_per_region_year`` hold across applications and years. The database refuses a second approved
once-only award of a person (``honours_award_once``) and a second line for one instalment
(``training_line_source_once``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.plausible import check_name
from gongjiang.core.scope import authorize
from gongjiang.honours import pricing, rules
from gongjiang.honours.models import (
    AwardApplication,
    AwardInstalment,
    AwardReview,
    AwardRule,
    AwardStatus,
    CallStatus,
    Entitlement,
    EntitlementState,
    Honour,
    HonourCall,
    HonourKind,
    HonourLevel,
    HonourStatus,
    InstalmentStatus,
    Nomination,
    NominationStatus,
    Recognition,
    RecognitionKind,
    Service,
)
from gongjiang.honours.selectors import high_skilled_share, highest_level, works_in
from gongjiang.reference.regions import scope_prefix
from gongjiang.reference.selectors import level_by_code, validate_region_code
from gongjiang.registry.models import Organisation, Person

# The services that come with an honour, and the clause that gives them (苏政办发〔2024〕37号 (十八)).
ENTITLEMENTS: dict[str, tuple[str, ...]] = {
    HonourKind.JIANGSU_CRAFTSMAN: ("settlement", "health_check", "rest_leave", "service_card"),
    HonourKind.JIANGSU_MASTER: ("settlement", "health_check", "rest_leave", "service_card"),
    HonourKind.TECHNICAL_EXPERT: ("health_check", "service_card"),
    HonourKind.LONGCHENG: ("health_check", "rest_leave"),
    HonourKind.GUSU: ("settlement", "service_card"),
    HonourKind.OUTSTANDING: ("health_check",),
    HonourKind.SPECIAL_ALLOWANCE: (),
}
ENTITLEMENT_CLAUSE = "苏政办发〔2024〕37号 (十八)"
RECOGNITION_CLAUSES = {
    RecognitionKind.SKILL_ENTERPRISE: "苏政办发〔2024〕37号 (六)",
    RecognitionKind.CHALLENGE: "苏政办发〔2024〕37号 (十)",
}
# Rules an enterprise or a person applies for directly; the outstanding-talent award comes only from a
# decided call (its yearly quota is the call's).
APPLIED_RULES = (AwardRule.TALENT_INTRODUCTION, AwardRule.FIRST_YEAR, AwardRule.GUSU_HOUSING)


def _clean_account(value: str) -> str:
    account = "".join(ch for ch in (value or "") if ch not in " -")
    if account and (not account.isascii() or not account.isdigit() or not 8 <= len(account) <= 30):
        raise ValidationError({"bank_account": _("A bank account is 8 to 30 digits.")})
    return account


def _status(obj: Any, *allowed: str, message: str) -> None:
    if obj.status not in allowed:
        raise ValidationError({"status": message})


# ---- calls for nominations ------------------------------------------------------------------------


@transaction.atomic
def honour_call_create(
    *,
    actor: Any,
    title: str,
    kind: str,
    level: str,
    region_code: str,
    year: int,
    quota: int,
    closes: datetime.date,
    min_level_code: str = "",
    local_only: bool = True,
    criteria: str = "",
    term_years: int = 0,
    award_rule: str = "",
    public: bool = True,
    clause: str = "",
) -> HonourCall:
    if kind not in HonourKind.values:
        raise ValidationError({"kind": _("Unknown honour.")})
    if level not in HonourLevel.values:
        raise ValidationError({"level": _("Unknown honour level.")})
    if award_rule and award_rule != AwardRule.OUTSTANDING:
        raise ValidationError({"award_rule": _("A call pays only the outstanding-talent award; apply for others.")})
    if not 1 <= quota <= 10_000:
        raise ValidationError({"quota": _("The quota is between 1 and 10000.")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year such as 2026.")})
    if not 0 <= term_years <= 10:
        raise ValidationError({"term_years": _("The term is 0 to 10 years.")})
    if award_rule and not term_years:
        raise ValidationError({"term_years": _("An award paid yearly needs a term.")})
    call = HonourCall(
        title=check_name(title, field="title"),
        kind=kind,
        level=level,
        region_code=validate_region_code(region_code, field="region_code"),
        year=year,
        quota=quota,
        closes=closes,
        min_level=level_by_code(min_level_code, field="min_level") if min_level_code else None,
        local_only=local_only,
        criteria=(criteria or "").strip(),
        term_years=term_years,
        award_rule=award_rule,
        public=public,
        clause=(clause or "").strip(),
    )
    authorize(actor, "add", call, field="region_code")
    call.full_clean()
    call.save()
    record_change(action="create", instance=call)
    return call


def _locked_call(call: HonourCall) -> HonourCall:
    return HonourCall.objects.select_for_update(of=("self",)).select_related("min_level").get(pk=call.pk)


def _move(call: HonourCall, to: str, **fields: Any) -> HonourCall:
    before = snapshot(call)
    call.status = to
    for name, value in fields.items():
        setattr(call, name, value)
    call.full_clean()
    call.save()
    record_change(action="update", instance=call, before=before)
    return call


@transaction.atomic
def honour_call_open(*, actor: Any, call: HonourCall) -> HonourCall:
    call = _locked_call(call)
    authorize(actor, "open", call)
    _status(call, CallStatus.DRAFT, message=_("Only a draft call can be opened."))
    return _move(call, CallStatus.OPEN)


@transaction.atomic
def honour_call_close(*, actor: Any, call: HonourCall) -> HonourCall:
    """Close nominations and start the review."""
    call = _locked_call(call)
    authorize(actor, "close", call)
    _status(call, CallStatus.OPEN, message=_("Only a call open for nominations can be closed."))
    return _move(call, CallStatus.REVIEW)


@transaction.atomic
def honour_call_publish(*, actor: Any, call: HonourCall, until: datetime.date) -> HonourCall:
    """公示: the nominations that passed review are listed publicly for objections until ``until``."""
    call = _locked_call(call)
    authorize(actor, "publish", call)
    _status(call, CallStatus.REVIEW, message=_("Only a call under review can be put under objection."))
    if call.nominations.filter(status=NominationStatus.SUBMITTED).exists():
        raise ValidationError({"status": _("Review every nomination first.")})
    if not call.nominations.filter(status=NominationStatus.SHORTLISTED).exists():
        raise ValidationError({"status": _("No nomination passed review.")})
    if until < timezone.localdate():
        raise ValidationError({"until": _("The objection period cannot end in the past.")})
    return _move(call, CallStatus.PUBLICITY, publicity_until=until)


def _quota_locks(call: HonourCall) -> None:
    """Lock the region's other calls paying the same award in the same year: their decisions count
    against the engine's yearly quota of the region."""
    if call.award_rule:
        list(
            HonourCall.objects.select_for_update()
            .filter(award_rule=call.award_rule, year=call.year, region_code__startswith=call.region_code[:4])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


@transaction.atomic
def honour_call_decide(*, actor: Any, call: HonourCall, decided_on: datetime.date | None = None) -> list[Honour]:
    """The decision: each nomination that passed review (within the quota) becomes an honour on the
    person, with the entitlements of its kind; where the call pays an award, the award is priced by the
    policy engine, approved with the decision, and its yearly instalments are scheduled."""
    _quota_locks(call)
    call = _locked_call(call)
    authorize(actor, "decide", call)
    _status(call, CallStatus.PUBLICITY, message=_("A call is decided after its objection period."))
    today = timezone.localdate()
    decided_on = decided_on or today
    if call.publicity_until and decided_on < call.publicity_until:
        raise ValidationError({"decided_on": _("The objection period runs until %(d)s.") % {"d": call.publicity_until}})
    if decided_on > today:
        raise ValidationError({"decided_on": _("The decision date cannot be in the future.")})
    chosen = list(
        call.nominations.select_for_update()
        .filter(status=NominationStatus.SHORTLISTED)
        .select_related("person", "organisation")
        .order_by("pk")
    )
    if len(chosen) > call.quota:
        raise ValidationError(
            {"status": _("More nominations passed review than the quota of %(n)d.") % {"n": call.quota}}
        )
    # The term runs from the first day of the call's year (the 2025 outstanding talents are paid for 2025,
    # 2026 and 2027 however late in 2025 they are decided).
    term_start = datetime.date(call.year, 1, 1)
    term_end = datetime.date(call.year + call.term_years - 1, 12, 31) if call.term_years else None
    if term_end is not None and term_end < decided_on:
        raise ValidationError({"decided_on": _("The term of this call ended on %(d)s.") % {"d": term_end}})
    honours = []
    for nomination in chosen:
        Person.objects.select_for_update().filter(pk=nomination.person_id).first()
        honour = Honour(
            person=nomination.person,
            kind=call.kind,
            level=call.level,
            title=call.title,
            region_code=call.region_code,
            organisation=nomination.organisation,
            call=call,
            awarded_on=decided_on,
            term_start=term_start,
            term_end=term_end,
            public=call.public,
            clause=call.clause,
        )
        honour.full_clean(validate_constraints=False)
        honour.save()
        record_change(action="create", instance=honour)
        _grant_entitlements(honour)
        if call.award_rule:
            level = highest_level(nomination.person, decided_on)
            application = AwardApplication(
                rule=call.award_rule,
                region_code=call.region_code,
                person=nomination.person,
                organisation=nomination.organisation,
                honour=honour,
                event_date=term_start,
                level=level.code if level else "",
                payee="person",
                bank_name=nomination.bank_name,
                bank_account_enc=nomination.bank_account_enc,
                stages=[],
            )
            priced = _apply_price(application)
            if not priced.eligible:
                raise ValidationError(
                    {
                        "status": _("%(name)s: the award is refused (%(reason)s).")
                        % {"name": pii.mask_name(nomination.person.name), "reason": priced.trace or priced.reason}
                    }
                )
            application.status = AwardStatus.APPROVED
            application.decided_at = timezone.now()
            application.full_clean(validate_constraints=False)
            application.save()
            record_change(action="create", instance=application)
            _schedule(application, term_start)
        before = snapshot(nomination)
        nomination.status = NominationStatus.AWARDED
        nomination.save()
        record_change(action="update", instance=nomination, before=before)
        honours.append(honour)
    _move(call, CallStatus.DECIDED, decided_on=decided_on)
    return honours


def _grant_entitlements(honour: Honour) -> None:
    rows = [
        Entitlement(
            honour=honour,
            service=service,
            clause=ENTITLEMENT_CLAUSE,
            granted_on=honour.awarded_on,
            valid_until=honour.term_end,
        )
        for service in ENTITLEMENTS.get(honour.kind, ())
    ]
    if rows:
        Entitlement.objects.bulk_create(rows)
        record_set(model=Entitlement, count=len(rows), detail={"honour": honour.pk}, region_code=honour.region_code)


# ---- nominations ------------------------------------------------------------------------------------


@transaction.atomic
def nomination_submit(
    *,
    actor: Any,
    call: HonourCall,
    person: Person,
    organisation: Organisation,
    statement: str = "",
    bank_name: str = "",
    bank_account: str = "",
) -> Nomination:
    """An enterprise nominates one of its workers; the call's criteria are checked as of today."""
    call = _locked_call(call)
    nomination = Nomination(call=call, person=person, organisation=organisation, statement=(statement or "").strip())
    authorize(actor, "add", nomination)
    _status(call, CallStatus.OPEN, message=_("The call is not open for nominations."))
    today = timezone.localdate()
    if today > call.closes:
        raise ValidationError({"status": _("Nominations closed on %(d)s.") % {"d": call.closes}})
    if not works_in(person, call.region_code, today, organisation):
        raise ValidationError({"id_number": _("The person does not work for the nominating enterprise in the region.")})
    if call.min_level is not None:
        level = highest_level(person, today)
        if level is None or level.rank < call.min_level.rank:
            raise ValidationError(
                {
                    "id_number": _("The call asks for %(level)s or above; the person holds no such certificate.")
                    % {"level": call.min_level}
                }
            )
    if call.local_only and not (
        person.residence_region_code.startswith(scope_prefix(call.region_code))
        or works_in(person, call.region_code, today)
    ):
        raise ValidationError({"id_number": _("The call is for local workers only.")})
    if call.nominations.filter(person=person).exists():
        raise ValidationError({"id_number": _("The person is already nominated to this call.")})
    account = _clean_account(bank_account)
    if call.award_rule and not account:
        raise ValidationError({"bank_account": _("The award is paid to the nominee's bank account: enter it.")})
    nomination.bank_name = (bank_name or "").strip()
    nomination.bank_account_enc = pii.encrypt(account) if account else ""
    nomination.full_clean(validate_unique=False)
    nomination.save()
    record_change(action="create", instance=nomination)
    return nomination


def _review(actor: Any, nomination: Nomination, step: str, to: str, comment: str) -> Nomination:
    call = _locked_call(nomination.call)
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    authorize(actor, step, nomination)
    _status(call, CallStatus.REVIEW, message=_("Nominations are reviewed after the call closes."))
    _status(nomination, NominationStatus.SUBMITTED, message=_("This nomination is already reviewed."))
    if to == NominationStatus.SHORTLISTED and call.nominations.filter(status=to).count() >= call.quota:
        raise ValidationError({"status": _("The quota of %(n)d is reached.") % {"n": call.quota}})
    before = snapshot(nomination)
    nomination.status, nomination.comment, nomination.reviewed_by = to, (comment or "").strip(), actor
    nomination.save()
    record_change(action="update", instance=nomination, before=before)
    return nomination


@transaction.atomic
def nomination_shortlist(*, actor: Any, nomination: Nomination, comment: str = "") -> Nomination:
    """The nomination passes review; at most the call's quota do."""
    authorize(actor, "shortlist", nomination)
    return _review(actor, nomination, "shortlist", NominationStatus.SHORTLISTED, comment)


@transaction.atomic
def nomination_reject(*, actor: Any, nomination: Nomination, comment: str) -> Nomination:
    authorize(actor, "reject", nomination)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Give the reason.")})
    return _review(actor, nomination, "reject", NominationStatus.REJECTED, comment)


@transaction.atomic
def nomination_withdraw(*, actor: Any, nomination: Nomination) -> Nomination:
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    authorize(actor, "withdraw", nomination)
    _status(nomination, NominationStatus.SUBMITTED, message=_("Only a nomination not yet reviewed can be withdrawn."))
    before = snapshot(nomination)
    nomination.status = NominationStatus.WITHDRAWN
    nomination.save()
    record_change(action="update", instance=nomination, before=before)
    return nomination


# ---- honours and entitlements ----------------------------------------------------------------------


@transaction.atomic
def honour_record(
    *,
    actor: Any,
    person: Person,
    kind: str,
    level: str,
    title: str,
    region_code: str,
    awarded_on: datetime.date,
    term_end: datetime.date | None = None,
    public: bool = True,
    clause: str = "",
) -> Honour:
    """Record an honour decided elsewhere (a national 技术能手, a provincial 江苏大工匠) on the person."""
    honour = Honour(
        person=person,
        kind=kind,
        level=level,
        title=check_name(title, field="title"),
        region_code=validate_region_code(region_code, field="region_code"),
        awarded_on=awarded_on,
        term_start=awarded_on,
        term_end=term_end,
        public=public,
        clause=(clause or "").strip(),
    )
    authorize(actor, "add", honour, field="region_code")
    if awarded_on > timezone.localdate():
        raise ValidationError({"awarded_on": _("The date cannot be in the future.")})
    honour.full_clean()
    honour.save()
    record_change(action="create", instance=honour)
    _grant_entitlements(honour)
    return honour


@transaction.atomic
def honour_revoke(*, actor: Any, honour: Honour, reason: str, on: datetime.date | None = None) -> Honour:
    """Revoke an honour: its entitlements expire and the instalments of its awards not yet paid stop."""
    honour = Honour.objects.select_for_update().get(pk=honour.pk)
    authorize(actor, "revoke", honour)
    _status(honour, HonourStatus.ACTIVE, message=_("Only a held honour can be revoked."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason.")})
    before = snapshot(honour)
    honour.status, honour.ended_on, honour.end_reason = HonourStatus.REVOKED, on or timezone.localdate(), reason.strip()
    honour.save()
    record_change(action="update", instance=honour, before=before)
    expired = honour.entitlements.filter(state=EntitlementState.GRANTED).update(state=EntitlementState.EXPIRED)
    if expired:
        record_set(
            action=ChangeRecord.Action.UPDATE,
            model=Entitlement,
            count=expired,
            detail={"honour": honour.pk, "state": EntitlementState.EXPIRED.value},
            region_code=honour.region_code,
        )
    _stop_instalments(
        AwardInstalment.objects.filter(application__honour=honour), _("The honour was revoked."), honour.region_code
    )
    return honour


@transaction.atomic
def entitlement_use(*, actor: Any, entitlement: Entitlement, used_on: datetime.date, note: str = "") -> Entitlement:
    """Record the use of a service that comes with an honour (a health check taken, a card issued)."""
    entitlement = Entitlement.objects.select_for_update().select_related("honour").get(pk=entitlement.pk)
    authorize(actor, "use", entitlement)
    if entitlement.state != EntitlementState.GRANTED:
        raise ValidationError({"state": _("This entitlement is not open for use.")})
    if entitlement.honour.status != HonourStatus.ACTIVE:
        raise ValidationError({"state": _("The honour is no longer held.")})
    if used_on > timezone.localdate() or used_on < entitlement.granted_on:
        raise ValidationError({"used_on": _("The date lies outside the entitlement.")})
    if entitlement.valid_until and used_on > entitlement.valid_until:
        raise ValidationError({"used_on": _("The entitlement ended on %(d)s.") % {"d": entitlement.valid_until}})
    before = snapshot(entitlement)
    entitlement.state, entitlement.used_on, entitlement.note = EntitlementState.USED, used_on, (note or "").strip()
    entitlement.save()
    record_change(action="update", instance=entitlement, before=before)
    return entitlement


# ---- enterprise recognitions --------------------------------------------------------------------------


@transaction.atomic
def recognition_create(
    *, actor: Any, organisation: Organisation, kind: str, year: int, as_of: datetime.date, title: str = ""
) -> Recognition:
    if kind not in RecognitionKind.values:
        raise ValidationError({"kind": _("Unknown recognition.")})
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("The date cannot be in the future.")})
    employees, high = high_skilled_share(organisation, as_of)
    recognition = Recognition(
        organisation=organisation,
        kind=kind,
        region_code=organisation.region_code,
        year=year,
        title=(title or "").strip(),
        as_of=as_of,
        employees=employees,
        high_skilled=high,
        clause=RECOGNITION_CLAUSES[RecognitionKind(kind)],
    )
    authorize(actor, "add", recognition)
    if Recognition.objects.filter(organisation=organisation, kind=kind, year=year).exists():
        raise ValidationError({"organisation": _("The enterprise is already recognised so this year.")})
    recognition.full_clean()
    recognition.save()
    record_change(action="create", instance=recognition)
    return recognition


# ---- award applications ------------------------------------------------------------------------------


def _apply_price(application: AwardApplication) -> pricing.Priced:
    priced = pricing.price(application)
    application.policy_set = priced.policy_set
    application.policy_version = priced.policy_version
    application.eligible = priced.eligible
    application.reason = priced.reason
    application.amount_fen = priced.amount_fen if priced.eligible else 0
    application.instalments = priced.instalments
    application.instalment_fen = priced.instalment_fen if priced.eligible else 0
    application.trace = priced.trace
    application.clauses = priced.clauses
    if priced.payee:
        application.payee = priced.payee
    return priced


@transaction.atomic
def award_apply(
    *,
    actor: Any,
    rule: str,
    person: Person,
    event_date: datetime.date,
    organisation: Organisation | None = None,
    region_code: str = "",
    level_code: str = "",
    talent_title: str = "",
    shortage: bool = False,
    work_start: datetime.date | None = None,
    requested_fen: int | None = None,
    bank_name: str = "",
    bank_account: str = "",
) -> AwardApplication:
    """An application (by an enterprise, or entered for a person) priced by the engine with its trace. An
    application the engine refuses is kept as not eligible, with the reason; others go to review."""
    if rule not in APPLIED_RULES:
        raise ValidationError(
            {"rule": _("Choose the introduction award, the first-year award or the housing subsidy.")}
        )
    region = region_code or (organisation.region_code if organisation else person.residence_region_code)
    if event_date > timezone.localdate():
        raise ValidationError({"event_date": _("The date cannot be in the future.")})
    if rule == AwardRule.FIRST_YEAR and work_start is None:
        raise ValidationError({"work_start": _("Give the first day of local work.")})
    if rule == AwardRule.GUSU_HOUSING and not requested_fen:
        raise ValidationError({"requested": _("Give the amount requested.")})
    if rule == AwardRule.TALENT_INTRODUCTION and organisation is None:
        raise ValidationError({"organisation": _("The introducing enterprise applies.")})
    level = level_code or ""
    if not level:
        held = highest_level(person, event_date)
        level = held.code if held else ""
    account = _clean_account(bank_account)
    if not account:
        raise ValidationError({"bank_account": _("Enter the account the award is paid to.")})
    application = AwardApplication(
        rule=rule,
        region_code=validate_region_code(region, field="region_code"),
        person=person,
        organisation=organisation,
        event_date=event_date,
        level=level,
        talent_title=talent_title,
        shortage=shortage,
        work_start=work_start,
        requested_fen=requested_fen,
        bank_name=(bank_name or "").strip(),
        bank_account_enc=pii.encrypt(account),
    )
    authorize(actor, "add", application)
    if AwardApplication.objects.filter(
        person=person, rule=rule, status=AwardStatus.SUBMITTED, event_date=event_date
    ).exists():
        raise ValidationError({"id_number": _("The same application is already under review.")})
    priced = _apply_price(application)
    application.stages = rules.default_stages(application.region_code)
    application.status = AwardStatus.SUBMITTED if priced.eligible else AwardStatus.INELIGIBLE
    application.full_clean(validate_constraints=False)
    application.save()
    record_change(action="create", instance=application)
    return application


def _schedule(application: AwardApplication, start: datetime.date) -> list[AwardInstalment]:
    rows = [
        AwardInstalment(application=application, year_no=year, due_on=due, amount_fen=amount)
        for year, due, amount in pricing.schedule(
            start=start,
            instalments=application.instalments,
            amount_fen=application.amount_fen,
            each_fen=application.instalment_fen or application.amount_fen,
        )
    ]
    AwardInstalment.objects.bulk_create(rows)
    record_set(
        model=AwardInstalment,
        count=len(rows),
        detail={"award": application.pk, "total_fen": application.amount_fen},
        region_code=application.region_code,
    )
    return rows


@transaction.atomic
def award_decide(*, actor: Any, application: AwardApplication, decision: str, comment: str = "") -> AwardApplication:
    """One review stage. The last stage's approval prices the application again, under the person's lock
    and with every award approved meanwhile as history, so the engine's per-person limits and quotas
    hold; it then schedules the instalments from the decision date."""
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": _("Approve or reject.")})
    Person.objects.select_for_update().filter(pk=application.person_id).first()
    application = AwardApplication.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "decide", application)
    _status(application, AwardStatus.SUBMITTED, message=_("This application is not under review."))
    if application.stage >= len(application.stages):
        raise ValidationError({"status": _("Every stage is decided.")})
    if decision == "reject" and not (comment or "").strip():
        raise ValidationError({"comment": _("Give the reason.")})
    review = AwardReview(
        application=application,
        stage=application.stage,
        stage_level=application.stages[application.stage],
        reviewer=actor,
        decision=decision,
        comment=(comment or "").strip(),
    )
    review.save()
    record_change(action="create", instance=review)
    before = snapshot(application)
    if decision == "reject":
        application.status = AwardStatus.REJECTED
        application.decided_at = timezone.now()
    else:
        application.stage += 1
        if application.stage == len(application.stages):
            priced = _apply_price(application)
            application.decided_at = timezone.now()
            application.status = AwardStatus.APPROVED if priced.eligible else AwardStatus.INELIGIBLE
    application.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        # Another decision gave the same once-only award meanwhile (honours_award_once).
        raise ValidationError({"status": _("This award was already given to the person.")}) from None
    record_change(action="update", instance=application, before=before)
    if application.status == AwardStatus.APPROVED:
        _schedule(application, timezone.localdate())
    return application


def _stop_instalments(instalments: Any, reason: str, region_code: str) -> int:
    stopped = instalments.filter(status__in=(InstalmentStatus.SCHEDULED, InstalmentStatus.DUE)).update(
        status=InstalmentStatus.STOPPED, stop_reason=reason[:200]
    )
    if stopped:
        record_set(
            action=ChangeRecord.Action.UPDATE,
            model=AwardInstalment,
            count=stopped,
            detail={"status": InstalmentStatus.STOPPED.value},
            region_code=region_code,
        )
    return stopped


@transaction.atomic
def award_stop(*, actor: Any, application: AwardApplication, reason: str) -> AwardApplication:
    """The award's conditions ended (the person left the region, say): instalments not yet in a batch stop;
    what was paid stays paid."""
    application = AwardApplication.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "stop", application)
    _status(application, AwardStatus.APPROVED, message=_("Only an approved award can be stopped."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason.")})
    before = snapshot(application)
    application.status, application.stop_reason = AwardStatus.STOPPED, reason.strip()
    application.save()
    record_change(action="update", instance=application, before=before)
    _stop_instalments(application.instalment_set.all(), reason.strip(), application.region_code)
    return application


@transaction.atomic
def instalments_release(*, actor: Any, region_code: str, as_of: datetime.date | None = None) -> tuple[int, int]:
    """Release the region's instalments falling due by ``as_of`` for payment, and stop those whose term or
    conditions ended: an instalment due after its honour's term, of a revoked or ended honour, or of a
    person no longer working in the award's region. Honours whose term ended before ``as_of`` are marked
    ended and their entitlements expire. Returns (released, stopped)."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "change", AwardApplication, region_code=region_code, field="region_code")
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("The date cannot be in the future.")})
    prefix = scope_prefix(region_code)
    pending = list(
        AwardInstalment.objects.select_for_update(of=("self",))
        .filter(status=InstalmentStatus.SCHEDULED, due_on__lte=as_of, application__region_code__startswith=prefix)
        .select_related("application__honour", "application__person")
        .order_by("pk")
    )
    release, stop_term, stop_cond = [], [], []
    for item in pending:
        award = item.application
        honour = award.honour
        if award.status != AwardStatus.APPROVED:
            stop_cond.append(item.pk)
        elif honour is not None and honour.term_end is not None and item.due_on > honour.term_end:
            stop_term.append(item.pk)
        elif honour is not None and honour.status != HonourStatus.ACTIVE:
            stop_cond.append(item.pk)
        elif item.year_no > 1 and not works_in(award.person, award.region_code, item.due_on):
            stop_cond.append(item.pk)
        else:
            release.append(item.pk)
    AwardInstalment.objects.filter(pk__in=release).update(status=InstalmentStatus.DUE)
    if release:
        record_set(
            action=ChangeRecord.Action.UPDATE,
            model=AwardInstalment,
            count=len(release),
            detail={"status": InstalmentStatus.DUE.value, "as_of": as_of.isoformat()},
            region_code=region_code,
        )
    ended = list(
        Honour.objects.filter(
            status=HonourStatus.ACTIVE, term_end__lt=as_of, region_code__startswith=prefix
        ).values_list("pk", flat=True)
    )
    if ended:
        # Honours whose term is over: ended, their services expired.
        Honour.objects.filter(pk__in=ended).update(status=HonourStatus.ENDED, ended_on=as_of)
        record_set(
            action=ChangeRecord.Action.UPDATE,
            model=Honour,
            count=len(ended),
            detail={"status": HonourStatus.ENDED.value, "as_of": as_of.isoformat()},
            region_code=region_code,
        )
        expired = Entitlement.objects.filter(honour_id__in=ended, state=EntitlementState.GRANTED).update(
            state=EntitlementState.EXPIRED
        )
        if expired:
            record_set(
                action=ChangeRecord.Action.UPDATE,
                model=Entitlement,
                count=expired,
                detail={"state": EntitlementState.EXPIRED.value},
                region_code=region_code,
            )
    stopped = _stop_instalments(
        AwardInstalment.objects.filter(pk__in=stop_term), _("The term ended."), region_code
    ) + _stop_instalments(
        AwardInstalment.objects.filter(pk__in=stop_cond), _("The conditions of the award ended."), region_code
    )
    return len(release), stopped


__all__ = ["Service"]
