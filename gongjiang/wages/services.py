"""Wage-price services: the survey of a city and year (its frame taken from the registry, its sample
drawn), the enterprises' responses (rows entered one by one or uploaded, then submitted), and the
editions (estimated, sent to review, published by a second officer, corrected by a new edition).

**The frame.** The registry's enterprises of the city (organisations of kind enterprise with an industry)
as of the survey's date, each in its stratum: GB/T 4754 section × size class × district. The size class
is read from the enterprise's employment in the registry on that date, by the employee thresholds of
统计上大中小微型企业划分办法（2017） for industry: large from 1,000, medium from 300, small from 20, micro
below. N_h counts the enterprises, E_h their employment, scaled to the city's employment statistic of the
survey year (or the latest before it) where there is one, so that the weights are calibrated to the
employed population rather than to the part of it the registry holds.

**The sample.** In each stratum n_h = min(N_h, max(2, ⌈f · N_h⌉)) enterprises, f the survey's sampling
fraction, large enterprises all taken; drawn without replacement by a generator seeded from the survey's
seed, city and year, so the same survey draws the same sample.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongjiang.core import tabular
from gongjiang.core.audit import Action, record_change, record_set, snapshot
from gongjiang.core.bulk import copy_frame
from gongjiang.core.scope import authorize
from gongjiang.core.tasks import enqueue_on_commit
from gongjiang.imports.validation import Validation
from gongjiang.reference.models import Occupation
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import EmploymentStat, Organisation
from gongjiang.wages import import_kinds
from gongjiang.wages.frames import cells_table, frame_of_registry, jsonable, premiums_table, survey_frames
from gongjiang.wages.models import (
    ESTIMATION_ACTIVE,
    Cell,
    Edition,
    EditionStatus,
    Education,
    EmployeeRecord,
    EstimationJob,
    EstimationStage,
    Premium,
    Response,
    ResponseStatus,
    Stratum,
    Survey,
    SurveyStatus,
)

log = logging.getLogger(__name__)

MIN_PER_STRATUM = 2
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _rng(*parts: object) -> np.random.Generator:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _employment_factor(region_code: str, year: int, registry_total: int) -> float:
    stat = EmploymentStat.objects.filter(region_code=region_code, year__lte=year).order_by("-year").first()
    if stat is None or registry_total <= 0:
        return 1.0
    return stat.employed / registry_total


@transaction.atomic
def survey_create(
    *,
    actor: Any,
    region_code: str,
    year: int,
    as_of: datetime.date,
    sampling_fraction: Decimal,
    seed: int = 1,
) -> Survey:
    """A city's salary survey of ``year``: its frame from the registry and its sample drawn."""
    region_code = validate_region_code(region_code, field="region_code")
    survey = Survey(region_code=region_code, year=year, as_of=as_of, sampling_fraction=sampling_fraction, seed=seed)
    authorize(actor, "add", survey, field="region_code")
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": _("The survey year must be from 2000 to this year.")})
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("The date is in the future.")})
    if not Decimal("0") < Decimal(sampling_fraction) <= Decimal("1"):
        raise ValidationError({"sampling_fraction": _("The sampling fraction is above 0 and at most 1.")})
    if Survey.objects.filter(region_code=region_code, year=year).exists():
        raise ValidationError({"year": _("This region already has a survey of this year.")})
    enterprises = frame_of_registry(region_code, as_of, year)
    if enterprises.height == 0:
        raise ValidationError({"region_code": _("The registry holds no enterprise with an industry in this region.")})
    survey.full_clean()
    survey.save()
    record_change(action=Action.CREATE, instance=survey)
    factor = _employment_factor(region_code, year, int(enterprises["employed"].sum()))
    keys = ["industry_section", "size_class", "region_code"]
    strata = (
        enterprises.group_by(keys)
        .agg(
            population_enterprises=pl.len(),
            population_employment=(pl.col("employed").sum() * factor).cast(pl.Float64),
        )
        .sort(keys)
    )
    copy_frame(Stratum, strata.with_columns(survey_id=pl.lit(survey.pk)))
    record_set(model=Stratum, count=strata.height, detail={"survey": survey.pk}, region_code=region_code)
    rng = _rng(seed, region_code, year)
    fraction = float(sampling_fraction)
    drawn: list[int] = []
    for _keys, group in enterprises.sort("organisation_id").group_by(keys, maintain_order=True):
        n_pop = group.height
        take_all = group["size_class"][0] == "large"
        n = n_pop if take_all else min(n_pop, max(MIN_PER_STRATUM, math.ceil(fraction * n_pop)))
        picked = rng.choice(n_pop, size=n, replace=False)
        drawn.extend(int(i) for i in group["organisation_id"].gather(np.sort(picked)).to_list())
    sample = enterprises.filter(pl.col("organisation_id").is_in(drawn)).select(
        "organisation_id", "uscc", "industry_section", "size_class", "region_code"
    )
    copy_frame(
        Response,
        sample.with_columns(
            survey_id=pl.lit(survey.pk),
            status=pl.lit(ResponseStatus.PENDING),
        ),
    )
    record_set(model=Response, count=sample.height, detail={"survey": survey.pk}, region_code=region_code)
    return survey


