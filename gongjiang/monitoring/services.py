"""Writes of the monitoring app: indicator and target definitions, carriers, map boundaries, rollups.

Every service is atomic, validates fully and records its change. Loading YAML is all or nothing: any
error names the entry and field, and nothing is written.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.plausible import check_name, name_error
from gongjiang.core.scope import authorize
from gongjiang.core.tasks import enqueue_on_commit
from gongjiang.monitoring.crosswalk import current_code
from gongjiang.monitoring.evaluation import RefreshReport, monitoring_refresh
from gongjiang.monitoring.incremental import rollup_update
from gongjiang.monitoring.models import (
    Boundary,
    Carrier,
    CarrierDecision,
    CarrierDecisionKind,
    CarrierKind,
    CarrierLevel,
    CarrierStatus,
    Comparison,
    DataSource,
    Indicator,
    IndicatorKind,
    Target,
    TargetKind,
)
from gongjiang.monitoring.rollup import RollupReport, rollup_rebuild
from gongjiang.monitoring.tasks import refresh_task, request_rebuild, request_update
from gongjiang.reference.regions import is_code_shape, level_of, parent_code, province_of
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import Organisation

REGISTRY_MEASURES = {"skilled", "mid_plus", "high", "new_skilled", "new_mid_plus", "new_high"}
SCOPES = {"all", "digital", "school_digital"}
ORGANISATION_MEASURES = {"evaluation_institutions", "self_evaluating_enterprises"}
EVALUATION_MEASURES = {"filed_institutions", "self_evaluating_enterprises", "digital_occupations"}
COMPETITION_MEASURES = {"municipal_competitions", "participants"}
TRAINING_MEASURES = {"subsidised", "digital", "digital_passed", "elderly_care", "youth"}
LABOUR_MEASURES = {
    "order_classes",
    "order_class_students",
    "apprentices",
    "teachers",
    "dual_teachers",
    "social_trainees",
    "enrolment",
    "graduates",
    "certified_graduates",
    "retained_graduates",
}


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _data(name: str) -> str:
    return resources.files("gongjiang.monitoring").joinpath(f"data/{name}").read_text(encoding="utf-8")


def _read_yaml(path: Path | None, default: str) -> Any:
    text = path.read_text(encoding="utf-8") if path else _data(default)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(_("The file is not valid YAML: %(e)s") % {"e": exc}) from None


def _check_measure(spec: Any, where: str, errors: list[str]) -> None:
    if not isinstance(spec, dict):
        errors.append(_("%(w)s: must be a mapping with a source.") % {"w": where})
        return
    source = spec.get("source")
    if source not in DataSource.values:
        errors.append(_("%(w)s: unknown source %(s)r.") % {"w": where, "s": source})
    elif source == DataSource.REGISTRY:
        if spec.get("measure") not in REGISTRY_MEASURES:
            errors.append(_("%(w)s: unknown registry measure %(m)r.") % {"w": where, "m": spec.get("measure")})
        if spec.get("scope", "all") not in SCOPES:
            errors.append(_("%(w)s: unknown certificate scope %(s)r.") % {"w": where, "s": spec.get("scope")})
    elif source == DataSource.CARRIERS and spec.get("kind") not in CarrierKind.values:
        errors.append(_("%(w)s: unknown carrier kind %(k)r.") % {"w": where, "k": spec.get("kind")})
    elif source == DataSource.ORGANISATIONS and spec.get("measure") not in ORGANISATION_MEASURES:
        errors.append(_("%(w)s: unknown organisation measure %(m)r.") % {"w": where, "m": spec.get("measure")})
    elif source == DataSource.EVALUATION and spec.get("measure") not in EVALUATION_MEASURES:
        errors.append(_("%(w)s: unknown evaluation measure %(m)r.") % {"w": where, "m": spec.get("measure")})
    elif source == DataSource.COMPETITIONS and spec.get("measure") not in COMPETITION_MEASURES:
        errors.append(_("%(w)s: unknown competition measure %(m)r.") % {"w": where, "m": spec.get("measure")})
    elif source == DataSource.TRAINING and spec.get("measure") not in TRAINING_MEASURES:
        errors.append(_("%(w)s: unknown training measure %(m)r.") % {"w": where, "m": spec.get("measure")})
    elif source == DataSource.LABOUR and spec.get("measure") not in LABOUR_MEASURES:
        errors.append(_("%(w)s: unknown labour-market measure %(m)r.") % {"w": where, "m": spec.get("measure")})
    elif source == DataSource.EMPLOYMENT_STATS and spec.get("measure") != "employed":
        errors.append(_("%(w)s: employment statistics have one measure, employed.") % {"w": where})


def _indicator_fields(entry: dict[str, Any], n: int, errors: list[str]) -> dict[str, Any] | None:
    code = str(entry.get("code") or "").strip()
    where = f"indicators[{n}] {code or '?'}"
    if not code:
        errors.append(_("%(w)s: code is required.") % {"w": where})
        return None
    for req in ("name", "name_en", "kind"):
        if not entry.get(req):
            errors.append(_("%(w)s: %(f)s is required.") % {"w": where, "f": req})
    if entry.get("kind") and entry["kind"] not in IndicatorKind.values:
        errors.append(_("%(w)s: unknown kind %(k)r.") % {"w": where, "k": entry["kind"]})
    numerator = entry.get("numerator")
    _check_measure(numerator, f"{where} numerator", errors)
    denominator = entry.get("denominator")
    if denominator is not None:
        _check_measure(denominator, f"{where} denominator", errors)
    source = numerator.get("source") if isinstance(numerator, dict) else None
    if source == DataSource.NOT_COLLECTED and not entry.get("planned_source"):
        errors.append(_("%(w)s: an indicator not yet collected must name its planned source.") % {"w": where})
    factor = entry.get("factor", 1)
    if not isinstance(factor, int) or factor < 1:
        errors.append(_("%(w)s: factor must be a positive whole number.") % {"w": where})
    return {
        "code": code,
        "name": str(entry.get("name", "")),
        "name_en": str(entry.get("name_en", "")),
        "definition": str(entry.get("definition", "")),
        "kind": entry.get("kind"),
        "numerator": numerator,
        "denominator": denominator,
        "factor": factor,
        "unit": str(entry.get("unit", "")),
        "disaggregations": list(entry.get("disaggregations") or []),
        "period_types": list(entry.get("period_types") or ["year"]),
        "source": source or "",
        "planned_source": str(entry.get("planned_source", "")),
        "planned_source_en": str(entry.get("planned_source_en", "")),
        "order": n,
    }


@transaction.atomic
def indicators_load(*, actor: Any, path: Path | None = None) -> LoadReport:
    """Load or update indicator definitions (the shipped ``data/indicators.yaml`` by default)."""
    authorize(actor, "change", Indicator)
    data = _read_yaml(path, "indicators.yaml")
    entries = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValidationError(_("The file must have a list under 'indicators'."))
    report = LoadReport()
    parsed = []
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        fields = _indicator_fields(entry if isinstance(entry, dict) else {}, n, report.errors)
        if fields is None:
            continue
        if fields["code"] in seen:
            report.errors.append(_("indicators[%(n)d] %(c)s: duplicate code.") % {"n": n, "c": fields["code"]})
        seen.add(fields["code"])
        parsed.append(fields)
    if report.errors:
        raise ValidationError(report.errors)
    for fields in parsed:
        _upsert(Indicator, "code", fields, report)
    return report


def _upsert(model: type[models.Model], key: str, fields: dict[str, Any], report: LoadReport) -> None:
    """Create the record named by ``fields[key]``, update it where it differs, or count it unchanged;
    each write validated and with its change record."""
    obj = model._default_manager.filter(**{key: fields[key]}).first()
    if obj is None:
        obj = model(**fields)
        obj.full_clean()
        obj.save()
        record_change(action="create", instance=obj)
        report.created += 1
        return
    if all(getattr(obj, k) == v for k, v in fields.items()):
        report.unchanged += 1
        return
    before = snapshot(obj)
    for k, v in fields.items():
        setattr(obj, k, v)
    obj.full_clean()
    obj.save()
    record_change(action="update", instance=obj, before=before)
    report.updated += 1


def _date(value: Any, where: str, errors: list[str]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors.append(_("%(w)s: %(v)r is not a date (YYYY-MM-DD).") % {"w": where, "v": value})
        return None


def _target_fields(
    entry: dict[str, Any], n: int, documents: dict[str, str], errors: list[str]
) -> dict[str, Any] | None:
    key = str(entry.get("key") or "").strip()
    where = f"targets[{n}] {key or '?'}"
    if not key:
        errors.append(_("%(w)s: key is required.") % {"w": where})
        return None
    indicator = Indicator.objects.filter(code=entry.get("indicator")).first()
    if indicator is None:
        errors.append(_("%(w)s: unknown indicator %(i)r.") % {"w": where, "i": entry.get("indicator")})
    region = str(entry.get("region") or "")
    try:
        validate_region_code(region, field="region")
    except ValidationError:
        errors.append(_("%(w)s: region %(r)r is not a current GB/T 2260 code.") % {"w": where, "r": region})
    kind = entry.get("kind")
    if kind not in TargetKind.values:
        errors.append(_("%(w)s: unknown kind %(k)r.") % {"w": where, "k": kind})
    comparison = str(entry.get("comparison", Comparison.AT_LEAST))
    if comparison not in Comparison.values:
        errors.append(_("%(w)s: comparison must be one of >=, >, <=, <.") % {"w": where})
    value = entry.get("value")
    if kind != TargetKind.MONITOR and not isinstance(value, int | float):
        errors.append(_("%(w)s: a target needs a numeric value.") % {"w": where})
    baseline_year, horizon = entry.get("baseline_year"), entry.get("horizon")
    if not isinstance(baseline_year, int) or not isinstance(horizon, int) or baseline_year >= horizon:
        errors.append(
            _("%(w)s: baseline_year and horizon must be years, the baseline before the horizon.") % {"w": where}
        )
    window_start = _date(entry.get("window_start"), where, errors)
    if kind == TargetKind.CUMULATIVE:
        if window_start is None:
            errors.append(_("%(w)s: a cumulative target needs window_start.") % {"w": where})
        elif (window_start.month, window_start.day) != (1, 1):
            errors.append(_("%(w)s: window_start must be the first day of a year.") % {"w": where})
        if indicator is not None and indicator.kind != IndicatorKind.FLOW:
            errors.append(_("%(w)s: a cumulative target needs a flow indicator.") % {"w": where})
    if (
        kind == TargetKind.ANNUAL
        and indicator is not None
        and indicator.kind not in (IndicatorKind.FLOW, IndicatorKind.RATIO)
    ):
        errors.append(_("%(w)s: an annual target needs a flow or ratio indicator.") % {"w": where})
    doc_id = str(entry.get("document_id") or "")
    if doc_id not in documents:
        errors.append(_("%(w)s: unknown document %(d)r.") % {"w": where, "d": doc_id})
    if not entry.get("clause"):
        errors.append(_("%(w)s: clause is required.") % {"w": where})
    baseline_value = entry.get("baseline_value")
    return {
        "key": key,
        "indicator": indicator,
        "region_code": region,
        "kind": kind,
        "comparison": comparison,
        "value": float(value) if isinstance(value, int | float) else None,
        "baseline_year": baseline_year,
        "baseline_value": float(baseline_value) if isinstance(baseline_value, int | float) else None,
        "horizon": horizon,
        "window_start": window_start,
        "stable": bool(entry.get("stable", False)),
        "document_id": doc_id,
        "document": documents.get(doc_id, ""),
        "clause": str(entry.get("clause", "")),
        "summary": str(entry.get("summary", ""))[:300],
    }


@transaction.atomic
def targets_load(
    *, actor: Any, path: Path | None = None, indicators_path: Path | None = None
) -> tuple[LoadReport, LoadReport]:
    """Load the indicator definitions, then the targets (the shipped YAML files by default)."""
    authorize(actor, "change", Indicator)
    ind_report = indicators_load(actor=actor, path=indicators_path)
    data = _read_yaml(path, "targets.yaml")
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise ValidationError(_("The file must have a list under 'targets'."))
    documents = {str(k): str(v) for k, v in (data.get("documents") or {}).items()}
    report = LoadReport()
    parsed = []
    seen: set[str] = set()
    for n, entry in enumerate(data["targets"]):
        fields = _target_fields(entry if isinstance(entry, dict) else {}, n, documents, report.errors)
        if fields is None:
            continue
        if fields["key"] in seen:
            report.errors.append(_("targets[%(n)d] %(k)s: duplicate key.") % {"n": n, "k": fields["key"]})
        seen.add(fields["key"])
        parsed.append(fields)
    if report.errors:
        raise ValidationError(report.errors)
    for fields in parsed:
        _upsert(Target, "key", fields, report)
    return ind_report, report


# ---------------------------------------------------------------------------------------------
# Carriers
# ---------------------------------------------------------------------------------------------


def _carrier_clean(
    *, kind: str, name: str, region_code: str, level: str, since: datetime.date, until: datetime.date | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if kind not in CarrierKind.values:
        errors["kind"] = _("Unknown carrier kind %(k)s.") % {"k": kind}
    if level not in CarrierLevel.values:
        errors["level"] = _("Unknown carrier level %(l)s.") % {"l": level}
    name = (name or "").strip()
    message = name_error(name)
    if message:
        errors["name"] = message
    if since > datetime.date.today():
        errors["since"] = _("The recognition date is in the future.")
    if until is not None and until <= since:
        errors["until"] = _("The withdrawal date must be after the recognition date.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "region_code": validate_region_code(region_code, as_of=since, field="region_code")}


def _decide(actor: Any, carrier: Carrier, kind: str, day: datetime.date, **values: Any) -> CarrierDecision:
    decision = CarrierDecision(
        carrier=carrier,
        kind=kind,
        date=day,
        decided_by=actor if getattr(actor, "pk", None) else None,
        **values,
    )
    decision.full_clean()
    decision.save()
    record_change(action="create", instance=decision)
    return decision


def _clause(clause: str) -> str:
    clause = (clause or "").strip()
    if not clause:
        raise ValidationError({"clause": _("Name the document and clause the decision rests on.")})
    if len(clause) > 120:
        raise ValidationError({"clause": _("At most 120 characters.")})
    return clause


def _decision_day(carrier: Carrier, day: datetime.date, field: str = "date") -> datetime.date:
    """A decision's date: not in the future, and not before the carrier's last decision."""
    if day > datetime.date.today():
        raise ValidationError({field: _("The date is in the future.")})
    last = carrier.decisions.order_by("-date").values_list("date", flat=True).first()
    if last is not None and day < last:
        raise ValidationError(
            {field: _("The date is before the carrier's last decision (%(d)s).") % {"d": last.isoformat()}}
        )
    return day


def _carrier_for_update(carrier: Carrier) -> Carrier:
    return Carrier.objects.select_for_update().get(pk=carrier.pk)


def _carrier_status(carrier: Carrier, *allowed: str, message: str) -> None:
    if carrier.status not in allowed:
        raise ValidationError({"status": message})


@transaction.atomic
def carrier_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    region_code: str,
    level: str,
    since: datetime.date,
    until: datetime.date | None = None,
    digital: bool = False,
    organisation: Organisation | None = None,
    source: str = "",
) -> Carrier:
    """Record a carrier recognised already (a national or provincial list, an earlier decision): the carrier
    and its recognition (and withdrawal, when ``until`` is given) in its history, ``source`` as the clause."""
    clean = _carrier_clean(kind=kind, name=name, region_code=region_code, level=level, since=since, until=until)
    authorize(actor, "add", Carrier, region_code=clean["region_code"], field="region_code")
    if Carrier.objects.filter(kind=kind, region_code=clean["region_code"], name=clean["name"]).exists():
        raise ValidationError({"name": _("This carrier is already registered in the region.")})
    carrier = Carrier(
        kind=kind,
        level=level,
        status=CarrierStatus.WITHDRAWN if until is not None else CarrierStatus.RECOGNISED,
        since=since,
        until=until,
        digital=digital,
        organisation=organisation,
        source=(source or "")[:200],
        **clean,
    )
    carrier.full_clean()
    carrier.save()
    record_change(action="create", instance=carrier)
    _decide(actor, carrier, CarrierDecisionKind.RECOGNISE, since, level=level, clause=carrier.source[:120])
    if until is not None:
        _decide(actor, carrier, CarrierDecisionKind.WITHDRAW, until, clause=carrier.source[:120], reason="—")
    return carrier


@transaction.atomic
def carrier_apply(
    *,
    actor: Any,
    organisation: Organisation,
    kind: str,
    name: str,
    digital: bool = False,
    description: str = "",
    today: datetime.date | None = None,
) -> Carrier:
    """An organisation (an enterprise or school, or the bureau on its behalf) applies for recognition of a
    carrier in its own region."""
    day = today or datetime.date.today()
    if kind not in CarrierKind.values:
        raise ValidationError({"kind": _("Unknown carrier kind %(k)s.") % {"k": kind}})
    carrier = Carrier(
        kind=kind,
        name=check_name(name),
        region_code=organisation.region_code,
        status=CarrierStatus.APPLIED,
        applied_on=day,
        digital=digital,
        organisation=organisation,
        description=(description or "").strip(),
    )
    authorize(actor, "add", carrier)
    if Carrier.objects.filter(kind=kind, region_code=carrier.region_code, name=carrier.name).exists():
        raise ValidationError({"name": _("This carrier is already registered in the region.")})
    carrier.full_clean()
    carrier.save()
    record_change(action="create", instance=carrier)
    _decide(actor, carrier, CarrierDecisionKind.APPLY, day, reason=carrier.description[:300])
    return carrier


def _update(carrier: Carrier, **values: Any) -> Carrier:
    before = snapshot(carrier)
    for name, value in values.items():
        setattr(carrier, name, value)
    carrier.full_clean()
    carrier.save()
    record_change(action="update", instance=carrier, before=before)
    return carrier


@transaction.atomic
def carrier_recognise(
    *,
    actor: Any,
    carrier: Carrier,
    date: datetime.date,
    level: str,
    clause: str,
    valid_until: datetime.date | None = None,
) -> Carrier:
    """Recognise an application at a level (national, provincial, city), for a term or without one."""
    carrier = _carrier_for_update(carrier)
    authorize(actor, "recognise", carrier)
    _carrier_status(carrier, CarrierStatus.APPLIED, message=_("Only an application awaiting review is recognised."))
    if level not in CarrierLevel.values:
        raise ValidationError({"level": _("Unknown carrier level %(l)s.") % {"l": level}})
    clause = _clause(clause)
    day = _decision_day(carrier, date)
    if valid_until is not None and valid_until <= day:
        raise ValidationError({"valid_until": _("The term must end after the recognition date.")})
    _decide(actor, carrier, CarrierDecisionKind.RECOGNISE, day, level=level, valid_until=valid_until, clause=clause)
    return _update(carrier, status=CarrierStatus.RECOGNISED, level=level, since=day, valid_until=valid_until)


@transaction.atomic
def carrier_reject(*, actor: Any, carrier: Carrier, date: datetime.date, reason: str, clause: str) -> Carrier:
    """Refuse an application, with the reason."""
    carrier = _carrier_for_update(carrier)
    authorize(actor, "reject", carrier)
    _carrier_status(carrier, CarrierStatus.APPLIED, message=_("Only an application awaiting review is refused."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    clause = _clause(clause)
    day = _decision_day(carrier, date)
    _decide(actor, carrier, CarrierDecisionKind.REJECT, day, reason=reason[:300], clause=clause)
    return _update(carrier, status=CarrierStatus.REJECTED)


@transaction.atomic
def carrier_assess(
    *,
    actor: Any,
    carrier: Carrier,
    year: int,
    date: datetime.date,
    score: Decimal,
    findings: str,
    clause: str,
) -> CarrierDecision:
    """The annual assessment of a recognised carrier: a score from 0 to 100 and the findings, once a year."""
    carrier = _carrier_for_update(carrier)
    authorize(actor, "assess", carrier)
    _carrier_status(carrier, CarrierStatus.RECOGNISED, message=_("Only a recognised carrier is assessed."))
    if carrier.since is None or not carrier.since.year <= year <= date.year:
        raise ValidationError({"year": _("The year must be between the recognition and the assessment date.")})
    if carrier.decisions.filter(kind=CarrierDecisionKind.ASSESS, year=year).exists():
        raise ValidationError({"year": _("The carrier has been assessed for %(y)d already.") % {"y": year}})
    try:
        value = Decimal(str(score))
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": _("The score is a number from 0 to 100.")}) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"score": _("The score is a number from 0 to 100.")})
    findings = (findings or "").strip()
    if not findings:
        raise ValidationError({"findings": _("Write down the findings.")})
    clause = _clause(clause)
    day = _decision_day(carrier, date)
    decision = _decide(
        actor,
        carrier,
        CarrierDecisionKind.ASSESS,
        day,
        year=year,
        score=value.quantize(Decimal("0.1")),
        findings=findings,
        clause=clause,
    )
    return decision


@transaction.atomic
def carrier_fund(
    *, actor: Any, carrier: Carrier, date: datetime.date, amount: int, clause: str, reason: str = ""
) -> CarrierDecision:
    """A funding decision for a recognised carrier: ``amount`` in fen, above zero."""
    carrier = _carrier_for_update(carrier)
    authorize(actor, "fund", carrier)
    _carrier_status(carrier, CarrierStatus.RECOGNISED, message=_("Only a recognised carrier is funded."))
    if not isinstance(amount, int) or amount <= 0 or amount > 10**11:
        raise ValidationError({"amount": _("The amount must be above zero and at most 1,000,000,000 yuan.")})
    clause = _clause(clause)
    day = _decision_day(carrier, date)
    decision = _decide(
        actor, carrier, CarrierDecisionKind.FUND, day, amount=amount, reason=(reason or "").strip()[:300], clause=clause
    )
    return decision


@transaction.atomic
def carrier_renew(
    *, actor: Any, carrier: Carrier, date: datetime.date, valid_until: datetime.date, clause: str
) -> Carrier:
    """Renew a recognised carrier to a new end of term (later than the present one)."""
    carrier = _carrier_for_update(carrier)
    authorize(actor, "renew", carrier)
    _carrier_status(carrier, CarrierStatus.RECOGNISED, message=_("Only a recognised carrier is renewed."))
    clause = _clause(clause)
    day = _decision_day(carrier, date)
    if valid_until <= day or (carrier.valid_until is not None and valid_until <= carrier.valid_until):
        raise ValidationError({"valid_until": _("The new term must end after the renewal and after the present term.")})
    _decide(actor, carrier, CarrierDecisionKind.RENEW, day, valid_until=valid_until, clause=clause)
    return _update(carrier, valid_until=valid_until)


@transaction.atomic
def carrier_withdraw(
    *, actor: Any, carrier: Carrier, until: datetime.date, reason: str = "", clause: str = ""
) -> Carrier:
    """Withdraw a recognised carrier: from ``until`` on it no longer counts in the indicators."""
    carrier = _carrier_for_update(carrier)
    authorize(actor, "withdraw", carrier)
    if carrier.until is not None or carrier.status == CarrierStatus.WITHDRAWN:
        raise ValidationError({"until": _("The carrier is already withdrawn.")})
    _carrier_status(carrier, CarrierStatus.RECOGNISED, message=_("Only a recognised carrier is withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    clause = _clause(clause)
    if carrier.since is None or until <= carrier.since:
        raise ValidationError({"until": _("The withdrawal date must be after the recognition date.")})
    day = _decision_day(carrier, until, field="until")
    _decide(actor, carrier, CarrierDecisionKind.WITHDRAW, day, reason=reason[:300], clause=clause)
    return _update(carrier, status=CarrierStatus.WITHDRAWN, until=day)


@transaction.atomic
def carriers_bulk_create(
    *, actor: Any, rows: list[dict[str, Any]], region_code: str = "", detail: dict[str, Any] | None = None
) -> int:
    """Create many recognised carriers at once, each with its recognition (and withdrawal) in its history
    (validated row by row first; any error writes nothing)."""
    errors: list[str] = []
    objs: list[Carrier] = []
    seen: set[tuple[str, str, str]] = set()
    existing = set(Carrier.objects.values_list("kind", "region_code", "name"))
    for n, row in enumerate(rows, start=1):
        try:
            clean = _carrier_clean(
                kind=row["kind"],
                name=row["name"],
                region_code=row["region_code"],
                level=row["level"],
                since=row["since"],
                until=row.get("until"),
            )
        except ValidationError as exc:
            for fname, msgs in exc.message_dict.items():
                errors.append(_("row %(n)d, %(f)s: %(m)s") % {"n": n, "f": fname, "m": "; ".join(msgs)})
            continue
        try:
            authorize(actor, "add", Carrier, region_code=clean["region_code"])
        except PermissionDenied as exc:
            errors.append(_("row %(n)d, region_code: %(m)s") % {"n": n, "m": exc})
            continue
        key = (row["kind"], clean["region_code"], clean["name"])
        if key in seen or key in existing:
            errors.append(_("row %(n)d, name: this carrier is already registered in the region.") % {"n": n})
        seen.add(key)
        objs.append(
            Carrier(
                kind=row["kind"],
                level=row["level"],
                status=CarrierStatus.WITHDRAWN if row.get("until") else CarrierStatus.RECOGNISED,
                since=row["since"],
                until=row.get("until"),
                digital=bool(row.get("digital", False)),
                source=str(row.get("source", ""))[:200],
                **clean,
            )
        )
    if errors:
        raise ValidationError(errors)
    Carrier.objects.bulk_create(objs, batch_size=1000)
    if objs:
        if any(c.pk is None for c in objs):  # a backend that returns no keys from a bulk insert
            keys = {(c.kind, c.region_code, c.name): c.pk for c in Carrier.objects.only("kind", "region_code", "name")}
            for c in objs:
                c.pk = keys[(c.kind, c.region_code, c.name)]
        record_set(model=Carrier, count=len(objs), detail=detail or {}, region_code=region_code)
        decisions = [
            CarrierDecision(
                carrier_id=c.pk, kind=CarrierDecisionKind.RECOGNISE, date=since, level=c.level, clause=c.source[:120]
            )
            for c in objs
            if (since := c.since) is not None
        ]
        decisions += [
            CarrierDecision(
                carrier_id=c.pk, kind=CarrierDecisionKind.WITHDRAW, date=c.until, clause=c.source[:120], reason="—"
            )
            for c in objs
            if c.until is not None
        ]
        CarrierDecision.objects.bulk_create(decisions, batch_size=1000)
        record_set(model=CarrierDecision, count=len(decisions), detail=detail or {}, region_code=region_code)
    return len(objs)


# ---------------------------------------------------------------------------------------------
# Map boundaries
# ---------------------------------------------------------------------------------------------


@dataclass
class MapReport:
    loaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _feature_code(feature: dict[str, Any]) -> str:
    props = feature.get("properties") or {}
    for key in ("adcode", "code", "region_code", "id"):
        value = props.get(key, feature.get(key) if key == "id" else None)
        if value not in (None, ""):
            return str(value).strip()
    return ""


@transaction.atomic
def boundaries_load(
    *, actor: Any, collections: list[dict[str, Any]], source: str, licence: str, approval_number: str = ""
) -> MapReport:
    """Load GeoJSON FeatureCollections whose features carry GB/T 2260 codes (``adcode``). Retired codes are
    stored under their current successor. Any bad feature rejects the whole load."""
    authorize(actor, "change", Boundary)
    if not source.strip() or not licence.strip():
        raise ValidationError(_("Every map load must state its source and licence."))
    errors: list[str] = []
    rows: dict[str, dict[str, Any]] = {}
    report = MapReport()
    for c_index, collection in enumerate(collections):
        if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
            errors.append(_("file %(n)d: not a GeoJSON FeatureCollection.") % {"n": c_index + 1})
            continue
        for f_index, feature in enumerate(collection.get("features") or []):
            where = f"file {c_index + 1}, feature {f_index + 1}"
            code = _feature_code(feature)
            if not is_code_shape(code):
                errors.append(_("%(w)s: no six-digit region code (adcode) in its properties.") % {"w": where})
                continue
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                errors.append(_("%(w)s: geometry must be a Polygon or MultiPolygon.") % {"w": where})
                continue
            current = current_code(code)
            level = level_of(current)
            if level == "province":
                report.skipped.append(current)
                continue
            parent = parent_code(current) or province_of(current)
            name = str((feature.get("properties") or {}).get("name") or current)
            rows[current] = {
                "parent_code": parent,
                "name": name[:50],
                "geometry": json.dumps(geometry, separators=(",", ":"), ensure_ascii=False),
            }
    if errors:
        raise ValidationError(errors)
    for code, values in sorted(rows.items()):
        Boundary.objects.update_or_create(
            region_code=code,
            defaults={
                **values,
                "source": source[:200],
                "licence": licence[:200],
                "approval_number": approval_number[:60],
            },
        )
        report.loaded.append(code)
    if rows:
        record_set(model=Boundary, count=len(rows), detail={"source": source, "licence": licence})
    return report


# ---------------------------------------------------------------------------------------------
# Rollups
# ---------------------------------------------------------------------------------------------


def _authorize_refresh(*, actor: Any) -> None:
    """Refreshing the indicators is a step on the targets: officers ask for it from their own region."""
    authorize(actor, "refresh", Target, region_code=getattr(actor, "region_code", "") or "")


def monitoring_rebuild(*, actor: Any, progress: Any = None) -> tuple[RollupReport, RefreshReport]:
    """Full rebuild of the rollup, then every evaluation, forecast and warning, here and now (the console
    command; the background task is :data:`gongjiang.monitoring.tasks.rollup_rebuild_task`)."""
    _authorize_refresh(actor=actor)
    rollup = rollup_rebuild(progress=progress)
    return rollup, monitoring_refresh()


def monitoring_update(*, actor: Any, progress: Any = None) -> tuple[RollupReport, RefreshReport]:
    """Incremental rollup, then evaluations of the regions it touched (everything after a full rebuild),
    here and now (the console command; writes enqueue :data:`gongjiang.monitoring.tasks.rollup_update_task`
    themselves)."""
    _authorize_refresh(actor=actor)
    rollup = rollup_update(progress=progress)
    if rollup.mode == "full":
        return rollup, monitoring_refresh()
    if not rollup.affected_regions:
        return rollup, RefreshReport()
    return rollup, monitoring_refresh(regions=rollup.affected_regions)


def rollup_request(*, actor: Any, rebuild: bool = False) -> str | None:
    """Ask for a background update (or full rebuild) of the rollup, as an officer's refresh does: enqueued
    at once unless one is already waiting for a worker. The task id, or None when one was waiting. Call
    outside a transaction (a view); writes inside one ask for their update when they commit."""
    _authorize_refresh(actor=actor)
    return request_rebuild() if rebuild else request_update()


@transaction.atomic
def target_update(
    *,
    actor: Any,
    target: Target,
    value: float | None,
    horizon: int,
    document: str,
    clause: str,
) -> Target:
    """Change a target's figure or horizon on a new decision: the document and clause that set it are
    required, and the target's evaluations, forecasts and warnings are refreshed in the background once the
    change is committed. A target kept only under watch (``value`` None) is left without a figure."""
    target = Target.objects.select_for_update().select_related("indicator").get(pk=target.pk)
    authorize(actor, "change", target)
    errors: dict[str, str] = {}
    if value is not None:
        if value != value or value in (float("inf"), float("-inf")) or value < 0:
            errors["value"] = _("The target value must be a number of zero or more.")
        elif target.indicator.unit == "%" and value > 100:
            errors["value"] = _("A share is at most 100 (per cent).")
    if not target.baseline_year < horizon <= 2100:
        errors["horizon"] = _("The horizon is a year after the baseline year %(y)s.") % {"y": target.baseline_year}
    document, clause = (document or "").strip(), (clause or "").strip()
    if not document:
        errors["document"] = _("Name the document that sets the target.")
    if not clause:
        errors["clause"] = _("Name the clause of the document.")
    if errors:
        raise ValidationError(errors)
    before = snapshot(target)
    target.value = value
    target.horizon = horizon
    target.document = document[:100]
    target.clause = clause[:60]
    target.full_clean()
    target.save()
    record_change(action="update", instance=target, before=before)
    enqueue_on_commit(refresh_task, regions=[target.region_code])
    return target
