"""Loading and upgrading reference data, idempotently: a second run changes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import transaction

from gongjiang.core.audit import record_set
from gongjiang.core.scope import authorize
from gongjiang.reference import regions
from gongjiang.reference.models import Industry, Occupation, Region, SkillLevel
from gongjiang.reference.occupation_lists import occupation_parent, parse_occupation_rows

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


@transaction.atomic
def _occupations_upsert(rows: list[dict[str, str]], *, source: str, report: LoadReport) -> None:
    existing = {o.code: o for o in Occupation.objects.all()}
    created = updated = 0
    for row in sorted(rows, key=lambda r: (len(r["code"]), r["code"])):
        parent_code = occupation_parent(row["code"])
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