def _move_survey(survey: Survey, to: str, frm: str, message: str) -> Survey:
    if survey.status != frm:
        raise ValidationError({"status": message})
    before = snapshot(survey)
    survey.status = to
    survey.save()
    record_change(action=Action.UPDATE, instance=survey, before=before)
    return survey


@transaction.atomic
def survey_close(*, actor: Any, survey: Survey) -> Survey:
    """Stop collecting: responses can no longer be changed or submitted."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    authorize(actor, "close", survey)
    return _move_survey(survey, SurveyStatus.CLOSED, SurveyStatus.OPEN, _("The survey is not open."))


@transaction.atomic
def survey_reopen(*, actor: Any, survey: Survey) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    authorize(actor, "reopen", survey)
    return _move_survey(survey, SurveyStatus.OPEN, SurveyStatus.CLOSED, _("The survey is not closed."))


# ------------------------------------------------------------------------------------------------
# responses
# ------------------------------------------------------------------------------------------------


def _locked_response(response: Response) -> Response:
    return Response.objects.select_for_update(of=("self",)).select_related("survey").get(pk=response.pk)


def _pending(response: Response) -> None:
    if response.status != ResponseStatus.PENDING:
        raise ValidationError({"status": _("The survey is already submitted; it can no longer be changed.")})


@transaction.atomic
def response_submit(*, actor: Any, response: Response) -> Response:
    """The enterprise (or an officer for it) submits its survey: at least one employee row."""
    response = _locked_response(response)
    authorize(actor, "send", response)
    _pending(response)
    if not response.employees.exists():
        raise ValidationError({"status": _("Enter or upload at least one employee before submitting.")})
    before = snapshot(response)
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = timezone.now()
    response.submitted_by = actor
    response.save()
    record_change(action=Action.UPDATE, instance=response, before=before)
    return response


@transaction.atomic
def response_reopen(*, actor: Any, response: Response) -> Response:
    """An officer returns a submitted survey to its enterprise for correction."""
    response = _locked_response(response)
    authorize(actor, "reopen", response)
    if response.status != ResponseStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted survey can be reopened.")})
    if response.survey.status != SurveyStatus.OPEN:
        raise ValidationError({"status": _("The survey is closed; no response can be changed.")})
    before = snapshot(response)
    response.status = ResponseStatus.PENDING
    response.submitted_at = None
    response.submitted_by = None
    response.save()
    record_change(action=Action.UPDATE, instance=response, before=before)
    return response


def _validated(frame: pl.DataFrame, headers: dict[str, str]) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
    """Employee rows checked as the import kind checks them: the typed rows, and (row, column, message)."""
    v = Validation(frame, import_kinds.EMPLOYEE_COLUMNS, headers)
    import_kinds.validate_employees(v)
    v.duplicates("employee_key", ["employee_key"], _("The employee key"))
    errors = v.errors()
    rows = [(int(r["row"] or 0), r["column"], r["message"]) for r in errors.iter_rows(named=True)]
    return import_kinds.employee_rows(v.frame), rows


def _problems(errors: list[tuple[int, str, str]]) -> ValidationError:
    shown = [
        _("Row %(row)d, column %(column)s: %(message)s") % {"row": r, "column": c, "message": m} if r else m
        for r, c, m in errors[:50]
    ]
    if len(errors) > 50:
        shown.append(_("… and %(n)d more problems.") % {"n": len(errors) - 50})
    return ValidationError({"file": shown})


@transaction.atomic
def response_upload(*, actor: Any, response: Response, data: bytes, filename: str) -> int:
    """The enterprise's own file of employee rows replaces the rows of its survey; a file with any
    problem changes nothing, and every problem is named by row and column."""
    response = _locked_response(response)
    authorize(actor, "change", response)
    _pending(response)
    try:
        table = tabular.read_table(
            data, filename, import_kinds.EMPLOYEE_COLUMNS, limits=tabular.Limits(max_bytes=MAX_UPLOAD_BYTES)
        )
    except (tabular.FileRejected, tabular.HeaderError) as exc:
        raise ValidationError({"file": str(exc)}) from None
    if table.frame.height == 0 and not table.ragged:
        raise ValidationError({"file": _("The file has headers but no data rows.")})
    rows, errors = _validated(table.frame, table.headers.headers)
    errors = [(r, "", m) for r, m in table.ragged] + errors
    if errors:
        raise _problems(sorted(errors))
    removed = EmployeeRecord.objects.filter(response=response).delete()[0]
    copy_frame(EmployeeRecord, rows.with_columns(response_id=pl.lit(response.pk)))
    record_set(
        model=EmployeeRecord,
        count=rows.height,
        detail={"response": response.pk, "file": filename[:100], "replaced": removed},
        region_code=response.region_code,
    )
    return rows.height


@transaction.atomic
def employee_add(
    *,
    actor: Any,
    response: Response,
    employee_key: str,
    occupation_code: str,
    skill_level: str,
    education: str,
    months_worked: int,
    hours_per_month: Decimal,
    base_pay: Decimal,
    bonus: Decimal = Decimal(0),
    allowances: Decimal = Decimal(0),
    overtime_pay: Decimal = Decimal(0),
) -> EmployeeRecord:
    """One employee row entered on the enterprise's page, checked exactly as a file's row."""
    response = _locked_response(response)
    authorize(actor, "add", EmployeeRecord(response=response))
    _pending(response)
    raw = {
        "employee_key": str(employee_key),
        "occupation_code": str(occupation_code),
        "skill_level": str(skill_level),
        "education": str(education),
        "months_worked": str(months_worked),
        "hours_per_month": str(hours_per_month),
        "base_pay": str(base_pay),
        "bonus": str(bonus),
        "allowances": str(allowances),
        "overtime_pay": str(overtime_pay),
    }
    frame = pl.DataFrame({k: [v] for k, v in raw.items()}).with_columns(_row=pl.lit(1, dtype=pl.Int64))
    rows, errors = _validated(frame, {})
    if errors:
        by_field: dict[str, list[str]] = {}
        labels = {str(c.label): c.name for c in import_kinds.EMPLOYEE_COLUMNS}
        for _row, column, message in errors:
            by_field.setdefault(labels.get(column, "employee_key"), []).append(message)
        raise ValidationError(by_field)
    if response.employees.filter(employee_key=raw["employee_key"]).exists():
        raise ValidationError({"employee_key": _("This employee key is already entered.")})
    values = rows.row(0, named=True)
    record = EmployeeRecord(response=response, **values)
    record.full_clean(validate_unique=False)
    record.save()
    record_change(action=Action.CREATE, instance=record)
    return record


@transaction.atomic
def employee_delete(*, actor: Any, record: EmployeeRecord) -> None:
    record = EmployeeRecord.objects.select_related("response__survey").get(pk=record.pk)
    authorize(actor, "delete", record)
    _pending(record.response)
    record_change(action=Action.DELETE, instance=record)
    record.delete()


# ------------------------------------------------------------------------------------------------
# editions
# ------------------------------------------------------------------------------------------------


def _locked_edition(edition: Edition) -> Edition:
    return Edition.objects.select_for_update(of=("self",)).select_related("survey").get(pk=edition.pk)


def _not_frozen(edition: Edition) -> None:
    if edition.status == EditionStatus.PUBLISHED:
        raise ValidationError(
            {"status": _("A published edition is frozen; correct it with a new edition that supersedes it.")}
        )


@transaction.atomic
def edition_create(*, actor: Any, survey: Survey) -> Edition:
    """A draft edition of the survey's city and year (the first; corrections go through ``edition_correct``)."""
    edition = Edition(survey=survey, region_code=survey.region_code, year=survey.year, number=1)
    authorize(actor, "add", edition)
    if Edition.objects.filter(region_code=survey.region_code, year=survey.year).exists():
        raise ValidationError(
            {"survey": _("This survey already has an edition; correct a published one with a new edition.")}
        )
    edition.full_clean()
    edition.save()
    record_change(action=Action.CREATE, instance=edition)
    return edition


