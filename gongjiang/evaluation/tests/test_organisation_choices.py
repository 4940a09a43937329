"""The evaluation forms name an organisation by choosing it by name, not by typing its record number: the
officer filing an institution or adding a pilot enterprise is offered the organisations of the district
(name and credit code), the chosen one shows by name when the form comes back, and a number posted by hand
from outside them is refused on the field, in Chinese, with nothing written. An organisation files as an
institution in its own name, unasked."""

from __future__ import annotations

import pytest

from gongjiang.evaluation.models import Institution, Pilot
from gongjiang.evaluation.tests.conftest import OCCUPATION
from gongjiang.registry.tests.choosing_checks import ZH, form_of, label, offered, refused_on, shows_chosen

ZJG, CHANGSHU = "320582", "320581"


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


def _institution(**extra):  # type: ignore[no-untyped-def]
    return {
        "kind": "enterprise",
        "sites": "一号车间考场",
        "contact": "王工",
        "occupation": OCCUPATION,
        "levels": ["level3"],
        **extra,
    }


def test_the_officer_files_an_institution_for_an_organisation_chosen_by_name(orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(orgs["officer"])
    url = "/evaluation/institutions/new/"
    form = form_of(client.get(url, **ZH).content.decode(), 'name="sites"')
    assert offered(form, "organisation") == {
        str(orgs["own"].pk): label(orgs["own"]),
        str(orgs["rival"].pk): label(orgs["rival"]),
    }
    page = client.post(url, _institution(organisation=orgs["rival"].pk, sites=""), **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'name="sites"'), "organisation", orgs["rival"])
    for foreign in (orgs["far"].pk, 999999):
        page = client.post(url, _institution(organisation=foreign), **ZH)
        assert page.status_code == 200
        refused_on(page.content.decode(), "organisation")
    assert not Institution.objects.exists()
    page = client.post(url, _institution(organisation=orgs["rival"].pk), **ZH)
    assert page.status_code == 302 and Institution.objects.get().organisation == orgs["rival"]


def test_an_organisation_files_in_its_own_name_without_being_asked(orgs, client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user("ent", role="organisation", organisation=orgs["own"]))
    url = "/evaluation/institutions/new/"
    assert 'name="organisation"' not in form_of(client.get(url, **ZH).content.decode(), 'name="sites"')
    page = client.post(url, _institution(organisation=orgs["rival"].pk), **ZH)
    assert page.status_code == 302 and Institution.objects.get().organisation == orgs["own"]


def _pilot(**extra):  # type: ignore[no-untyped-def]
    return {"quota_special": "2", "quota_chief": "1", "since": "2024-01-01", "clause": "", **extra}


def test_the_officer_adds_a_pilot_enterprise_chosen_by_name(orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(orgs["officer"])
    url = "/evaluation/pilots/new/"
    form = form_of(client.get(url, **ZH).content.decode(), 'name="quota_special"')
    assert set(offered(form, "organisation")) == {str(orgs["own"].pk), str(orgs["rival"].pk)}
    page = client.post(url, _pilot(organisation=orgs["own"].pk, quota_special="-1"), **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'name="quota_special"'), "organisation", orgs["own"])
    page = client.post(url, _pilot(organisation=orgs["far"].pk), **ZH)
    assert page.status_code == 200 and not Pilot.objects.exists()
    refused_on(page.content.decode(), "organisation")
    page = client.post(url, _pilot(organisation=orgs["own"].pk), **ZH)
    assert page.status_code == 302 and Pilot.objects.get().organisation == orgs["own"]
