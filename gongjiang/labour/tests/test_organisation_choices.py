"""The labour forms name organisations by choosing them by name, not by typing record numbers: each offers
exactly the enterprises or schools the signed-in user may name (an organisation user's own is taken from the
account and not asked; the other party of a record, the enterprise of a school's class, may be anywhere);
a number posted by hand outside the choices is refused on its field, in Chinese, with the other input kept
and nothing written. Where the choices are too many to list, a search box shows the chosen name and finds
others as one types, within the same choices."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from gongjiang.core import pickers
from gongjiang.labour.models import (
    Apprenticeship,
    DemandPost,
    EnterpriseTown,
    MajorProject,
    OrderClass,
    Programme,
    SchoolReport,
)
from gongjiang.labour.tests.test_fair_forms import ZH, _options
from gongjiang.labour.tests.test_fairs import CNC, ZJG, _fair

CHANGSHU = "320581"


def _year() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def orgs(world, make_org):  # type: ignore[no-untyped-def]
    """Beside the world's 张家港 enterprise and college: a second 张家港 enterprise, and a 常熟 enterprise and
    school."""
    return {
        "rival": make_org(region=ZJG, name="张家港华锐机床"),
        "far_ent": make_org(region=CHANGSHU, name="常熟纺织机械"),
        "far_school": make_org(region=CHANGSHU, kind="technician_college", name="常熟技师学院", industry="P"),
    }


def _form(html: str) -> str:
    found = re.search(r'<form method="post" novalidate[^>]*>.*?</form>', html, re.S)
    assert found is not None
    return found.group(0)


def _select(html: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name
    options = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)
    return {value: label.strip() for value, label in options if value}


def _post_data(**extra):  # type: ignore[no-untyped-def]
    return {
        "occupation": CNC,
        "level": "level3",
        "headcount": "12",
        "wage_offer": "6500",
        "start": f"{_year() + 1}-03-01",
        **extra,
    }


def test_the_officer_chooses_the_enterprise_of_a_post_by_name_within_the_district(world, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    html = client.get("/labour/demand/new/", **ZH).content.decode()
    offered = _select(_form(html), "organisation")
    # the district's enterprises by name: not 常熟's, not the college
    assert offered == {str(world["enterprise"].pk): "张家港精工机械", str(orgs["rival"].pk): "张家港华锐机床"}
    assert 'data-search="1"' in html and "core/choices.js" in html
    page = client.post("/labour/demand/new/", _post_data(organisation=orgs["rival"].pk), **ZH)
    assert page.status_code == 302
    assert DemandPost.objects.get().organisation == orgs["rival"]


@pytest.mark.parametrize("foreign", ["far_ent", "college", "999999", "abc"])
def test_an_enterprise_posted_by_hand_outside_the_choices_is_refused_on_its_field(world, orgs, client, foreign):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    value = {"far_ent": orgs["far_ent"].pk, "college": world["school"].pk}.get(foreign, foreign)
    page = client.post("/labour/demand/new/", _post_data(organisation=value), **ZH)
    assert page.status_code == 200 and not DemandPost.objects.exists()
    html = page.content.decode()
    assert re.search(r'data-field="organisation">[^<]*请选择所列企业之一', html)
    assert 'name="headcount" value="12"' in html and 'name="wage_offer" value="6500"' in html  # the rest kept


def test_an_enterprise_is_not_asked_for_its_own_organisation(world, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(world["ent_user"])
    html = client.get("/labour/demand/new/", **ZH).content.decode()
    assert 'name="organisation"' not in _form(html)
    # a number posted anyway changes nothing: the post is the enterprise's own
    page = client.post("/labour/demand/new/", _post_data(organisation=orgs["rival"].pk), **ZH)
    assert page.status_code == 302 and DemandPost.objects.get().organisation == world["enterprise"]


def test_a_school_names_the_enterprise_of_its_class_among_all_enterprises(world, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(world["school_user"])
    html = client.get("/labour/classes/new/", **ZH).content.decode()
    form = _form(html)
    assert 'name="school"' not in form  # the school's own
    offered = _select(form, "enterprise")
    # enterprises anywhere (a class may be for an enterprise elsewhere), by name; no school
    assert offered == {
        str(world["enterprise"].pk): "张家港精工机械",
        str(orgs["rival"].pk): "张家港华锐机床",
        str(orgs["far_ent"].pk): "常熟纺织机械",
    }
    data = {
        "name": "精工数控订单班",
        "kind": "order",
        "occupation": CNC,
        "year": str(_year()),
        "places": "2",
        "funding_per_student": "800",
    }
    page = client.post("/labour/classes/new/", {**data, "enterprise": orgs["far_school"].pk}, **ZH)
    assert page.status_code == 200 and not OrderClass.objects.exists()
    html = page.content.decode()
    assert re.search(r'data-field="enterprise">[^<]*请选择所列企业之一', html)
    assert 'value="精工数控订单班"' in html
    page = client.post("/labour/classes/new/", {**data, "enterprise": orgs["far_ent"].pk}, **ZH)
    assert page.status_code == 302
    oc = OrderClass.objects.get()
    assert (oc.school, oc.enterprise) == (world["school"], orgs["far_ent"])


def test_the_officer_chooses_schools_within_the_district(world, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    college = {str(world["school"].pk): "张家港市技师学院"}
    for page in ("programmes", "school-reports", "classes"):
        html = client.get(f"/labour/{page}/new/", **ZH).content.decode()
        assert _select(_form(html), "school") == college, page
    # the officer's class: the enterprise is the district's (the class is the enterprise's region's)
    html = client.get("/labour/classes/new/", **ZH).content.decode()
    assert set(_select(_form(html), "enterprise")) == {str(world["enterprise"].pk), str(orgs["rival"].pk)}
    report = {"year": str(_year()), "teachers": "80", "dual_teachers": "30", "social_trainees": "500"}
    page = client.post("/labour/school-reports/new/", {**report, "school": orgs["far_school"].pk}, **ZH)
    assert page.status_code == 200 and not SchoolReport.objects.exists()
    assert re.search(r'data-field="school">[^<]*请选择所列学校之一', page.content.decode())
    programme = {"name": "数控技术", "occupation": CNC, "year": str(_year())}
    programme |= {"enrolment": "40", "expected_graduates": "38"}
    page = client.post("/labour/programmes/new/", {**programme, "school": world["enterprise"].pk}, **ZH)
    assert page.status_code == 200 and not Programme.objects.exists()
    page = client.post("/labour/programmes/new/", {**programme, "school": world["school"].pk}, **ZH)
    assert page.status_code == 302 and Programme.objects.get().school == world["school"]


def test_an_enterprise_names_the_school_of_an_apprenticeship_or_none(world, orgs, client):  # type: ignore[no-untyped-def]
    from gongjiang.core.pii import decrypt

    client.force_login(world["ent_user"])
    html = client.get("/labour/apprenticeships/new/", **ZH).content.decode()
    form = _form(html)
    assert 'name="enterprise"' not in form
    assert _select(form, "school") == {
        str(world["school"].pk): "张家港市技师学院",
        str(orgs["far_school"].pk): "常熟技师学院",
    }
    assert re.search(r'<option value=""[^>]*>不设学校</option>', form)
    person = world["people"][0]
    data = {
        "kind": "enterprise",
        "id_number": decrypt(person.id_number_enc),
        "name": person.name,
        "occupation": CNC,
        "level": "level3",
        "start": f"{_year()}-03-01",
        "end": f"{_year() + 1}-03-01",
    }
    page = client.post("/labour/apprenticeships/new/", {**data, "school": orgs["rival"].pk}, **ZH)
    assert page.status_code == 200 and not Apprenticeship.objects.exists()
    assert re.search(r'data-field="school">[^<]*请选择所列学校之一', page.content.decode())
    page = client.post("/labour/apprenticeships/new/", {**data, "school": orgs["far_school"].pk}, **ZH)
    assert page.status_code == 302
    assert Apprenticeship.objects.get().school == orgs["far_school"]


def test_the_officer_takes_a_booth_for_an_enterprise_chosen_by_name(world, orgs, client):  # type: ignore[no-untyped-def]
    fair = _fair(world)
    client.force_login(world["officer"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    assert _options(html, "booth-form", "enterprise") == {
        str(world["enterprise"].pk): "张家港精工机械",
        str(orgs["rival"].pk): "张家港华锐机床",
    }
    client.force_login(world["ent_user"])
    html = client.get(f"/labour/fairs/{fair.pk}/", **ZH).content.decode()
    booth = re.search(r'<form[^>]*id="booth-form".*?</form>', html, re.S)
    assert booth is not None and 'name="enterprise"' not in booth.group(0)


def test_the_forecast_forms_name_the_districts_enterprises(world, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    district = {str(world["enterprise"].pk): "张家港精工机械", str(orgs["rival"].pk): "张家港华锐机床"}
    for page, field in (("enterprise-towns", "organisation"), ("major-projects", "enterprise")):
        html = client.get(f"/labour/{page}/new/", **ZH).content.decode()
        assert _select(_form(html), field) == district, page
    project = {"name": "精工二期智能工厂", "start_year": str(_year() + 1)}
    for foreign in (orgs["far_ent"], world["school"]):
        page = client.post("/labour/major-projects/new/", {**project, "enterprise": foreign.pk}, **ZH)
        assert page.status_code == 200 and not MajorProject.objects.exists()
        html = page.content.decode()
        assert (
            re.search(r'data-field="enterprise">[^<]*请选择所列企业之一', html) and 'value="精工二期智能工厂"' in html
        )
    town = {"town_code": f"{ZJG}100", "town_name": "杨舍镇"}
    page = client.post("/labour/enterprise-towns/new/", {**town, "organisation": orgs["far_ent"].pk}, **ZH)
    assert page.status_code == 200 and not EnterpriseTown.objects.exists()
    page = client.post("/labour/enterprise-towns/new/", {**town, "organisation": orgs["rival"].pk}, **ZH)
    assert page.status_code == 302 and EnterpriseTown.objects.get().organisation == orgs["rival"]


def test_too_many_to_list_a_search_box_shows_the_chosen_name_and_searches_the_same_choices(  # type: ignore[no-untyped-def]
    world, orgs, client, monkeypatch
):
    monkeypatch.setattr(pickers, "SELECT_LIMIT", 1)
    client.force_login(world["officer"])
    html = _form(client.get("/labour/demand/new/", **ZH).content.decode())
    assert '<select name="organisation"' not in html
    assert re.search(r'<input type="hidden" name="organisation" value="">', html)
    search = r'<input type="search" name="organisation-search" value=""[^>]*hx-get="/pick/labour-enterprises/'
    assert re.search(search, html)
    # an input error elsewhere: the chosen enterprise shows by name, its number is kept out of sight
    page = client.post("/labour/demand/new/", _post_data(organisation=orgs["rival"].pk, headcount="0"), **ZH)
    html = _form(page.content.decode())
    assert f'<input type="hidden" name="organisation" value="{orgs["rival"].pk}">' in html
    assert re.search(r'name="organisation-search" value="张家港华锐机床"', html)
    # a foreign number posted shows no name and is refused
    page = client.post("/labour/demand/new/", _post_data(organisation=orgs["far_ent"].pk), **ZH)
    html = _form(page.content.decode())
    assert "常熟纺织机械" not in html and re.search(r'data-field="organisation">[^<]*请选择所列企业之一', html)
    assert not DemandPost.objects.exists()
    # the search lists the district's enterprises matching the name typed, by name
    found = client.get("/pick/labour-enterprises/", {"field": "organisation-search", "organisation-search": "机"})
    listed = dict(re.findall(r'data-pick="(\d+)">([^<]*)<', found.content.decode()))
    assert listed == {str(world["enterprise"].pk): "张家港精工机械", str(orgs["rival"].pk): "张家港华锐机床"}