@dataclass(frozen=True)
class _Computed:
    """An edition's estimate and its protected cells, computed and not yet saved."""

    estimate: Any
    protected: pl.DataFrame
    rules: Any
    summary: dict[str, int]


def _estimable(edition: Edition) -> None:
    _not_frozen(edition)
    if edition.status != EditionStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft is estimated; return the edition to draft first.")})


def _estimation_active(edition: Edition) -> bool:
    return EstimationJob.objects.filter(edition=edition, status__in=ESTIMATION_ACTIVE).exists()


def _already_estimating() -> ValidationError:
    return ValidationError(
        {"status": _("The estimation of this edition is already queued or running; wait for it to end.")}
    )


def _compute(edition: Edition, replicates: int | None, progress: Progress | None) -> _Computed:
    """The estimation and the disclosure control of an edition over its survey's submitted responses
    (reads only; minutes at province scale)."""
    from gongjiang.wages import disclosure, estimation

    frame, sample, employees = survey_frames(edition.survey)
    if employees.height == 0:
        raise ValidationError({"status": _("No enterprise has submitted its survey yet.")})
    kwargs: dict[str, Any] = {"region_code": edition.region_code, "seed": edition.survey.seed}
    if replicates is not None:
        kwargs["replicates"] = replicates
    if progress is not None:
        kwargs["progress"] = progress
    estimate = estimation.estimate_edition(employees, sample, frame, **kwargs)
    rules = disclosure.Rules()
    protected = disclosure.protect(estimate.cells, rules, progress=progress)
    summary = {
        "enterprises": int(sample["responded"].sum()),
        "sampled": sample.height,
        "employees": employees.height,
    }
    return _Computed(estimate=estimate, protected=protected, rules=rules, summary=summary)


