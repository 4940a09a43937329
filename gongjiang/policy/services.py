"""Writes: policy documents and clauses, policy set versions (load, adopt). Each is atomic and audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongjiang.core.audit import current, record_change, record_set, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import authorize
from gongjiang.policy.compiled import compile_set
from gongjiang.policy.golden import read_cases, run_cases
from gongjiang.policy.models import Clause, DecisionTable, Parameter, PolicyDocument, PolicySet, PolicySetVersion
from gongjiang.policy.parsing import read_documents, read_set
from gongjiang.policy.spec import DOCUMENTS_FILE, SETS_DIR, DocumentSpec, SpecError


@dataclass
class DocumentsReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    clauses_created: int = 0
    clauses_updated: int = 0

    def lines(self) -> list[str]:
        return [
            f"documents: {len(self.created)} created, {len(self.updated)} updated",
            f"clauses: {self.clauses_created} created, {self.clauses_updated} updated",
        ]


@dataclass
class SetLoadReport:
    name: str
    version: int
    created: bool
    adopted: bool
    cases: int
    parameters: int
    tables: int

    def line(self) -> str:
        state = "new version" if self.created else "unchanged"
        adopted = ", adopted" if self.adopted else ""
        return (
            f"{self.name}: v{self.version} ({state}{adopted}); {self.parameters} parameters, {self.tables} tables, "
            f"{self.cases} golden cases passed"
        )


def policy_documents_load(*, actor: Any, path: Path = DOCUMENTS_FILE) -> DocumentsReport:
    """Create or update the documents and clauses of ``path`` (idempotent). Clauses are never deleted:
    parameters of older versions cite them."""
    authorize(actor, "change", PolicyDocument)
    try:
        specs = read_documents(path)
    except SpecError as exc:
        raise ValidationError(exc.messages) from None
    report = DocumentsReport()
    with transaction.atomic():
        for spec in specs.values():
            _document_upsert(spec, report)
    return report


def _document_upsert(spec: DocumentSpec, report: DocumentsReport) -> None:
    values = {
        "number": spec.number,
        "short": spec.short,
        "title": spec.title,
        "issuer": spec.issuer,
        "issued_on": spec.issued_on,
        "region_code": spec.region,
        "kind": spec.kind,
        "note": spec.note.strip(),
        "note_en": spec.note_en.strip(),
    }
    doc = PolicyDocument.objects.filter(code=spec.code).first()
    if doc is None:
        doc = PolicyDocument(code=spec.code, **values)
        doc.full_clean()
        doc.save()
        record_change(action=ChangeRecord.Action.CREATE, instance=doc)
        report.created.append(spec.code)
    else:
        before = snapshot(doc)
        changed = False
        for k, v in values.items():
            if getattr(doc, k) != v:
                setattr(doc, k, v)
                changed = True
        if changed:
            doc.full_clean()
            doc.save()
            record_change(action=ChangeRecord.Action.UPDATE, instance=doc, before=before)
            report.updated.append(spec.code)
    existing = {c.path: c for c in doc.clauses.all()}
    new = []
    for c in spec.clauses:
        found = existing.get(c.path)
        if found is None:
            clause = Clause(document=doc, path=c.path, summary=c.summary)
            clause.full_clean(validate_unique=False)
            new.append(clause)
        elif found.summary != c.summary:
            before = snapshot(found)
            found.summary = c.summary
            found.full_clean()
            found.save(update_fields=["summary"])
            record_change(action=ChangeRecord.Action.UPDATE, instance=found, before=before)
            report.clauses_updated += 1
    if new:
        Clause.objects.bulk_create(new)
        record_set(model=Clause, count=len(new), detail={"document": spec.code})
        report.clauses_created += len(new)


def policy_set_load(
    *, actor: Any, name: str, directory: Path = SETS_DIR, adopt: bool = False, note: str = ""
) -> SetLoadReport:
    """Check the set file (and what it includes) and its golden cases; write a new version when the
    content changed. Nothing is written when a check or a golden case fails."""
    authorize(actor, "change", PolicySet)
    documents_path = directory / "documents.yaml"
    try:
        docs = read_documents(documents_path)
        spec = read_set(name, directory=directory, documents=docs)
        cases, cases_digest = read_cases(name, directory)
    except SpecError as exc:
        raise ValidationError(exc.messages) from None
    compiled = compile_set(spec, docs, version=None)
    failures = [f"{r.case.name}: {f}" for r in run_cases(compiled, cases) for f in r.failures]
    if failures:
        raise ValidationError([f"{name}_cases.yaml: golden case failed: {f}" for f in failures])
    with transaction.atomic():
        policy_documents_load(actor=actor, path=documents_path)
        shown = {
            "title": spec.title,
            "title_en": spec.title_en,
            "region_code": spec.region,
            "description": spec.description,
            "description_en": spec.description_en,
        }
        policy_set, created_set = PolicySet.objects.get_or_create(name=name, defaults=shown)
        if created_set:
            record_change(action=ChangeRecord.Action.CREATE, instance=policy_set)
        elif any(getattr(policy_set, k) != v for k, v in shown.items()):
            before = snapshot(policy_set)
            for k, v in shown.items():
                setattr(policy_set, k, v)
            policy_set.full_clean()
            policy_set.save()
            record_change(action=ChangeRecord.Action.UPDATE, instance=policy_set, before=before)
        existing = PolicySetVersion.objects.select_for_update().filter(policy_set=policy_set)
        same = existing.filter(digest=spec.digest).first()
        if same is not None:
            adopted = False
            if adopt and policy_set.current_version() != same:
                policy_set_adopt(actor=actor, name=name, number=same.number)
                adopted = True
            return SetLoadReport(
                name, same.number, False, adopted, len(cases), same.parameters.count(), same.tables.count()
            )
        number = (max(existing.values_list("number", flat=True), default=0) or 0) + 1
        version = PolicySetVersion(
            policy_set=policy_set,
            number=number,
            digest=spec.digest,
            cases_digest=cases_digest,
            cases_count=len(cases),
            spec=spec.to_json(),
            files=list(spec.files),
            loaded_by=_actor_label(),
            adopted_at=timezone.now() if adopt else None,
            note=note,
        )
        version.full_clean()
        version.save()
        clauses = {c.key: c for c in Clause.objects.select_related("document")}
        params = [
            Parameter(
                version=version,
                name=p.name,
                value=p.value,
                unit=p.unit,
                region_code=p.region,
                effective_from=p.start,
                effective_to=p.end,
                recorded_at=p.recorded_at,
                clause=clauses[p.clause],
                limit_name=p.limit,
                origin=p.origin,
                note=p.note,
                note_en=p.note_en,
            )
            for p in spec.params
        ]
        tables = [
            DecisionTable(
                version=version,
                name=t.name,
                hit_policy=t.hit_policy,
                region_code=t.region,
                effective_from=t.start,
                effective_to=t.end,
                recorded_at=t.recorded_at,
                clause=clauses[t.clause],
                inputs={i.name: i.to_json() for i in t.inputs},
                outputs=dict(t.outputs),
                rows=[_jsonable_row(r) for r in t.raw_rows],
                unmatched=t.unmatched,
                origin=t.origin,
                note=t.note,
                note_en=t.note_en,
            )
            for t in spec.tables
        ]
        Parameter.objects.bulk_create(params)
        DecisionTable.objects.bulk_create(tables)
        record_change(action=ChangeRecord.Action.CREATE, instance=version)
        detail = {"set": name, "version": number}
        record_set(model=Parameter, count=len(params), detail=detail, region_code=spec.region)
        record_set(model=DecisionTable, count=len(tables), detail=detail, region_code=spec.region)
        return SetLoadReport(name, number, True, adopt, len(cases), len(params), len(tables))


def _jsonable_row(row: dict[str, object]) -> dict[str, object]:
    return {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in row.items()}


def policy_set_adopt(*, actor: Any, name: str, number: int) -> PolicySetVersion:
    """Make a loaded version the one evaluations use by default: the most recently adopted version is
    current, so adopting an older version again rolls back."""
    authorize(actor, "change", PolicySetVersion)
    with transaction.atomic():
        version = (
            PolicySetVersion.objects.select_for_update()
            .select_related("policy_set")
            .filter(policy_set__name=name, number=number)
            .first()
        )
        if version is None:
            raise ValidationError({"version": f"{name} has no version {number}"})
        before = snapshot(version)
        version.adopted_at = timezone.now()
        version.save(update_fields=["adopted_at"])
        record_change(action=ChangeRecord.Action.UPDATE, instance=version, before=before)
        return version


def _actor_label() -> str:
    actor = current().resolve_actor()
    return getattr(actor, "username", "") or "system"
