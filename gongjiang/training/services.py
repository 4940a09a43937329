"""Writes of the training workflow. Each service is keyword-only, atomic, validates fully, checks who
may act, and records its change. Bulk steps (rosters, result matching, claims, batches) are set
operations: one query in, one bulk write out, one change record per step or per decided object.

Double payment is prevented in layers: claim states move under ``select_for_update`` (PostgreSQL; on
SQLite the IMMEDIATE transaction serialises writers), a claim is unique per person × class ×
occupation × level, a person's occupation and level is payable once (partial unique index), and a
payment line is unique per claim, so a claim is in at most one batch.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

import numpy as np
import polars as pl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.core.audit import current, record_change, record_many, record_set, snapshot
from gongjiang.core.models import ChangeRecord, PiiAccess
from gongjiang.core.scope import ScopeDenied, authorize, can
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.reference.regions import level_of, lineage, scope_prefix
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import Organisation, Person
from gongjiang.training.models import (
    BLOCKING_FINDING_STATUSES,
    MIN_HOURS_HIGHER,
    MIN_HOURS_JUNIOR,
    MIN_PRACTICAL_PERCENT,
    STAGE_LEVELS,
    Application,
    ApplicationStatus,
    AuditSample,
    BatchStatus,
    CatalogEntry,
    Claim,
    ClaimStatus,
    ClassKind,
    ClassStatus,
    Decision,
    Designation,
    DesignationStatus,
    Enrolment,
    Finding,
    FindingStatus,
    NeedStatus,
    Outcome,
    PaymentBatch,
    PaymentLine,
    ReviewDecision,
    SampleItem,
    SampleResult,
    Tier,
    TrainingClass,
    TrainingNeed,
)
from gongjiang.training.rules import INSTITUTION_KINDS, default_stages

TENDER_YEARS = 3  # ZJG-opinion 二(六): designated institutions are chosen by tender every three years
CERTIFICATE_WINDOW_DAYS = 365  # a certificate counts for a class if issued within a year after it ended


# ---------------------------------------------------------------------------------------------
# Designated institutions and catalogs
# ---------------------------------------------------------------------------------------------


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def designation_create(
    *,
    actor: Any,
    organisation: Organisation,
    region_code: str,
    period_start: datetime.date,
    tender_reference: str,
    period_end: datetime.date | None = None,
    clause: str = "ZJG-opinion 二(六)",
) -> Designation:
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", Designation, region_code=region_code, field="region_code")
    if organisation.kind not in INSTITUTION_KINDS:
        raise ValidationError({"organisation": _("Only training institutions and schools can be designated.")})
    if not organisation.region_code.startswith(scope_prefix(region_code)):
        raise ValidationError({"organisation": _("The institution is not located in the designating region.")})
    longest = _add_years(period_start, TENDER_YEARS) - datetime.timedelta(days=1)
    period_end = period_end or longest
    if period_end <= period_start:
        raise ValidationError({"period_end": _("The period must end after it starts.")})
    if period_end > longest:
        raise ValidationError(
            {"period_end": _("A tender period is at most three years (to %(d)s).") % {"d": longest.isoformat()}}
        )
    tender_reference = (tender_reference or "").strip()
    if not tender_reference:
        raise ValidationError({"tender_reference": _("The tender reference is required.")})
    overlapping = Designation.objects.filter(
        organisation=organisation,
        region_code=region_code,
        status=DesignationStatus.ACTIVE,
        period_start__lte=period_end,
        period_end__gte=period_start,
    )
    if overlapping.exists():
        raise ValidationError({"period_start": _("The institution already holds a designation in this period.")})
    designation = Designation(
        organisation=organisation,
        region_code=region_code,
        period_start=period_start,
        period_end=period_end,
        tender_reference=tender_reference,
        clause=clause,
    )
    designation.full_clean()
    designation.save()
    record_change(action="create", instance=designation)
    return designation


@transaction.atomic
def designation_revoke(*, actor: Any, designation: Designation, revoked_on: datetime.date, reason: str) -> Designation:
    authorize(actor, "revoke", designation)
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.status != DesignationStatus.ACTIVE:
        raise ValidationError({"status": _("The designation is already revoked.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"revoke_reason": _("A reason is required.")})
    before = snapshot(designation)
    designation.status = DesignationStatus.REVOKED
    designation.revoked_on = revoked_on
    designation.revoke_reason = reason
    designation.full_clean()
    designation.save()
    record_change(action="update", instance=designation, before=before)
    return designation


def designation_covering(organisation: Organisation, region_code: str, on: datetime.date) -> Designation | None:
    """An active designation of ``organisation`` on ``on`` by ``region_code`` or a region above it."""
    ancestors = set(lineage(region_code))
    return (
        Designation.objects.filter(
            organisation=organisation,
            region_code__in=ancestors,
            status=DesignationStatus.ACTIVE,
            period_start__lte=on,
            period_end__gte=on,
        )
        .order_by("-region_code")
        .first()
    )


def _occupation(code: str, field: str = "occupation") -> Occupation:
    occupation = Occupation.objects.filter(code=(code or "").strip(), kind="occupation").first()
    if occupation is None:
        raise ValidationError({field: _("Unknown occupation code %(c)s.") % {"c": code}})
    return occupation


def _level(code: str, field: str = "level") -> SkillLevel:
    level = SkillLevel.objects.filter(code=(code or "").strip()).first()
    if level is None or level.national_level is None:
        raise ValidationError({field: _("Unknown or unsubsidised skill level %(c)s.") % {"c": code}})
    return level


def _year(year: int) -> int:
    this_year = datetime.date.today().year
    if not 2015 <= int(year) <= this_year + 1:
        raise ValidationError({"year": _("Year must be between 2015 and %(y)d.") % {"y": this_year + 1}})
    return int(year)


def _row_errors(errors: list[tuple[int, str, str]]) -> list[str]:
    """Row-and-column messages in file order (row 0 is the file as a whole)."""
    return [_("row %(r)d, column %(c)s: %(m)s") % {"r": r, "c": c, "m": m} if r else m for r, c, m in sorted(errors)]


CATALOG_COLUMNS = ("occupation_code", "tier", "digital", "shortage", "clause")
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否", ""}


@transaction.atomic
def catalog_import(*, actor: Any, region_code: str, year: int, frame: pl.DataFrame, clause: str = "") -> int:
    """Set a region's catalog for a year from rows (occupation_code, tier[, digital, shortage, clause]).
    All or nothing: any bad row is reported by row number and column, and nothing is written. Rows of
    occupations already in the catalog replace them."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", CatalogEntry, region_code=region_code, field="region_code")
    year = _year(year)
    missing = [c for c in ("occupation_code", "tier") if c not in frame.columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}})
    if frame.height == 0:
        raise ValidationError({"file": _("The file has no rows.")})
    frame = frame.select([pl.col(c).cast(pl.Utf8) for c in frame.columns if c in CATALOG_COLUMNS])
    for c in ("digital", "shortage", "clause"):
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c))
    frame = frame.with_columns(
        pl.int_range(2, frame.height + 2).alias("row"),  # row 1 is the header
        pl.col("occupation_code").str.strip_chars(),
        pl.col("tier").str.strip_chars().str.to_uppercase(),
        pl.col("digital").str.strip_chars().str.to_lowercase(),
        pl.col("shortage").str.strip_chars().str.to_lowercase(),
        pl.col("clause").str.strip_chars(),
    )
    occupations = pl.DataFrame(
        list(Occupation.objects.filter(kind="occupation").values_list("code", "id", "digital")),
        schema={"occupation_code": pl.Utf8, "occupation_id": pl.Int64, "occupation_digital": pl.Boolean},
        orient="row",
    )
    frame = frame.join(occupations, on="occupation_code", how="left")
    flag_values = sorted(_TRUE | _FALSE)
    errors: list[tuple[int, str, str]] = []
    checks = [
        (pl.col("occupation_id").is_null(), "occupation_code", _("unknown occupation code")),
        (~pl.col("tier").is_in([t.value for t in Tier]), "tier", _("tier must be A, B or C")),
        (
            pl.col("digital").is_not_null() & ~pl.col("digital").is_in(flag_values),
            "digital",
            _("use 1 or 0"),
        ),
        (
            pl.col("shortage").is_not_null() & ~pl.col("shortage").is_in(flag_values),
            "shortage",
            _("use 1 or 0"),
        ),
        (pl.col("occupation_code").is_duplicated(), "occupation_code", _("occupation listed twice")),
    ]
    default_clause = (clause or "").strip()
    if not default_clause:
        checks.append((pl.col("clause").is_null() | (pl.col("clause") == ""), "clause", _("clause is required")))
    for condition, column, message in checks:
        for row in frame.filter(condition)["row"].to_list():
            errors.append((row, column, str(message)))
    if errors:
        raise ValidationError({"file": _row_errors(errors)})
    frame = frame.with_columns(
        pl.when(pl.col("digital").is_null())
        .then(pl.col("occupation_digital"))
        .otherwise(pl.col("digital").is_in(list(_TRUE)))
        .alias("digital"),
        pl.col("shortage").fill_null("0").is_in(list(_TRUE)).alias("shortage"),
        pl.when(pl.col("clause").is_null() | (pl.col("clause") == ""))
        .then(pl.lit(default_clause))
        .otherwise(pl.col("clause"))
        .alias("clause"),
    )
    now = timezone.now()
    entries = [
        CatalogEntry(
            region_code=region_code,
            year=year,
            occupation_id=r["occupation_id"],
            tier=r["tier"],
            digital=r["digital"],
            shortage=r["shortage"],
            clause=r["clause"][:100],
            created=now,
        )
        for r in frame.iter_rows(named=True)
    ]
    CatalogEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["region_code", "year", "occupation"],
        update_fields=["tier", "digital", "shortage", "clause"],
    )
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=CatalogEntry,
        count=len(entries),
        detail={"region": region_code, "year": year, "shortage": int(frame["shortage"].sum())},
        region_code=region_code,
    )
    return len(entries)


