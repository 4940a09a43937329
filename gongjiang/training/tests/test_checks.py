"""The fraud and anomaly checks: each check on a frame built to trip it (and one built not to), then the
recording of findings in the database: once per subject, grown by new claims, reopened when dismissed."""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl
import pytest
from django.core.exceptions import ValidationError

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.training import services
from gongjiang.training.checks import CLAIM_SCHEMA, PASS_SCHEMA, checks_run, common_region, detect, sentence
from gongjiang.training.models import Claim, Finding, FindingKind
from gongjiang.training.tests.conftest import HUQIU, SUZHOU, ZJG, roster_frame

D = datetime.date


def claim(claim_id: int, **kw: Any) -> dict[str, Any]:
    row = {
        "claim_id": claim_id,
        "person_id": claim_id,
        "person_name": "陈建国",
        "birth_date": D(1990, 5, 1),
        "phone_index": f"phone{claim_id}",
        "account_index": f"acct{claim_id}",
        "class_id": 100 + claim_id,
        "class_code": f"XM-{claim_id}",
        "class_start": D(2025, 3, 1),
        "class_end": D(2025, 4, 30),
        "institution_id": 1,
        "region_code": ZJG,
        "occupation_id": 7,
        "occupation": "电工",
        "level_id": 3,
        "level": "中级工",
        "event_date": D(2025, 5, 20),
        "certificate_date": D(2025, 5, 20),
        "eligible": True,
    }
    row.update(kw)
    return row


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=CLAIM_SCHEMA)


NO_STATS = pl.DataFrame(schema=PASS_SCHEMA)


def kinds(specs: list[Any]) -> list[str]:
    return sorted(s.kind for s in specs)


def test_clean_claims_raise_nothing() -> None:
    rows = [claim(i) for i in range(1, 30)]
    # The same person twice, in back-to-back classes of different levels: fine.
    rows.append(
        claim(
            30,
            person_id=1,
            class_id=300,
            class_start=D(2025, 5, 1),
            class_end=D(2025, 6, 1),
            level_id=4,
            event_date=D(2025, 6, 20),
            certificate_date=D(2025, 6, 20),
        )
    )
    assert detect(frame(*rows), NO_STATS) == []


def test_overlapping_classes() -> None:
    specs = detect(
        frame(
            claim(1),
            claim(
                2,
                person_id=1,
                class_start=D(2025, 4, 21),
                class_end=D(2025, 6, 1),
                level_id=4,
                region_code="320505",
                certificate_date=D(2025, 6, 10),
            ),
        ),
        NO_STATS,
    )
    assert kinds(specs) == [FindingKind.OVERLAP]
    s = specs[0]
    assert s.details["days"] == 10 and s.claim_ids == [1, 2] and s.person_id == 1
    assert s.region_code == "320500"  # the city holds a finding spanning two of its districts
    assert "10" in sentence(s.kind, s.details) and "XM-1" in sentence(s.kind, s.details)


def test_more_than_three_trainings_a_year() -> None:
    rows = [
        claim(
            i,
            person_id=1,
            class_id=100 + i,
            occupation_id=i,
            class_start=D(2025, i * 2, 1),
            class_end=D(2025, i * 2, 20),
            event_date=D(2025, i * 2, 25),
            certificate_date=D(2025, i * 2, 25),
            eligible=i < 4,
        )
        for i in range(1, 5)
    ]
    specs = detect(frame(*rows), NO_STATS)
    assert kinds(specs) == [FindingKind.TOO_MANY]
    assert specs[0].details["count"] == 4 and specs[0].details["ineligible"] == 1
    assert specs[0].claim_ids == [1, 2, 3, 4]
    # Three in 2025 and one in 2026: within the limit.
    rows[3] = claim(
        4,
        person_id=1,
        class_id=104,
        occupation_id=4,
        class_start=D(2026, 1, 5),
        class_end=D(2026, 1, 30),
        event_date=D(2026, 2, 5),
        certificate_date=D(2026, 2, 5),
    )
    assert detect(frame(*rows), NO_STATS) == []


