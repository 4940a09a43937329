"""Writes of the monitoring app: indicator and target definitions, carriers, map boundaries, rollups.

Every service is atomic, validates fully and records its change. Loading YAML is all or nothing: any
error names the entry and field, and nothing is written.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.scope import authorize
from gongjiang.monitoring.crosswalk import current_code
from gongjiang.monitoring.evaluation import RefreshReport, monitoring_refresh
from gongjiang.monitoring.incremental import rollup_update
from gongjiang.monitoring.models import (
    Boundary,
    Carrier,
    CarrierKind,
    CarrierLevel,
    Comparison,
    DataSource,
    Indicator,
    IndicatorKind,
    Target,
    TargetKind,
)
from gongjiang.monitoring.rollup import RollupReport, rollup_rebuild
from gongjiang.monitoring.tasks import request_rebuild, request_update
from gongjiang.reference.regions import is_code_shape, level_of, parent_code, province_of
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import Organisation

REGISTRY_MEASURES = {"skilled", "mid_plus", "high", "new_skilled", "new_mid_plus", "new_high"}
SCOPES = {"all", "digital", "school_digital"}
ORGANISATION_MEASURES = {"evaluation_institutions", "self_evaluating_enterprises"}
EVALUATION_MEASURES = {"filed_institutions", "self_evaluating_enterprises", "digital_occupations"}
COMPETITION_MEASURES = {"municipal_competitions", "participants"}
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
    if not name:
        errors["name"] = _("Name is required.")
    if since > datetime.date.today():
        errors["since"] = _("The recognition date is in the future.")
    if until is not None and until <= since:
        errors["until"] = _("The withdrawal date must be after the recognition date.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "region_code": validate_region_code(region_code, as_of=since, field="region_code")}


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
    clean = _carrier_clean(kind=kind, name=name, region_code=region_code, level=level, since=since, until=until)
    authorize(actor, "add", Carrier, region_code=clean["region_code"], field="region_code")
    if Carrier.objects.filter(kind=kind, region_code=clean["region_code"], name=clean["name"]).exists():
        raise ValidationError({"name": _("This carrier is already registered in the region.")})
    carrier = Carrier(
        kind=kind,
        level=level,
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
    return carrier


@transaction.atomic
def carrier_withdraw(*, actor: Any, carrier: Carrier, until: datetime.date) -> Carrier:
    carrier = Carrier.objects.select_for_update().get(pk=carrier.pk)
    authorize(actor, "withdraw", carrier)
    if carrier.until is not None:
        raise ValidationError({"until": _("The carrier is already withdrawn.")})
    if until <= carrier.since:
        raise ValidationError({"until": _("The withdrawal date must be after the recognition date.")})
    before = snapshot(carrier)
    carrier.until = until
    carrier.full_clean()
    carrier.save()
    record_change(action="update", instance=carrier, before=before)
    return carrier


@transaction.atomic
def carriers_bulk_create(
    *, actor: Any, rows: list[dict[str, Any]], region_code: str = "", detail: dict[str, Any] | None = None
) -> int:
    """Create many carriers at once (validated row by row first; any error writes nothing)."""
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
        record_set(model=Carrier, count=len(objs), detail=detail or {}, region_code=region_code)
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
