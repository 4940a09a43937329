"""The labour models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_labour_world`` gives each of 张家港 (the records of ``org_own``, the organisation user's), 虎丘 and
武进 one record of every labour model, with their change records, directly through the ORM. The 虎丘
need catalog is published (every organisation user sees it and its entries); the others are drafts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.labour import models as m
from gongjiang.labour.tests.forecast_matrix import (
    FORECAST_MODELS,
    FORECAST_ORG_ACTS,
    FORECAST_ORG_VIEW,
    add_forecast_world,
)
from gongjiang.reference.models import Occupation, SkillLevel

ZJG, HUQIU, WUJIN = "320582", "320505", "320412"

LABOUR_MODELS: dict[str, type] = {
    f"labour.{model.__name__}": model
    for model in (
        m.DemandPost,
        m.NeedSurvey,
        m.SurveyLine,
        m.NeedCatalog,
        m.CatalogEntry,
        m.Programme,
        m.OrderClass,
        m.Apprenticeship,
        m.SchoolReport,
        m.Seeker,
        m.MatchRound,
        m.Applicant,
        m.JobFair,
        m.FairBooth,
        m.BoothPost,
        m.FairSeeker,
        m.FairOutcome,
    )
}
PREFIX = {
    "DemandPost": "dp",
    "NeedSurvey": "ns",
    "SurveyLine": "sl",
    "NeedCatalog": "nc",
    "CatalogEntry": "ce",
    "Programme": "pg",
    "OrderClass": "oc",
    "Apprenticeship": "ap",
    "SchoolReport": "sr",
    "Seeker": "sk",
    "MatchRound": "mr",
    "Applicant": "aa",
    "JobFair": "jf",
    "FairBooth": "fb",
    "BoothPost": "bp",
    "FairSeeker": "fs",
    "FairOutcome": "fo",
}

LABOUR_ORG_VIEW: dict[str, set[str]] = {
    label: set() if label.endswith(("NeedCatalog", "CatalogEntry")) else {f"{PREFIX[label.split('.')[1]]}_own"}
    for label in LABOUR_MODELS
}
LABOUR_ORG_VIEW["labour.DemandPost"] = {"dp_own", "dp_hq", "dp_cz"}  # open posts are public
LABOUR_ORG_VIEW["labour.NeedCatalog"] = {"nc_hq"}
LABOUR_ORG_VIEW["labour.CatalogEntry"] = {"ce_hq"}
LABOUR_ORG_VIEW["labour.JobFair"] = {"jf_own", "jf_hq", "jf_cz"}  # fairs are public

LABOUR_ORG_ACTS: dict[str, dict[str, set[str]]] = {
    label: {act: {f"{PREFIX[label.split('.')[1]]}_own"} for act in model.SCOPE.organisation_acts}
    for label, model in LABOUR_MODELS.items()
    if model.SCOPE.organisation_acts
}
LABOUR_MODELS.update(FORECAST_MODELS)
LABOUR_ORG_VIEW.update(FORECAST_ORG_VIEW)
LABOUR_ORG_ACTS.update(FORECAST_ORG_ACTS)


def add_labour_world(w: Any) -> None:
    occupation = Occupation.objects.get(code="6-31-01-03")
    level = SkillLevel.objects.get(code="level4")
    day = datetime.date(2025, 5, 10)
    places = {"own": (ZJG, "org_own", "p_own"), "hq": (HUQIU, "org_hq", "p_hq"), "cz": (WUJIN, "org_cz", "p_cz")}
    with audit_context(source="cli"):

        def add(key: str, obj: Any, region: str) -> Any:
            obj.save()
            record_change(action="create", instance=obj)
            return w.add(key, obj, region)

        for suffix, (region, org_key, person_key) in places.items():
            org, person = w.get(org_key), w.get(person_key)
            post = add(
                f"dp_{suffix}",
                m.DemandPost(
                    organisation=org,
                    region_code=region,
                    occupation=occupation,
                    level=level,
                    headcount=3,
                    wage_offer=6000,
                    start=day,
                    opened_on=day,
                ),
                region,
            )
            survey = add(f"ns_{suffix}", m.NeedSurvey(organisation=org, region_code=region, year=2025), region)
            add(
                f"sl_{suffix}",
                m.SurveyLine(
                    survey=survey, occupation=occupation, level=level, staff=5, hires_1=2, hires_2=2, hires_3=1
                ),
                region,
            )
            status = m.CatalogStatus.PUBLISHED if suffix == "hq" else m.CatalogStatus.DRAFT
            catalog = add(f"nc_{suffix}", m.NeedCatalog(region_code=region, year=2025, status=status), region)
            add(
                f"ce_{suffix}",
                m.CatalogEntry(
                    catalog=catalog,
                    occupation=occupation,
                    demand=5,
                    posted=3,
                    filled=1,
                    hard_to_fill=0,
                    open_days=0,
                    supply=1,
                    shortage_index=Decimal("0.5"),
                ),
                region,
            )
            add(
                f"pg_{suffix}",
                m.Programme(
                    school=org,
                    region_code=region,
                    name="数控技术",
                    occupation=occupation,
                    year=2025,
                    enrolment=40,
                    expected_graduates=35,
                ),
                region,
            )
            oc = add(
                f"oc_{suffix}",
                m.OrderClass(
                    name="数控订单班",
                    kind="order",
                    school=org,
                    enterprise=org,
                    region_code=region,
                    occupation=occupation,
                    year=2025,
                    places=10,
                ),
                region,
            )
            add(
                f"ap_{suffix}",
                m.Apprenticeship(
                    kind="enterprise",
                    enterprise=org,
                    person=person,
                    region_code=region,
                    occupation=occupation,
                    level=level,
                    start=day,
                    end=day,
                ),
                region,
            )
            add(
                f"sr_{suffix}",
                m.SchoolReport(
                    school=org, region_code=region, year=2025, teachers=10, dual_teachers=5, social_trainees=100
                ),
                region,
            )
            add(
                f"sk_{suffix}",
                m.Seeker(
                    person=person,
                    kind="graduate",
                    school=org,
                    graduation_year=2025,
                    region_code=region,
                    occupation=occupation,
                    level=level,
                    wage_expected=5000,
                    registered_on=day,
                    placed_post=post,
                ),
                region,
            )
            rnd = add(
                f"mr_{suffix}", m.MatchRound(name="订单班匹配", organiser=org, region_code=region, year=2025), region
            )
            add(
                f"aa_{suffix}",
                m.Applicant(round=rnd, person=person, school=org, choices=[[oc.pk, 1, 80]], placed=oc),
                region,
            )
            fair = add(
                f"jf_{suffix}",
                m.JobFair(
                    name="青年专场招聘会", kind="youth", region_code=region, date=day, place="人才市场", clause="x"
                ),
                region,
            )
            booth = add(f"fb_{suffix}", m.FairBooth(fair=fair, enterprise=org, number=1, registered_on=day), region)
            add(f"bp_{suffix}", m.BoothPost(booth=booth, post=post), region)
            seeker = w.get(f"sk_{suffix}")
            add(f"fs_{suffix}", m.FairSeeker(fair=fair, seeker=seeker, registered_on=day), region)
            add(
                f"fo_{suffix}",
                m.FairOutcome(fair=fair, seeker=seeker, post=post, outcome="interviewed", recorded_on=day),
                region,
            )
    add_forecast_world(w)
