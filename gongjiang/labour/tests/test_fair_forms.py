"""The job-fair forms and the seeker's placement form offer choices, not record numbers to type: each
offers exactly the records the signed-in user may use (another region's or organisation's absent),
labelled by name; a choice posted works; a number posted by hand outside the choices is refused on its
field, in Chinese, with the form's other input kept and nothing written."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from gongjiang.labour import services
from gongjiang.labour.models import FairOutcome, FairSeeker, SeekerStatus
from gongjiang.labour.tests.test_fairs import CNC, MILLER, ZJG, _fair, _graduate, _post

CHANGSHU = "320581"


def _today() -> datetime.date:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate()


ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _options(html: str, form_id: str, name: str) -> dict[str, str]:
    """The options of the select ``name`` inside the form ``form_id``: value → label (the empty one left out)."""
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form is not None, form_id
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form.group(0), re.S)
    assert select is not None, name
    options = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)
    return {value: label.strip() for value, label in options if value}


@pytest.fixture
def others(world, make_org, make_user, make_person):  # type: ignore[no-untyped-def]
    """Beside the world: a second 张家港 enterprise and school with a post and a seeker each, and a 常熟
    enterprise and school with theirs; the world's enterprise has an open and a closed post and the
    world's school two graduates seeking work."""
    rival = make_org(region=ZJG, name="张家港华锐机床")
    rival_user = make_user("rival", role="organisation", organisation=rival)
    school2 = make_org(region=ZJG, kind="technician_college", name="张家港第二技工学校", industry="P")
    school2_user = make_user("sch2", role="organisation", organisation=school2)
    far_ent = make_org(region=CHANGSHU, name="常熟纺织机械")
    far_ent_user = make_user("far-ent", role="organisation", organisation=far_ent)
    far_school = make_org(region=CHANGSHU, kind="technician_college", name="常熟技师学院", industry="P")
    far_school_user = make_user("far-sch", role="organisation", organisation=far_school)
    far_people = [
        make_person(region=CHANGSHU, name=n, birth=datetime.date(2005, 3, i + 1), phone=f"1371234{i:04d}")
        for i, n in enumerate(["钱五", "孙六"])
    ]
    own = _post(world, CNC, "level3")
    closed = _post(world, MILLER, "level4")
    services.post_close(actor=world["ent_user"], post=closed)
    rival_post = services.post_create(
        actor=rival_user,
        organisation=rival,
        occupation_code=CNC,
        level_code="level4",
        headcount=3,
        wage_offer=6000,
        start=_today() + datetime.timedelta(days=30),
    )
    far_post = services.post_create(
        actor=far_ent_user,
        organisation=far_ent,
        occupation_code=CNC,
        level_code="level3",
        headcount=4,
        wage_offer=5800,
        start=_today() + datetime.timedelta(days=30),
    )
    mine = [_graduate(world, world["people"][0], CNC, "level3"), _graduate(world, world["people"][1], MILLER, None)]
    rival_seeker = services.seeker_register(
        actor=school2_user,
        person=world["people"][2],
        kind="graduate",
        region_code=ZJG,
        occupation_code=CNC,
        level_code="level3",
        wage_expected=6000,
        school=school2,
        graduation_year=2026,
    )
    far_seeker = services.seeker_register(
        actor=far_school_user,
        person=far_people[0],
        kind="graduate",
        region_code=CHANGSHU,
        occupation_code=CNC,
        level_code="level3",
        wage_expected=6000,
        school=far_school,
        graduation_year=2026,
    )
    return {
        "own": own,
        "closed": closed,
        "rival_post": rival_post,
        "far_post": far_post,
        "mine": mine,
        "rival_seeker": rival_seeker,
        "far_seeker": far_seeker,
        "school2_user": school2_user,
    }