def catalog_lookup(region_code: str, year: int, occupation_ids: Iterable[int]) -> pl.DataFrame:
    """Tier and flags per occupation from the most specific catalog (district → city → province) of ``year``."""
    ids = list(set(occupation_ids))
    chain = list(lineage(region_code))
    rows = list(
        CatalogEntry.objects.filter(year=year, region_code__in=chain, occupation_id__in=ids).values_list(
            "occupation_id", "region_code", "tier", "digital", "shortage", "clause"
        )
    )
    frame = pl.DataFrame(
        rows,
        schema={
            "occupation_id": pl.Int64,
            "catalog_region": pl.Utf8,
            "tier": pl.Utf8,
            "digital": pl.Boolean,
            "shortage": pl.Boolean,
            "catalog_clause": pl.Utf8,
        },
        orient="row",
    )
    rank = {code: i for i, code in enumerate(chain)}
    return (
        frame.with_columns(pl.col("catalog_region").replace_strict(rank, default=9).alias("_rank"))
        .sort("_rank")
        .unique("occupation_id", keep="first")
        .drop("_rank")
    )


# ---------------------------------------------------------------------------------------------
# 列清单 → 提申请 → 组评审
# ---------------------------------------------------------------------------------------------


def _check_stages(region_code: str, stages: list[str]) -> list[str]:
    if not stages:
        raise ValidationError({"stages": _("At least one review stage is required.")})
    unknown = [s for s in stages if s not in STAGE_LEVELS]
    if unknown:
        raise ValidationError({"stages": _("Unknown review stage %(s)s.") % {"s": ", ".join(unknown)}})
    order = [STAGE_LEVELS.index(s) for s in stages]
    if order != sorted(set(order)):
        raise ValidationError({"stages": _("Review stages must go upwards: district, city, province, each once.")})
    lowest = STAGE_LEVELS.index(level_of(region_code))
    if order[0] < lowest:
        raise ValidationError({"stages": _("A stage cannot sit below the need's own region.")})
    return list(stages)


