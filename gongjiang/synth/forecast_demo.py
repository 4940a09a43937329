"""Demo data for the manpower forecasts, made through the services as the accounts that would:

* 张家港市技师学院 (the ``college`` account) registers its programmes of the past six years, so the schools'
  supply has a history beside the certificates of the synthetic registry;
* the demo enterprise posted demand and answered the talent-need survey in each of the past three years;
  the 张家港 officer records its town (杨舍镇);
* the enterprise's workforce of 农业数字化技术员 has grown faster every year for ten years (new persons with
  employment records through the registry's services), more than the certificates and graduates of its
  group in 张家港 supply: the forecast warns of it;
* the 苏州 officer runs a forecast of 苏州 (cut-off: last year, three years ahead), reconciled over its
  districts; the 张家港 officer registers a major project of the enterprise with its needs, assessed on
  its page against that forecast.

Employment and certificates come from the synthetic registry (``synth.generator``), which covers 2005
to the reference year. Idempotent: it does nothing when a forecast exists.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.core.models import User
from gongjiang.labour import forecasts, services
from gongjiang.labour.models import ForecastRun, NeedSurvey, Programme
from gongjiang.registry.models import Organisation, Person
from gongjiang.registry.selectors import find_person_by_id_number
from gongjiang.registry.services import employment_create, person_create
from gongjiang.synth.ids import make_id_number

ZJG, SUZHOU = "320582", "320500"
PROGRAMMES = (("数控加工", "6-18-01-01", 60), ("电气自动化", "6-31-01-03", 45), ("工业机器人", "6-31-07-01", 30))
GROWING = "5-05-01-03"  # 农业数字化技术员: a digital occupation of a small group, hired faster every year
SURNAMES, GIVEN = "陈周吴郑王李张刘杨黄赵孙朱胡郭何高林罗梁", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def growing_workforce(
    *, actor: object, enterprise: Organisation, occupation_code: str, first_year: int, last_year: int, step: int
) -> list[Person]:
    """An enterprise whose workforce in one occupation grows faster every year: ``step`` hires in the first
    year, twice as many in the second, … — each a new person of the registry with an employment record,
    written through the registry's services. A district with such an employer and few certificates or
    graduates in the group is what a shortage warning is for."""
    made: list[Person] = []
    for k, year in enumerate(range(first_year, last_year + 1), start=1):
        for i in range(step * k):
            n = len(made)
            birth = datetime.date(1980 + n % 20, 1 + n % 12, 1 + (n // 12) % 28)
            person = person_create(
                actor=actor,
                name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)] + GIVEN[n % len(GIVEN)],
                id_number=_free_id_number(enterprise.region_code, birth, n),
                residence_region_code=enterprise.region_code,
            )
            employment_create(
                actor=actor,
                person=person,
                organisation=enterprise,
                start=datetime.date(year, 1 + i % 12, 1 + i % 28),
                occupation_code=occupation_code,
            )
            made.append(person)
    return made


def _free_id_number(area: str, birth: datetime.date, n: int) -> str:
    """An ID number not yet in the registry (the synthetic registry's persons share areas and birth days)."""
    for k in range(500):
        number = make_id_number(area, birth, (2 * (n + k) + 1) % 1000)
        if find_person_by_id_number(number) is None:
            return number
    raise RuntimeError("no free ID number")


PROJECT_NEEDS = (("6-18-01-01", 0, 60), ("6-31-01-03", 0, 35), ("6-31-07-01", 1, 25), ("6-18-01-01", 1, 40))


@transaction.atomic
def forecast_demo(say: Callable[[str], None]) -> None:
    if ForecastRun.objects.exists():
        say("forecasts: already present")
        return
    officer = User.objects.filter(username="zhangjiagang").first()
    city = User.objects.filter(username="suzhou").first()
    ent_user = User.objects.filter(username="enterprise").first()
    col_user = User.objects.filter(username="college").first()
    if not (officer and city and ent_user and col_user and ent_user.organisation and col_user.organisation):
        say("forecasts: demo accounts missing")
        return
    enterprise, school = ent_user.organisation, col_user.organisation
    cutoff = timezone.localdate().year - 1
    with audit_context(source="cli", actor=col_user):
        for back in range(6):
            year = cutoff - back
            for name, code, grads in PROGRAMMES:
                if Programme.objects.filter(school=school, name=name, year=year).exists():
                    continue
                services.programme_create(
                    actor=col_user,
                    school=school,
                    name=name,
                    occupation_code=code,
                    year=year,
                    enrolment=grads * 3,
                    expected_graduates=max(1, grads - 4 * back),
                )
    with audit_context(source="cli", actor=ent_user):
        for back in range(3):
            year = cutoff - back
            services.post_create(
                actor=ent_user,
                organisation=enterprise,
                occupation_code="6-18-01-01",
                level_code="level3",
                headcount=10 + 3 * (2 - back),
                wage_offer=6500,
                start=datetime.date(year, 9, 1),
                opened_on=datetime.date(year, 6, 1),
            )
            if NeedSurvey.objects.filter(organisation=enterprise, year=year).exists():
                continue
            survey = services.survey_start(actor=ent_user, organisation=enterprise, year=year)
            for code, staff, hires in (("6-18-01-01", 40 + 5 * (2 - back), 10), ("6-31-01-03", 12, 3)):
                services.survey_line_add(
                    actor=ent_user,
                    survey=survey,
                    occupation_code=code,
                    level_code="level3",
                    staff=staff,
                    hires_1=hires,
                    hires_2=hires - 2,
                    hires_3=hires - 3,
                )
            services.survey_send(actor=ent_user, survey=survey)
    with audit_context(source="cli", actor=officer):
        forecasts.enterprise_town_set(actor=officer, organisation=enterprise, town_code="320582100", town_name="杨舍镇")
        growing_workforce(
            actor=officer,
            enterprise=enterprise,
            occupation_code=GROWING,
            first_year=cutoff - 9,
            last_year=cutoff,
            step=5,
        )
    with audit_context(source="cli", actor=city):
        run = forecasts.forecast_run_create(actor=city, region_code=SUZHOU, cutoff_year=cutoff, horizon=3)
    with audit_context(source="cli", actor=officer):
        project = forecasts.major_project_create(
            actor=officer, name="精工机械二期智能工厂", enterprise=enterprise, region_code=ZJG, start_year=cutoff + 1
        )
        for code, offset, headcount in PROJECT_NEEDS:
            forecasts.project_need_add(
                actor=officer, project=project, occupation_code=code, year=cutoff + 1 + offset, headcount=headcount
            )
    say(
        f"forecasts: 苏州 {cutoff + 1}–{cutoff + 3} reconciled over {run.summary['regions']} regions, "
        f"{run.summary['warnings']} shortage warnings, a major project assessed"
    )
