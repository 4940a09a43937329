"""Job fairs and shortage proposals in the browser: the 张家港 officer announces a youth fair; the enterprise
takes a booth with its open post; the technician college registers its graduates; the officer reads the
recommendations among the fair's posts and seekers and records a hire (the placement and its employment
record written); then accepts a shortage proposal of the published need catalog into the training catalog
after its confirmation step. Screenshots go to the test's temporary folder."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongjiang.core.audit import audit_context
from tests.browser.test_training import fill, switch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZJG = "320582"


def _year() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year


def _today() -> datetime.date:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate()


CNC, MILLER = "6-18-01-01", "6-18-01-02"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_org, make_person):
    """An enterprise with an open post, a technician college with two graduates seeking work, and a
    published need catalog whose entry for the post's occupation is proposed as a shortage occupation."""
    from gongjiang.labour import services
    from gongjiang.policy.services import policy_set_load

    enterprise = make_org(region=ZJG, name="张家港精工机械")
    school = make_org(region=ZJG, kind="technician_college", name="张家港市技师学院", industry="P")
    officer = make_user("zhangjiagang", region_code=ZJG)
    ent_user = make_user("enterprise", role="organisation", organisation=enterprise)
    school_user = make_user("school", role="organisation", organisation=school)
    people = [
        make_person(region=ZJG, name=name, birth=datetime.date(2006, 5, i + 1), phone=f"1381234{i:04d}")
        for i, name in enumerate(["郑一", "王二"])
    ]
    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)
        post = services.post_create(
            actor=ent_user,
            organisation=enterprise,
            occupation_code=CNC,
            level_code="level3",
            headcount=12,
            wage_offer=6500,
            start=_today() + datetime.timedelta(days=30),
            opened_on=datetime.date(_year(), 1, 2),
        )
        seekers = [
            services.seeker_register(
                actor=school_user,
                person=person,
                kind="graduate",
                region_code=ZJG,
                occupation_code=code,
                level_code=level,
                wage_expected=6200,
                school=school,
                graduation_year=_year(),
            )
            for person, code, level in ((people[0], CNC, "level3"), (people[1], MILLER, "level4"))
        ]
        survey = services.survey_start(actor=ent_user, organisation=enterprise, year=_year())
        services.survey_line_add(
            actor=ent_user,
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
        services.survey_send(actor=ent_user, survey=survey)
        catalog = services.catalog_create(actor=officer, region_code=ZJG, year=_year())
        services.catalog_compile(actor=officer, catalog=catalog)
        services.catalog_publish(actor=officer, catalog=catalog)
    return {"enterprise": enterprise, "post": post, "seekers": seekers, "people": people, "catalog": catalog}


def test_fair_booth_seekers_recommendations_hire_and_a_shortage_proposal(world, page, login, live_server, tmp_path):
    from gongjiang.labour.models import CatalogEntry, JobFair, ProposalDecision, SeekerStatus
    from gongjiang.registry.models import Employment
    from gongjiang.training.models import CatalogEntry as TrainingEntry

    def snap(name: str) -> None:
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)

    post, (graduate, miller) = world["post"], world["seekers"]

    # The officer announces a youth fair in 张家港 (the region and date filled in for them).
    switch(page, login, live_server, "zhangjiagang")
    page.goto(f"{live_server.url}/labour/fairs/")
    page.click("#fair-new")
    assert page.input_value("[name=region_code]") == ZJG
    fill(page, "form", name=f"{_year()}年青年就业专场招聘会", place="张家港市人力资源市场")
    page.select_option("[name=kind]", "youth")
    page.click("#save")
    page.wait_for_selector("#step-close")
    fair = JobFair.objects.get()
    assert fair.region_code == ZJG and fair.status == "open" and fair.clause == "常政办发〔2025〕14号 二(一)4"
    snap("fair-01-announced")

    # The enterprise takes a booth and brings its open post, chosen from a list of its own open posts by
    # name (no number to type); the search box narrows the list; a post number posted by hand that is
    # not among them is refused on the field.
    switch(page, login, live_server, "enterprise")
    page.goto(f"{live_server.url}/labour/fairs/{fair.pk}/")
    options = page.locator("#booth-form [name=posts] option")
    assert options.count() == 1 and "张家港精工机械" in options.first.inner_text()
    assert "车工" in options.first.inner_text() and CNC not in options.first.inner_text()
    search = page.locator("#booth-form [data-search-for=posts]")
    search.fill("焊工")
    assert options.first.evaluate("o => o.hidden")
    search.fill("车工")
    assert not options.first.evaluate("o => o.hidden")
    page.evaluate(
        "() => { const s = document.querySelector('#booth-form [name=posts]');"
        " s.add(new Option('x', '99999', true, true)); }"
    )
    page.click("#add-booth")
    page.wait_for_selector("#booth-form .invalid-feedback")
    assert "从列表中选择" in page.inner_text("#booth-form [data-field=posts]") and not fair.booths.exists()
    page.select_option("#booth-form [name=posts]", [str(post.pk)])
    page.click("#add-booth")
    page.wait_for_selector(".alert-success")
    assert f"岗位 {post.pk}" in page.inner_text("#fair-booths")
    assert page.inner_text("#fair-counts [data-count=booths]") == "1"
    assert not page.locator("#fair-seekers-form").count()  # an enterprise registers no seekers
    snap("fair-02-booth")

    # The technician college registers its two graduates.
    switch(page, login, live_server, "school")
    page.goto(f"{live_server.url}/labour/fairs/{fair.pk}/")
    assert not page.locator("#booth-form").count()  # a school takes no booth
    seekers = page.locator("#fair-seekers-form [name=seekers] option")
    assert seekers.count() == 2 and all("*" in t for t in seekers.all_inner_texts())  # masked names
    page.select_option("#fair-seekers-form [name=seekers]", [str(graduate.pk), str(miller.pk)])
    page.click("#add-seekers")
    page.wait_for_selector(".alert-success")
    assert page.inner_text("#fair-counts [data-count=seekers]") == "2"

    # The officer reads the recommendations: the post for both seekers (the same and an adjacent
    # occupation), each with its sentence, and the seekers by number only.
    switch(page, login, live_server, "zhangjiagang")
    page.goto(f"{live_server.url}/labour/fairs/{fair.pk}/")
    by_seeker = page.locator("#fair-by-seeker > li")
    assert by_seeker.count() == 2
    texts = {int(t.split("求职者 ")[1].split(" ")[0]): t for t in by_seeker.all_inner_texts()}
    assert set(texts) == {graduate.pk, miller.pk}
    assert f"岗位 {post.pk}" in texts[graduate.pk] and "同一职业" in texts[graduate.pk]
    assert f"岗位 {post.pk}" in texts[miller.pk]
    by_post = page.inner_text("#fair-by-post")
    assert by_post.index(f"求职者 {graduate.pk}") < by_post.index(f"求职者 {miller.pk}")  # the better fit first
    body = page.inner_text("body")
    assert all(person.name not in body for person in world["people"])
    snap("fair-03-recommendations")

    # … and records the hire of the first graduate for the post: placed, with an employment record.
    page.select_option("#outcome-form [name=seeker]", str(graduate.pk))
    page.select_option("#outcome-form [name=post]", str(post.pk))
    page.select_option("#outcome-form [name=outcome]", "hired")
    page.click("#add-outcome")
    page.wait_for_selector(".alert-success")
    assert page.inner_text("#fair-counts [data-count=hired]") == "1"
    graduate.refresh_from_db()
    post.refresh_from_db()
    assert graduate.status == SeekerStatus.PLACED and graduate.placed_post_id == post.pk and post.filled == 1
    hired = Employment.objects.get(person=world["people"][0])
    assert hired.organisation == world["enterprise"] and hired.start == _today()
    snap("fair-04-hired")

    # The shortage proposal of the published need catalog: accepted into the training catalog after the
    # confirmation step, with its tier.
    entry = CatalogEntry.objects.get(catalog=world["catalog"], occupation__code=CNC)
    assert entry.proposed and entry.decision == ProposalDecision.PENDING
    page.goto(f"{live_server.url}/labour/catalog-entries/{entry.pk}/")
    page.click("#step-accept")
    page.wait_for_selector("#step-form-card")
    assert "紧缺职业" in page.inner_text("#step-form-card")  # the confirmation says what the step does
    assert not TrainingEntry.objects.exists()  # nothing happens before the confirmation
    snap("fair-05-accept-confirm")
    page.select_option("#step-form-card [name=tier]", "A")
    with page.expect_navigation():
        page.click("#step-submit")
    page.wait_for_selector(".alert-success")
    assert not page.locator("#step-accept").count()  # decided once
    entry.refresh_from_db()
    assert entry.decision == ProposalDecision.ACCEPTED and entry.decided_by.username == "zhangjiagang"
    adopted = TrainingEntry.objects.get(region_code=ZJG, year=_year(), occupation__code=CNC)
    assert adopted.shortage and adopted.tier == "A"
    snap("fair-06-accepted")
    assert len(list(tmp_path.glob("fair-*.png"))) == 6
