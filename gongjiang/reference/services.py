"""Loading and upgrading reference data, idempotently: a second run changes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_set
from gongjiang.core.scope import authorize
from gongjiang.reference import regions
from gongjiang.reference.models import Industry, Occupation, Region, SkillLevel

# The new eight-level sequence (新八级工), 人社部发〔2022〕14号.
SKILL_LEVELS = [
    # code, rank, name, English, national level code, high-skilled
    ("apprentice", 0, "学徒工", "Apprentice", None, False),
    ("level5", 1, "初级工", "Junior worker (level 5)", 5, False),
    ("level4", 2, "中级工", "Intermediate worker (level 4)", 4, False),
    ("level3", 3, "高级工", "Senior worker (level 3)", 3, True),
    ("level2", 4, "技师", "Technician (level 2)", 2, True),
    ("level1", 5, "高级技师", "Senior technician (level 1)", 1, True),
    ("special", 6, "特级技师", "Special-grade technician", None, True),
    ("chief", 7, "首席技师", "Chief technician", None, True),
]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated))
        return [f"{n}: {self.created.get(n, 0)} created, {self.updated.get(n, 0)} updated" for n in names]


@transaction.atomic
def _regions_load(report: LoadReport) -> None:
    existing = {(r.code, r.name, r.valid_from): r for r in Region.objects.all()}
    new: list[Region] = []
    changed: list[Region] = []
    for v in regions.national_table():
        level = regions.level_of(v.code)
        parent = regions.parent_code(v.code) or ""
        key = (v.code, v.name, v.valid_from)
        row = existing.get(key)
        if row is None:
            new.append(
                Region(
                    code=v.code,
                    name=v.name,
                    level=level,
                    parent_code=parent,
                    valid_from=v.valid_from,
                    valid_to=v.valid_to,
                )
            )
        elif (row.valid_to, row.parent_code, row.level) != (v.valid_to, parent, level):
            row.valid_to, row.parent_code, row.level = v.valid_to, parent, level
            changed.append(row)
    Region.objects.bulk_create(new, batch_size=2000)
    Region.objects.bulk_update(changed, ["valid_to", "parent_code", "level"], batch_size=2000)
    report.created["regions"] = len(new)
    report.updated["regions"] = len(changed)
    if new or changed:
        record_set(model=Region, count=len(new) + len(changed), detail={"source": "python-stdnum cn/loc.dat"})


@transaction.atomic
def _skill_levels_load(report: LoadReport) -> None:
    created = updated = 0
    for code, rank, name, name_en, national, high in SKILL_LEVELS:
        obj = SkillLevel.objects.filter(code=code).first()
        values = {"rank": rank, "name": name, "name_en": name_en, "national_level": national, "high_skilled": high}
        if obj is None:
            SkillLevel.objects.create(code=code, **values)
            created += 1
        elif any(getattr(obj, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
            updated += 1
    report.created["skill levels"] = created
    report.updated["skill levels"] = updated
    if created or updated:
        record_set(model=SkillLevel, count=created + updated, detail={"source": "人社部发〔2022〕14号"})


def _occupation_kind(code: str) -> str:
    parts = code.split("-")
    return {1: "major", 2: "medium", 3: "minor", 4: "occupation"}.get(len(parts), "")


def _occupation_parent(code: str) -> str:
    return "-".join(code.split("-")[:-1])


def parse_occupation_rows(text: str) -> list[dict[str, str]]:
    """Rows of ``code,name[,digital]`` (an optional ``kind`` column is checked against the code).
    Errors name the row and the column; nothing is returned when any row is wrong."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"code", "name"} <= {f.strip() for f in reader.fieldnames}:
        raise ValidationError(_("The occupation file needs the columns code and name."))
    rows: list[dict[str, str]] = []
    linenos: list[int] = []  # the file row of each entry in rows (rows with a bad code are left out)
    errors: list[str] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(reader, start=2):
        extra = raw.pop(None, None)  # values beyond the header's columns
        if extra and any((v or "").strip() for v in extra):
            errors.append(_("row %(r)d: more values than the header has columns.") % {"r": lineno})
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        code, name = row.get("code", ""), row.get("name", "")
        kind = _occupation_kind(code)
        parts = code.split("-")
        if not kind or not all(p.isdigit() for p in parts) or len(parts[0]) != 1 or any(len(p) != 2 for p in parts[1:]):
            errors.append(
                _("row %(r)d, column code: %(v)r is not an occupation code D-DD-DD-DD.") % {"r": lineno, "v": code}
            )
            continue
        if row.get("kind") and row["kind"] != kind:
            errors.append(_("row %(r)d, column kind: %(v)r does not match the code.") % {"r": lineno, "v": row["kind"]})
        if not name:
            errors.append(_("row %(r)d, column name: the name is empty.") % {"r": lineno})
        if code in seen:
            errors.append(_("row %(r)d, column code: %(v)s appears twice.") % {"r": lineno, "v": code})
        digital = row.get("digital", "0") or "0"
        if digital not in ("0", "1"):
            errors.append(_("row %(r)d, column digital: must be 0 or 1.") % {"r": lineno})
        seen.add(code)
        rows.append({"code": code, "name": name, "kind": kind, "digital": digital})
        linenos.append(lineno)
    known = seen | set(Occupation.objects.values_list("code", flat=True))
    for lineno, row in zip(linenos, rows, strict=True):
        parent = _occupation_parent(row["code"])
        if parent and parent not in known:
            errors.append(
                _("row %(r)d, column code: the parent group %(p)s of %(c)s is missing.")
                % {"r": lineno, "p": parent, "c": row["code"]}
            )
    if errors:
        raise ValidationError(errors)
    return rows


