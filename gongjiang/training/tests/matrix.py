"""The training models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_training_world`` places one object of every training model in 张家港, 虎丘 and 武进 (and, where a
model can sit at city or province level, in 苏州 and 江苏), with its change record, directly through the
ORM: the matrix tests scope, not the workflow rules. The matrix's organisation user is bound to the
enterprise ``org_own``; it runs a class in 张家港 and one it holds in 虎丘, so its view is non-trivial.
"""

from __future__ import annotations

import datetime
from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.training.models import (
    Application,
    AuditSample,
    CatalogEntry,
    Claim,
    Designation,
    DesignationRequest,
    Enrolment,
    Finding,
    PaymentBatch,
    PaymentLine,
    ReviewDecision,
    SampleItem,
    TrainingClass,
    TrainingNeed,
)

ZJG, HUQIU, WUJIN, SUZHOU, JIANGSU = "320582", "320505", "320412", "320500", "320000"

TRAINING_MODELS: dict[str, type] = {
    "training.Designation": Designation,
    "training.DesignationRequest": DesignationRequest,
    "training.CatalogEntry": CatalogEntry,
    "training.TrainingNeed": TrainingNeed,
    "training.Application": Application,
    "training.ReviewDecision": ReviewDecision,
    "training.TrainingClass": TrainingClass,
    "training.Enrolment": Enrolment,
    "training.Claim": Claim,
    "training.PaymentBatch": PaymentBatch,
    "training.PaymentLine": PaymentLine,
    "training.AuditSample": AuditSample,
    "training.SampleItem": SampleItem,
    "training.Finding": Finding,
}

# What the organisation user (bound to org_own) views of the training models.
TRAINING_ORG_VIEW: dict[str, set[str]] = {
    "training.Designation": {"d_own"},
    "training.DesignationRequest": {"desreq_own"},
    "training.CatalogEntry": set(),
    "training.TrainingNeed": {"n_sz"},  # published: every institution sees it
    "training.Application": {"a_own"},
    "training.ReviewDecision": {"rd_own"},
    "training.TrainingClass": {"tc_own", "tc_away"},
    "training.Enrolment": {"en_own", "en_away"},
    "training.Claim": {"cl_own", "cl_away"},
    "training.PaymentBatch": set(),
    "training.PaymentLine": set(),
    "training.AuditSample": set(),
    "training.SampleItem": set(),
    "training.Finding": set(),
}


# What the organisation user may do to its own records beyond viewing (the models' organisation_acts).
TRAINING_ORG_ACTS: dict[str, dict[str, set[str]]] = {
    "training.Application": {"add": {"a_own"}, "withdraw": {"a_own"}},
    "training.DesignationRequest": {"add": {"desreq_own"}, "withdraw": {"desreq_own"}},
    "training.TrainingClass": {a: {"tc_own", "tc_away"} for a in ("add", "roster", "end", "claim")},
}


