"""The wage-price models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_wages_world`` gives each of 张家港 (the response of ``org_own``), 虎丘 and 武进 a survey with a stratum,
a response with one employee row, and an edition with a cell, a premium and an estimation job, with their
change records, directly through the ORM."""

from __future__ import annotations

import datetime
from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.wages.models import (
    Cell,
    Edition,
    EmployeeRecord,
    EstimationJob,
    Premium,
    Response,
    Stratum,
    Survey,
)

ZJG, HUQIU, WUJIN = "320582", "320505", "320412"

WAGES_MODELS: dict[str, type] = {
    "wages.Survey": Survey,
    "wages.Stratum": Stratum,
    "wages.Response": Response,
    "wages.EmployeeRecord": EmployeeRecord,
    "wages.Edition": Edition,
    "wages.Cell": Cell,
    "wages.Premium": Premium,
    "wages.EstimationJob": EstimationJob,
}

WAGES_ORG_VIEW: dict[str, set[str]] = {
    "wages.Survey": set(),
    "wages.Stratum": set(),
    "wages.Response": {"wr_own"},
    "wages.EmployeeRecord": {"we_own"},
    "wages.Edition": set(),
    "wages.Cell": set(),
    "wages.Premium": set(),
    "wages.EstimationJob": set(),
}

# The enterprise changes and submits its own response, and adds, changes and deletes its employee rows.
WAGES_ORG_ACTS: dict[str, dict[str, set[str]]] = {
    "wages.Response": {"change": {"wr_own"}, "send": {"wr_own"}},
    "wages.EmployeeRecord": {"add": {"we_own"}, "change": {"we_own"}, "delete": {"we_own"}},
}


def add_wages_world(w: Any) -> None:
    places = {"own": (ZJG, "org_own"), "hq": (HUQIU, "org_hq"), "cz": (WUJIN, "org_cz")}
    with audit_context(source="cli"):

        def add(key: str, obj: Any, region: str) -> Any:
            obj.save()
            record_change(action="create", instance=obj)
            return w.add(key, obj, region)

        for suffix, (region, org_key) in places.items():
            org = w.get(org_key)
            survey = add(
                f"ws_{suffix}",
                Survey(region_code=region, year=2025, as_of=datetime.date(2025, 12, 31), sampling_fraction=1),
                region,
            )
            add(
                f"wst_{suffix}",
                Stratum(
                    survey=survey,
                    industry_section="C",
                    size_class="micro",
                    region_code=region,
                    population_enterprises=1,
                    population_employment=10.0,
                ),
                region,
            )
            response = add(
                f"wr_{suffix}",
                Response(
                    survey=survey,
                    organisation=org,
                    uscc=org.uscc,
                    industry_section="C",
                    size_class="micro",
                    region_code=region,
                ),
                region,
            )
            add(
                f"we_{suffix}",
                EmployeeRecord(
                    response=response,
                    employee_key="1",
                    occupation_code="6-18-02-04",
                    skill_level="level3",
                    education="vocational",
                    months_worked=12,
                    hours_per_month=174,
                    base_pay=6_000_000,
                ),
                region,
            )
            edition = add(f"wed_{suffix}", Edition(survey=survey, region_code=region, year=2025), region)
            add(
                f"wc_{suffix}",
                Cell(
                    edition=edition,
                    cell_kind="occupation_level",
                    region_code=region,
                    occupation_code="6-18-02-04",
                    skill_level="level3",
                    n_enterprises=1,
                    n_employees=1,
                    weighted_employees=10.0,
                    weighted_total_pay=600000.0,
                    status="suppressed_primary",
                    reason="few_enterprises",
                ),
                region,
            )
            add(
                f"wp_{suffix}",
                Premium(
                    edition=edition,
                    region_code=region,
                    occupation_code="6-18-02-04",
                    from_level="level4",
                    to_level="level3",
                    ratio=1.1,
                ),
                region,
            )
            add(f"wj_{suffix}", EstimationJob(edition=edition, status="done", percent=100), region)