@transaction.atomic
def _occupations_upsert(rows: list[dict[str, str]], *, source: str, report: LoadReport) -> None:
    existing = {o.code: o for o in Occupation.objects.all()}
    created = updated = 0
    for row in sorted(rows, key=lambda r: (len(r["code"]), r["code"])):
        parent_code = _occupation_parent(row["code"])
        parent = existing.get(parent_code) if parent_code else None
        digital = row["digital"] == "1"
        obj = existing.get(row["code"])
        if obj is None:
            obj = Occupation.objects.create(
                code=row["code"], name=row["name"], kind=row["kind"], parent=parent, digital=digital, source=source
            )
            existing[obj.code] = obj
            created += 1
        elif (obj.name, obj.kind, obj.parent_id, obj.digital) != (
            row["name"],
            row["kind"],
            parent.pk if parent else None,
            digital,
        ):
            obj.name, obj.kind, obj.parent, obj.digital = row["name"], row["kind"], parent, digital
            obj.save()
            updated += 1
    report.created["occupations"] = report.created.get("occupations", 0) + created
    report.updated["occupations"] = report.updated.get("occupations", 0) + updated
    if created or updated:
        record_set(model=Occupation, count=created + updated, detail={"source": source})


@transaction.atomic
def _industries_load(report: LoadReport) -> None:
    text = resources.files("gongjiang.reference").joinpath("data/industries_gbt4754_2017.csv").read_text("utf-8")
    existing = {i.code: i for i in Industry.objects.all()}
    created = updated = 0
    for row in csv.DictReader(io.StringIO(text)):
        obj = existing.get(row["code"])
        if obj is None:
            Industry.objects.create(code=row["code"], name=row["name"], kind=row["kind"], section=row["section"])
            created += 1
        elif (obj.name, obj.kind, obj.section) != (row["name"], row["kind"], row["section"]):
            obj.name, obj.kind, obj.section = row["name"], row["kind"], row["section"]
            obj.save()
            updated += 1
    report.created["industries"] = created
    report.updated["industries"] = updated
    if created or updated:
        record_set(model=Industry, count=created + updated, detail={"source": "GB/T 4754-2017"})


def reference_load(*, actor: Any) -> LoadReport:
    """Load or upgrade all shipped reference data."""
    authorize(actor, "change", Region)
    report = LoadReport()
    _regions_load(report)
    _skill_levels_load(report)
    _industries_load(report)
    text = resources.files("gongjiang.reference").joinpath("data/occupations_2022.csv").read_text("utf-8")
    _occupations_upsert(parse_occupation_rows(text), source="shipped", report=report)
    return report


def occupations_import(*, actor: Any, path: Path) -> LoadReport:
    """A bureau's official full list, ``code,name[,digital]`` in UTF-8 or GB18030."""
    authorize(actor, "change", Occupation)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    report = LoadReport()
    _occupations_upsert(parse_occupation_rows(text), source="official", report=report)
    return report