@transaction.atomic
def need_create(
    *,
    actor: Any,
    region_code: str,
    year: int,
    occupation_code: str,
    level_code: str,
    places: int,
    price_fen: int | None = None,
    stages: list[str] | None = None,
    note: str = "",
) -> TrainingNeed:
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", TrainingNeed, region_code=region_code, field="region_code")
    if places is None or int(places) < 1:
        raise ValidationError({"places": _("At least one place is required.")})
    if price_fen is not None and int(price_fen) <= 0:
        raise ValidationError({"price_fen": _("The price must be positive.")})
    need = TrainingNeed(
        region_code=region_code,
        year=_year(year),
        occupation=_occupation(occupation_code),
        level=_level(level_code),
        places=int(places),
        price_fen=price_fen,
        stages=_check_stages(region_code, default_stages(region_code) if stages is None else list(stages)),
        note=(note or "").strip(),
    )
    need.full_clean()
    need.save()
    record_change(action="create", instance=need)
    return need


@transaction.atomic
def need_publish(*, actor: Any, need: TrainingNeed) -> TrainingNeed:
    authorize(actor, "publish", need)
    need = TrainingNeed.objects.select_for_update().get(pk=need.pk)
    if need.status != NeedStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft need can be published.")})
    before = snapshot(need)
    need.status = NeedStatus.PUBLISHED
    need.published_at = timezone.now()
    need.save()
    record_change(action="update", instance=need, before=before)
    return need


@transaction.atomic
def need_close(*, actor: Any, need: TrainingNeed) -> TrainingNeed:
    authorize(actor, "close", need)
    need = TrainingNeed.objects.select_for_update().get(pk=need.pk)
    if need.status != NeedStatus.PUBLISHED:
        raise ValidationError({"status": _("Only a published need can be closed.")})
    before = snapshot(need)
    need.status = NeedStatus.CLOSED
    need.save()
    record_change(action="update", instance=need, before=before)
    return need


def min_class_hours(level: SkillLevel) -> int:
    return MIN_HOURS_JUNIOR if level.code in ("apprentice", "level5") else MIN_HOURS_HIGHER


def _check_hours(level: SkillLevel, class_hours: int, practical_hours: int) -> None:
    errors = {}
    minimum = min_class_hours(level)
    if class_hours < minimum:
        errors["class_hours"] = _("%(l)s needs at least %(n)d class hours.") % {"l": level.name, "n": minimum}
    if practical_hours > class_hours:
        errors["practical_hours"] = _("Practical hours cannot exceed the class hours.")
    elif practical_hours * 100 < class_hours * MIN_PRACTICAL_PERCENT:
        errors["practical_hours"] = _("At least %(p)d%% of the hours must be practical.") % {"p": MIN_PRACTICAL_PERCENT}
    if errors:
        raise ValidationError(errors)


def _check_dates(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError({"end_date": _("The end date is before the start date.")})


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    need: TrainingNeed,
    institution: Organisation,
    start_date: datetime.date,
    end_date: datetime.date,
    class_hours: int,
    practical_hours: int,
    places: int,
    price_fen: int,
    plan: str = "",
) -> Application:
    need = TrainingNeed.objects.select_related("level", "occupation").get(pk=need.pk)
    authorize(actor, "add", Application(need=need, institution=institution, region_code=need.region_code))
    if need.status != NeedStatus.PUBLISHED:
        raise ValidationError({"need": _("Applications are open only for published needs.")})
    if institution.kind not in INSTITUTION_KINDS:
        raise ValidationError({"institution": _("Only training institutions and schools may apply.")})
    if designation_covering(institution, need.region_code, start_date) is None:
        raise ValidationError(
            {"institution": _("The institution holds no designation for this region on the start date.")}
        )
    _check_dates(start_date, end_date)
    _check_hours(need.level, class_hours, practical_hours)
    errors = {}
    if not 1 <= places <= need.places:
        errors["places"] = _("Places must be between 1 and %(n)d.") % {"n": need.places}
    if price_fen <= 0:
        errors["price_fen"] = _("The price must be positive.")
    elif need.price_fen is not None and price_fen > need.price_fen:
        errors["price_fen"] = _("The price is above the listed price of this need.")
    if errors:
        raise ValidationError(errors)
    if Application.objects.filter(need=need, institution=institution).exists():
        raise ValidationError({"need": _("The institution has already applied for this need.")})
    application = Application(
        need=need,
        institution=institution,
        region_code=need.region_code,
        start_date=start_date,
        end_date=end_date,
        class_hours=class_hours,
        practical_hours=practical_hours,
        places=places,
        price_fen=price_fen,
        plan=(plan or "").strip(),
    )
    application.full_clean()
    application.save()
    record_change(action="create", instance=application)
    return application


