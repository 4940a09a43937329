"""Evaluation plans: filed by a filed institution, results entered or uploaded, publicised for objection
(公示), reviewed by sampling and issued as one certificate batch by the bureau, or refused with the reason.

Each kind of evaluation follows the same path with its own rule of who may run it: an employer evaluates
and recognises its own workers (self-evaluation, direct recognition: Y numbers); a social
training-evaluation organisation evaluates anyone (third-party: S numbers); schools and technician
colleges evaluate their students alongside the diploma (一试双证) or as third parties.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.bulk import update_frame
from gongjiang.core.plausible import check_date
from gongjiang.core.scope import authorize
from gongjiang.core.tabular import row_errors
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.credentials.batches import batch_issue
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.evaluation.forms import RESULT_COLUMNS
from gongjiang.evaluation.models import (
    Candidate,
    Examiner,
    ExaminerRole,
    ForeignQualification,
    Institution,
    InstitutionKind,
    Plan,
    PlanSource,
    PlanStatus,
)
from gongjiang.evaluation.services.institutions import may_issue, quota_left
from gongjiang.reference.regions import scope_prefix
from gongjiang.reference.selectors import level_by_code, occupation_by_code
from gongjiang.registry.models import Person

# Which kinds of evaluation each kind of institution runs.
SOURCES = {
    InstitutionKind.ENTERPRISE: (PlanSource.SELF_EVALUATION, PlanSource.DIRECT),
    InstitutionKind.SOCIAL: (PlanSource.THIRD_PARTY, PlanSource.FOREIGN),
    InstitutionKind.SCHOOL: (PlanSource.SCHOOL_DUAL, PlanSource.THIRD_PARTY),
    InstitutionKind.TECHNICIAN_COLLEGE: (PlanSource.SCHOOL_DUAL, PlanSource.THIRD_PARTY),
}
PUBLICITY_DAYS = 7  # the 公示 lasts at least five working days
MIN_AGE = 16
SAMPLE_SHARE = 0.1
SAMPLE_MIN = 3
# Direct recognition (苏政办发〔2024〕37号 (十三)): outstanding workers only, at most this many in a plan.
DIRECT_MAX_PER_PLAN = 50
# Recognised, not examined: the evidence (outstanding work, the foreign certificate) decides; scores are
# optional and, when given, must reach the pass mark.
RECOGNITION = (PlanSource.DIRECT, PlanSource.FOREIGN)


def _locked(plan: Plan) -> Plan:
    return (
        Plan.objects.select_related("institution__organisation", "occupation", "level")
        .select_for_update(of=("self",))
        .get(pk=plan.pk)
    )


def _plan_code(plan: Plan) -> str:
    return f"PJ{plan.institution.organisation.region_code}{plan.exam_date:%Y}{plan.pk:06d}"


@transaction.atomic
def plan_file(
    *,
    actor: Any,
    institution: Institution,
    occupation_code: str,
    level_code: str,
    source: str,
    exam_date: datetime.date,
    site: str,
    examiners: Sequence[Examiner] = (),
    qualification: ForeignQualification | None = None,
) -> Plan:
    """File a plan; refused when the institution may not evaluate that occupation and level on that date.
    A plan of kind *foreign* names the recognised foreign qualification, whose occupation and level it
    takes."""
    if source == PlanSource.FOREIGN:
        if qualification is None:
            raise ValidationError({"qualification": _("Choose the recognised foreign qualification.")})
        occupation_code, level_code = qualification.occupation.code, qualification.level.code
    elif qualification is not None:
        raise ValidationError({"qualification": _("Only a foreign-equivalence plan names a foreign qualification.")})
    occupation = occupation_by_code(occupation_code)
    level = level_by_code(level_code)
    plan = Plan(
        code="",
        institution=institution,
        occupation=occupation,
        level=level,
        source=source,
        exam_date=exam_date,
        site=(site or "").strip(),
        qualification=qualification,
    )
    authorize(actor, "add", plan)
    check_date(exam_date, field="exam_date", planned=True)
    if source not in SOURCES[InstitutionKind(institution.kind)]:
        raise ValidationError({"source": _("This kind of institution does not run this kind of evaluation.")})
    refusal = may_issue(institution, occupation.pk, level.pk, exam_date)
    if refusal:
        raise ValidationError({"occupation": refusal})
    if qualification is not None:
        region = institution.region_code
        if not region.startswith(scope_prefix(qualification.region_code)):
            raise ValidationError({"qualification": _("The qualification is recognised in another region.")})
        if qualification.since > exam_date or (qualification.until is not None and qualification.until < exam_date):
            raise ValidationError({"qualification": _("The qualification is not recognised on that date.")})
    if not plan.site:
        raise ValidationError({"site": _("Name the evaluation site.")})
    if not examiners:
        raise ValidationError({"examiners": _("Name at least one examiner.")})
    for examiner in examiners:
        if examiner.institution_id != institution.pk or examiner.role != ExaminerRole.EXAMINER:
            raise ValidationError({"examiners": _("%(n)s is not an examiner of this institution.") % {"n": examiner}})
        if examiner.valid_until < exam_date:
            raise ValidationError(
                {"examiners": _("%(n)s's qualification ends before the evaluation date.") % {"n": examiner}}
            )
    plan.full_clean(exclude=["code"])
    plan.save()
    plan.code = _plan_code(plan)
    plan.save(update_fields=["code"])
    plan.examiners.set(examiners)
    record_change(action="create", instance=plan)
    return plan


def _score(raw: Any) -> Decimal | None:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("a score from 0 to 100")) from None
    if not Decimal(0) <= value <= Decimal(100) or value != value.quantize(Decimal("0.1")):
        raise ValueError(_("a score from 0 to 100, at most one decimal"))
    return value


@transaction.atomic
def results_upload(*, actor: Any, plan: Plan, frame: pl.DataFrame, today: datetime.date | None = None) -> int:
    """The plan's candidates and their scores from rows (id_number, name, theory, practical[, evidence]):
    every person must be in the registry under that name, 16 or older on the evaluation date, listed
    once. A recognition (direct, foreign) needs each worker's evidence, and scores only if it has them.
    All rows or none; the rows in error are named with their column."""
    plan = _locked(plan)
    authorize(actor, "results", plan)
    if plan.status not in (PlanStatus.FILED, PlanStatus.RESULTS):
        raise ValidationError({"file": _("Results can be entered until the plan is publicised.")})
    today = today or timezone.localdate()
    if plan.exam_date > today:
        raise ValidationError({"file": _("Results can be entered after the evaluation date.")})
    recognition = plan.source in RECOGNITION
    needed = ("id_number", "name", "evidence") if recognition else ("id_number", "name", "theory", "practical")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}})
    if frame.height == 0:
        raise ValidationError({"file": _("The file has no rows.")})
    errors: list[tuple[int, str, str]] = []
    rows: list[dict[str, Any]] = []
    for row, values in enumerate(frame.iter_rows(named=True), start=2):
        item: dict[str, Any] = {"row": row, "name": (values.get("name") or "").strip()}
        try:
            info = parse_id_number(values.get("id_number") or "")
            item["id_index"] = pii.blind_index(info.number)
            item["birth"] = info.birth_date
        except IdentifierError as exc:
            errors.append((row, "id_number", "; ".join(str(m) for m in exc.messages)))
            continue
        for column in ("theory", "practical"):
            try:
                item[column] = _score(values.get(column))
            except ValueError as exc:
                errors.append((row, column, str(exc)))
        item["evidence"] = (values.get("evidence") or "").strip()[:300]
        rows.append(item)
    persons = {
        p.id_index: p
        for p in Person.objects.filter(id_index__in=[r["id_index"] for r in rows]).only("id", "name", "id_index")
    }
    seen: set[str] = set()
    for item in rows:
        person = persons.get(item["id_index"])
        if person is None:
            errors.append((item["row"], "id_number", str(_("no person with this ID number in the registry"))))
            continue
        if person.name != item["name"]:
            errors.append((item["row"], "name", str(_("the name does not match the registry"))))
        if item["id_index"] in seen:
            errors.append((item["row"], "id_number", str(_("listed twice"))))
        seen.add(item["id_index"])
        age = (plan.exam_date - item["birth"]).days // 365.25
        if age < MIN_AGE:
            errors.append((item["row"], "id_number", str(_("under 16 on the evaluation date"))))
        if recognition and not item["evidence"]:
            errors.append(
                (item["row"], "evidence", str(_("a recognition needs its evidence (work, foreign certificate)")))
            )
        item["person"] = person
    if plan.source == PlanSource.DIRECT and len(rows) > DIRECT_MAX_PER_PLAN:
        errors.append(
            (0, "file", str(_("A direct-recognition plan lists at most %(n)d workers.") % {"n": DIRECT_MAX_PER_PLAN}))
        )
    if errors:
        raise ValidationError({"file": row_errors(errors, RESULT_COLUMNS)})
    existing = {c.person_id: c for c in plan.candidates.all()}
    new, changed = [], []
    for item in rows:
        person = item["person"]
        scores = [v for v in (item["theory"], item["practical"]) if v is not None]
        if recognition:
            passed = bool(item["evidence"]) and all(v >= plan.pass_mark for v in scores)
        else:
            passed = len(scores) == 2 and all(v >= plan.pass_mark for v in scores)
        candidate = existing.get(person.pk)
        if candidate is None:
            new.append(
                Candidate(
                    plan=plan,
                    person=person,
                    theory=item["theory"],
                    practical=item["practical"],
                    passed=passed,
                    evidence=item["evidence"],
                )
            )
        else:
            candidate.theory, candidate.practical, candidate.passed = item["theory"], item["practical"], passed
            candidate.evidence = item["evidence"] or candidate.evidence
            changed.append(candidate)
    Candidate.objects.bulk_create(new, batch_size=2000)
    Candidate.objects.bulk_update(changed, ["theory", "practical", "passed", "evidence"], batch_size=2000)
    record_set(
        model=Candidate,
        count=len(new) + len(changed),
        detail={"plan": plan.code, "new": len(new), "changed": len(changed)},
        region_code=plan.institution.region_code,
    )
    before = snapshot(plan)
    complete = recognition or (
        not plan.candidates.filter(theory__isnull=True).exists()
        and not plan.candidates.filter(practical__isnull=True).exists()
    )
    plan.status = PlanStatus.RESULTS if complete else PlanStatus.FILED
    plan.results_on = today
    plan.save()
    record_change(action="update", instance=plan, before=before)
    return len(rows)


@transaction.atomic
def plan_publicise(*, actor: Any, plan: Plan, days: int = PUBLICITY_DAYS, today: datetime.date | None = None) -> Plan:
    """Publish the list of candidates who passed for objection, and draw the sample the bureau reviews."""
    plan = _locked(plan)
    authorize(actor, "publicise", plan)
    if plan.status != PlanStatus.RESULTS:
        raise ValidationError({"status": _("Enter every candidate's results before publicising.")})
    if days < PUBLICITY_DAYS:
        raise ValidationError({"days": _("The publicity lasts at least %(n)d days.") % {"n": PUBLICITY_DAYS}})
    if not plan.candidates.filter(passed=True).exists():
        raise ValidationError({"status": _("No candidate has passed; there is nothing to publicise.")})
    before = snapshot(plan)
    today = today or timezone.localdate()
    plan.status = PlanStatus.PUBLICISED
    plan.publicity_from, plan.publicity_until = today, today + datetime.timedelta(days=days)
    plan.save()
    record_change(action="update", instance=plan, before=before)
    ids = sorted(plan.candidates.filter(passed=True).values_list("id", flat=True))
    size = min(len(ids), max(SAMPLE_MIN, round(len(ids) * SAMPLE_SHARE)))
    chosen = random.Random(plan.pk).sample(ids, size)
    Candidate.objects.filter(id__in=chosen).update(sampled=True)
    record_set(
        model=Candidate,
        count=size,
        detail={"plan": plan.code, "sampled": size},
        region_code=plan.institution.region_code,
    )
    return plan


@transaction.atomic
def objection_record(*, actor: Any, candidate: Candidate, objection: str, upheld: bool) -> Candidate:
    """An objection received during the 公示; upheld, the candidate is taken off the list."""
    plan = _locked(candidate.plan)
    authorize(actor, "issue", plan)
    if plan.status != PlanStatus.PUBLICISED:
        raise ValidationError({"objection": _("Objections are recorded while the list is publicised.")})
    text = (objection or "").strip()
    if not text:
        raise ValidationError({"objection": _("Write down the objection.")})
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    before = snapshot(candidate)
    candidate.objection = text[:300]
    if upheld:
        candidate.passed = False
    candidate.save()
    record_change(action="update", instance=candidate, before=before)
    return candidate


@transaction.atomic
def plan_issue(
    *,
    actor: Any,
    plan: Plan,
    review_note: str,
    issue_date: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Plan:
    """Issue the certificates of every candidate who passed, as one signed batch, once the 公示 is over and
    the sampled records were reviewed; refused with the reason when the institution may no longer
    evaluate that occupation and level (suspended, withdrawn, expired or out of scope)."""
    plan = _locked(plan)
    authorize(actor, "issue", plan)
    today = today or timezone.localdate()
    issue_date = issue_date or today
    if plan.status != PlanStatus.PUBLICISED:
        raise ValidationError({"status": _("Only a publicised plan can be issued.")})
    if plan.publicity_until is None or plan.publicity_until >= today:
        raise ValidationError(
            {"status": _("The publicity runs until %(d)s; issue after it.") % {"d": plan.publicity_until}}
        )
    note = (review_note or "").strip()
    if not note:
        raise ValidationError({"review_note": _("Record what the review of the sampled candidates found.")})
    institution = Institution.objects.select_related("organisation").get(pk=plan.institution_id)
    refusal = may_issue(institution, plan.occupation_id, plan.level_id, issue_date)
    if refusal:
        raise ValidationError({"status": refusal})
    left = quota_left(institution, issue_date.year)
    passed = plan.candidates.filter(passed=True, certificate__isnull=True).count()
    if left is not None and passed > left:
        raise ValidationError(
            {
                "status": _("The institution's quota allows %(n)d more certificates this year; the plan has %(m)d.")
                % {"n": left, "m": passed}
            }
        )
    held = set(
        Certificate.objects.filter(
            person__in=plan.candidates.filter(passed=True).values("person_id"),
            occupation_id=plan.occupation_id,
            level_id=plan.level_id,
            status=CertificateStatus.VALID,
        ).values_list("person_id", flat=True)
    )
    candidates = pl.DataFrame(
        list(plan.candidates.filter(passed=True, certificate__isnull=True).values_list("id", "person_id")),
        schema={"candidate_id": pl.Int64, "person_id": pl.Int64},
        orient="row",
    ).filter(~pl.col("person_id").is_in(list(held)))
    rows = candidates.with_columns(
        pl.lit(plan.occupation_id, dtype=pl.Int64).alias("occupation_id"),
        pl.lit(plan.occupation.code).alias("occupation_code"),
        pl.lit(plan.level_id, dtype=pl.Int64).alias("level_id"),
        pl.lit(plan.level.code).alias("level_code"),
        pl.lit(plan.level.national_level, dtype=pl.Int64).alias("national_level"),
    )
    issued = batch_issue(
        rows=rows,
        source=plan.source,
        issue_date=issue_date,
        station_code=str(institution.station_code),
        body_code=institution.body_code,
        region_code=institution.region_code,
        issuer=institution.organisation,
    )
    certs = pl.DataFrame(
        list(Certificate.objects.filter(batch=issued.batch).values_list("person_id", "id")),
        schema={"person_id": pl.Int64, "certificate_id": pl.Int64},
        orient="row",
    )
    links = candidates.join(certs, on="person_id").select(pl.col("candidate_id").alias("id"), "certificate_id")
    update_frame(Candidate, links)
    record_set(
        model=Candidate,
        count=links.height,
        detail={"plan": plan.code, "batch": issued.batch.code},
        region_code=institution.region_code,
        action="update",
    )
    before = snapshot(plan)
    plan.status = PlanStatus.ISSUED
    plan.batch = issued.batch
    plan.review_note = note[:500]
    plan.save()
    record_change(action="update", instance=plan, before=before)
    return plan


@transaction.atomic
def plan_refuse(*, actor: Any, plan: Plan, reason: str) -> Plan:
    plan = _locked(plan)
    authorize(actor, "refuse", plan)
    if plan.status in (PlanStatus.ISSUED, PlanStatus.REFUSED):
        raise ValidationError({"status": _("The plan is already closed.")})
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("State the reason for refusing.")})
    before = snapshot(plan)
    plan.status = PlanStatus.REFUSED
    plan.refused_reason = text[:300]
    plan.save()
    record_change(action="update", instance=plan, before=before)
    return plan


@transaction.atomic
def candidate_link(*, actor: Any, candidate: Candidate, certificate: Certificate) -> Candidate:
    """Record the certificate issued to a candidate singly (outside the plan's batch)."""
    plan = _locked(candidate.plan)
    authorize(actor, "issue", plan)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if not candidate.passed:
        raise ValidationError({"certificate": _("The candidate has not passed.")})
    if (certificate.person_id, certificate.occupation_id, certificate.level_id) != (
        candidate.person_id,
        plan.occupation_id,
        plan.level_id,
    ):
        raise ValidationError({"certificate": _("The certificate is not the candidate's for this plan.")})
    before = snapshot(candidate)
    candidate.certificate = certificate
    candidate.save()
    record_change(action="update", instance=candidate, before=before)
    return candidate
