"""The honours models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_honours_world`` gives each of 张家港 (nominated by ``org_own``), 虎丘 and 武进 a call, a nomination,
an honour with an entitlement, an enterprise recognition, an award application with a review and an
instalment, directly through the ORM with their change records. The 张家港 call is open and the 武进 one
decided (every enterprise sees those: they are public), the 虎丘 one still a draft."""

from __future__ import annotations

import datetime
from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.honours.models import (
    AwardApplication,
    AwardInstalment,
    AwardReview,
    Entitlement,
    Honour,
    HonourCall,
    Nomination,
    Recognition,
)

ZJG, HUQIU, WUJIN = "320582", "320505", "320412"

HONOURS_MODELS: dict[str, type] = {
    "honours.HonourCall": HonourCall,
    "honours.Nomination": Nomination,
    "honours.Honour": Honour,
    "honours.Entitlement": Entitlement,
    "honours.Recognition": Recognition,
    "honours.AwardApplication": AwardApplication,
    "honours.AwardReview": AwardReview,
    "honours.AwardInstalment": AwardInstalment,
}

HONOURS_ORG_VIEW: dict[str, set[str]] = {
    "honours.HonourCall": {"hc_own", "hc_cz"},
    "honours.Nomination": {"nm_own"},
    "honours.Honour": {"ho_own"},
    "honours.Entitlement": {"en_own"},
    "honours.Recognition": {"rc_own"},
    "honours.AwardApplication": {"aw_own"},
    "honours.AwardReview": {"ar_own"},
    "honours.AwardInstalment": {"ai_own"},
}

HONOURS_ORG_ACTS: dict[str, dict[str, set[str]]] = {
    "honours.Nomination": {"add": {"nm_own"}, "withdraw": {"nm_own"}},
    "honours.AwardApplication": {"add": {"aw_own"}},
}


def add_honours_world(w: Any) -> None:
    day = datetime.date(2025, 5, 10)
    places = {
        "own": (ZJG, "org_own", "p_own", "open"),
        "hq": (HUQIU, "org_hq", "p_hq", "draft"),
        "cz": (WUJIN, "org_cz", "p_cz", "decided"),
    }
    reviewer = w.users.get("zhangjiagang")
    with audit_context(source="cli"):

        def add(key: str, obj: Any, region: str) -> Any:
            obj.save()
            record_change(action="create", instance=obj)
            return w.add(key, obj, region)

        for suffix, (region, org_key, person_key, status) in places.items():
            org, person = w.get(org_key), w.get(person_key)
            call = add(
                f"hc_{suffix}",
                HonourCall(
                    title=f"评选{suffix}",
                    kind="outstanding",
                    level="district",
                    region_code=region,
                    year=2025,
                    quota=20,
                    closes=day,
                    status=status,
                ),
                region,
            )
            add(f"nm_{suffix}", Nomination(call=call, person=person, organisation=org), region)
            honour = add(
                f"ho_{suffix}",
                Honour(
                    person=person,
                    kind="outstanding",
                    level="district",
                    title=f"荣誉{suffix}",
                    region_code=region,
                    organisation=org,
                    awarded_on=day,
                    term_start=day,
                ),
                region,
            )
            add(
                f"en_{suffix}",
                Entitlement(
                    honour=honour, service="health_check", clause="苏政办发〔2024〕37号 (十八)", granted_on=day
                ),
                region,
            )
            add(
                f"rc_{suffix}",
                Recognition(
                    organisation=org,
                    kind="skill_enterprise",
                    region_code=region,
                    year=2025,
                    as_of=day,
                    employees=10,
                    high_skilled=4,
                    clause="苏政办发〔2024〕37号 (六)",
                ),
                region,
            )
            award = add(
                f"aw_{suffix}",
                AwardApplication(
                    rule="first_year_award",
                    region_code=region,
                    person=person,
                    organisation=org,
                    event_date=day,
                    policy_set="zhangjiagang",
                    eligible=True,
                    amount_fen=200000,
                    status="submitted",
                    stages=["county", "city"],
                ),
                region,
            )
            if reviewer is None:
                from gongjiang.core.models import User

                reviewer = User.objects.create_user(username="matrix_honours_reviewer", role="officer", region_code=ZJG)
            add(
                f"ar_{suffix}",
                AwardReview(application=award, stage=0, stage_level="county", reviewer=reviewer, decision="approve"),
                region,
            )
            add(f"ai_{suffix}", AwardInstalment(application=award, year_no=1, due_on=day, amount_fen=200000), region)
