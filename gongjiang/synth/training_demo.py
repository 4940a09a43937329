"""Demo data for training administration in 张家港 (320582), made through the services as the demo
accounts would make it: catalogs, two designated institutions, needs, applications through the joint
review, classes with real-name rosters of synthetic 张家港 residents, certificates, claims priced by the
policy engine, payment batches (one paid with a post-audit sample, one drafted awaiting approval) and
the fraud checks' findings, a few of them reviewed.

Planted anomalies, so that each check has something to show: one trainee in four 2025 classes (two of
them overlapping), a trainee claiming 焊工 高级工 a second time, a 71-year-old trainee, three trainees
sharing a bank account, three sharing a phone, a class whose end date was corrected after its results
were matched (one certificate now predates it), and an institution passing all 32 of its trainees.

Idempotent: it does nothing when its first designation exists.
"""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gongjiang.core.audit import audit_context, record_change, snapshot
from gongjiang.core.models import Role, User
from gongjiang.credentials.models import Certificate
from gongjiang.credentials.services import certificate_issue
from gongjiang.policy.models import PolicySet, PolicySetVersion
from gongjiang.policy.services import policy_draft_create, policy_draft_parameter_set, policy_set_load
from gongjiang.registry.models import Organisation, Person
from gongjiang.registry.selectors import find_person_by_id_number
from gongjiang.registry.services import organisation_create, person_create, person_update
from gongjiang.synth.ids import make_certificate_number, make_id_number, make_uscc
from gongjiang.training import checks, services
from gongjiang.training.models import Claim, ClaimStatus, Designation, Finding, FindingKind, TrainingClass

ZJG, SUZHOU = "320582", "320500"
D = datetime.date
POLICY_SETS = ("zhangjiagang", "suzhou")
TENDER = "ZJGCG-2023-118"
INSTITUTIONS = [
    ("张家港市港城职业培训学校", 7_100_001),
    ("张家港市沙洲技能培训中心", 7_100_002),
]
BANK = "中国农业银行张家港分行"
CATALOG = {
    # occupation, tier, digital, shortage
    ZJG: [
        ("6-18-02-04", "A", False, True),  # 焊工
        ("6-31-01-03", "A", False, False),  # 电工
        ("6-31-07-01", "A", True, True),  # 工业机器人系统运维员
        ("4-10-01-05", "C", False, True),  # 养老护理员
        ("4-04-05-02", "B", True, False),  # 计算机软件测试员
    ],
    SUZHOU: [
        ("6-31-07-01", "A", True, True),
        ("6-31-07-02", "A", True, True),
        ("4-04-05-05", "B", True, True),
        ("4-04-05-02", "B", True, False),
        ("6-18-02-04", "A", False, False),
        ("4-10-01-05", "C", False, False),
    ],
}
LEVEL_DIGIT = {"level5": 5, "level4": 4, "level3": 3, "level2": 2, "level1": 1}


@contextmanager
def acting(user: Any, run: str) -> Iterator[None]:
    with audit_context(source="cli", actor=user, request_id=run):
        yield


class _Serials:
    def __init__(self) -> None:
        self.counter = itertools.count(1)

    def certificate_number(self, year: int, level: int) -> str:
        while True:
            n = next(self.counter)
            number = make_certificate_number(
                evaluator="S", station=958200 + n % 10, year=year, national_level=level, serial=800000 + n
            )
            if not Certificate.objects.filter(number=number).exists():
                return number


def _roster(persons: list[Person], accounts: dict[int, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id_number": [p.id_number for p in persons],
            "name": [p.name for p in persons],
            "bank_account": [accounts.get(p.pk, f"622848{p.pk:013d}") for p in persons],
            "bank_name": [BANK] * len(persons),
        }
    )


def _load_policy_sets(say: Callable[[str], None]) -> None:

    for name in POLICY_SETS:
        if not PolicySetVersion.objects.filter(policy_set__name=name, adopted_at__isnull=False).exists():
            say(policy_set_load(actor=None, name=name, adopt=True).line())


