"""A 张家港 enterprise and technician college with their users, the district officer, three persons, and
the Zhangjiagang policy set loaded."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core.audit import audit_context

ZJG = "320582"


@pytest.fixture
def world(reference, make_user, make_org, make_person):  # type: ignore[no-untyped-def]
    from gongjiang.policy.services import policy_set_load

    enterprise = make_org(region=ZJG, name="张家港精工机械")
    school = make_org(region=ZJG, kind="technician_college", name="张家港市技师学院", industry="P")
    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)
    return {
        "officer": make_user("zjg", region_code=ZJG),
        "enterprise": enterprise,
        "school": school,
        "ent_user": make_user("ent", role="organisation", organisation=enterprise),
        "school_user": make_user("sch", role="organisation", organisation=school),
        "people": [
            make_person(region=ZJG, name=n, birth=datetime.date(2006, 1, i + 1), phone=f"1391234{i:04d}")
            for i, n in enumerate(["陈一", "周二", "吴三"])
        ],
    }