def add_training_world(w: Any, make_user: Any) -> None:
    occupation = Occupation.objects.get(code="6-31-01-03")
    level = SkillLevel.objects.get(code="level4")
    start, end = datetime.date(2025, 3, 3), datetime.date(2025, 4, 25)
    officer = make_user("matrix_training_officer", role="officer", region_code=SUZHOU)
    orgs = {ZJG: w.get("org_own"), HUQIU: w.get("org_hq"), WUJIN: w.get("org_cz")}
    persons = {ZJG: w.get("p_own"), HUQIU: w.get("p_hq"), WUJIN: w.get("p_cz")}
    tag = {ZJG: "own", HUQIU: "hq", WUJIN: "cz"}

    def put(key: str, obj: Any, region: str) -> Any:
        obj.save()
        record_change(action="create", instance=obj)
        return w.add(key, obj, region)

    with audit_context(source="cli"):
        for region in (ZJG, SUZHOU, JIANGSU, WUJIN):
            put(
                f"cat_{region}",
                CatalogEntry(region_code=region, year=2025, occupation=occupation, tier="A", clause="SZ-report"),
                region,
            )
            put(
                f"f_{region}",
                Finding(kind="age", fingerprint=f"matrix-{region}", region_code=region, explanation="x"),
                region,
            )
        put(
            "n_sz",
            TrainingNeed(
                region_code=SUZHOU,
                year=2025,
                occupation=occupation,
                level=level,
                places=5,
                stages=["city"],
                status="published",
            ),
            SUZHOU,
        )
        batches: dict[str, Any] = {}
        for region, t in tag.items():
            org, person = orgs[region], persons[region]
            put(
                f"d_{t}",
                Designation(
                    organisation=org,
                    region_code=region,
                    period_start=start,
                    period_end=datetime.date(2027, 12, 31),
                    tender_reference=f"T-{t}",
                ),
                region,
            )
            put(
                f"desreq_{t}",
                DesignationRequest(
                    institution=org,
                    region_code=region,
                    period_start=start,
                    tender_reference=f"TR-{t}",
                    occupations="电工",
                ),
                region,
            )
            need = put(
                f"n_{t}",
                TrainingNeed(
                    region_code=region,
                    year=2025,
                    occupation=occupation,
                    level=level,
                    places=5,
                    stages=["county", "city"],
                ),
                region,
            )
            application = put(
                f"a_{t}",
                Application(
                    need=need,
                    institution=org,
                    region_code=region,
                    start_date=start,
                    end_date=end,
                    class_hours=60,
                    practical_hours=40,
                    places=5,
                    price_fen=100000,
                ),
                region,
            )
            put(
                f"rd_{t}",
                ReviewDecision(
                    application=application,
                    stage=0,
                    stage_level="county",
                    reviewer=officer,
                    reviewer_region_code=region,
                    decision="approve",
                ),
                region,
            )
            tc = put(
                f"tc_{t}",
                TrainingClass(
                    code=f"M-{t}",
                    name=t,
                    kind="project",
                    institution=org,
                    application=application,
                    region_code=region,
                    occupation=occupation,
                    level=level,
                    start_date=start,
                    end_date=end,
                    class_hours=60,
                    practical_hours=40,
                ),
                region,
            )
            enrolment = put(f"en_{t}", Enrolment(training_class=tc, person=person), region)
            claim = put(f"cl_{t}", _claim(enrolment, tc, region), region)
            if region == HUQIU:
                continue
            batch = put(
                f"b_{t}", PaymentBatch(reference=f"MB-{t}", region_code=region, purpose="p", created_by=officer), region
            )
            batches[region] = batch
            put(f"pl_{t}", PaymentLine(batch=batch, claim=claim, line_no=1, amount_fen=claim.amount_fen), region)
            sample = put(
                f"s_{t}",
                AuditSample(region_code=region, batch=batch, seed=1, size=1, population=1, created_by=officer),
                region,
            )
            put(f"si_{t}", SampleItem(sample=sample, claim=claim), region)
        put("b_sz", PaymentBatch(reference="MB-sz", region_code=SUZHOU, purpose="p", created_by=officer), SUZHOU)
        # org_own runs a second class, located (and paid) in 虎丘: it sees it, the 张家港 officer does not.
        away = put(
            "tc_away",
            TrainingClass(
                code="M-away",
                name="away",
                kind="designated",
                institution=orgs[ZJG],
                region_code=HUQIU,
                occupation=occupation,
                level=level,
                start_date=start,
                end_date=end,
                class_hours=60,
                practical_hours=40,
            ),
            HUQIU,
        )
        enrolment = put("en_away", Enrolment(training_class=away, person=persons[HUQIU]), HUQIU)
        put("cl_away", _claim(enrolment, away, HUQIU), HUQIU)


def _claim(enrolment: Enrolment, tc: TrainingClass, region: str) -> Claim:
    return Claim(
        enrolment=enrolment,
        person=enrolment.person,
        training_class=tc,
        institution=tc.institution,
        occupation=tc.occupation,
        level=tc.level,
        region_code=region,
        event_date=tc.end_date,
        policy_set="x",
        eligible=True,
        amount_fen=100000,
        status="computed",
    )