def _save(edition: Edition, actor: Any, computed: _Computed) -> Edition:
    """The computed cells, premiums, method and rules replace the draft's earlier estimate (in the caller's
    transaction, the edition locked)."""
    protected, estimate = computed.protected, computed.estimate
    before = snapshot(edition)
    replaced = Cell.objects.filter(edition=edition).delete()[0]
    Premium.objects.filter(edition=edition).delete()
    table = cells_table(protected, edition.pk)
    copy_frame(Cell, table)
    premiums = premiums_table(estimate.premium, protected, edition.pk)
    if premiums.height:
        copy_frame(Premium, premiums)
    counts = protected.group_by("status").len()
    edition.summary = {
        "cells": protected.height,
        "by_status": {r["status"]: int(r["len"]) for r in counts.iter_rows(named=True)},
        **computed.summary,
    }
    edition.method = jsonable(estimate.method)
    edition.rules = jsonable(computed.rules)
    edition.estimated_at = timezone.now()
    edition.estimated_by = actor
    edition.save()
    detail = {"edition": edition.pk, "replaced": replaced}
    record_set(model=Cell, count=table.height, detail=detail, region_code=edition.region_code)
    record_set(model=Premium, count=premiums.height, detail=detail, region_code=edition.region_code)
    record_change(action=Action.UPDATE, instance=edition, before=before)
    return edition


