"""Filing (备案) of evaluation institutions and the bureau's decisions on them.

An organisation files in its own name: its kind, sites, the occupations and levels it asks to evaluate,
its examiners and quality supervisors; it submits; the competent bureau approves (giving the station code
that its certificate numbers carry and the validity period) or returns it with the reason. Later the
bureau suspends, reinstates or withdraws the filing, and grades it each year; every decision is written
with its reason and the clause it rests on, and the public directory shows them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.plausible import check_date
from gongjiang.core.scope import authorize
from gongjiang.credentials.models import Certificate
from gongjiang.evaluation.models import (
    Decision,
    DecisionKind,
    Examiner,
    ExaminerRole,
    FiledScope,
    FilingStatus,
    Grade,
    Inspection,
    Institution,
    InstitutionKind,
    Severity,
    YearGrade,
)
from gongjiang.reference.models import SkillLevel
from gongjiang.reference.selectors import occupation_by_code
from gongjiang.registry.models import Organisation, Person
from gongjiang.registry.services import organisation_update

# The kinds of registry organisation that may file as each kind of institution.
ORGANISATION_KINDS = {
    InstitutionKind.ENTERPRISE: ("enterprise",),
    InstitutionKind.SOCIAL: ("evaluation", "training"),
    InstitutionKind.SCHOOL: ("vocational_school",),
    InstitutionKind.TECHNICIAN_COLLEGE: ("technician_college",),
}
CLAUSE = "苏政办发〔2024〕37号 (十四)"
EDITABLE = (FilingStatus.DRAFT, FilingStatus.REJECTED)
DEFAULT_YEARS = 3


def _locked(institution: Institution) -> Institution:
    return Institution.objects.select_related("organisation").select_for_update(of=("self",)).get(pk=institution.pk)


def _levels(codes: Sequence[str]) -> list[SkillLevel]:
    levels = list(SkillLevel.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {lv.code for lv in levels})
    if unknown:
        raise ValidationError({"levels": _("Unknown skill level %(c)s.") % {"c": ", ".join(unknown)}})
    return levels


def _scope_items(institution: Institution, occupations: Sequence[str], levels: Sequence[str]) -> list[FiledScope]:
    if not occupations:
        raise ValidationError({"occupations": _("Name at least one occupation to evaluate.")})
    if not levels:
        raise ValidationError({"levels": _("Name at least one level to evaluate.")})
    found = [occupation_by_code(code, field="occupations") for code in dict.fromkeys(occupations)]
    return [FiledScope(institution=institution, occupation=o, level=lv) for o in found for lv in _levels(levels)]


def _set_scope(institution: Institution, occupations: Sequence[str], levels: Sequence[str]) -> None:
    items = _scope_items(institution, occupations, levels)
    FiledScope.objects.filter(institution=institution).delete()
    FiledScope.objects.bulk_create(items)
    for item in FiledScope.objects.filter(institution=institution):
        record_change(action="create", instance=item)


def _decide(
    actor: Any, institution: Institution, kind: str, reason: str, clause: str, date: datetime.date | None = None
) -> Decision:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("State the reason for the decision.")})
    decision = Decision(
        institution=institution,
        kind=kind,
        date=date or timezone.localdate(),
        reason=reason[:300],
        clause=(clause or CLAUSE).strip()[:120],
        decided_by=actor if getattr(actor, "pk", None) else None,
    )
    decision.full_clean()
    decision.save()
    record_change(action="create", instance=decision)
    return decision


@transaction.atomic
def institution_file(
    *,
    actor: Any,
    organisation: Organisation,
    kind: str,
    sites: str,
    occupations: Sequence[str],
    levels: Sequence[str],
    contact: str = "",
) -> Institution:
    """A draft filing of ``organisation`` with the occupations × levels it asks to evaluate."""
    if kind not in InstitutionKind.values:
        raise ValidationError({"kind": _("Unknown kind of institution.")})
    if organisation.kind not in ORGANISATION_KINDS[InstitutionKind(kind)]:
        raise ValidationError(
            {"kind": _("A %(o)s cannot file as this kind of institution.") % {"o": organisation.get_kind_display()}}
        )
    institution = Institution(organisation=organisation, kind=kind, sites=(sites or "").strip(), contact=contact)
    authorize(actor, "add", institution)
    if Institution.objects.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("This organisation has already filed; change its filing instead.")})
    if not institution.sites:
        raise ValidationError({"sites": _("Name at least one evaluation site.")})
    institution.full_clean()
    institution.save()
    record_change(action="create", instance=institution)
    _set_scope(institution, occupations, levels)
    return institution


@transaction.atomic
def institution_update(
    *,
    actor: Any,
    institution: Institution,
    sites: str,
    occupations: Sequence[str],
    levels: Sequence[str],
    contact: str = "",
    reason: str = "",
) -> Institution:
    """Change a filing: the organisation while it is a draft or returned; the bureau at any time before
    withdrawal, with the reason (a change of scope of a filed institution is the bureau's decision)."""
    institution = _locked(institution)
    authorize(actor, "change", institution)
    filed = institution.status not in EDITABLE
    if filed and getattr(actor, "role", "officer") == "organisation":
        raise ValidationError({"status": _("A filed institution's scope is changed by the bureau, on request.")})
    if institution.status == FilingStatus.WITHDRAWN:
        raise ValidationError({"status": _("The filing has been withdrawn.")})
    before = snapshot(institution)
    institution.sites = (sites or "").strip()
    institution.contact = contact
    if not institution.sites:
        raise ValidationError({"sites": _("Name at least one evaluation site.")})
    institution.full_clean()
    institution.save()
    record_change(action="update", instance=institution, before=before)
    _set_scope(institution, occupations, levels)
    if filed:
        _decide(actor, institution, DecisionKind.CHANGE, reason, CLAUSE)
    return institution


@transaction.atomic
def examiner_add(
    *,
    actor: Any,
    institution: Institution,
    person: Person,
    role: str,
    qualification: str,
    valid_until: datetime.date,
) -> Examiner:
    examiner = Examiner(
        institution=institution,
        person=person,
        role=role,
        qualification=(qualification or "").strip(),
        valid_until=valid_until,
    )
    authorize(actor, "add", examiner)
    if role not in ExaminerRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not examiner.qualification:
        raise ValidationError({"qualification": _("Give the number of the examiner's own qualification.")})
    if valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("The qualification has expired.")})
    check_date(valid_until, field="valid_until", planned=True)
    if Examiner.objects.filter(institution=institution, person=person, role=role).exists():
        raise ValidationError({"person": _("This person is already listed in this role.")})
    examiner.full_clean()
    examiner.save()
    record_change(action="create", instance=examiner)
    return examiner