@transaction.atomic
def application_decide(*, actor: Any, application: Application, decision: str, comment: str = "") -> ReviewDecision:
    """Decide the application's current stage. The stage's officer decides once; the last approval
    opens the class."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    need = application.need
    if application.status != ApplicationStatus.IN_REVIEW:
        raise ValidationError({"status": _("The application is not in review.")})
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Decide approve or reject.")})
    comment = (comment or "").strip()
    if decision == Decision.REJECT and not comment:
        raise ValidationError({"comment": _("A rejection needs a comment.")})
    stages = list(need.stages)
    level = stages[application.stage]
    authorize(actor, "decide", application)
    before = snapshot(application)
    review = ReviewDecision(
        application=application,
        stage=application.stage,
        stage_level=level,
        reviewer=actor,
        reviewer_region_code=actor.region_code,
        decision=decision,
        comment=comment,
    )
    review.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise ValidationError({"stage": _("This stage has already been decided.")}) from None
    record_change(action="create", instance=review)
    if decision == Decision.REJECT:
        application.status = ApplicationStatus.REJECTED
        application.decided_at = timezone.now()
    else:
        application.stage += 1
        if application.stage >= len(stages):
            application.status = ApplicationStatus.APPROVED
            application.decided_at = timezone.now()
    application.save()
    record_change(action="update", instance=application, before=before)
    if application.status == ApplicationStatus.APPROVED:
        _class_from_application(application)
    return review


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "withdraw", application)
    if application.status != ApplicationStatus.IN_REVIEW:
        raise ValidationError({"status": _("The application is not in review.")})
    before = snapshot(application)
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = timezone.now()
    application.save()
    record_change(action="update", instance=application, before=before)
    return application


# ---------------------------------------------------------------------------------------------
# Classes and real-name rosters
# ---------------------------------------------------------------------------------------------


def _save_class(training_class: TrainingClass) -> TrainingClass:
    """Insert a class and give it its code, region-year-serial (the serial is the primary key)."""
    training_class.code = f"tmp-{secrets.token_hex(8)}"
    training_class.full_clean()
    training_class.save()
    prefix = {ClassKind.PROJECT: "XM", ClassKind.DESIGNATED: "DD", ClassKind.ENTERPRISE: "QY"}[
        ClassKind(training_class.kind)
    ]
    training_class.code = f"{prefix}{training_class.region_code}-{training_class.start_date:%Y}-{training_class.pk:05d}"
    TrainingClass.objects.filter(pk=training_class.pk).update(code=training_class.code)
    record_change(action="create", instance=training_class)
    return training_class


def _class_from_application(application: Application) -> TrainingClass:
    need = application.need
    return _save_class(
        TrainingClass(
            name=f"{need.occupation.name}（{need.level.name}）{application.institution.name}",
            kind=ClassKind.PROJECT,
            institution=application.institution,
            application=application,
            region_code=application.region_code,
            occupation=need.occupation,
            level=need.level,
            start_date=application.start_date,
            end_date=application.end_date,
            class_hours=application.class_hours,
            practical_hours=application.practical_hours,
            fee_fen=application.price_fen,
        )
    )


@transaction.atomic
def class_create(
    *,
    actor: Any,
    kind: str,
    institution: Organisation,
    region_code: str,
    name: str,
    occupation_code: str,
    level_code: str,
    start_date: datetime.date,
    end_date: datetime.date,
    class_hours: int,
    practical_hours: int,
    fee_fen: int = 0,
) -> TrainingClass:
    """A class outside project-based training: at a designated institution, or an enterprise's own."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", TrainingClass(institution=institution, region_code=region_code), field="region_code")
    if kind == ClassKind.DESIGNATED:
        if designation_covering(institution, region_code, start_date) is None:
            raise ValidationError({"institution": _("The institution holds no designation here on the start date.")})
    elif kind == ClassKind.ENTERPRISE:
        if institution.kind != "enterprise":
            raise ValidationError({"institution": _("Enterprise training is run by an enterprise.")})
        if region_code != institution.region_code:
            raise ValidationError({"region_code": _("Enterprise training is located at the enterprise.")})
    else:
        raise ValidationError({"kind": _("Project-based classes are opened by an approved application.")})
    level = _level(level_code)
    _check_dates(start_date, end_date)
    _check_hours(level, class_hours, practical_hours)
    return _save_class(
        TrainingClass(
            name=(name or "").strip(),
            kind=kind,
            institution=institution,
            region_code=region_code,
            occupation=_occupation(occupation_code),
            level=level,
            start_date=start_date,
            end_date=end_date,
            class_hours=class_hours,
            practical_hours=practical_hours,
            fee_fen=int(fee_fen),
        )
    )


@transaction.atomic
def class_update_dates(
    *, actor: Any, training_class: TrainingClass, start_date: datetime.date, end_date: datetime.date
) -> TrainingClass:
    """An officer corrects a class's dates (the fraud checks re-examine certificates against them)."""
    authorize(actor, "change", training_class)
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _check_dates(start_date, end_date)
    before = snapshot(training_class)
    training_class.start_date, training_class.end_date = start_date, end_date
    training_class.full_clean()
    training_class.save()
    record_change(action="update", instance=training_class, before=before)
    return training_class


def _class_for_update(training_class: TrainingClass, status: str) -> TrainingClass:
    locked = TrainingClass.objects.select_for_update().select_related("level", "occupation").get(pk=training_class.pk)
    if locked.status != status:
        raise ValidationError(
            {
                "status": _("The class is %(s)s; this step needs it %(n)s.")
                % {"s": locked.get_status_display(), "n": ClassStatus(status).label}
            }
        )
    return locked


def _set_class_status(training_class: TrainingClass, status: str) -> None:
    before = snapshot(training_class)
    training_class.status = status
    training_class.save(update_fields=["status"])
    record_change(action="update", instance=training_class, before=before)


