"""The honours forms name the enterprise by choosing it by name, not by typing its record number: an officer
is offered the organisations of the district (name and credit code), the chosen one shows by name when the
form comes back, and a number posted by hand from outside them is refused on the field, in Chinese, with
nothing written. An enterprise's own account is not asked: its own organisation is taken."""

from __future__ import annotations

import re

import pytest

from gongjiang.core import pickers, pii
from gongjiang.honours.models import AwardApplication, Nomination, Recognition
from gongjiang.honours.tests.conftest import ACCOUNT, ZJG
from gongjiang.registry.tests.choosing_checks import ZH, form_of, label, offered, refused_on, shows_chosen

pytestmark = pytest.mark.django_db
CHANGSHU = "320581"


@pytest.fixture
def orgs(hw, make_org):  # type: ignore[no-untyped-def]
    return {"rival": make_org(region=ZJG, name="张家港华锐机床"), "far": make_org(region=CHANGSHU, name="常熟纺织机械")}


def _nomination(worker):  # type: ignore[no-untyped-def]
    return {
        "id_number": pii.decrypt(worker.id_number_enc),
        "name": worker.name,
        "statement": "技术革新",
        "bank_name": "中国工商银行",
        "bank_account": ACCOUNT,
    }


def test_the_officer_nominates_for_an_enterprise_chosen_by_name_within_the_district(hw, orgs, client):  # type: ignore[no-untyped-def]
    call = hw.call()
    client.force_login(hw.zjg)
    form = form_of(client.get(f"/honours/calls/{call.pk}/", **ZH).content.decode(), 'id="nominate-form"')
    assert offered(form, "organisation") == {
        str(hw.enterprise.pk): label(hw.enterprise),
        str(orgs["rival"].pk): label(orgs["rival"]),
    }
    url = f"/honours/calls/{call.pk}/nominate/"
    data = _nomination(hw.workers[0])
    # another field wrong: the enterprise chosen shows by name, not as a number
    page = client.post(url, {**data, "name": "张冒名", "organisation": hw.enterprise.pk}, **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'id="nominate-form"'), "organisation", hw.enterprise)
    # an enterprise of another district, or none at all: refused on the field, nothing written
    page = client.post(url, {**data, "organisation": orgs["far"].pk}, **ZH)
    assert page.status_code == 200
    refused_on(page.content.decode(), "organisation")
    page = client.post(url, data, **ZH)
    assert page.status_code == 200 and re.search(r'data-field="organisation">[^<]*请指定企业', page.content.decode())
    assert not Nomination.objects.exists()
    assert client.post(url, {**data, "organisation": hw.enterprise.pk}, **ZH).status_code == 302
    assert Nomination.objects.get().organisation == hw.enterprise


def test_an_enterprise_nominates_in_its_own_name_without_being_asked(hw, orgs, client):  # type: ignore[no-untyped-def]
    call = hw.call()
    client.force_login(hw.ent_user)
    form = form_of(client.get(f"/honours/calls/{call.pk}/", **ZH).content.decode(), 'id="nominate-form"')
    assert 'name="organisation"' not in form
    # a number posted anyway changes nothing: the nomination is the enterprise's own
    data = {**_nomination(hw.workers[0]), "organisation": orgs["rival"].pk}
    assert client.post(f"/honours/calls/{call.pk}/nominate/", data, **ZH).status_code == 302
    assert Nomination.objects.get().organisation == hw.enterprise


def _recognition(**extra):  # type: ignore[no-untyped-def]
    return {"kind": "skill_enterprise", "year": "2025", "as_of": "2025-06-30", "title": "", **extra}