@transaction.atomic
def institution_lodge(*, actor: Any, institution: Institution) -> Institution:
    institution = _locked(institution)
    authorize(actor, "lodge", institution)
    if institution.status not in EDITABLE:
        raise ValidationError({"status": _("Only a draft or returned filing can be submitted.")})
    if not institution.scope_items.exists():
        raise ValidationError({"occupations": _("Name at least one occupation and level to evaluate.")})
    today = timezone.localdate()
    roles = set(institution.examiners.filter(valid_until__gte=today).values_list("role", flat=True))
    if ExaminerRole.EXAMINER not in roles or ExaminerRole.SUPERVISOR not in roles:
        raise ValidationError(
            {"examiners": _("List at least one qualified examiner and one quality supervisor before submitting.")}
        )
    before = snapshot(institution)
    institution.status = FilingStatus.SUBMITTED
    institution.submitted_on = today
    institution.save()
    record_change(action="update", instance=institution, before=before)
    return institution


def _next_station_code() -> str:
    top = Institution.objects.filter(station_code__isnull=False).aggregate(m=Max("station_code"))["m"]
    return f"{int(top or '320000') + 1:06d}"


def _set_self_evaluation(actor: Any, institution: Institution, value: bool) -> None:
    org = institution.organisation
    if institution.kind == InstitutionKind.ENTERPRISE and org.self_evaluation != value:
        organisation_update(actor=actor, organisation=org, self_evaluation=value)