ROSTER_COLUMNS = ("id_number", "name", "bank_account", "bank_name")


def _clean_account(value: str) -> str:
    return "".join(ch for ch in (value or "") if ch not in " -")


@transaction.atomic
def roster_upload(*, actor: Any, training_class: TrainingClass, frame: pl.DataFrame) -> int:
    """Add trainees to an open class's real-name roster from rows (id_number, name, bank_account[, bank_name]).
    Every person must already be in the registry and the name must match it. All or nothing."""
    authorize(actor, "roster", training_class)
    training_class = _class_for_update(training_class, ClassStatus.OPEN)
    missing = [c for c in ("id_number", "name", "bank_account") if c not in frame.columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}})
    if frame.height == 0:
        raise ValidationError({"file": _("The file has no rows.")})
    frame = frame.select(
        [pl.col(c).cast(pl.Utf8).fill_null("").str.strip_chars() for c in frame.columns if c in ROSTER_COLUMNS]
    )
    if "bank_name" not in frame.columns:
        frame = frame.with_columns(pl.lit("").alias("bank_name"))
    errors: list[tuple[int, str, str]] = []
    numbers: list[str] = []
    for i, raw in enumerate(frame["id_number"].to_list(), start=2):
        try:
            numbers.append(parse_id_number(raw).number)
        except IdentifierError as exc:
            numbers.append("")
            errors.append((i, "id_number", "; ".join(str(m) for m in exc.messages)))
    accounts = [_clean_account(a) for a in frame["bank_account"].to_list()]
    frame = frame.with_columns(
        pl.Series("id_index", pii.blind_index_many(numbers)),
        pl.Series("bank_account", accounts),
        pl.int_range(2, frame.height + 2).alias("row"),
    )
    persons = pl.DataFrame(
        list(
            Person.objects.filter(id_index__in=[x for x in frame["id_index"].to_list() if x]).values_list(
                "id_index", "id", "name"
            )
        ),
        schema={"id_index": pl.Utf8, "person_id": pl.Int64, "registry_name": pl.Utf8},
        orient="row",
    )
    enrolled = set(Enrolment.objects.filter(training_class=training_class).values_list("person_id", flat=True))
    frame = frame.join(persons, on="id_index", how="left")
    checks = [
        (
            (pl.col("id_index") != "") & pl.col("person_id").is_null(),
            "id_number",
            _("no person with this ID number in the registry"),
        ),
        (
            pl.col("person_id").is_not_null() & (pl.col("name") != pl.col("registry_name")),
            "name",
            _("the name does not match the registry"),
        ),
        (~pl.col("bank_account").str.contains(r"^\d{12,30}$"), "bank_account", _("12 to 30 digits")),
        ((pl.col("id_index") != "") & pl.col("id_index").is_duplicated(), "id_number", _("listed twice")),
        (pl.col("person_id").is_in(list(enrolled)), "id_number", _("already on the roster")),
    ]
    for condition, column, message in checks:
        for row in frame.filter(condition)["row"].to_list():
            errors.append((row, column, str(message)))
    places = training_class.application.places if training_class.application is not None else None
    if places is not None and len(enrolled) + frame.height > places:
        errors.append((0, "file", str(_("the roster would exceed the %(n)d approved places") % {"n": places})))
    if errors:
        raise ValidationError({"file": _row_errors(errors)})
    protected = pii.protect_many({"bank_account": frame["bank_account"].to_list()})["bank_account"]
    now = timezone.now()
    rows = [
        Enrolment(
            training_class=training_class,
            person_id=person_id,
            bank_name=bank[:100],
            bank_account_enc=enc,
            bank_account_index=idx,
            created=now,
        )
        for person_id, bank, enc, idx in zip(
            frame["person_id"].to_list(), frame["bank_name"].to_list(), protected[0], protected[1], strict=True
        )
    ]
    Enrolment.objects.bulk_create(rows)
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=Enrolment,
        count=len(rows),
        detail={"class": training_class.code},
        region_code=training_class.region_code,
    )
    return len(rows)


@transaction.atomic
def class_end(*, actor: Any, training_class: TrainingClass, today: datetime.date | None = None) -> TrainingClass:
    """Close the roster once the class has ended."""
    authorize(actor, "end", training_class)
    training_class = _class_for_update(training_class, ClassStatus.OPEN)
    today = today or timezone.localdate()
    if today < training_class.end_date:
        raise ValidationError({"end_date": _("The class ends on %(d)s.") % {"d": training_class.end_date.isoformat()}})
    if not training_class.enrolments.exists():
        raise ValidationError({"roster": _("The roster is empty.")})
    _set_class_status(training_class, ClassStatus.ENDED)
    return training_class