@transaction.atomic
def edition_estimate(*, actor: Any, edition: Edition, replicates: int | None = None) -> Edition:
    """Estimate a draft edition over the survey's submitted responses and protect its cells, here and now:
    the cells (with status and reason), the premium table, the method and the rules are stored; an earlier
    estimate of the draft is replaced. The pages start it in the background (``edition_estimate_start``)."""
    edition = _locked_edition(edition)
    authorize(actor, "estimate", edition)
    _estimable(edition)
    if _estimation_active(edition):
        raise _already_estimating()
    return _save(edition, actor, _compute(edition, replicates, None))


# ------------------------------------------------------------------------------------------------
# the estimation in the background
# ------------------------------------------------------------------------------------------------

Progress = Callable[[str, float], None]

# The stages in the order they run; the percentage shown is (stages done + fraction of this one) / stages.
STAGE_ORDER: tuple[str, ...] = tuple(s.value for s in EstimationStage if s.value)


@transaction.atomic
def edition_estimate_start(
    *, actor: Any, edition: Edition, replicates: int | None = None, language: str = ""
) -> EstimationJob:
    """Queue the estimation of a draft edition as a background task (``wages.tasks``). Refused while
    another estimation of the edition is queued or running: checked here, and by the database, whose
    constraint admits one active job per edition however many officers press the button at once."""
    from gongjiang.wages.tasks import edition_estimation_task

    edition = _locked_edition(edition)
    authorize(actor, "estimate", edition)
    _estimable(edition)
    submitted = EmployeeRecord.objects.filter(
        response__survey_id=edition.survey_id, response__status=ResponseStatus.SUBMITTED
    )
    if not submitted.exists():
        raise ValidationError({"status": _("No enterprise has submitted its survey yet.")})
    if replicates is not None and (replicates == 1 or replicates < 0):
        raise ValidationError({"replicates": _("The number of replicates is 0 or at least 2.")})
    if _estimation_active(edition):
        raise _already_estimating()
    job = EstimationJob(
        edition=edition,
        replicates=replicates,
        language=(language or translation.get_language() or "")[:10],
        created_by=actor,
    )
    job.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: the constraint's refusal leaves the outer block usable
            job.save()
    except IntegrityError:
        raise _already_estimating() from None
    record_change(action=Action.CREATE, instance=job)
    enqueue_on_commit(edition_estimation_task, job_id=job.pk)
    return job


def _move(edition: Edition, to: str, **changes: Any) -> Edition:
    before = snapshot(edition)
    edition.status = to
    for name, value in changes.items():
        setattr(edition, name, value)
    edition.save()
    record_change(action=Action.UPDATE, instance=edition, before=before)
    return edition


@transaction.atomic
def edition_review(*, actor: Any, edition: Edition) -> Edition:
    """Send an estimated draft to review by a second officer."""
    edition = _locked_edition(edition)
    authorize(actor, "review", edition)
    if edition.status != EditionStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft is sent to review.")})
    if edition.estimated_at is None or not edition.cells.exists():
        raise ValidationError({"status": _("Run the estimation before sending the edition to review.")})
    if _estimation_active(edition):
        raise _already_estimating()
    return _move(edition, EditionStatus.REVIEW, sent_by=actor)