@transaction.atomic
def institution_approve(
    *,
    actor: Any,
    institution: Institution,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    reason: str = "",
    clause: str = "",
) -> Institution:
    """File the institution: from ``valid_from`` for three years unless told otherwise, with a station code."""
    institution = _locked(institution)
    authorize(actor, "approve", institution)
    if institution.status != FilingStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted filing can be approved.")})
    check_date(valid_from, field="valid_from", planned=True)
    valid_until = valid_until or valid_from.replace(year=valid_from.year + DEFAULT_YEARS)
    if valid_until <= valid_from:
        raise ValidationError({"valid_until": _("The end of the filing must come after its start.")})
    before = snapshot(institution)
    institution.status = FilingStatus.APPROVED
    institution.valid_from, institution.valid_until = valid_from, valid_until
    institution.decided_on = timezone.localdate()
    institution.decision_reason = (reason or _("The filing meets the conditions.")).strip()[:300]
    if not institution.station_code:
        institution.station_code = _next_station_code()
    try:
        with transaction.atomic():
            institution.save()
    except IntegrityError:
        raise ValidationError({"status": _("Another filing took the same station code at once; try again.")}) from None
    record_change(action="update", instance=institution, before=before)
    _decide(actor, institution, DecisionKind.APPROVE, institution.decision_reason, clause)
    _set_self_evaluation(actor, institution, True)
    return institution


def _status_step(
    *,
    actor: Any,
    institution: Institution,
    step: str,
    from_status: Sequence[str],
    to_status: str,
    kind: str,
    reason: str,
    clause: str,
    refusal: str,
) -> Institution:
    institution = _locked(institution)
    authorize(actor, step, institution)
    if institution.status not in from_status:
        raise ValidationError({"status": refusal})
    before = snapshot(institution)
    institution.status = to_status
    institution.decided_on = timezone.localdate()
    institution.decision_reason = (reason or "").strip()[:300]
    _decide(actor, institution, kind, reason, clause)
    institution.save()
    record_change(action="update", instance=institution, before=before)
    return institution


@transaction.atomic
def institution_reject(*, actor: Any, institution: Institution, reason: str, clause: str = "") -> Institution:
    return _status_step(
        actor=actor,
        institution=institution,
        step="reject",
        from_status=(FilingStatus.SUBMITTED,),
        to_status=FilingStatus.REJECTED,
        kind=DecisionKind.REJECT,
        reason=reason,
        clause=clause,
        refusal=_("Only a submitted filing can be returned."),
    )


@transaction.atomic
def institution_suspend(*, actor: Any, institution: Institution, reason: str, clause: str = "") -> Institution:
    """Suspend a filed institution: it files no plan and issues no certificate until reinstated."""
    return _status_step(
        actor=actor,
        institution=institution,
        step="suspend",
        from_status=(FilingStatus.APPROVED,),
        to_status=FilingStatus.SUSPENDED,
        kind=DecisionKind.SUSPEND,
        reason=reason,
        clause=clause,
        refusal=_("Only a filed institution can be suspended."),
    )


@transaction.atomic
def institution_reinstate(*, actor: Any, institution: Institution, reason: str, clause: str = "") -> Institution:
    return _status_step(
        actor=actor,
        institution=institution,
        step="reinstate",
        from_status=(FilingStatus.SUSPENDED,),
        to_status=FilingStatus.APPROVED,
        kind=DecisionKind.REINSTATE,
        reason=reason,
        clause=clause,
        refusal=_("Only a suspended institution can be reinstated."),
    )


