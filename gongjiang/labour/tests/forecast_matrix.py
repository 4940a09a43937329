"""The manpower forecast models' part of the permission matrix: one record of each in 张家港 (the
organisation user's enterprise for its town), 虎丘 and 武进, with their change records. Forecasts,
their lines and warnings, and major projects are the bureau's: organisation users see none of them; an
enterprise sees and records its own town."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.labour import models as m
from gongjiang.reference.models import Occupation

ZJG, HUQIU, WUJIN = "320582", "320505", "320412"

FORECAST_MODELS: dict[str, type] = {
    f"labour.{model.__name__}": model
    for model in (m.ForecastRun, m.ForecastLine, m.ShortageWarning, m.EnterpriseTown, m.MajorProject, m.ProjectNeed)
}
FORECAST_ORG_VIEW: dict[str, set[str]] = {label: set() for label in FORECAST_MODELS}
FORECAST_ORG_VIEW["labour.EnterpriseTown"] = {"et_own"}
FORECAST_ORG_ACTS: dict[str, dict[str, set[str]]] = {
    "labour.EnterpriseTown": {act: {"et_own"} for act in m.EnterpriseTown.SCOPE.organisation_acts}
}


def add_forecast_world(w: Any) -> None:
    occupation = Occupation.objects.get(code="6-31-01-03")
    places = {"own": (ZJG, "org_own"), "hq": (HUQIU, "org_hq"), "cz": (WUJIN, "org_cz")}
    with audit_context(source="cli"):

        def add(key: str, obj: Any, region: str) -> Any:
            obj.save()
            record_change(action="create", instance=obj)
            return w.add(key, obj, region)

        for suffix, (region, org_key) in places.items():
            org = w.get(org_key)
            run = add(
                f"fr_{suffix}",
                m.ForecastRun(
                    region_code=region,
                    made_on=datetime.date(2025, 5, 10),
                    cutoff_year=2024,
                    first_year=2015,
                    horizon=3,
                    reconciliation="mint_shrink",
                    gap_threshold=10,
                    gap_share=Decimal("0.20"),
                ),
                region,
            )
            add(
                f"fl_{suffix}",
                m.ForecastLine(
                    run=run, region_code=region, depth=0, group="6", openings_total=5, supply_total=3, gap_total=2
                ),
                region,
            )
            add(
                f"sw_{suffix}",
                m.ShortageWarning(
                    run=run, region_code=region, group="6", year=2025, openings=30, supply=10, gap=20, severity="high"
                ),
                region,
            )
            add(
                f"et_{suffix}",
                m.EnterpriseTown(organisation=org, region_code=region, town_code=f"{region}100", town_name="某镇"),
                region,
            )
            project = add(
                f"mp_{suffix}",
                m.MajorProject(name="某项目", enterprise=org, region_code=region, start_year=2026),
                region,
            )
            add(f"pn_{suffix}", m.ProjectNeed(project=project, occupation=occupation, year=2026, headcount=5), region)