def test_same_occupation_and_level_twice() -> None:
    specs = detect(
        frame(
            claim(1),
            claim(
                2,
                person_id=1,
                class_start=D(2025, 8, 1),
                class_end=D(2025, 9, 1),
                event_date=D(2025, 9, 20),
                certificate_date=D(2025, 9, 20),
            ),
        ),
        NO_STATS,
    )
    assert kinds(specs) == [FindingKind.REPEAT_LEVEL]
    assert specs[0].details["count"] == 2 and specs[0].details["classes"] == ["XM-1", "XM-2"]


def test_certificate_before_the_class_ended() -> None:
    specs = detect(
        frame(claim(1, certificate_date=D(2025, 4, 29)), claim(2, certificate_date=D(2025, 4, 30))), NO_STATS
    )
    assert kinds(specs) == [FindingKind.EARLY_CERTIFICATE]
    assert specs[0].claim_ids == [1] and specs[0].details["days"] == 1


@pytest.mark.parametrize(
    ("birth", "flagged"),
    [
        (D(2009, 3, 2), True),  # 15 the day after the class began
        (D(2009, 3, 1), False),  # 16 on the day
        (D(1954, 3, 1), True),  # 71
        (D(1954, 3, 2), False),  # 70 until the next day
    ],
)
def test_impossible_ages(birth: datetime.date, flagged: bool) -> None:
    specs = detect(frame(claim(1, birth_date=birth)), NO_STATS)
    assert kinds(specs) == ([FindingKind.AGE] if flagged else [])


def test_one_phone_or_account_across_many_trainees() -> None:
    rows = [claim(i, phone_index="same-phone") for i in (1, 2)] + [claim(3)]
    assert detect(frame(*rows), NO_STATS) == []  # two is not many
    rows.append(claim(4, phone_index="same-phone", institution_id=2))
    rows.extend(claim(i, account_index="same-acct") for i in (5, 6, 7))
    specs = detect(frame(*rows), NO_STATS)
    assert kinds(specs) == [FindingKind.SHARED_ACCOUNT, FindingKind.SHARED_PHONE]
    phone = next(s for s in specs if s.kind == FindingKind.SHARED_PHONE)
    assert phone.claim_ids == [1, 2, 4] and phone.details["persons"] == 3 and phone.details["institutions"] == 2
    assert "same-phone" not in str(phone.details) and "same-phone" not in sentence(phone.kind, phone.details)
    # One person's several claims to one account are one trainee, not many.
    same_person = [claim(i, person_id=9, account_index="family", occupation_id=i) for i in (10, 11, 12)]
    assert FindingKind.SHARED_ACCOUNT not in kinds(detect(frame(*same_person), NO_STATS))


def stats(*rows: tuple[int, int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "institution_id": i,
                "institution": f"机构{i}",
                "region_code": ZJG,
                "year": 2025,
                "trainees": n,
                "passed": p,
            }
            for i, n, p in rows
        ],
        schema=PASS_SCHEMA,
    )


def test_implausible_pass_rates() -> None:
    # 30 of 30 is above 98%; 29 of 29 is too few trainees to say.
    specs = detect(frame(), stats((1, 30, 30), (2, 29, 29), (3, 200, 120)))
    assert [(s.kind, s.institution_id) for s in specs] == [(FindingKind.PASS_RATE, 1)]
    assert "30" in sentence(specs[0].kind, specs[0].details)
    # 95% of 100 where peers pass 60%: extreme against the peers, though below the ceiling.
    specs = detect(frame(), stats((1, 100, 95), (2, 400, 240), (3, 300, 180)))
    assert [s.institution_id for s in specs] == [1] and specs[0].details["z"] > 3.5
    assert "60.0" in sentence(specs[0].kind, specs[0].details)
    # 70% against 60%: within chance.
    assert detect(frame(), stats((1, 100, 70), (2, 400, 240), (3, 300, 180))) == []