@transaction.atomic
def results_match(*, actor: Any, training_class: TrainingClass) -> dict[str, int]:
    """Match each trainee to a valid certificate of the class's occupation and level, issued on or after
    the day the class ended (and within a year). Unmatched trainees are recorded as not passed."""
    authorize(actor, "match", training_class)
    training_class = _class_for_update(training_class, ClassStatus.ENDED)
    enrolments = pl.DataFrame(
        list(Enrolment.objects.filter(training_class=training_class).values_list("id", "person_id")),
        schema={"enrolment_id": pl.Int64, "person_id": pl.Int64},
        orient="row",
    )
    window_end = training_class.end_date + datetime.timedelta(days=CERTIFICATE_WINDOW_DAYS)
    certificates = pl.DataFrame(
        list(
            Certificate.objects.filter(
                person_id__in=enrolments["person_id"].to_list(),
                occupation=training_class.occupation,
                level=training_class.level,
                status=CertificateStatus.VALID,
                issue_date__gte=training_class.end_date,
                issue_date__lte=window_end,
            ).values_list("person_id", "id", "issue_date")
        ),
        schema={"person_id": pl.Int64, "certificate_id": pl.Int64, "issue_date": pl.Date},
        orient="row",
    )
    first = certificates.sort(["issue_date", "certificate_id"]).unique("person_id", keep="first")
    matched = enrolments.join(first, on="person_id", how="left")
    passed = matched.filter(pl.col("certificate_id").is_not_null())
    by_outcome: dict[str, list[int]] = {
        Outcome.PASSED: passed["enrolment_id"].to_list(),
        Outcome.NOT_PASSED: matched.filter(pl.col("certificate_id").is_null())["enrolment_id"].to_list(),
    }
    updates = [
        Enrolment(pk=e, outcome=Outcome.PASSED, certificate_id=c)
        for e, c in zip(passed["enrolment_id"].to_list(), passed["certificate_id"].to_list(), strict=True)
    ]
    Enrolment.objects.bulk_update(updates, ["outcome", "certificate"], batch_size=500)
    Enrolment.objects.filter(pk__in=by_outcome[Outcome.NOT_PASSED]).update(outcome=Outcome.NOT_PASSED, certificate=None)
    counts = {"passed": len(by_outcome[Outcome.PASSED]), "not_passed": len(by_outcome[Outcome.NOT_PASSED])}
    record_set(
        action=ChangeRecord.Action.UPDATE,
        model=Enrolment,
        count=enrolments.height,
        detail={"class": training_class.code, "step": "results matched", **counts},
        region_code=training_class.region_code,
    )
    _set_class_status(training_class, ClassStatus.MATCHED)
    return counts


# ---------------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def claims_compute(*, actor: Any, training_class: TrainingClass, run_checks: bool = True) -> int:
    """Compute a claim for every passed trainee of a matched class with the policy engine, each with its
    amount in fen and its trace; then run the anomaly checks."""
    from gongjiang.training import pricing

    authorize(actor, "compute", training_class)
    training_class = _class_for_update(training_class, ClassStatus.MATCHED)
    results = pricing.evaluate_class(training_class)
    now = timezone.now()
    claims = [
        Claim(
            enrolment_id=r["enrolment_id"],
            person_id=r["person_id"],
            training_class=training_class,
            institution_id=training_class.institution_id,
            occupation_id=training_class.occupation_id,
            level_id=training_class.level_id,
            certificate_id=r["certificate_id"],
            region_code=training_class.region_code,
            event_date=r["event_date"],
            policy_set=r["policy_set"],
            policy_version=r["policy_version"],
            eligible=bool(r["eligible"]),
            reason=(r["reason"] or "")[:100],
            amount_fen=int(r["amount_fen"]) if r["eligible"] else 0,
            trace=r["trace"] or "",
            clauses=list(r["clauses"] or []),
            status=ClaimStatus.COMPUTED if r["eligible"] else ClaimStatus.INELIGIBLE,
            computed_at=now,
        )
        for r in results.iter_rows(named=True)
    ]
    Claim.objects.bulk_create(claims)
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=Claim,
        count=len(claims),
        detail={
            "class": training_class.code,
            "eligible": sum(c.eligible for c in claims),
            "total_fen": sum(c.amount_fen for c in claims),
            "policy_sets": sorted({c.policy_set for c in claims}),
        },
        region_code=training_class.region_code,
    )
    _set_class_status(training_class, ClassStatus.CLAIMED)
    if run_checks:
        from gongjiang.training.checks import checks_run

        checks_run(actor=None, person_ids=sorted({c.person_id for c in claims}))
    return len(claims)


def _payable_conflicts(claim_ids: list[int]) -> set[int]:
    """Claims whose person already has this occupation and level approved, batched or paid elsewhere,
    or that repeat one another within the set (only the earliest of a repeat may go ahead)."""
    rows = list(Claim.objects.filter(pk__in=claim_ids).values_list("id", "person_id", "occupation_id", "level_id"))
    frame = pl.DataFrame(
        rows,
        schema={"id": pl.Int64, "person_id": pl.Int64, "occupation_id": pl.Int64, "level_id": pl.Int64},
        orient="row",
    )
    taken = pl.DataFrame(
        list(
            Claim.objects.filter(
                status__in=[ClaimStatus.APPROVED, ClaimStatus.BATCHED, ClaimStatus.PAID],
                person_id__in=frame["person_id"].to_list(),
            )
            .exclude(pk__in=claim_ids)
            .values_list("person_id", "occupation_id", "level_id")
        ),
        schema={"person_id": pl.Int64, "occupation_id": pl.Int64, "level_id": pl.Int64},
        orient="row",
    ).with_columns(pl.lit(True).alias("taken"))
    key = ["person_id", "occupation_id", "level_id"]
    frame = frame.sort("id").join(taken.unique(key), on=key, how="left")
    conflict = frame.filter(
        pl.col("taken").is_not_null() | pl.struct(key).is_duplicated() & ~pl.struct(key).is_first_distinct()
    )
    return set(conflict["id"].to_list())


