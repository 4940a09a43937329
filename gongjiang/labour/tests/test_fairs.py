"""Job fairs, shortage proposals into the training catalog, and the skill-gap diagnosis: the services
(who may do what, bad input changing nothing), the recommendations among a fair's posts and seekers, the
counted outcomes, and the pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.labour import fairs, services, skill_gap
from gongjiang.labour.models import CatalogEntry, DemandPost, FairStatus, ProposalDecision, Seeker, SeekerStatus
from gongjiang.registry.models import Employment

ZJG = "320582"
YEAR = 2026


def _today() -> datetime.date:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate()


CNC, MILLER, ELECTRICIAN = "6-18-01-01", "6-18-01-02", "6-31-01-03"


def _post(world: Any, code: str, level: str, headcount: int = 5, wage: int = 6500) -> DemandPost:
    return services.post_create(
        actor=world["ent_user"],
        organisation=world["enterprise"],
        occupation_code=code,
        level_code=level,
        headcount=headcount,
        wage_offer=wage,
        start=_today() + datetime.timedelta(days=30),
    )


def _graduate(world: Any, person: Any, code: str, level: str | None, wage: int = 6000) -> Seeker:
    return services.seeker_register(
        actor=world["school_user"],
        person=person,
        kind="graduate",
        region_code=ZJG,
        occupation_code=code,
        level_code=level,
        wage_expected=wage,
        school=world["school"],
        graduation_year=YEAR,
    )


def _fair(world: Any) -> Any:
    return services.fair_create(
        actor=world["officer"],
        name="2026年青年就业专场招聘会",
        kind="youth",
        region_code=ZJG,
        date=_today(),
        place="张家港市人力资源市场",
    )


def test_a_fair_from_announcement_to_counted_hires(world, make_org):  # type: ignore[no-untyped-def]
    officer, ent, sch = world["officer"], world["ent_user"], world["school_user"]
    with pytest.raises(PermissionDenied):  # an enterprise does not announce fairs
        services.fair_create(actor=ent, name="招聘会", kind="youth", region_code=ZJG, date=_today(), place="市场")
    with pytest.raises(ValidationError) as err:  # an industry fair names its industry
        services.fair_create(
            actor=officer, name="招聘会", kind="industry", region_code=ZJG, date=_today(), place="市场"
        )
    assert "industry_code" in err.value.message_dict
    fair = _fair(world)
    assert fair.clause == "常政办发〔2025〕14号 二(一)4"
    cnc, electric = _post(world, CNC, "level3"), _post(world, ELECTRICIAN, "level3", headcount=2, wage=7000)
    other = services.post_create(
        actor=officer,
        organisation=make_org(region=ZJG, name="张家港另一企业"),
        occupation_code=CNC,
        level_code="level3",
        headcount=1,
        wage_offer=6000,
        start=_today(),
    )
    with pytest.raises(ValidationError) as err:  # another enterprise's post is refused, nothing written
        services.booth_register(actor=ent, fair=fair, enterprise=world["enterprise"], post_ids=[cnc.pk, other.pk])
    assert str(other.pk) in err.value.message_dict["posts"][0]
    assert not fair.booths.exists()
    both = [cnc.pk, electric.pk]
    booth = services.booth_register(actor=ent, fair=fair, enterprise=world["enterprise"], post_ids=both)
    assert booth.number == 1 and booth.posts.count() == 2
    with pytest.raises(ValidationError):
        services.booth_register(actor=ent, fair=fair, enterprise=world["enterprise"], post_ids=[cnc.pk])

    a, b, c = world["people"]
    s1 = _graduate(world, a, CNC, "level3", wage=6400)
    s2 = _graduate(world, b, ELECTRICIAN, "level3", wage=6800)
    s3 = _graduate(world, c, MILLER, "level4")
    assert services.fair_seekers_register(actor=sch, fair=fair, seekers=[s1, s2, s3]) == 3
    with pytest.raises(ValidationError):  # already registered
        services.fair_seekers_register(actor=sch, fair=fair, seekers=[s1])

    matches = fairs.fair_matches(fair)
    best = {s.pk: [r.target.pk for r in recs] for s, recs in matches.by_seeker}
    assert best[s1.pk] == [cnc.pk]  # the same occupation; the electrician's post is another minor group
    assert best[s2.pk] == [electric.pk]
    assert best[s3.pk] == [cnc.pk]  # an adjacent occupation (same minor group 6-18-01)
    for_cnc = dict((p.pk, recs) for p, recs in matches.by_post)[cnc.pk]
    assert [r.target.pk for r in for_cnc] == [s1.pk, s3.pk] and for_cnc[0].score > for_cnc[1].score
    assert all(r.sentence for r in for_cnc)

    services.fair_outcome_record(actor=ent, fair=fair, seeker=s1, post=cnc, outcome="interviewed")
    services.fair_outcome_record(actor=ent, fair=fair, seeker=s3, post=cnc, outcome="interviewed")
    with pytest.raises(PermissionDenied):  # a hire places the seeker: the bureau records it
        services.fair_outcome_record(actor=ent, fair=fair, seeker=s1, post=cnc, outcome="hired")
    with pytest.raises(ValidationError):  # the post is not at the fair
        services.fair_outcome_record(actor=officer, fair=fair, seeker=s1, post=other, outcome="interviewed")
    services.fair_outcome_record(actor=officer, fair=fair, seeker=s1, post=cnc, outcome="hired")
    s1.refresh_from_db()
    cnc.refresh_from_db()
    assert s1.status == SeekerStatus.PLACED and s1.placed_post_id == cnc.pk and cnc.filled == 1
    assert Employment.objects.filter(person=a, organisation=world["enterprise"]).exists()
    assert fairs.fair_counts(fair) == {
        "booths": 1,
        "posts": 2,
        "places": 7,
        "seekers": 3,
        "interviewed": 2,
        "hired": 1,
    }
    # the placed seeker no longer gets recommendations at the fair
    assert s1.pk not in {s.pk for s, _ in fairs.fair_matches(fair).by_seeker}

    with pytest.raises(PermissionDenied):
        services.fair_close(actor=ent, fair=fair)
    services.fair_close(actor=officer, fair=fair)
    fair.refresh_from_db()
    assert fair.status == FairStatus.HELD and fair.held_on == _today()
    with pytest.raises(ValidationError) as closed:  # held once: a second close is refused on the status
        services.fair_close(actor=officer, fair=fair)
    assert list(closed.value.message_dict) == ["status"]
    with pytest.raises(ValidationError):  # registration is closed
        services.fair_seekers_register(actor=sch, fair=fair, seekers=[s2])


def test_a_school_registers_only_its_own_graduates(world, make_org, make_user):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    other_school = make_org(region=ZJG, kind="technician_college", name="另一技师学院", industry="P")
    other_user = make_user("sch2", role="organisation", organisation=other_school)
    seeker = _graduate(world, world["people"][0], CNC, "level3")
    with pytest.raises(PermissionDenied):
        services.fair_seekers_register(actor=other_user, fair=fair, seekers=[seeker])
    assert not fair.seekers.exists()


def _published_catalog(world: Any) -> Any:
    ent = world["ent_user"]
    services.post_create(
        actor=ent,
        organisation=world["enterprise"],
        occupation_code=CNC,
        level_code="level3",
        headcount=12,
        wage_offer=6500,
        start=datetime.date(YEAR, 9, 1),
        opened_on=datetime.date(YEAR, 3, 1),
    )
    survey = services.survey_start(actor=ent, organisation=world["enterprise"], year=YEAR)
    services.survey_line_add(
        actor=ent,
        survey=survey,
        occupation_code=CNC,
        level_code="level3",
        staff=30,
        hires_1=8,
        hires_2=6,
        hires_3=5,
        hard_to_fill=6,
        open_days=120,
    )
    services.survey_send(actor=ent, survey=survey)
    catalog = services.catalog_create(actor=world["officer"], region_code=ZJG, year=YEAR)
    services.catalog_compile(actor=world["officer"], catalog=catalog)
    return catalog


def test_an_accepted_proposal_enters_the_training_catalog(world):  # type: ignore[no-untyped-def]
    from gongjiang.training.models import CatalogEntry as TrainingEntry
    from gongjiang.training.selectors import catalog_lookup

    officer = world["officer"]
    catalog = _published_catalog(world)
    entry = CatalogEntry.objects.get(catalog=catalog)
    assert entry.proposed
    with pytest.raises(ValidationError):  # decided only once the catalog is published
        services.proposal_accept(actor=officer, entry=entry, tier="A")
    services.catalog_publish(actor=officer, catalog=catalog)
    with pytest.raises(PermissionDenied):
        services.proposal_accept(actor=world["ent_user"], entry=entry, tier="A")
    with pytest.raises(ValidationError) as err:  # a new training-catalog entry needs its tier
        services.proposal_accept(actor=officer, entry=entry)
    assert "tier" in err.value.message_dict
    assert not TrainingEntry.objects.exists()
    services.proposal_accept(actor=officer, entry=entry, tier="A", note="缺口明显")
    entry.refresh_from_db()
    assert entry.decision == ProposalDecision.ACCEPTED and entry.decided_by == officer
    adopted = TrainingEntry.objects.get(region_code=ZJG, year=YEAR, occupation__code=CNC)
    assert adopted.shortage and adopted.tier == "A"
    assert adopted.clause == "ZJG-opinion 二(七)"  # 张家港's shortage catalog (JS-2024-37 (三) elsewhere)
    # classes of the occupation in 张家港 now read it as a shortage occupation (the shortage grant)
    found = catalog_lookup(ZJG, YEAR, [adopted.occupation_id]).row(0, named=True)
    assert found["shortage"] and found["tier"] == "A"
    with pytest.raises(ValidationError):  # decided once
        services.proposal_reject(actor=officer, entry=entry, note="重复")


def test_accepting_marks_an_existing_entry_and_rejecting_needs_a_reason(world):  # type: ignore[no-untyped-def]
    import polars as pl

    from gongjiang.training import services as training
    from gongjiang.training.models import CatalogEntry as TrainingEntry

    officer = world["officer"]
    with audit_context(source="web", actor=officer):
        training.catalog_import(
            actor=officer,
            region_code=ZJG,
            year=YEAR,
            frame=pl.DataFrame({"occupation_code": [CNC], "tier": ["B"], "shortage": ["0"]}),
            clause="ZJG-opinion 二(七)",
        )
    catalog = _published_catalog(world)
    services.catalog_publish(actor=officer, catalog=catalog)
    entry = CatalogEntry.objects.get(catalog=catalog)
    with pytest.raises(ValidationError) as err:
        services.proposal_reject(actor=officer, entry=entry, note=" ")
    assert "note" in err.value.message_dict
    services.proposal_accept(actor=officer, entry=entry)
    adopted = TrainingEntry.objects.get(region_code=ZJG, year=YEAR)
    assert adopted.shortage and adopted.tier == "B"  # the tier kept


def test_skill_gap_names_missing_levels_and_the_trainings(world, make_certificate):  # type: ignore[no-untyped-def]
    from gongjiang.training import services as training

    person = world["people"][0]
    make_certificate(person, level="level5", national_level=5, occupation=CNC, issue_date=datetime.date(2022, 5, 1))
    _post(world, CNC, "level3")  # asks 高级工: 中级工 and 高级工 missing
    _post(world, MILLER, "level5", headcount=2)  # 初级工 of an adjacent occupation: none held there
    _post(world, CNC, "level5", headcount=1)  # met
    with audit_context(source="web", actor=world["ent_user"]):
        tc = training.class_create(
            actor=world["ent_user"],
            kind="enterprise",
            institution=world["enterprise"],
            region_code=ZJG,
            name="数控车工中级工培训",
            occupation_code=CNC,
            level_code="level4",
            start_date=_today() + datetime.timedelta(days=20),
            end_date=_today() + datetime.timedelta(days=70),
            class_hours=80,
            practical_hours=50,
        )
    seeker = services.seeker_register(
        actor=world["officer"],
        person=person,
        kind="unemployed",
        region_code=ZJG,
        occupation_code=CNC,
        level_code="level5",
    )
    diagnosis = skill_gap.diagnose(seeker, DemandPost.objects.all())
    gaps = {(g.occupation.code, g.level.code if g.level else None): g for g in diagnosis.gaps}
    cnc3 = gaps[(CNC, "level3")]
    assert cnc3.held is not None and cnc3.held.code == "level5"
    assert [lv.code for lv in cnc3.missing] == ["level4", "level3"]
    assert [t.training_class.pk for t in cnc3.trainings] == [tc.pk]
    assert cnc3.trainings[0].eligible is not None  # priced by the engine for this person
    miller = gaps[(MILLER, "level5")]
    assert miller.held is None and [lv.code for lv in miller.missing] == ["level5"] and miller.trainings == []
    assert gaps[(CNC, "level5")].met
    assert diagnosis.open_gaps == 2


def test_the_pages_of_a_fair_and_of_a_proposal(world, client):  # type: ignore[no-untyped-def]
    officer, ent = world["officer"], world["ent_user"]
    fair = _fair(world)
    post = _post(world, CNC, "level3")
    seeker = _graduate(world, world["people"][0], CNC, "level3")
    client.force_login(ent)
    page = client.post(f"/labour/fairs/{fair.pk}/booth/", {"posts": f"{post.pk}"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 302
    bad = client.post(f"/labour/fairs/{fair.pk}/booth/", {"posts": "12a"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 200 and 'data-field="posts"' in bad.content.decode()
    client.force_login(world["school_user"])
    html = client.get(f"/labour/fairs/{fair.pk}/").content.decode()
    assert 'id="fair-seekers-form"' in html and 'id="booth-form"' not in html  # a school takes no booth
    assert client.post(f"/labour/fairs/{fair.pk}/seekers/", {"seekers": str(seeker.pk)}).status_code == 302
    client.force_login(officer)
    html = client.get(f"/labour/fairs/{fair.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="fair-by-seeker"' in html and "青年和高校毕业生" in html
    assert f"岗位 {post.pk}" in html and "同一职业" in html
    assert world["people"][0].name not in html  # seekers by number only
    assert "/labour/fairs/" in client.get("/labour/fairs/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # the seeker's page carries the diagnosis
    html = client.get(f"/labour/seekers/{seeker.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="skill-gap"' in html and "技能短板诊断" in html
    # a proposal accepted from its page
    catalog = _published_catalog(world)
    services.catalog_publish(actor=officer, catalog=catalog)
    entry = CatalogEntry.objects.get(catalog=catalog)
    assert client.post(f"/labour/catalog-entries/{entry.pk}/accept/", {"tier": "A", "note": ""}).status_code == 302
    entry.refresh_from_db()
    assert entry.decision == ProposalDecision.ACCEPTED
    # an enterprise sees no accept step
    client.force_login(ent)
    assert client.post(f"/labour/catalog-entries/{entry.pk}/reject/", {"note": "x"}).status_code in (403, 404)
    api = client.get(f"/api/labour/fairs/{fair.pk}/").json()
    assert api["counts"]["booths"] == 1 and api["posts"] == [post.pk]


def test_a_post_is_closed_once_by_its_enterprise_with_a_change_record(world):  # type: ignore[no-untyped-def]
    from gongjiang.core.models import ChangeRecord
    from gongjiang.labour.models import PostStatus

    with audit_context(source="web", actor=world["ent_user"]):
        post = _post(world, CNC, "level3")
        with pytest.raises(PermissionDenied):
            services.post_close(actor=world["school_user"], post=post)
        closed = services.post_close(actor=world["ent_user"], post=post)
        assert closed.status == PostStatus.CLOSED and closed.closed_on == _today()
        with pytest.raises(ValidationError) as again:
            services.post_close(actor=world["ent_user"], post=post)
    assert list(again.value.message_dict) == ["status"]
    post.refresh_from_db()
    assert post.status == PostStatus.CLOSED
    change = ChangeRecord.objects.filter(model="labour.DemandPost", object_id=str(post.pk), action="update").get()
    assert change.before["status"] == "open" and change.after["status"] == "closed"