def test_the_booth_form_offers_the_enterprise_its_own_open_posts_by_name(world, others, client):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    client.force_login(world["ent_user"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    posts = _options(html, "booth-form", "posts")
    assert set(posts) == {str(others["own"].pk)}  # not the closed one, nor another enterprise's open post
    label = posts[str(others["own"].pk)]
    assert "张家港精工机械" in label and "车工" in label and "6500" in label and "元/月" in label
    assert CNC not in label and not re.search(rf"\b{others['own'].pk}\b", label.replace("6500", ""))
    assert 'data-search="1"' in html and "core/choices.js" in html
    # the officer takes a booth for any enterprise of the region: the region's open posts, not 常熟's
    client.force_login(world["officer"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    assert set(_options(html, "booth-form", "posts")) == {str(others["own"].pk), str(others["rival_post"].pk)}


def test_a_booth_with_a_chosen_post_and_a_foreign_post_refused(world, others, client):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    client.force_login(world["ent_user"])
    for foreign in (others["rival_post"], others["far_post"], others["closed"]):
        page = client.post(f"/labour/fairs/{fair.pk}/booth/", {"posts": [others["own"].pk, foreign.pk]}, **ZH)
        assert page.status_code == 200 and not fair.booths.exists()
        html = page.content.decode()
        assert re.search(r'data-field="posts">[^<]*从列表中选择', html)
        # the choice made is kept
        assert re.search(rf'<option value="{others["own"].pk}"[^>]*selected', html)
    page = client.post(f"/labour/fairs/{fair.pk}/booth/", {"posts": [others["own"].pk]}, **ZH)
    assert page.status_code == 302
    booth = fair.booths.get()
    assert [bp.post_id for bp in booth.posts.all()] == [others["own"].pk]


def test_the_seekers_form_offers_a_school_its_own_and_the_officer_the_regions(world, others, client):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    mine = others["mine"]
    client.force_login(world["school_user"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    seekers = _options(html, "fair-seekers-form", "seekers")
    assert set(seekers) == {str(s.pk) for s in mine}
    assert seekers[str(mine[0].pk)].startswith("陈*") and "毕业生" in seekers[str(mine[0].pk)]
    assert "陈一" not in html and "周二" not in html  # masked names only
    client.force_login(world["officer"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    assert set(_options(html, "fair-seekers-form", "seekers")) == {
        str(s.pk) for s in (*mine, others["rival_seeker"])
    }  # 常熟's seeker absent


def test_registering_chosen_seekers_and_a_foreign_one_refused(world, others, client):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    mine = others["mine"]
    client.force_login(world["school_user"])
    for foreign in (others["rival_seeker"], others["far_seeker"]):
        page = client.post(f"/labour/fairs/{fair.pk}/seekers/", {"seekers": [mine[0].pk, foreign.pk]}, **ZH)
        assert page.status_code == 200 and not FairSeeker.objects.exists()
        assert re.search(r'data-field="seekers">[^<]*从列表中选择求职者', page.content.decode())
    page = client.post(f"/labour/fairs/{fair.pk}/seekers/", {"seekers": [s.pk for s in mine]}, **ZH)
    assert page.status_code == 302
    assert set(fair.seekers.values_list("seeker_id", flat=True)) == {s.pk for s in mine}
    # registered ones are no longer offered
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    assert _options(html, "fair-seekers-form", "seekers") == {}


def test_the_outcome_form_offers_the_fairs_seekers_and_the_users_posts_at_it(world, others, client):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    mine, own = others["mine"], others["own"]
    services.booth_register(actor=world["ent_user"], fair=fair, enterprise=world["enterprise"], post_ids=[own.pk])
    services.booth_register(
        actor=world["officer"],
        fair=fair,
        enterprise=others["rival_post"].organisation,
        post_ids=[others["rival_post"].pk],
    )
    services.fair_seekers_register(actor=world["school_user"], fair=fair, seekers=[mine[0]])
    client.force_login(world["ent_user"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    seekers = _options(html, "outcome-form", "seeker")
    assert set(seekers) == {str(mine[0].pk)}  # the fair's seekers only
    assert "陈" not in seekers[str(mine[0].pk)]  # an enterprise reads no name: the fair's number, kind, intention
    assert "毕业生" in seekers[str(mine[0].pk)] and "车工" in seekers[str(mine[0].pk)]
    assert set(_options(html, "outcome-form", "post")) == {str(own.pk)}  # not the rival's post at the fair
    client.force_login(world["officer"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    assert set(_options(html, "outcome-form", "post")) == {str(own.pk), str(others["rival_post"].pk)}
    assert _options(html, "outcome-form", "seeker")[str(mine[0].pk)].startswith("陈*")


def test_an_outcome_posted_by_choice_and_foreign_numbers_refused(world, others, client):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    mine, own = others["mine"], others["own"]
    services.booth_register(actor=world["ent_user"], fair=fair, enterprise=world["enterprise"], post_ids=[own.pk])
    services.fair_seekers_register(actor=world["school_user"], fair=fair, seekers=[mine[0]])
    client.force_login(world["ent_user"])
    url = f"/labour/fairs/{fair.pk}/outcome/"
    on = _today().isoformat()
    bad_post = client.post(
        url, {"seeker": mine[0].pk, "post": others["far_post"].pk, "outcome": "interviewed", "on": on}, **ZH
    )
    html = bad_post.content.decode()
    assert bad_post.status_code == 200 and re.search(r'data-field="post">[^<]*本招聘会', html)
    assert re.search(rf'<option value="{mine[0].pk}"[^>]*selected', html)  # the seeker chosen is kept
    assert re.search(rf'name="on"[^>]*value="{on}"', html)
    bad_seeker = client.post(url, {"seeker": mine[1].pk, "post": own.pk, "outcome": "interviewed"}, **ZH)
    assert bad_seeker.status_code == 200 and 'data-field="seeker"' in bad_seeker.content.decode()
    assert not FairOutcome.objects.exists()
    good = client.post(url, {"seeker": mine[0].pk, "post": own.pk, "outcome": "interviewed"}, **ZH)
    assert good.status_code == 302
    outcome = FairOutcome.objects.get()
    assert outcome.seeker_id == mine[0].pk and outcome.post_id == own.pk


def test_the_place_form_offers_open_posts_by_name(world, others, client):  # type: ignore[no-untyped-def]
    seeker = others["mine"][0]
    client.force_login(world["officer"])
    url = f"/labour/seekers/{seeker.pk}/"
    html = client.get(url, **ZH).content.decode()
    posts = _options(html, "place-form", "post")
    assert set(posts) == {str(others["own"].pk), str(others["rival_post"].pk)}  # open, in 张家港
    assert "张家港华锐机床" in posts[str(others["rival_post"].pk)]
    start = (_today() - datetime.timedelta(days=1)).isoformat()
    for foreign in (others["far_post"], others["closed"]):
        page = client.post(f"{url}place/", {"post": foreign.pk, "start": start}, **ZH)
        html = page.content.decode()
        assert page.status_code == 200 and re.search(r'data-field="post">[^<]*开放岗位', html)
        assert re.search(rf'name="start"[^>]*value="{start}"', html)
    seeker.refresh_from_db()
    assert seeker.status == SeekerStatus.SEEKING
    placed = client.post(f"{url}place/", {"post": others["own"].pk, "start": start}, **ZH)
    assert placed.status_code == 302
    seeker.refresh_from_db()
    assert seeker.status == SeekerStatus.PLACED and seeker.placed_post_id == others["own"].pk