def _institutions() -> list[Organisation]:
    out = []
    for name, serial in INSTITUTIONS:
        uscc = make_uscc(ZJG, serial, kind="2")
        org = Organisation.objects.filter(uscc=uscc).first() or organisation_create(
            actor=None, uscc=uscc, name=name, kind="training", region_code=ZJG, industry_code="P"
        )
        out.append(org)
    return out


def _institution_user(org: Organisation, username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=Role.ORGANISATION, organisation=org, first_name=org.name[:150])
        user.set_unusable_password()
        user.save()
        record_change(action="create", instance=user)
    return user


def _bind_school(org: Organisation) -> User | None:
    """The demo account ``school`` works for the first demo institution."""
    user = User.objects.filter(username="school").first()
    if user is None or user.organisation_id == org.pk:
        return user
    before = snapshot(user)
    user.role, user.organisation = Role.ORGANISATION, org
    user.save()
    record_change(action="update", instance=user, before=before)
    return user


def _bind_worker() -> User | None:
    """The demo account ``worker`` is the trainee with the most claims (four trainings in 2025)."""
    user = User.objects.filter(username="worker").first()
    top = Claim.objects.values("person_id").annotate(n=Count("id")).order_by("-n", "person_id").first()
    if user is None or top is None or user.person_id == top["person_id"]:
        return user
    before = snapshot(user)
    user.role, user.person_id = Role.WORKER, top["person_id"]
    user.save()
    record_change(action="update", instance=user, before=before)
    return user


def _trainees(count: int) -> list[Person]:
    """Synthetic 张家港 residents aged about 22–50, in a fixed order."""
    persons = list(
        Person.objects.filter(
            residence_region_code=ZJG, birth_date__gte=D(1976, 1, 1), birth_date__lte=D(2003, 1, 1)
        ).order_by("pk")[:count]
    )
    if len(persons) < count:
        raise RuntimeError(f"the training demo needs {count} synthetic 张家港 residents; run the synthetic data first")
    return persons


def _walk_class(
    *,
    need_args: dict[str, Any],
    institution: Organisation,
    applicant: User,
    zjg: User,
    suzhou: User,
    dates: tuple[datetime.date, datetime.date],
    hours: tuple[int, int],
    price_fen: int,
    trainees: list[Person],
    accounts: dict[int, str],
    run: str,
) -> TrainingClass:
    with acting(zjg, run):
        need = services.need_create(actor=zjg, region_code=ZJG, **need_args)
        services.need_publish(actor=zjg, need=need)
    with acting(applicant, run):
        application = services.application_submit(
            actor=applicant,
            need=need,
            institution=institution,
            start_date=dates[0],
            end_date=dates[1],
            class_hours=hours[0],
            practical_hours=hours[1],
            places=need.places,
            price_fen=price_fen,
            plan="理论教学与实操训练结合，实操在合作企业车间进行",
        )
    with acting(zjg, run):
        services.application_decide(actor=zjg, application=application, decision="approve", comment="材料齐全，同意")
    with acting(suzhou, run):
        services.application_decide(actor=suzhou, application=application, decision="approve", comment="同意立项")
    tc = TrainingClass.objects.get(application=application)
    with acting(applicant, run):
        services.roster_upload(actor=applicant, training_class=tc, frame=_roster(trainees, accounts))
        services.class_end(actor=applicant, training_class=tc)
    return tc


def _certify(serials: _Serials, tc: TrainingClass, persons: list[Person], issued: datetime.date, run: str) -> None:
    digit = LEVEL_DIGIT[tc.level.code]
    with audit_context(source="cli", request_id=run):
        for p in persons:
            certificate_issue(
                actor=None,
                number=serials.certificate_number(issued.year, digit),
                person=p,
                occupation_code=tc.occupation.code,
                level_code=tc.level.code,
                issue_date=issued,
                source="third_party",
            )


def _price(zjg: User, tc: TrainingClass, run: str) -> None:
    with acting(zjg, run):
        services.results_match(actor=zjg, training_class=tc)
        services.claims_compute(actor=zjg, training_class=tc, run_checks=False)