@transaction.atomic
def edition_return(*, actor: Any, edition: Edition, reason: str = "") -> Edition:
    """The reviewer sends the edition back to draft (to estimate again after responses are corrected)."""
    edition = _locked_edition(edition)
    authorize(actor, "return", edition)
    if edition.status != EditionStatus.REVIEW:
        raise ValidationError({"status": _("Only an edition in review is returned to draft.")})
    summary = dict(edition.summary)
    if reason.strip():
        summary["returned"] = reason.strip()[:500]
    return _move(edition, EditionStatus.DRAFT, sent_by=None, summary=summary)


@transaction.atomic
def edition_publish(*, actor: Any, edition: Edition) -> Edition:
    """Publish an edition in review (a second officer: four eyes). It is frozen from now on; where it
    corrects an earlier edition, that one is superseded on the public pages."""
    edition = _locked_edition(edition)
    authorize(actor, "publish", edition)
    if edition.status != EditionStatus.REVIEW:
        raise ValidationError({"status": _("Only an edition in review is published.")})
    return _move(edition, EditionStatus.PUBLISHED, published_at=timezone.now(), published_by=actor)


@transaction.atomic
def edition_correct(*, actor: Any, edition: Edition, reason: str) -> Edition:
    """A correction of a published edition: a new draft of the same city and year that will supersede it
    once published. The published edition itself is never changed."""
    edition = _locked_edition(edition)
    authorize(actor, "correct", edition)
    if edition.status != EditionStatus.PUBLISHED:
        raise ValidationError({"status": _("Only a published edition is corrected by a new edition.")})
    if Edition.objects.filter(supersedes=edition).exists():
        raise ValidationError({"status": _("This edition already has a correction.")})
    if not reason.strip():
        raise ValidationError({"reason": _("State the reason for the correction.")})
    last = Edition.objects.filter(region_code=edition.region_code, year=edition.year).order_by("-number").first()
    correction = Edition(
        survey=edition.survey,
        region_code=edition.region_code,
        year=edition.year,
        number=(last.number if last else edition.number) + 1,
        supersedes=edition,
        correction_reason=reason.strip()[:2000],
    )
    authorize(actor, "add", correction)
    correction.full_clean()
    correction.save()
    record_change(action=Action.CREATE, instance=correction)
    return correction


def _check_delivered(frame: pl.DataFrame, sample: pl.DataFrame, employees: pl.DataFrame) -> None:
    """A delivered survey's frames checked on whole columns; the first problems named by row and column."""
    problems: list[str] = []
    known = set(Occupation.objects.filter(kind="occupation").values_list("code", flat=True))
    checks = [
        ("occupation_code", ~pl.col("occupation_code").is_in(sorted(known))),
        ("skill_level", ~pl.col("skill_level").is_in([*import_kinds.LEVEL_CODES])),
        ("education", ~pl.col("education").is_in(list(Education.values))),
        ("months_worked", ~pl.col("months_worked").is_between(1, 12)),
        ("base_pay", pl.col("base_pay") <= 0),
    ]
    numbered = employees.with_row_index("_row", offset=1)
    for column, bad in checks:
        for row in numbered.filter(bad.fill_null(True))["_row"].head(5).to_list():
            problems.append(_("Row %(row)d, column %(column)s: invalid value.") % {"row": row, "column": column})
    if not sample["enterprise_id"].is_unique().all():
        problems.append(_("The sample lists an enterprise more than once."))
    if problems:
        raise ValidationError({"employees": problems})


