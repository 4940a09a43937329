"""The monitoring models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_monitoring_world`` places a target and a carrier in 张家港, 虎丘, 武进, 苏州 and 江苏, each with its
change record (targets directly through the ORM, carriers through their service). Both are located in
their region; organisation users see neither. The enterprise ``org_own`` of 张家港 has applied for a
studio: it sees that carrier and its history, and applies (adds) in its own name. The derived tables
(facts, evaluations, forecasts, warnings) are read only through ``gongjiang.monitoring.selectors``, tested
in test_access.py.
"""

from __future__ import annotations

import datetime
from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.monitoring.models import Carrier, CarrierDecision, Indicator, Target
from gongjiang.monitoring.services import carrier_apply, carrier_create

ZJG, HUQIU, WUJIN, SUZHOU, JIANGSU = "320582", "320505", "320412", "320500", "320000"

MONITORING_MODELS: dict[str, type] = {
    "monitoring.Target": Target,
    "monitoring.Carrier": Carrier,
    "monitoring.CarrierDecision": CarrierDecision,
}
# The organisation user sees the carrier its organisation applied for, and that carrier's decisions.
MONITORING_ORG_VIEW: dict[str, set[str]] = {
    "monitoring.Target": set(),
    "monitoring.Carrier": {"ca_own"},
    "monitoring.CarrierDecision": {"cd_own"},
}
MONITORING_ORG_ACTS: dict[str, dict[str, set[str]]] = {"monitoring.Carrier": {"add": {"ca_own"}}}
MONITORING_READ_ONLY = {"monitoring.CarrierDecision"}


def add_monitoring_world(w: Any) -> None:
    with audit_context(source="cli"):
        indicator = Indicator.objects.create(
            code="matrix_share",
            name="矩阵比例",
            name_en="Matrix share",
            kind="ratio",
            numerator={"source": "registry", "measure": "high", "scope": "all"},
            denominator={"source": "registry", "measure": "skilled", "scope": "all"},
            factor=100,
            source="registry",
        )
        for key, region in (("zjg", ZJG), ("hq", HUQIU), ("cz", WUJIN), ("sz", SUZHOU), ("js", JIANGSU)):
            target = Target.objects.create(
                key=f"matrix/{key}",
                indicator=indicator,
                region_code=region,
                kind="level",
                comparison=">=",
                value=35,
                baseline_year=2024,
                horizon=2027,
                document_id="JS-2024-37",
                document="苏政办发〔2024〕37号",
                clause="序言",
            )
            record_change(action="create", instance=target)
            w.add(f"t_{key}", target, region)
            carrier = carrier_create(
                actor=None,
                kind="master_studio",
                name=f"{key} 技能大师工作室",
                region_code=region,
                level="municipal",
                since=datetime.date(2020, 5, 1),
            )
            w.add(f"ca_{key}", carrier, region)
            w.add(f"cd_{key}", carrier.decisions.get(), region)
        own = carrier_apply(
            actor=None,
            organisation=w.get("org_own"),
            kind="master_studio",
            name="本企业技能大师工作室",
            today=datetime.date(2025, 3, 1),
        )
        w.add("ca_own", own, ZJG)
        w.add("cd_own", own.decisions.get(), ZJG)