def test_the_officer_recognises_an_enterprise_chosen_by_name(hw, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(hw.zjg)
    form = form_of(client.get("/honours/recognitions/new/", **ZH).content.decode(), 'name="as_of"')
    assert set(offered(form, "organisation")) == {str(hw.enterprise.pk), str(orgs["rival"].pk)}
    page = client.post("/honours/recognitions/new/", _recognition(organisation=orgs["rival"].pk, year="19"), **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'name="as_of"'), "organisation", orgs["rival"])
    page = client.post("/honours/recognitions/new/", _recognition(organisation=orgs["far"].pk), **ZH)
    assert page.status_code == 200 and not Recognition.objects.exists()
    refused_on(page.content.decode(), "organisation")
    page = client.post("/honours/recognitions/new/", _recognition(organisation=hw.enterprise.pk), **ZH)
    assert page.status_code == 302 and Recognition.objects.get().organisation == hw.enterprise


def test_too_many_to_list_the_recognition_form_searches_and_shows_the_chosen_name(hw, orgs, client, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pickers, "SELECT_LIMIT", 1)
    client.force_login(hw.zjg)
    form = form_of(client.get("/honours/recognitions/new/", **ZH).content.decode(), 'name="as_of"')
    assert '<select name="organisation"' not in form
    assert '<input type="hidden" name="organisation" value="">' in form
    assert re.search(r'name="organisation-search" value=""[^>]*hx-get="/pick/organisations/', form)
    page = client.post("/honours/recognitions/new/", _recognition(organisation=orgs["rival"].pk, year="19"), **ZH)
    shows_chosen(form_of(page.content.decode(), 'name="as_of"'), "organisation", orgs["rival"])
    # a foreign number shows no name and is refused
    page = client.post("/honours/recognitions/new/", _recognition(organisation=orgs["far"].pk), **ZH)
    html = page.content.decode()
    assert "常熟纺织机械" not in html and not Recognition.objects.exists()
    refused_on(html, "organisation")
    # the search box finds the district's organisations only, labelled as the field shows them
    found = client.get("/pick/organisations/", {"field": "organisation-search", "organisation-search": "机"})
    listed = dict(re.findall(r'data-pick="(\d+)">([^<]*)<', found.content.decode()))
    assert listed == {str(hw.enterprise.pk): label(hw.enterprise), str(orgs["rival"].pk): label(orgs["rival"])}


def _award(worker, **extra):  # type: ignore[no-untyped-def]
    return {
        "rule": "first_year_award",
        "id_number": pii.decrypt(worker.id_number_enc),
        "name": worker.name,
        "event_date": "2025-03-01",
        "work_start": "2024-03-01",
        "bank_account": ACCOUNT,
        **extra,
    }


def test_the_officer_applies_for_an_award_naming_an_enterprise_by_name(hw, orgs, client):  # type: ignore[no-untyped-def]
    worker = hw.workers[1]
    client.force_login(hw.zjg)
    form = form_of(client.get("/honours/awards/new/", **ZH).content.decode(), 'name="event_date"')
    assert set(offered(form, "organisation")) == {str(hw.enterprise.pk), str(orgs["rival"].pk)}
    page = client.post("/honours/awards/new/", _award(worker, organisation=hw.enterprise.pk, name="张冒名"), **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'name="event_date"'), "organisation", hw.enterprise)
    page = client.post("/honours/awards/new/", _award(worker, organisation=orgs["far"].pk), **ZH)
    assert page.status_code == 200 and not AwardApplication.objects.exists()
    refused_on(page.content.decode(), "organisation")
    page = client.post("/honours/awards/new/", _award(worker, organisation=hw.enterprise.pk), **ZH)
    assert page.status_code == 302, page.content.decode()[:3000]
    assert AwardApplication.objects.get().organisation == hw.enterprise


def test_an_enterprise_applies_for_an_award_in_its_own_name_without_being_asked(hw, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(hw.ent_user)
    form = form_of(client.get("/honours/awards/new/", **ZH).content.decode(), 'name="event_date"')
    assert 'name="organisation"' not in form
    page = client.post("/honours/awards/new/", _award(hw.workers[1], organisation=orgs["rival"].pk), **ZH)
    assert page.status_code == 302 and AwardApplication.objects.get().organisation == hw.enterprise
