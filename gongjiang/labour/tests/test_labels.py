"""Words that mean one thing in one place and another elsewhere: an apprenticeship starts and ends (开始日期,
结束日期), it is not hired nor left; a school programme's enrolment is the number it enrols (招生人数),
not a training record."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from gongjiang.labour import services
from gongjiang.labour.tests.test_fair_forms import ZH
from gongjiang.labour.tests.test_fairs import CNC

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _label(html: str, field: str) -> str:
    found = re.search(rf'<label[^>]*for="id_{field}"[^>]*>([^<]*)</label>', html)
    assert found is not None, field
    return found.group(1)


def test_an_apprenticeship_starts_and_ends(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["ent_user"])
    with translation.override("zh-hans"):
        html = client.get("/labour/apprenticeships/new/", **ZH).content.decode()
    assert (_label(html, "start"), _label(html, "end")) == ("开始日期", "结束日期")
    assert "入职日期" not in html and "离职日期" not in html


def test_a_programme_shows_its_enrolment(world, client) -> None:  # type: ignore[no-untyped-def]
    programme = services.programme_create(
        actor=world["officer"],
        school=world["school"],
        name="数控技术",
        occupation_code=CNC,
        year=2026,
        enrolment=40,
        expected_graduates=38,
    )
    client.force_login(world["officer"])
    with translation.override("zh-hans"):
        page = client.get(f"/labour/programmes/{programme.pk}/", **ZH).content.decode()
    assert "招生人数" in page and "参训记录" not in page
