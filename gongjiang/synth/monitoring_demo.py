"""Monitoring for the demo: targets, demonstration map boundaries, synthetic carriers and the rollup.

Carriers are synthetic like the rest of the demo. Suzhou's totals follow its progress report (SZ-report:
94 municipal public training bases, 4 of them national; 181 master studios, 7 national); the digital
shares and the other cities' counts are plausible magnitudes, not official data. Recognition dates are
spread over 2008–2025 so that the series have a history. Each run is idempotent: a region that already
has carriers gets none, and the rollup is rebuilt.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

from gongjiang.core.models import User
from gongjiang.monitoring.models import Boundary, Carrier
from gongjiang.monitoring.selectors import DEMO_MAP_LICENCE, DEMO_MAP_SOURCE, demo_map_collections
from gongjiang.monitoring.services import (
    boundaries_load,
    carrier_apply,
    carrier_assess,
    carrier_fund,
    carrier_recognise,
    carriers_bulk_create,
    monitoring_rebuild,
    targets_load,
)
from gongjiang.reference import regions
from gongjiang.reference.selectors import region_name
from gongjiang.synth.profiles import CITIES

# city → kind → (total, national, provincial, digital)
CARRIER_PROFILES: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "320500": {
        "public_training_base": (94, 4, 20, 48),
        "master_studio": (181, 7, 40, 52),
        "craftsman_college": (12, 0, 3, 2),
        "enterprise_training_centre": (60, 0, 10, 15),
        "model_worker_studio": (40, 1, 8, 6),
        "rural_craftsman_station": (15, 0, 2, 0),
        "chief_technician_studio": (30, 0, 6, 5),
        "digital_integration_centre": (10, 0, 2, 10),
        "industry_education_base": (18, 1, 5, 6),
    },
    "320400": {
        "public_training_base": (45, 2, 10, 15),
        "master_studio": (95, 4, 22, 20),
        "craftsman_college": (8, 0, 2, 1),
        "enterprise_training_centre": (40, 0, 6, 8),
        "model_worker_studio": (25, 1, 5, 3),
        "rural_craftsman_station": (10, 0, 1, 0),
        "chief_technician_studio": (20, 0, 4, 3),
        "digital_integration_centre": (6, 0, 1, 6),
        "industry_education_base": (12, 0, 3, 4),
    },
}
# Districts that hold at least so many of a city's carriers of a kind: 张家港's public training bases and
# master studios (ZJG-opinion 一(二)2: 20 bases and 5 studios).
DISTRICT_MINIMUM: dict[str, dict[str, int]] = {"320582": {"public_training_base": 20, "master_studio": 5}}
KIND_NAMES = {
    "public_training_base": "公共实训基地",
    "master_studio": "技能大师工作室",
    "craftsman_college": "工匠学院",
    "enterprise_training_centre": "企业培训中心",
    "model_worker_studio": "劳模工匠创新工作室",
    "rural_craftsman_station": "乡村工匠工作站",
    "chief_technician_studio": "首席技师工作室",
    "digital_integration_centre": "数字技能融合中心",
    "industry_education_base": "产教融合实训基地",
}
DIGITAL_THEMES = ["工业互联网", "人工智能", "智能制造", "集成电路", "大数据", "工业视觉", "数字孪生", "区块链"]
TRADES = ["数控加工", "焊接", "电工", "汽车维修", "精密模具", "纺织", "化工", "养老护理", "烹饪", "机电一体化"]


def _rng(seed: int, code: str) -> np.random.Generator:
    digest = hashlib.sha256(f"carriers:{seed}:{code}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def carrier_rows(city: str, seed: int = 1) -> list[dict[str, Any]]:
    profile = CARRIER_PROFILES.get(city)
    districts = CITIES[city].district_weights if city in CITIES else {}
    if not profile or not districts:
        return []
    rng = _rng(seed, city)
    codes = list(districts)
    weights = np.array([districts[c] for c in codes], dtype=float)
    weights /= weights.sum()
    rows = []
    for kind, (total, national, provincial, digital) in profile.items():
        region = np.array(codes)[rng.choice(len(codes), size=total, p=weights)]
        for district, minimum in DISTRICT_MINIMUM.items():
            want = minimum.get(kind, 0) - int((region == district).sum())
            if district in codes and want > 0:
                region[np.flatnonzero(region != district)[:want]] = district
        # Recognised mostly in recent years: 2008 + 18 × beta(2.2, 1.2).
        years = 2008 + np.floor(rng.beta(2.2, 1.2, total) * 18).astype(int)
        days = rng.integers(0, 365, total)
        is_digital = np.zeros(total, dtype=bool)
        is_digital[rng.choice(total, size=digital, replace=False)] = True
        levels = np.array(["municipal"] * total, dtype=object)
        order = rng.permutation(total)
        levels[order[:national]] = "national"
        levels[order[national : national + provincial]] = "provincial"
        for i in range(total):
            since = datetime.date(int(years[i]), 1, 1) + datetime.timedelta(days=int(days[i]))
            if is_digital[i]:
                since = max(since, datetime.date(2019, 1, 1) + datetime.timedelta(days=int(days[i])))
            theme = DIGITAL_THEMES[i % len(DIGITAL_THEMES)] if is_digital[i] else TRADES[i % len(TRADES)]
            valid_from = min((v.valid_from or 1900) for v in regions.versions_by_code()[str(region[i])])
            since = max(since, datetime.date(valid_from, 1, 1) + datetime.timedelta(days=int(days[i])))
            rows.append(
                {
                    "kind": kind,
                    "name": f"{region_name(region[i])}{theme}{KIND_NAMES[kind]}（{i + 1}）",
                    "region_code": str(region[i]),
                    "level": str(levels[i]),
                    "since": min(since, datetime.date(2025, 12, 31)),
                    "digital": bool(is_digital[i]),
                    "source": f"模拟演示数据（随机种子{seed}）",
                }
            )
    return rows


def monitoring_demo(*, cities: list[str], seed: int = 1, say: Callable[[str], None] = lambda s: None) -> None:
    ind, tgt = targets_load(actor=None)
    say(f"indicators: {ind.created + ind.updated} loaded; targets: {tgt.created + tgt.updated} loaded")
    if not Boundary.objects.exists():
        report = boundaries_load(
            actor=None, collections=demo_map_collections(), source=DEMO_MAP_SOURCE, licence=DEMO_MAP_LICENCE
        )
        say(f"{len(report.loaded)} demonstration boundaries loaded (no 审图号: not for publication)")
    for city in cities:
        if Carrier.objects.filter(region_code__startswith=city[:4]).exists():
            continue
        n = carriers_bulk_create(
            actor=None, rows=carrier_rows(city, seed), region_code=city, detail={"synthetic": True, "seed": seed}
        )
        say(f"{city}: {n} synthetic carriers")
    carrier_lifecycle_demo(say)
    rollup, refresh = monitoring_rebuild(actor=None)
    say(
        f"rollup: {rollup.facts} fact rows in {rollup.seconds:.1f} s; "
        f"{refresh.evaluations} target evaluations, {refresh.warnings} warnings"
    )


def carrier_lifecycle_demo(say: Callable[[str], None] = lambda s: None) -> None:
    """The demo enterprise's carriers: a master studio applied for, recognised by the city, assessed and
    funded; and a digital-skill studio awaiting review (what the enterprise and the officers see)."""
    account = User.objects.filter(username="enterprise").select_related("organisation").first()
    organisation = account.organisation if account is not None else None
    if organisation is None or Carrier.objects.filter(organisation=organisation).exists():
        return
    today = datetime.date.today()
    studio = carrier_apply(
        actor=None,
        organisation=organisation,
        kind="master_studio",
        name=f"{organisation.name}数控加工技能大师工作室",
        description="数控车铣复合加工；领办人为高级技师；年带徒20人。",
        today=today - datetime.timedelta(days=430),
    )
    clause = "苏政办发〔2024〕37号 (八)"
    studio = carrier_recognise(
        actor=None,
        carrier=studio,
        date=today - datetime.timedelta(days=400),
        level="municipal",
        valid_until=today - datetime.timedelta(days=400) + datetime.timedelta(days=3 * 365),
        clause=clause,
    )
    carrier_assess(
        actor=None,
        carrier=studio,
        year=today.year - 1,
        date=today - datetime.timedelta(days=60),
        score=Decimal("86.5"),
        findings="带徒计划完成；攻关项目2项结题；台账齐全。",
        clause=clause,
    )
    carrier_fund(
        actor=None,
        carrier=studio,
        date=today - datetime.timedelta(days=30),
        amount=10_000_000,
        reason="年度建设资助",
        clause=clause,
    )
    carrier_apply(
        actor=None,
        organisation=organisation,
        kind="master_studio",
        name=f"{organisation.name}工业视觉数字技能大师工作室",
        digital=True,
        description="工业视觉系统运维；数字技能人才带头人领办。",
        today=today - datetime.timedelta(days=5),
    )
    say(f"carriers: {organisation.name} has a recognised studio and an application awaiting review")
