"""Writes: policy documents and clauses, policy set versions (load, adopt). Each is atomic and audited."""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import current, record_change, record_set, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import authorize
from gongjiang.policy import messages
from gongjiang.policy.compiled import compile_set
from gongjiang.policy.golden import read_cases, run_cases
from gongjiang.policy.models import (
    Clause,
    DecisionTable,
    DraftStatus,
    Parameter,
    PolicyDocument,
    PolicyDraft,
    PolicySet,
    PolicySetVersion,
)
from gongjiang.policy.parsing import check_expanded, read_documents, read_set
from gongjiang.policy.selectors import documents
from gongjiang.policy.spec import DOCUMENTS_FILE, SETS_DIR, DocumentSpec, SetSpec, SpecError, decimal_text


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
        _version, params, tables = _write_version(
            policy_set,
            spec,
            number=number,
            cases_digest=cases_digest,
            cases_count=len(cases),
            adopted_at=timezone.now() if adopt else None,
            note=note,
        )
        return SetLoadReport(name, number, True, adopt, len(cases), len(params), len(tables))


def _write_version(
    policy_set: PolicySet,
    spec: SetSpec,
    *,
    number: int,
    cases_digest: str = "",
    cases_count: int = 0,
    adopted_at: datetime.datetime | None = None,
    note: str = "",
    files: list[str] | None = None,
) -> tuple[PolicySetVersion, list[Parameter], list[DecisionTable]]:
    """Store a checked spec as version ``number`` of the set: the version, its parameter and table rows, and
    their change records."""
    version = PolicySetVersion(
        policy_set=policy_set,
        number=number,
        digest=spec.digest,
        cases_digest=cases_digest,
        cases_count=cases_count,
        spec=spec.to_json(),
        files=list(spec.files) if files is None else files,
        loaded_by=_actor_label(),
        adopted_at=adopted_at,
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
    detail = {"set": policy_set.name, "version": number}
    record_set(model=Parameter, count=len(params), detail=detail, region_code=spec.region)
    record_set(model=DecisionTable, count=len(tables), detail=detail, region_code=spec.region)
    return version, params, tables


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


# --- drafts: a new version prepared on the pages ------------------------------------------------


def _checked(data: dict[str, Any], *, field: str) -> SetSpec:
    """The draft's set checked exactly as a policy file is (:func:`parsing.check_expanded`); each problem
    the checks find is shown on ``field``."""
    try:
        return check_expanded(data, documents())
    except SpecError as exc:
        raise ValidationError({field: [messages.plain(m) for m in exc.messages]}) from None


def _locked(draft: PolicyDraft) -> PolicyDraft:
    return PolicyDraft._default_manager.select_for_update().select_related("policy_set").get(pk=draft.pk)


def _still_draft(draft: PolicyDraft) -> dict[str, Any]:
    """The locked draft's snapshot for its change record, once it is known to be still a draft."""
    if draft.status != DraftStatus.DRAFT:
        raise ValidationError(
            {"status": _("The draft is %(s)s; it can no longer be changed.") % {"s": DraftStatus(draft.status).label}}
        )
    return snapshot(draft)


def _in_force(entries: list[dict[str, Any]], on: datetime.date) -> dict[str, Any] | None:
    for entry in entries:
        start = datetime.date.fromisoformat(entry["from"])
        end = datetime.date.fromisoformat(entry["to"]) if entry.get("to") else None
        if start <= on and (end is None or on <= end):
            return entry
    return None


def _split(entry: dict[str, Any], on: datetime.date) -> dict[str, Any]:
    """The part of a dated entry in force from ``on``: the entry itself when it starts that day, otherwise a
    copy from ``on`` to the entry's end, the entry itself now ending the day before."""
    if datetime.date.fromisoformat(entry["from"]) == on:
        return entry
    new = copy.deepcopy(entry)
    new["from"] = on.isoformat()
    new["recorded_at"] = timezone.localdate().isoformat()
    entry["to"] = (on - datetime.timedelta(days=1)).isoformat()
    return new


@transaction.atomic
def policy_draft_create(*, actor: Any, policy_set: PolicySet, title: str = "") -> PolicyDraft:
    """Copy the set's current version (its newest where none is adopted) into a draft of the set's region."""
    base = policy_set.current_version() or policy_set.versions.order_by("-number").first()
    if base is None:
        raise ValidationError({"policy_set": _("The policy set has no version to copy.")})
    draft = PolicyDraft(
        policy_set=policy_set,
        base=base,
        region_code=policy_set.region_code,
        title=(title or "").strip() or _("%(set)s, draft from version %(n)s") % {"set": policy_set, "n": base.number},
        spec=copy.deepcopy(base.spec),
        created_by=actor,
    )
    authorize(actor, "add", draft, field="policy_set")
    draft.full_clean()
    draft.save()
    record_change(action=ChangeRecord.Action.CREATE, instance=draft)
    return draft


@transaction.atomic
def policy_draft_parameter_set(
    *,
    actor: Any,
    draft: PolicyDraft,
    name: str,
    region_code: str,
    value: Decimal,
    effective_from: datetime.date,
) -> PolicyDraft:
    """A parameter's new value in force from ``effective_from``: the value in force that day ends the day
    before (or takes the new value, when it starts that day)."""
    draft = _locked(draft)
    authorize(actor, "change", draft)
    before = _still_draft(draft)
    data = copy.deepcopy(draft.spec)
    entries = [p for p in data["parameters"] if p["name"] == name and p["region"] == region_code]
    if not entries:
        raise ValidationError({"parameter": _("The set has no such parameter in this region.")})
    entry = _in_force(entries, effective_from)
    if entry is None:
        raise ValidationError(
            {"effective_from": _("The parameter has no value in force on %(d)s to change.") % {"d": effective_from}}
        )
    old = entry["value"]
    new = _split(entry, effective_from)
    new["value"] = decimal_text(value)
    if new is not entry:
        data["parameters"].insert(data["parameters"].index(entry) + 1, new)
    _checked(data, field="value")
    draft.spec = data
    draft.edits = [
        *draft.edits,
        {
            "kind": "parameter",
            "name": name,
            "region": region_code,
            "from": effective_from.isoformat(),
            "before": old,
            "after": new["value"],
        },
    ]
    draft.full_clean()
    draft.save()
    record_change(action=ChangeRecord.Action.UPDATE, instance=draft, before=before)
    return draft


@transaction.atomic
def policy_draft_cell_set(
    *,
    actor: Any,
    draft: PolicyDraft,
    table: int,
    row: int,
    column: str,
    value: str,
    effective_from: datetime.date | None = None,
) -> PolicyDraft:
    """One output of a decision-table row changed (an amount, a percentage), for the table's whole period or
    from ``effective_from`` within it (the table is then split at that day). ``value`` is written as in the
    policy files (``1800``, ``30``, ``true``)."""
    draft = _locked(draft)
    authorize(actor, "change", draft)
    before = _still_draft(draft)
    data = copy.deepcopy(draft.spec)
    tables = data["tables"]
    if not 0 <= table < len(tables) or not 0 <= row < len(tables[table]["rows"]):
        raise ValidationError({"cell": _("The set has no such table row.")})
    entry = tables[table]
    if column not in entry["outputs"]:
        raise ValidationError({"cell": _("Only the outputs of a row (amounts, percentages) are changed here.")})
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        parsed = value
    if isinstance(parsed, (dict, list)):
        raise ValidationError({"value": _("Give one value.")})
    target = entry
    if effective_from is not None:
        if _in_force([entry], effective_from) is None:
            raise ValidationError({"effective_from": _("The date is outside the table's period.")})
        target = _split(entry, effective_from)
        if target is not entry:
            tables.insert(table + 1, target)
    old = target["rows"][row].get(column)
    target["rows"][row][column] = parsed
    _checked(data, field="value")
    draft.spec = data
    draft.edits = [
        *draft.edits,
        {
            "kind": "row",
            "table": entry["name"],
            "region": entry["region"],
            "row": row + 1,
            "column": column,
            "from": target["from"],
            "before": old,
            "after": parsed,
        },
    ]
    draft.full_clean()
    draft.save()
    record_change(action=ChangeRecord.Action.UPDATE, instance=draft, before=before)
    return draft


@transaction.atomic
def policy_draft_adopt(*, actor: Any, draft: PolicyDraft, adoption_document: str) -> PolicyDraft:
    """Another officer than the drafter adopts the draft (four eyes): it is checked once more and stored as
    the set's newest version, current from now on. The policy files are left as they are."""
    draft = _locked(draft)
    authorize(actor, "adopt", draft)
    before = _still_draft(draft)
    document = (adoption_document or "").strip()
    if not document:
        raise ValidationError({"adoption_document": _("Name the document that decides the new rules.")})
    if not draft.edits:
        raise ValidationError({"status": _("The draft changes nothing.")})
    spec = _checked(draft.spec, field="status")
    existing = PolicySetVersion.objects.select_for_update().filter(policy_set=draft.policy_set)
    same = existing.filter(digest=spec.digest).first()
    if same is not None:
        raise ValidationError({"status": _("Version %(n)s already holds these rules.") % {"n": same.number}})
    number = (max(existing.values_list("number", flat=True), default=0) or 0) + 1
    version, _params, _tables = _write_version(
        draft.policy_set,
        spec,
        number=number,
        adopted_at=timezone.now(),
        note=draft.title[:200],
        files=list(draft.base.files),  # the files it was copied from; its content is the draft's
    )
    draft.status = DraftStatus.ADOPTED
    draft.adopted_by = actor
    draft.adopted_at = version.adopted_at
    draft.adoption_document = document
    draft.version = version
    draft.full_clean()
    draft.save()
    record_change(action=ChangeRecord.Action.UPDATE, instance=draft, before=before)
    return draft


@transaction.atomic
def policy_draft_discard(*, actor: Any, draft: PolicyDraft) -> PolicyDraft:
    draft = _locked(draft)
    authorize(actor, "discard", draft)
    before = _still_draft(draft)
    draft.status = DraftStatus.DISCARDED
    draft.save()
    record_change(action=ChangeRecord.Action.UPDATE, instance=draft, before=before)
    return draft