def test_common_region() -> None:
    assert common_region([ZJG, ZJG]) == ZJG
    assert common_region([ZJG, "320505"]) == "320500"
    assert common_region([ZJG, "320412"]) == "320000"


def test_findings_are_recorded_once_and_hold_claims(tw, claimed_class, make_person, make_certificate) -> None:
    """Three trainees share one phone: one finding, held claims; a rerun adds nothing; a fourth trainee with
    the same phone grows the dismissed finding and reopens it."""
    from gongjiang.registry.services import person_update

    with audit_context(source="cli"):
        for p in tw.persons[:3]:
            person_update(actor=None, person=p, phone="13900001111")
    first = checks_run(actor=None)
    assert first == {"findings": 1, "new": 1, "grown": 0, "reopened": 0}
    finding = Finding.objects.get()
    assert finding.kind == FindingKind.SHARED_PHONE and finding.region_code == ZJG
    assert "3" in finding.explanation
    assert sorted(finding.claims.values_list("pk", flat=True)) == sorted(Claim.objects.values_list("pk", flat=True))
    assert ChangeRecord.objects.filter(model="training.Finding", action="create").count() == 1
    assert checks_run(actor=None) == {"findings": 1, "new": 0, "grown": 0, "reopened": 0}

    services.claims_approve(actor=tw.zjg, claims=Claim.objects.all())
    with pytest.raises(ValidationError) as exc:  # every approved claim is held
        services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p")
    assert "claims" in exc.value.message_dict
    services.finding_review(actor=tw.zjg, finding=finding, status="dismissed", note="同一家庭登记的联系电话")
    assert services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p").line_count == 3

    # A fourth trainee with the same phone, in a new class, joins the finding and sends it back to review.
    fourth = make_person(region=ZJG, name="孙丽华", phone="13900001111")
    need = services.need_create(
        actor=tw.zjg, region_code=ZJG, year=2025, occupation_code="6-18-02-04", level_code="level4", places=5
    )
    services.need_publish(actor=tw.zjg, need=need)
    tw.need = need
    tc = tw.approve_all(tw.apply(places=5))
    services.roster_upload(actor=tw.inst_user, training_class=tc, frame=roster_frame([fourth], ["6222021599999999999"]))
    services.class_end(actor=tw.inst_user, training_class=tc, today=datetime.date(2025, 5, 1))
    make_certificate(fourth, level="level4", national_level=4, issue_date=D(2025, 5, 20), occupation="6-18-02-04")
    services.results_match(actor=tw.zjg, training_class=tc)
    services.claims_compute(actor=tw.zjg, training_class=tc)  # runs the checks for its trainees
    finding.refresh_from_db()
    assert finding.status == "open" and finding.reviewer is None
    assert finding.claims.count() == 4 and finding.details["persons"] == 4
    assert ChangeRecord.objects.filter(model="training.Finding", action="update").count() == 2  # review, regrowth


def test_an_officers_run_records_and_counts_only_findings_of_their_region(tw, claimed_class) -> None:
    """Three trainees share a phone; one claim is filed in 虎丘. The finding spans 虎丘 and 张家港, so it is
    苏州's: 虎丘's run (through the API, as an officer would) neither records it nor counts it; 苏州's does."""
    from rest_framework.test import APIClient

    from gongjiang.registry.services import person_update

    with audit_context(source="cli"):
        for p in tw.persons[:3]:
            person_update(actor=None, person=p, phone="13900001111")
    moved = Claim.objects.filter(person=tw.persons[0])
    assert moved.update(region_code=HUQIU) == 1
    api = APIClient()
    api.force_authenticate(tw.huqiu)
    answer = api.post("/api/training/findings/run/")
    assert answer.status_code == 200
    assert answer.json() == {"findings": 0, "new": 0, "grown": 0, "reopened": 0}
    assert not Finding.objects.exists()
    with audit_context(source="web", actor=tw.suzhou):
        assert checks_run(actor=tw.suzhou) == {"findings": 1, "new": 1, "grown": 0, "reopened": 0}
    assert Finding.objects.get().region_code == SUZHOU
