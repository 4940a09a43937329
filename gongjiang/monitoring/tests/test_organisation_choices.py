"""The bureau's carrier form names the carrier's organisation by choosing it by name, not by typing its
record number: the officer is offered the organisations of the district (name and credit code), the chosen
one shows by name when the form comes back, and a number posted by hand from outside them is refused on the
field, in Chinese, with nothing written."""

from __future__ import annotations

import pytest

from gongjiang.core import pickers
from gongjiang.monitoring.models import Carrier
from gongjiang.registry.tests.choosing_checks import ZH, form_of, label, offered, refused_on, shows_chosen

ZJG, CHANGSHU = "320582", "320581"
URL = "/monitoring/carriers/new/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def orgs(make_org, make_user):  # type: ignore[no-untyped-def]
    return {
        "officer": make_user("zjg", role="officer", region_code=ZJG),
        "own": make_org(region=ZJG, name="张家港精工机械"),
        "rival": make_org(region=ZJG, name="张家港华锐机床"),
        "far": make_org(region=CHANGSHU, name="常熟纺织机械"),
    }


def _carrier(**extra):  # type: ignore[no-untyped-def]
    return {
        "kind": "master_studio",
        "name": "张家港精工数控技能大师工作室",
        "region_code": ZJG,
        "level": "municipal",
        "since": "2024-03-01",
        "source": "张人社〔2024〕12号",
        **extra,
    }


def test_the_officer_registers_a_carrier_of_an_organisation_chosen_by_name(orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(orgs["officer"])
    form = form_of(client.get(URL, **ZH).content.decode(), 'name="source"')
    assert offered(form, "organisation") == {
        str(orgs["own"].pk): label(orgs["own"]),
        str(orgs["rival"].pk): label(orgs["rival"]),
    }
    page = client.post(URL, _carrier(organisation=orgs["own"].pk, since=""), **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'name="source"'), "organisation", orgs["own"])
    page = client.post(URL, _carrier(organisation=orgs["far"].pk), **ZH)
    assert page.status_code == 200 and not Carrier.objects.exists()
    refused_on(page.content.decode(), "organisation")
    page = client.post(URL, _carrier(organisation=orgs["own"].pk), **ZH)
    assert page.status_code == 302 and Carrier.objects.get().organisation == orgs["own"]


def test_too_many_to_list_the_carrier_form_shows_the_chosen_name_in_the_search_box(orgs, client, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pickers, "SELECT_LIMIT", 1)
    client.force_login(orgs["officer"])
    form = form_of(client.get(URL, **ZH).content.decode(), 'name="source"')
    assert '<select name="organisation"' not in form and '<input type="hidden" name="organisation" value="">' in form
    page = client.post(URL, _carrier(organisation=orgs["rival"].pk, since=""), **ZH)
    shows_chosen(form_of(page.content.decode(), 'name="source"'), "organisation", orgs["rival"])
    page = client.post(URL, _carrier(organisation=orgs["far"].pk), **ZH)
    html = page.content.decode()
    assert "常熟纺织机械" not in html and not Carrier.objects.exists()
    refused_on(html, "organisation")
