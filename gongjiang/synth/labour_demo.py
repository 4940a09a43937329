"""Demo data for the labour market in 张家港, made through the services as the accounts that would:

* the demo enterprise posts three skill demands and answers this year's talent-need survey;
* 张家港市技师学院 (the ``college`` account) registers two programmes, an order class and a named class
  for the enterprise, its year's report, and runs a matching round of twelve students (confirmed, with
  its stability certificate); four of its graduates register as seekers, one is placed in a post;
* the enterprise signs one apprenticeship; the 张家港 officer compiles and publishes the need catalog;
* a youth job fair (``fair_demo``): a booth, the graduates registered, an interview and a hire, and the
  catalog's shortage proposals accepted into the training catalog.

Idempotent: it does nothing when an order class exists.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.core.models import User
from gongjiang.labour import fairs, services
from gongjiang.labour.models import (
    CatalogEntry,
    CatalogStatus,
    DemandPost,
    JobFair,
    OrderClass,
    PostStatus,
    Seeker,
    SeekerStatus,
)
from gongjiang.registry.models import Organisation, Person
from gongjiang.registry.services import organisation_create
from gongjiang.synth.ids import make_uscc

ZJG = "320582"
COLLEGE = "张家港市技师学院"


def college() -> Organisation:
    """The technician college the ``college`` demo account works for (made here when missing)."""
    uscc = make_uscc(ZJG, 7_300_001, kind="2")
    return Organisation.objects.filter(uscc=uscc).first() or organisation_create(
        actor=None, uscc=uscc, name=COLLEGE, kind="technician_college", region_code=ZJG, industry_code="P"
    )


@transaction.atomic
def labour_demo(say: Callable[[str], None]) -> None:
    if OrderClass.objects.exists():
        say("labour: already present")
        fair_demo(say)
        return
    officer = User.objects.filter(username="zhangjiagang").first()
    ent_user = User.objects.filter(username="enterprise").first()
    col_user = User.objects.filter(username="college").first()
    if officer is None or ent_user is None or col_user is None or ent_user.organisation is None:
        say("labour: demo accounts missing")
        return
    people = list(Person.objects.filter(residence_region_code=ZJG).order_by("pk")[:20])
    if len(people) < 18:
        say("labour: too few persons in 张家港")
        return
    rng = random.Random(7)
    today = timezone.localdate()
    year = today.year
    enterprise, school = ent_user.organisation, col_user.organisation
    assert school is not None
    with audit_context(source="cli", actor=ent_user):
        posts = [
            services.post_create(
                actor=ent_user,
                organisation=enterprise,
                occupation_code=code,
                level_code=level,
                headcount=n,
                wage_offer=wage,
                start=today + datetime.timedelta(days=30),
                opened_on=today - datetime.timedelta(days=100),
            )
            for code, level, n, wage in (
                ("6-18-01-01", "level3", 12, 6800),
                ("6-18-01-02", "level4", 6, 6200),
                ("6-31-01-03", "level3", 4, 7000),
            )
        ]
        survey = services.survey_start(actor=ent_user, organisation=enterprise, year=year)
        for code, level, staff, hires, hard, days in (
            ("6-18-01-01", "level3", 45, (10, 8, 6), 7, 150),
            ("6-31-01-03", "level3", 12, (3, 2, 2), 0, 0),
        ):
            services.survey_line_add(
                actor=ent_user,
                survey=survey,
                occupation_code=code,
                level_code=level,
                staff=staff,
                hires_1=hires[0],
                hires_2=hires[1],
                hires_3=hires[2],
                hard_to_fill=hard,
                open_days=days,
            )
        services.survey_send(actor=ent_user, survey=survey)
        services.apprenticeship_create(
            actor=ent_user,
            kind="enterprise",
            enterprise=enterprise,
            school=school,
            person=people[19],
            occupation_code="6-18-01-01",
            level_code="level3",
            start=today - datetime.timedelta(days=60),
            end=today + datetime.timedelta(days=305),
        )
    with audit_context(source="cli", actor=col_user):
        for name, code, enrol, grads in (("数控加工", "6-18-01-01", 240, 4), ("电气自动化", "6-31-01-03", 180, 50)):
            services.programme_create(
                actor=col_user,
                school=school,
                name=name,
                occupation_code=code,
                year=year,
                enrolment=enrol,
                expected_graduates=grads,
            )
        services.school_report_set(
            actor=col_user, school=school, year=year, teachers=120, dual_teachers=78, social_trainees=900
        )
        order = services.order_class_create(
            actor=col_user,
            school=school,
            enterprise=enterprise,
            name="精工数控订单班",
            kind="order",
            occupation_code="6-18-01-01",
            year=year,
            places=5,
            funding_per_student=1200,
        )
        named = services.order_class_create(
            actor=col_user,
            school=school,
            enterprise=enterprise,
            name="精工电气冠名班",
            kind="named",
            occupation_code="6-31-01-03",
            year=year,
            places=4,
            funding_per_student=800,
        )
        rnd = services.round_create(actor=col_user, name=f"{year}年订单班双选", year=year, organiser=school)
        for person in people[:12]:
            first, second = (order, named) if rng.random() < 0.6 else (named, order)
            services.applicant_add(
                actor=col_user,
                round=rnd,
                person=person,
                school=school,
                choices=[(first.pk, 1, rng.randint(60, 95)), (second.pk, 2, rng.randint(60, 95))],
            )
        services.round_run(actor=col_user, round=rnd)
        services.round_confirm(actor=col_user, round=rnd)
        seekers = [
            services.seeker_register(
                actor=col_user,
                person=person,
                kind="graduate",
                region_code=ZJG,
                occupation_code="6-18-01-01",
                level_code="level4",
                wage_expected=6000 + 200 * i,
                school=school,
                graduation_year=year,
            )
            for i, person in enumerate(people[12:16])
        ]
    with audit_context(source="cli", actor=officer):
        services.seeker_register(
            actor=officer,
            person=people[16],
            kind="unemployed",
            region_code=ZJG,
            occupation_code="6-31-01-03",
            level_code="level3",
            wage_expected=6500,
        )
        services.seeker_place(actor=officer, seeker=seekers[0], post=posts[1], start=today)
        catalog = services.catalog_create(actor=officer, region_code=ZJG, year=year)
        services.catalog_compile(actor=officer, catalog=catalog)
        services.catalog_publish(actor=officer, catalog=catalog)
    say(f"labour: 3 posts, a survey, 2 classes, a round of 12 matched, the {year} need catalog published")
    fair_demo(say)


@transaction.atomic
def fair_demo(say: Callable[[str], None]) -> None:
    """A youth job fair in 张家港 (常政办发〔2025〕14号 二(一)4): the demo enterprise's booth with its open posts,
    the college's graduates still seeking registered, one interview and one hire recorded; and the need
    catalog's shortage proposals accepted into the training catalog. Idempotent on the fair."""
    if JobFair.objects.exists():
        return
    officer = User.objects.filter(username="zhangjiagang").first()
    ent_user = User.objects.filter(username="enterprise").first()
    col_user = User.objects.filter(username="college").first()
    if officer is None or ent_user is None or col_user is None or ent_user.organisation is None:
        return
    enterprise, school = ent_user.organisation, col_user.organisation
    today = timezone.localdate()
    with audit_context(source="cli", actor=officer):
        fair = services.fair_create(
            actor=officer,
            name=f"{today.year}年张家港青年就业专场招聘会",
            kind="youth",
            region_code=ZJG,
            date=today,
            place="张家港市人力资源市场",
        )
    posts = list(DemandPost.objects.filter(organisation=enterprise, status=PostStatus.OPEN).order_by("pk"))
    seekers = list(Seeker.objects.filter(school=school, status=SeekerStatus.SEEKING).order_by("pk"))
    if not posts or not seekers:
        return
    with audit_context(source="cli", actor=ent_user):
        services.booth_register(actor=ent_user, fair=fair, enterprise=enterprise, post_ids=[p.pk for p in posts])
    with audit_context(source="cli", actor=col_user):
        services.fair_seekers_register(actor=col_user, fair=fair, seekers=seekers)
    matched = [(s, recs[0].target) for s, recs in fairs.fair_matches(fair).by_seeker if recs]
    with audit_context(source="cli", actor=ent_user):
        for seeker, post in matched[:2]:
            services.fair_outcome_record(actor=ent_user, fair=fair, seeker=seeker, post=post, outcome="interviewed")
    with audit_context(source="cli", actor=officer):
        if matched:
            seeker, post = matched[0]
            services.fair_outcome_record(actor=officer, fair=fair, seeker=seeker, post=post, outcome="hired")
        accepted = 0
        for entry in CatalogEntry.objects.filter(
            catalog__region_code=ZJG, catalog__status=CatalogStatus.PUBLISHED, proposed=True, decision="pending"
        ).select_related("catalog"):
            services.proposal_accept(actor=officer, entry=entry, tier="A", note="需求目录紧缺职业，纳入培训目录")
            accepted += 1
    say(f"labour: a youth job fair with {len(posts)} posts and {len(seekers)} seekers; {accepted} proposals accepted")