@transaction.atomic
def training_demo(say: Callable[[str], None] = print) -> dict[str, int]:
    run = uuid.uuid4().hex
    if Designation.objects.filter(tender_reference=TENDER).exists():
        with audit_context(source="cli", request_id=run):
            _bind_school(Designation.objects.get(tender_reference=TENDER).organisation)
            _bind_worker()
        say("training: already present")
        return {}
    zjg = User.objects.get(username="zhangjiagang")
    suzhou = User.objects.get(username="suzhou")
    with audit_context(source="cli", request_id=run):
        _load_policy_sets(say)
        school_org, other_org = _institutions()
        school = _bind_school(school_org) or _institution_user(school_org, "training-a")
        other = _institution_user(other_org, "training-b")
    serials = _Serials()

    # Catalogs and designations (ZJG-opinion 二(六), 二(七); SZ-report A/B/C; SZ-digital-10).
    for region, user, clause in ((ZJG, zjg, "ZJG-opinion 二(七)"), (SUZHOU, suzhou, "SZ-report")):
        frame = pl.DataFrame(
            [
                {"occupation_code": o, "tier": t, "digital": "1" if d else "0", "shortage": "1" if s else "0"}
                for o, t, d, s in CATALOG[region]
            ]
        )
        with acting(user, run):
            for year in (2025, 2026):
                services.catalog_import(actor=user, region_code=region, year=year, frame=frame, clause=clause)
    with acting(zjg, run):
        for org, reference in ((school_org, TENDER), (other_org, "ZJGCG-2023-119")):
            services.designation_create(
                actor=zjg, organisation=org, region_code=ZJG, period_start=D(2024, 1, 1), tender_reference=reference
            )

    people = _trainees(100)
    y, x = people[0], people[1]  # y: four trainings in 2025; x: 焊工 高级工 twice
    accounts: dict[int, str] = {}
    shared_account = "6228480399990000777"
    for p in people[20:23]:
        accounts[p.pk] = shared_account

    # Early 2025: a 焊工 高级工 class, paid, with a post-audit sample.
    p0 = _walk_class(
        need_args={
            "year": 2025,
            "occupation_code": "6-18-02-04",
            "level_code": "level3",
            "places": 12,
            "price_fen": 240000,
        },
        institution=school_org,
        applicant=school,
        zjg=zjg,
        suzhou=suzhou,
        dates=(D(2025, 1, 6), D(2025, 2, 21)),
        hours=(120, 84),
        price_fen=230000,
        trainees=[x, *people[60:71]],
        accounts=accounts,
        run=run,
    )
    _certify(serials, p0, [x, *people[60:71]], D(2025, 3, 7), run)
    _price(zjg, p0, run)
    with acting(zjg, run):
        services.claims_approve(actor=zjg, claims=Claim.objects.filter(training_class=p0))
        batch = services.payment_batch_create(actor=zjg, region_code=ZJG, purpose="2025年焊工项目制培训补贴（第一批）")
    with acting(suzhou, run):
        services.payment_batch_approve(actor=suzhou, batch=batch)
        services.payment_batch_export(actor=suzhou, batch=batch, reason="演示：生成代发文件")
        services.payment_batch_mark_paid(
            actor=suzhou, batch=batch, voucher="ICBC-ZJG-20250318-0042", paid_on=timezone.localdate()
        )
        services.audit_sample_draw(actor=suzhou, region_code=SUZHOU, batch=batch, size=3, seed=20250320)

    # 2025: four classes.
    c1 = _walk_class(
        need_args={
            "year": 2025,
            "occupation_code": "6-18-02-04",
            "level_code": "level3",
            "places": 30,
            "price_fen": 240000,
            "note": "焊工为本市紧缺职业",
        },
        institution=school_org,
        applicant=school,
        zjg=zjg,
        suzhou=suzhou,
        dates=(D(2025, 3, 3), D(2025, 4, 25)),
        hours=(120, 84),
        price_fen=235000,
        trainees=[y, x, *people[2:25]],
        accounts=accounts,
        run=run,
    )
    c2 = _walk_class(
        need_args={
            "year": 2025,
            "occupation_code": "6-31-07-01",
            "level_code": "level4",
            "places": 20,
            "price_fen": 320000,
            "note": "数字技能紧缺职业",
        },
        institution=school_org,
        applicant=school,
        zjg=zjg,
        suzhou=suzhou,
        dates=(D(2025, 5, 6), D(2025, 6, 27)),
        hours=(96, 64),
        price_fen=310000,
        trainees=[y, *people[25:42]],
        accounts=accounts,
        run=run,
    )
    old = _old_trainee(run)
    c3 = _walk_class(
        need_args={
            "year": 2025,
            "occupation_code": "4-10-01-05",
            "level_code": "level5",
            "places": 40,
            "price_fen": 150000,
        },
        institution=other_org,
        applicant=other,
        zjg=zjg,
        suzhou=suzhou,
        dates=(D(2025, 4, 14), D(2025, 6, 6)),
        hours=(64, 40),
        price_fen=150000,
        trainees=[y, old, *people[42:72]],
        accounts=accounts,
        run=run,
    )
    with acting(zjg, run):
        c4 = services.class_create(
            actor=zjg,
            kind="designated",
            institution=school_org,
            region_code=ZJG,
            name="电工（初级工）定点培训",
            occupation_code="6-31-01-03",
            level_code="level5",
            start_date=D(2025, 7, 7),
            end_date=D(2025, 8, 29),
            class_hours=60,
            practical_hours=40,
            fee_fen=90000,
        )
    with acting(school, run):
        services.roster_upload(actor=school, training_class=c4, frame=_roster([y, *people[72:81]], accounts))
        services.class_end(actor=school, training_class=c4)

    _certify(serials, c1, [y, x, *people[2:20], *people[20:23]], D(2025, 5, 16), run)
    _certify(serials, c2, [people[25]], D(2025, 7, 11), run)
    _certify(serials, c2, [y, *people[26:38]], D(2025, 7, 25), run)
    _certify(serials, c3, [y, old, *people[42:72]], D(2025, 6, 20), run)
    _certify(serials, c4, [y, *people[72:79]], D(2025, 9, 12), run)
    for tc in (c1, c2, c3, c4):
        _price(zjg, tc, run)

    # After matching, the officer corrects c2's end date: one certificate now predates the class end.
    with acting(zjg, run):
        services.class_update_dates(actor=zjg, training_class=c2, start_date=c2.start_date, end_date=D(2025, 7, 18))
        # Three trainees of different classes registered the same phone.
        for p in (people[30], people[50], people[75]):
            person_update(actor=None, person=p, phone="13962299999")
    # Applications still in review, and one rejected.
    with acting(zjg, run):
        n4 = services.need_create(
            actor=zjg,
            region_code=ZJG,
            year=2026,
            occupation_code="6-31-01-03",
            level_code="level4",
            places=25,
            price_fen=200000,
        )
        services.need_publish(actor=zjg, need=n4)
        n5 = services.need_create(
            actor=zjg,
            region_code=ZJG,
            year=2026,
            occupation_code="4-04-05-02",
            level_code="level4",
            places=20,
            price_fen=260000,
        )
        services.need_publish(actor=zjg, need=n5)
    with acting(other, run):
        a4 = services.application_submit(
            actor=other,
            need=n4,
            institution=other_org,
            start_date=D(2026, 3, 2),
            end_date=D(2026, 4, 24),
            class_hours=96,
            practical_hours=60,
            places=25,
            price_fen=195000,
        )
        a5 = services.application_submit(
            actor=other,
            need=n5,
            institution=other_org,
            start_date=D(2026, 3, 9),
            end_date=D(2026, 5, 8),
            class_hours=80,
            practical_hours=48,
            places=20,
            price_fen=255000,
        )
    with acting(zjg, run):
        services.application_decide(actor=zjg, application=a4, decision="approve", comment="同意，报市局")
        services.application_decide(
            actor=zjg, application=a5, decision="reject", comment="实训设备不满足软件测试实操要求"
        )

    with audit_context(source="cli", request_id=run):
        result = checks.checks_run(actor=None)
    with acting(zjg, run):
        services.claims_approve(actor=zjg, claims=Claim.objects.filter(training_class__in=[c2, c4]))
        phone = Finding.objects.filter(kind=FindingKind.SHARED_PHONE).first()
        if phone is not None:
            services.finding_review(
                actor=zjg, finding=phone, status="dismissed", note="电话核实：三人为同一家庭，登记的是家庭联系电话"
            )
        age = Finding.objects.filter(kind=FindingKind.AGE).first()
        if age is not None:
            services.finding_review(actor=zjg, finding=age, status="confirmed", note="出生年份核实无误，超龄参训")
        services.payment_batch_create(actor=zjg, region_code=ZJG, purpose="2025年项目制及定点培训补贴（第二批）")
        # A draft version of the 张家港 rules awaiting a second officer's adoption (zhangjiagang2).
        draft = policy_draft_create(
            actor=zjg,
            policy_set=PolicySet.objects.get(name="zhangjiagang"),
            title="2026年项目制培训补贴比例调整（草案）",
        )
        policy_draft_parameter_set(
            actor=zjg,
            draft=draft,
            name="project_training.share",
            region_code="320000",
            value=Decimal(90),
            effective_from=D(2026, 1, 1),
        )
    # The demo enterprise trained its own workers; the class has ended and its certificates are issued, so
    # that the enterprise can claim the subsidies on the class's page. Another institution applies to be
    # designated for the next tender period (the 张家港 officer decides).
    enterprise_user = User.objects.filter(username="enterprise").first()
    if enterprise_user is not None and enterprise_user.organisation is not None:
        staff = (
            list(
                Person.objects.filter(employments__organisation=enterprise_user.organisation)
                .exclude(enrolments__isnull=False)
                .order_by("pk")[:6]
            )
            or people[82:88]
        )
        with acting(enterprise_user, run):
            ec = services.class_create(
                actor=enterprise_user,
                kind="enterprise",
                institution=enterprise_user.organisation,
                region_code=enterprise_user.organisation.region_code,
                name="电工中级岗位技能提升培训",
                occupation_code="6-31-01-03",
                level_code="level4",
                start_date=D(2025, 9, 1),
                end_date=D(2025, 10, 24),
                class_hours=80,
                practical_hours=50,
            )
            frame = _roster(staff, accounts).with_columns(
                pl.Series("trainee_group", ["青年" if i % 3 == 0 else "企业职工" for i in range(len(staff))])
            )
            services.roster_upload(actor=enterprise_user, training_class=ec, frame=frame)
            services.class_end(actor=enterprise_user, training_class=ec)
        _certify(serials, ec, staff[:-1], D(2025, 11, 14), run)
    with acting(other, run):
        services.designation_request_submit(
            actor=other,
            institution=other_org,
            region_code=ZJG,
            period_start=D(2027, 1, 1),
            tender_reference="ZJGCG-2026-087",
            occupations="养老护理员、电工",
            statement="实训工位 60 个，双师型教师 12 名",
        )
    with audit_context(source="cli", request_id=run):
        _bind_worker()

    counts = {
        "classes": TrainingClass.objects.count(),
        "claims": Claim.objects.count(),
        "paid": Claim.objects.filter(status=ClaimStatus.PAID).count(),
        "findings": result["findings"],
    }
    say(
        f"training: {counts['classes']} classes, {counts['claims']} claims ({counts['paid']} paid), "
        f"{counts['findings']} findings"
    )
    return counts


def _old_trainee(run: str) -> Person:
    """A 张家港 resident born in 1953: 71 when the elderly-care class began."""
    number = make_id_number(ZJG, D(1953, 11, 2), 902)
    found = find_person_by_id_number(number)
    if found is not None:
        return found
    with audit_context(source="cli", request_id=run):
        return person_create(
            actor=None, name="顾桂英", id_number=number, residence_region_code=ZJG, phone="13862288123"
        )
