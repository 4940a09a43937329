"""Demo data for honours and awards, made through the services as the demo officers and the 张家港
enterprise:

* 张家港: the 2025 outstanding high-skilled talents (ZJG-opinion 五(十四)) decided, each paid 3,000 yuan a
  year for three years, the instalments due so far released for payment; the 2026 call open with the
  enterprise's nominations; a first-year award (ZJG-opinion 四(十一)) under review and an introduction
  award approved; the enterprise recognised as a skill-based enterprise pilot;
* 苏州: the 姑苏高技能人才计划 list under objection (公示); a 江苏工匠 recorded on a worker with its
  services; an enterprise on the 揭榜领题 list;
* 常州: the 龙城工匠 decided, one health check used; an enterprise recognised.

Idempotent: it does nothing when a call exists.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.core.models import User
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.honours import services
from gongjiang.honours.models import HonourCall
from gongjiang.honours.selectors import highest_level
from gongjiang.registry.models import Employment, Organisation, Person

ACCOUNT = "62220210{:011d}"


def _skilled(organisation: Organisation, n: int, skip: set[int]) -> list[Person]:
    """High-skilled workers employed today by the enterprise."""
    today = timezone.localdate()
    employed = (
        Employment.objects.filter(organisation=organisation, start__lte=today)
        .exclude(end__lt=today)
        .values("person_id")
    )
    holders = Certificate.objects.filter(
        person_id__in=employed, status=CertificateStatus.VALID, level__high_skilled=True, issue_date__lte=today
    ).values("person_id")
    return list(Person.objects.filter(pk__in=holders).exclude(pk__in=skip).order_by("pk")[:n])


def _enterprise_with_skilled(prefix: str, n: int, exclude: set[int] = frozenset()) -> Organisation | None:  # type: ignore[assignment]
    for org in (
        Organisation.objects.filter(kind="enterprise", region_code__startswith=prefix)
        .exclude(pk__in=exclude)
        .order_by("pk")[:200]
    ):
        if len(_skilled(org, n, set())) >= n:
            return org
    return None


def _call(officer: User, **data: Any) -> HonourCall:
    call = services.honour_call_create(actor=officer, closes=timezone.localdate() + datetime.timedelta(days=20), **data)
    return services.honour_call_open(actor=officer, call=call)


def _nominate(actor: Any, call: HonourCall, org: Organisation, people: list[Person], statement: str) -> list[Any]:
    return [
        services.nomination_submit(
            actor=actor,
            call=call,
            person=p,
            organisation=org,
            statement=statement,
            bank_name="中国工商银行",
            bank_account=ACCOUNT.format(p.pk),
        )
        for p in people
    ]


def _to_publicity(officer: User, call: HonourCall, nominations: list[Any], until: datetime.date) -> HonourCall:
    services.honour_call_close(actor=officer, call=call)
    for n in nominations:
        services.nomination_shortlist(actor=officer, nomination=n, comment="符合条件")
    return services.honour_call_publish(actor=officer, call=call, until=until)


@transaction.atomic
def honours_demo(say: Callable[[str], None]) -> None:
    if HonourCall.objects.exists():
        say("honours: already present")
        return
    users = {
        u.username: u for u in User.objects.filter(username__in=("zhangjiagang", "suzhou", "changzhou", "enterprise"))
    }
    today = timezone.localdate()
    zjg, ent = users.get("zhangjiagang"), users.get("enterprise")
    if zjg is not None and ent is not None and ent.organisation is not None:
        org = ent.organisation
        people = _skilled(org, 7, set())
        if len(people) >= 4:
            with audit_context(source="cli", actor=zjg):
                done = _call(
                    zjg,
                    title=f"{today.year - 1}年度张家港市优秀高技能人才",
                    kind="outstanding",
                    level="district",
                    region_code="320582",
                    year=today.year - 1,
                    quota=20,
                    min_level_code="level3",
                    criteria="在本市企业工作、取得高级工及以上职业资格、业绩突出的一线技能人才，每年评选20名。",
                    term_years=3,
                    award_rule="outstanding_talent",
                    clause="ZJG-opinion 五(十四)",
                )
            with audit_context(source="cli", actor=ent):
                nominations = _nominate(ent, done, org, people[:3], "技术革新成果显著，带徒传技。")
            with audit_context(source="cli", actor=zjg):
                _to_publicity(zjg, done, nominations, today)
                honours = services.honour_call_decide(actor=zjg, call=done)
                released, _stopped = services.instalments_release(actor=zjg, region_code="320582")
                services.recognition_create(
                    actor=zjg,
                    organisation=org,
                    kind="skill_enterprise",
                    year=today.year,
                    as_of=today,
                    title="技能型企业试点",
                )
                following = _call(
                    zjg,
                    title=f"{today.year}年度张家港市优秀高技能人才",
                    kind="outstanding",
                    level="district",
                    region_code="320582",
                    year=today.year,
                    quota=20,
                    min_level_code="level3",
                    criteria="在本市企业工作、取得高级工及以上职业资格、业绩突出的一线技能人才，每年评选20名。",
                    term_years=3,
                    award_rule="outstanding_talent",
                    clause="ZJG-opinion 五(十四)",
                )
            with audit_context(source="cli", actor=ent):
                _nominate(ent, following, org, people[3:5], "参与关键工艺攻关。")
                services.award_apply(
                    actor=ent,
                    rule="first_year_award",
                    person=people[-1],
                    organisation=org,
                    event_date=today - datetime.timedelta(days=10),
                    work_start=today - datetime.timedelta(days=400),
                    bank_name="中国农业银行",
                    bank_account=ACCOUNT.format(people[-1].pk),
                )
                intro = services.award_apply(
                    actor=ent,
                    rule="talent_introduction",
                    person=people[-2],
                    organisation=org,
                    event_date=today - datetime.timedelta(days=60),
                    talent_title="provincial_expert",
                    bank_name="中国建设银行",
                    bank_account="6227001234567890123",
                )
            suzhou = users.get("suzhou")
            with audit_context(source="cli", actor=zjg):
                services.award_decide(actor=zjg, application=intro, decision="approve", comment="材料齐全")
            if suzhou is not None:
                with audit_context(source="cli", actor=suzhou):
                    services.award_decide(actor=suzhou, application=intro, decision="approve")
            say(f"honours: 张家港 {len(honours)} outstanding talents, {released} instalments due")
    suzhou = users.get("suzhou")
    if suzhou is not None:
        sz_org = _enterprise_with_skilled("3205", 3, {ent.organisation_id} if ent and ent.organisation_id else set())
        if sz_org is not None:
            people = _skilled(sz_org, 4, set())
            with audit_context(source="cli", actor=suzhou):
                gusu = _call(
                    suzhou,
                    title=f"{today.year}年度姑苏高技能人才计划",
                    kind="gusu",
                    level="municipal",
                    region_code="320500",
                    year=today.year,
                    quota=50,
                    min_level_code="level2",
                    criteria="技师及以上，在苏州企业工作的领军技能人才。",
                    term_years=3,
                    clause="SZ-report 四(一)",
                )
                eligible = [p for p in people if (lv := highest_level(p, today)) and lv.rank >= gusu.min_level.rank]  # type: ignore[union-attr]
                nominations = _nominate(suzhou, gusu, sz_org, eligible[:3], "数字化产线技术骨干。")
                if nominations:
                    _to_publicity(suzhou, gusu, nominations, today + datetime.timedelta(days=7))
                services.honour_record(
                    actor=suzhou,
                    person=people[0],
                    kind="jiangsu_craftsman",
                    level="provincial",
                    title=f"{today.year - 1}年度江苏工匠",
                    region_code="320500",
                    awarded_on=today - datetime.timedelta(days=200),
                    clause="苏政办发〔2024〕37号 (十八)",
                )
                services.recognition_create(
                    actor=suzhou, organisation=sz_org, kind="challenge", year=today.year, as_of=today, title="揭榜领题"
                )
            say(f"honours: 苏州 姑苏 list of {len(nominations)} under objection")
    changzhou = users.get("changzhou")
    if changzhou is not None:
        cz_org = _enterprise_with_skilled("3204", 3)
        if cz_org is not None:
            people = _skilled(cz_org, 3, set())
            with audit_context(source="cli", actor=changzhou):
                longcheng = _call(
                    changzhou,
                    title=f"{today.year}年度龙城工匠",
                    kind="longcheng",
                    level="municipal",
                    region_code="320400",
                    year=today.year,
                    quota=30,
                    min_level_code="level3",
                    criteria="常州市企业一线高技能人才，技艺精湛、贡献突出。",
                    term_years=0,
                    clause="CZ-2025-14 二(三)10",
                )
                nominations = _nominate(changzhou, longcheng, cz_org, people, "工艺创新，技能大赛获奖。")
                _to_publicity(changzhou, longcheng, nominations, today)
                honours = services.honour_call_decide(actor=changzhou, call=longcheng)
                first = honours[0].entitlements.filter(service="health_check").first()
                if first is not None:
                    services.entitlement_use(actor=changzhou, entitlement=first, used_on=today, note="年度健康体检")
                services.recognition_create(
                    actor=changzhou,
                    organisation=cz_org,
                    kind="skill_enterprise",
                    year=today.year,
                    as_of=today,
                    title="技能型企业试点",
                )
            say(f"honours: 常州 {len(honours)} 龙城工匠")
