"""The competition forms name the organiser and a participant's employer by choosing them by name, not by
typing record numbers: the city officer is offered the organisations of the city (name and credit code),
the chosen one shows by name when the form comes back, and a number posted by hand from outside them is
refused on the field, in Chinese, with nothing written."""

from __future__ import annotations

import pytest

from gongjiang.competitions.models import Competition, Participant
from gongjiang.competitions.tests.conftest import CZ, OCCUPATION
from gongjiang.core import pii
from gongjiang.registry.tests.choosing_checks import ZH, form_of, label, offered, refused_on, shows_chosen

BASE = "/competitions/competitions"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def orgs(world, make_org):  # type: ignore[no-untyped-def]
    return {
        "organiser": world.competition.organiser,
        "employer": make_org(region="320411", name="常州恒立机械"),
        "far": make_org(region="320582", name="张家港精工机械"),
    }


def _competition(**extra):  # type: ignore[no-untyped-def]
    return {
        "name": "常州市职业技能大赛钳工项目",
        "level": "municipal",
        "region_code": CZ,
        "occupation": OCCUPATION,
        "award_level": "level3",
        "start": "2026-06-10",
        "end": "2026-06-11",
        "cap": "10",
        "recognised_ranks": "1",
        "spread": "30",
        **extra,
    }


def test_the_officer_names_the_organiser_by_name_within_the_city(world, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(world.officer)
    form = form_of(client.get(f"{BASE}/new/", **ZH).content.decode(), 'name="cap"')
    assert offered(form, "organiser") == {
        str(orgs["organiser"].pk): label(orgs["organiser"]),
        str(orgs["employer"].pk): label(orgs["employer"]),
    }
    page = client.post(f"{BASE}/new/", _competition(organiser=orgs["employer"].pk, cap="0"), **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'name="cap"'), "organiser", orgs["employer"])
    page = client.post(f"{BASE}/new/", _competition(organiser=orgs["far"].pk), **ZH)
    assert page.status_code == 200 and Competition.objects.count() == 1
    refused_on(page.content.decode(), "organiser")
    page = client.post(f"{BASE}/new/", _competition(organiser=orgs["employer"].pk), **ZH)
    assert page.status_code == 302
    assert Competition.objects.exclude(pk=world.competition.pk).get().organiser == orgs["employer"]
    # no organiser is a choice too
    page = client.post(f"{BASE}/new/", _competition(name="常州市职业技能大赛焊工项目", organiser=""), **ZH)
    assert page.status_code == 302 and Competition.objects.get(name="常州市职业技能大赛焊工项目").organiser is None


def test_a_participant_s_employer_is_chosen_by_name(world, orgs, client):  # type: ignore[no-untyped-def]
    client.force_login(world.officer)
    c = world.competition
    form = form_of(client.get(f"{BASE}/{c.pk}/", **ZH).content.decode(), 'id="participant-form"')
    assert set(offered(form, "organisation")) == {str(orgs["organiser"].pk), str(orgs["employer"].pk)}
    person = world.people[0]
    data = {"id_number": pii.decrypt(person.id_number_enc), "name": person.name}
    wrong_name = {**data, "name": "张冒名", "organisation": orgs["employer"].pk}
    page = client.post(f"{BASE}/{c.pk}/participant/", wrong_name, **ZH)
    assert page.status_code == 200
    shows_chosen(form_of(page.content.decode(), 'id="participant-form"'), "organisation", orgs["employer"])
    page = client.post(f"{BASE}/{c.pk}/participant/", {**data, "organisation": orgs["far"].pk}, **ZH)
    assert page.status_code == 200 and not Participant.objects.exists()
    refused_on(page.content.decode(), "organisation")
    page = client.post(f"{BASE}/{c.pk}/participant/", {**data, "organisation": orgs["employer"].pk}, **ZH)
    assert page.status_code == 302 and Participant.objects.get().organisation == orgs["employer"]