@transaction.atomic
def survey_load(
    *,
    actor: Any,
    region_code: str,
    year: int,
    as_of: datetime.date,
    frame: pl.DataFrame,
    sample: pl.DataFrame,
    employees: pl.DataFrame,
    pending: frozenset[str] = frozenset(),
    seed: int = 1,
) -> Survey:
    """A survey delivered whole (a statistics bureau's frame and sample, the enterprises' records; the demo
    and the benchmark): the frame's strata and the sample's enterprises inside the region, matched to the
    registry's organisations by credit code, and the employee rows of the responding enterprises, which
    count as submitted unless their credit code is in ``pending``."""
    region_code = validate_region_code(region_code, field="region_code")
    survey = Survey(region_code=region_code, year=year, as_of=as_of, sampling_fraction=Decimal("1"), seed=seed)
    authorize(actor, "add", survey, field="region_code")
    if Survey.objects.filter(region_code=region_code, year=year).exists():
        raise ValidationError({"year": _("This region already has a survey of this year.")})
    prefix = region_code[:4] if region_code.endswith("00") else region_code
    inside = pl.col("region_code").str.starts_with(prefix)
    frame = frame.filter(inside)
    sample = sample.filter(inside)
    orgs = pl.DataFrame(
        list(Organisation.objects.filter(uscc__in=sample["uscc"].to_list()).values_list("uscc", "id")),
        schema={"uscc": pl.String, "organisation_id": pl.Int64},
        orient="row",
    )
    sample = sample.join(orgs, on="uscc", how="left")
    missing = sample.filter(pl.col("organisation_id").is_null())["uscc"].head(5).to_list()
    if missing:
        raise ValidationError({"sample": _("Not in the registry: %(codes)s.") % {"codes": ", ".join(missing)}})
    employees = employees.join(sample.select("enterprise_id"), on="enterprise_id", how="semi")
    _check_delivered(frame, sample, employees)
    survey.full_clean()
    survey.save()
    record_change(action=Action.CREATE, instance=survey)
    copy_frame(
        Stratum,
        frame.select(
            "industry_section",
            "size_class",
            "region_code",
            pl.col("population_enterprises").cast(pl.Int64),
            pl.col("population_employment").cast(pl.Float64),
        ).with_columns(survey_id=pl.lit(survey.pk)),
    )
    record_set(model=Stratum, count=frame.height, detail={"survey": survey.pk}, region_code=region_code)
    reporting = sample.filter(pl.col("responded") & ~pl.col("uscc").is_in(sorted(pending)))
    now = timezone.now()
    copy_frame(
        Response,
        sample.select(
            "organisation_id",
            "uscc",
            "industry_section",
            "size_class",
            "region_code",
            pl.lit(survey.pk).alias("survey_id"),
            pl.when(pl.col("uscc").is_in(reporting["uscc"].implode()))
            .then(pl.lit(ResponseStatus.SUBMITTED))
            .otherwise(pl.lit(ResponseStatus.PENDING))
            .alias("status"),
        ),
    )
    record_set(model=Response, count=sample.height, detail={"survey": survey.pk}, region_code=region_code)
    Response.objects.filter(survey=survey, status=ResponseStatus.SUBMITTED).update(submitted_at=now)
    ids = pl.DataFrame(
        list(survey.responses.values_list("uscc", "id")),
        schema={"uscc": pl.String, "response_id": pl.Int64},
        orient="row",
    )
    rows = (
        employees.join(reporting.select("enterprise_id", "uscc"), on="enterprise_id", how="inner")
        .join(ids, on="uscc", how="inner")
        .with_columns(employee_key=(pl.int_range(pl.len()).over("response_id") + 1).cast(pl.String))
    )
    copy_frame(
        EmployeeRecord,
        rows.select(
            "response_id",
            "employee_key",
            "occupation_code",
            "skill_level",
            "education",
            pl.col("months_worked").cast(pl.Int64),
            pl.col("hours_per_month").round(1),
            *((pl.col(c) * 100).round(0).cast(pl.Int64).alias(c) for c in import_kinds.PAY_FIELDS),
        ),
    )
    record_set(model=EmployeeRecord, count=rows.height, detail={"survey": survey.pk}, region_code=region_code)
    return survey