@transaction.atomic
def claims_approve(*, actor: Any, claims: models.QuerySet) -> dict[str, Any]:
    """Approve computed claims (an officer's decision, one change record per claim). Claims that would pay
    a person's occupation and level twice are left as they are and reported."""
    if actor is not None and not can(actor, "approve", Claim):
        raise ScopeDenied(_("Your account may not do this."))
    locked = list(claims.select_for_update().filter(status=ClaimStatus.COMPUTED).order_by("pk"))
    for region in {c.region_code for c in locked}:
        authorize(actor, "approve", Claim, region_code=region)
    ids = [c.pk for c in locked]
    conflicts = _payable_conflicts(ids)
    go = [c for c in locked if c.pk not in conflicts]
    befores = [snapshot(c) for c in go]
    now = timezone.now()
    updated = Claim.objects.filter(pk__in=[c.pk for c in go], status=ClaimStatus.COMPUTED).update(
        status=ClaimStatus.APPROVED, decided_by=actor, decided_at=now
    )
    if updated != len(go):
        raise ValidationError({"status": _("Some claims changed while being approved; try again.")})
    for c in go:
        c.status, c.decided_by, c.decided_at = ClaimStatus.APPROVED, actor, now
    record_many(action=ChangeRecord.Action.UPDATE, instances=go, befores=befores)
    return {"approved": len(go), "conflicts": sorted(conflicts)}


@transaction.atomic
def claim_approve(*, actor: Any, claim: Claim) -> Claim:
    authorize(actor, "approve", claim)
    result = claims_approve(actor=actor, claims=Claim.objects.filter(pk=claim.pk))
    claim.refresh_from_db()
    if result["conflicts"]:
        raise ValidationError(
            {"status": _("This person's occupation and level is already approved or paid in another claim.")}
        )
    if not result["approved"]:
        raise ValidationError({"status": _("Only a computed claim can be approved.")})
    return claim


@transaction.atomic
def claim_reject(*, actor: Any, claim: Claim, reason: str) -> Claim:
    authorize(actor, "reject", claim)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status not in (ClaimStatus.COMPUTED, ClaimStatus.APPROVED):
        raise ValidationError({"status": _("Only a computed or approved claim can be rejected.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required.")})
    before = snapshot(claim)
    claim.status = ClaimStatus.REJECTED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save()
    record_change(action="update", instance=claim, before=before)
    # The reason is kept with the change record's request; the claim carries the decision.
    return claim


# ---------------------------------------------------------------------------------------------
# Payment batches: draft → approved → exported → paid
# ---------------------------------------------------------------------------------------------


def blocked_claims_q() -> Exists:
    """Claims linked to an open or confirmed finding."""
    through = Finding.claims.through
    return Exists(through.objects.filter(claim_id=OuterRef("pk"), finding__status__in=list(BLOCKING_FINDING_STATUSES)))


def batchable_claims(region_code: str) -> models.QuerySet:
    """Approved claims of a region's subtree, in no batch, held by no open or confirmed finding."""
    prefix = scope_prefix(region_code)
    qs = Claim.objects.filter(status=ClaimStatus.APPROVED)
    qs = qs.filter(region_code=prefix) if len(prefix) == 6 else qs.filter(region_code__startswith=prefix)
    return qs.filter(payment_line__isnull=True).exclude(blocked_claims_q())