@transaction.atomic
def institution_withdraw(*, actor: Any, institution: Institution, reason: str, clause: str = "") -> Institution:
    """Withdraw the filing for good (取消备案)."""
    withdrawn = _status_step(
        actor=actor,
        institution=institution,
        step="withdraw",
        from_status=(FilingStatus.APPROVED, FilingStatus.SUSPENDED),
        to_status=FilingStatus.WITHDRAWN,
        kind=DecisionKind.WITHDRAW,
        reason=reason,
        clause=clause,
        refusal=_("Only a filed or suspended institution can be withdrawn."),
    )
    _set_self_evaluation(actor, withdrawn, False)
    return withdrawn


@transaction.atomic
def grade_set(*, actor: Any, institution: Institution, year: int, grade: str, note: str = "") -> YearGrade:
    """The institution's grade for a finished year (评估监测); a year with a serious finding is not good."""
    authorize(actor, "grade", institution)
    if grade not in Grade.values:
        raise ValidationError({"grade": _("Unknown grade.")})
    if not 2000 <= year < timezone.localdate().year:
        raise ValidationError({"year": _("Only a finished year can be graded.")})
    if institution.valid_from is None or year < institution.valid_from.year:
        raise ValidationError({"year": _("The institution was not filed in %(y)d.") % {"y": year}})
    serious = Inspection.objects.filter(institution=institution, severity=Severity.SERIOUS, done_on__year=year).exists()
    if serious and grade == Grade.GOOD:
        raise ValidationError({"grade": _("A year with a serious finding cannot be graded good.")})
    if YearGrade.objects.filter(institution=institution, year=year).exists():
        raise ValidationError({"year": _("The year %(y)d is already graded.") % {"y": year}})
    row = YearGrade(institution=institution, year=year, grade=grade, note=(note or "").strip()[:300])
    row.full_clean()
    row.save()
    record_change(action="create", instance=row)
    _decide(actor, institution, DecisionKind.GRADE, f"{year}：{row.get_grade_display()}", CLAUSE)
    return row


def may_issue(institution: Institution, occupation_id: int, level_id: int, on: datetime.date) -> str | None:
    """Why ``institution`` may not evaluate this occupation and level on ``on``, or None when it may."""
    if institution.status == FilingStatus.SUSPENDED:
        return _("The institution is suspended: %(r)s") % {"r": institution.decision_reason or "—"}
    if institution.status != FilingStatus.APPROVED:
        return _("The institution is not filed (status: %(s)s).") % {"s": institution.get_status_display()}
    if institution.valid_from is None or institution.valid_until is None:
        return _("The institution's filing has no validity period.")
    if not institution.valid_from <= on <= institution.valid_until:
        return _("The filing is valid from %(a)s to %(b)s only.") % {
            "a": institution.valid_from.isoformat(),
            "b": institution.valid_until.isoformat(),
        }
    if not FiledScope.objects.filter(institution=institution, occupation_id=occupation_id, level_id=level_id).exists():
        return _("This occupation and level are outside the institution's filed scope.")
    return None


@transaction.atomic
def institution_quota_set(
    *, actor: Any, institution: Institution, quota: int | None, reason: str, clause: str = ""
) -> Institution:
    """Limit (or free) the certificates the institution may issue in a calendar year: a credit reward or
    penalty (信用奖惩), decided with its reason and clause."""
    institution = _locked(institution)
    authorize(actor, "quota", institution)
    if institution.status not in (FilingStatus.APPROVED, FilingStatus.SUSPENDED):
        raise ValidationError({"status": _("Only a filed institution has a quota.")})
    if quota is not None and quota < 0:
        raise ValidationError({"quota": _("The quota cannot be negative.")})
    before = snapshot(institution)
    institution.quota = quota
    institution.save()
    record_change(action="update", instance=institution, before=before)
    shown = _("no limit") if quota is None else str(quota)
    _decide(actor, institution, DecisionKind.QUOTA, f"{shown}：{(reason or '').strip()}" if reason else "", clause)
    return institution


def quota_left(institution: Institution, year: int) -> int | None:
    """Certificates the institution may still issue in ``year`` (None: no limit)."""
    if institution.quota is None:
        return None
    issued = Certificate.objects.filter(issuer_id=institution.organisation_id, issue_date__year=year).count()
    return max(0, institution.quota - issued)