@transaction.atomic
def payment_batch_create(
    *, actor: Any, region_code: str, purpose: str, claim_ids: list[int] | None = None
) -> PaymentBatch:
    """Draft a batch of the region's batchable claims (or of the listed ones, which must all be batchable)."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", PaymentBatch, region_code=region_code, field="region_code")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("The purpose is required.")})
    candidates = batchable_claims(region_code)
    if claim_ids is not None:
        wanted = {int(i) for i in claim_ids}
        candidates = candidates.filter(pk__in=wanted)
    # Lock the claims themselves (of=self: the finding and line joins are not locked).
    locked = list(candidates.select_for_update(of=("self",)).order_by("pk").values_list("pk", "amount_fen"))
    if claim_ids is not None:
        missing = sorted(wanted - {pk for pk, _ in locked})
        if missing:
            raise ValidationError(
                {
                    "claims": _("Not approved, already in a batch, or held by a finding: %(ids)s.")
                    % {"ids": ", ".join(map(str, missing))}
                }
            )
    if not locked:
        raise ValidationError({"claims": _("There are no approved claims free of open findings to pay.")})
    batch = PaymentBatch(
        reference=f"tmp-{secrets.token_hex(8)}",
        region_code=region_code,
        purpose=purpose,
        created_by=actor,
        line_count=len(locked),
        total_fen=sum(a for _, a in locked),
    )
    batch.full_clean()
    batch.save()
    batch.reference = f"PB{region_code}-{timezone.localdate():%Y%m%d}-{batch.pk:05d}"
    batch.save(update_fields=["reference"])
    PaymentLine.objects.bulk_create(
        [PaymentLine(batch=batch, claim_id=pk, line_no=i, amount_fen=a) for i, (pk, a) in enumerate(locked, start=1)]
    )
    ids = [pk for pk, _ in locked]
    moved = Claim.objects.filter(pk__in=ids, status=ClaimStatus.APPROVED).update(status=ClaimStatus.BATCHED)
    if moved != len(ids):
        raise ValidationError({"claims": _("Some claims changed while the batch was drafted; try again.")})
    record_change(action="create", instance=batch)
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=PaymentLine,
        count=len(ids),
        detail={"batch": batch.reference, "total_fen": batch.total_fen},
        region_code=region_code,
    )
    record_set(
        action=ChangeRecord.Action.UPDATE,
        model=Claim,
        count=moved,
        detail={"batch": batch.reference, "status": ClaimStatus.BATCHED.value},
        region_code=region_code,
    )
    return batch


def _batch_step(actor: Any, batch: PaymentBatch, step: str, allowed_from: tuple[str, ...]) -> tuple[PaymentBatch, dict]:
    authorize(actor, step, batch)
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status not in allowed_from:
        raise ValidationError(
            {"status": _("The batch is %(s)s; this step is not possible now.") % {"s": locked.get_status_display()}}
        )
    return locked, snapshot(locked)


@transaction.atomic
def payment_batch_approve(*, actor: Any, batch: PaymentBatch) -> PaymentBatch:
    batch, before = _batch_step(actor, batch, "approve", (BatchStatus.DRAFT,))
    batch.status = BatchStatus.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.save()
    record_change(action="update", instance=batch, before=before)
    return batch


@transaction.atomic
def payment_batch_export(*, actor: Any, batch: PaymentBatch, reason: str = "") -> bytes:
    """The bank-transfer workbook. Full account numbers leave the platform here, so each export is logged
    as a personal-data access. The first export moves the batch to exported."""
    from gongjiang.training.exports import batch_workbook

    batch, before = _batch_step(actor, batch, "export", (BatchStatus.APPROVED, BatchStatus.EXPORTED))
    content = batch_workbook(batch)
    PiiAccess.objects.create(
        user=actor,
        request_id=current().request_id,
        model=PaymentBatch._meta.label,
        object_id=str(batch.pk),
        field="bank_account",
        reason=(reason or _("bank-transfer export"))[:200],
    )
    if batch.status == BatchStatus.APPROVED:
        batch.status = BatchStatus.EXPORTED
        batch.exported_at = timezone.now()
        batch.save()
        record_change(action="update", instance=batch, before=before)
    return content


@transaction.atomic
def payment_batch_mark_paid(*, actor: Any, batch: PaymentBatch) -> PaymentBatch:
    batch, before = _batch_step(actor, batch, "pay", (BatchStatus.EXPORTED,))
    ids = list(batch.lines.values_list("claim_id", flat=True))
    moved = Claim.objects.filter(pk__in=ids, status=ClaimStatus.BATCHED).update(status=ClaimStatus.PAID)
    if moved != len(ids):
        raise ValidationError({"status": _("Some claims of the batch are not awaiting payment.")})
    batch.status = BatchStatus.PAID
    batch.paid_at = timezone.now()
    batch.save()
    record_change(action="update", instance=batch, before=before)
    record_set(
        action=ChangeRecord.Action.UPDATE,
        model=Claim,
        count=moved,
        detail={"batch": batch.reference, "status": ClaimStatus.PAID.value},
        region_code=batch.region_code,
    )
    return batch


# ---------------------------------------------------------------------------------------------
# 做检验: post-audit sampling
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def audit_sample_draw(
    *, actor: Any, region_code: str, size: int, batch: PaymentBatch | None = None, seed: int | None = None
) -> AuditSample:
    """Draw ``size`` paid claims at random (of one batch, or of the region) for post-audit. The seed is
    recorded: the same seed over the same population draws the same claims."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", AuditSample, region_code=region_code, field="region_code")
    if size < 1:
        raise ValidationError({"size": _("The sample needs at least one claim.")})
    population = Claim.objects.filter(status=ClaimStatus.PAID)
    if batch is not None:
        authorize(actor, "sample", batch)
        population = population.filter(payment_line__batch=batch)
    prefix = scope_prefix(region_code)
    population = (
        population.filter(region_code=prefix) if len(prefix) == 6 else population.filter(region_code__startswith=prefix)
    )
    ids = np.array(sorted(population.values_list("pk", flat=True)), dtype=np.int64)
    if ids.size == 0:
        raise ValidationError({"population": _("There are no paid claims to sample.")})
    seed = secrets.randbits(62) if seed is None else int(seed)
    chosen = sample_ids(ids, size=size, seed=seed)
    sample = AuditSample(
        region_code=region_code, batch=batch, seed=seed, size=len(chosen), population=int(ids.size), created_by=actor
    )
    sample.full_clean()
    sample.save()
    SampleItem.objects.bulk_create([SampleItem(sample=sample, claim_id=int(c)) for c in chosen])
    record_change(action="create", instance=sample)
    record_set(model=SampleItem, count=len(chosen), detail={"sample": sample.pk, "seed": seed}, region_code=region_code)
    return sample


def sample_ids(population_ids: np.ndarray, *, size: int, seed: int) -> list[int]:
    """The draw itself: numpy's PCG64 seeded with ``seed`` over the ascending claim ids."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(population_ids.size, size=min(size, population_ids.size), replace=False)
    return sorted(int(population_ids[i]) for i in picked)


@transaction.atomic
def sample_item_record(*, actor: Any, item: SampleItem, result: str, note: str = "") -> SampleItem:
    authorize(actor, "change", item)
    item = SampleItem.objects.select_for_update().get(pk=item.pk)
    if result not in (SampleResult.CONFIRMED, SampleResult.PROBLEM):
        raise ValidationError({"result": _("Record confirmed or problem found.")})
    note = (note or "").strip()
    if result == SampleResult.PROBLEM and not note:
        raise ValidationError({"note": _("Describe the problem found.")})
    before = snapshot(item)
    item.result, item.note, item.checked_by, item.checked_at = result, note, actor, timezone.now()
    item.save()
    record_change(action="update", instance=item, before=before)
    return item


# ---------------------------------------------------------------------------------------------
# Findings under review
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def finding_review(*, actor: Any, finding: Finding, status: str, note: str) -> Finding:
    """Confirm or dismiss a finding, with a note. A dismissed finding releases its claims for payment;
    a confirmed one keeps holding them (reject the claims to close them)."""
    authorize(actor, "review", finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if status not in (FindingStatus.CONFIRMED, FindingStatus.DISMISSED):
        raise ValidationError({"status": _("Confirm or dismiss the finding.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("A review note is required.")})
    before = snapshot(finding)
    finding.status, finding.note, finding.reviewer, finding.reviewed_at = status, note, actor, timezone.now()
    finding.full_clean()
    finding.save()
    record_change(action="update", instance=finding, before=before)
    return finding
