"""The competition pages as the city officer uses them: create, register, mark by upload, publish, issue."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongjiang.competitions.models import Competition, Participant
from gongjiang.core import pii
from gongjiang.credentials.models import Certificate


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_competition_from_creation_to_certificates(client, make_user, make_person) -> None:  # type: ignore[no-untyped-def]
    officer = make_user("cz", role="officer", region_code="320400")
    client.force_login(officer)
    base = "/competitions/competitions"
    assert client.get(f"{base}/").status_code == 200
    response = client.post(
        f"{base}/new/",
        {
            "name": "常州市职业技能大赛电工项目",
            "level": "municipal",
            "region_code": "320400",
            "occupation": "6-31-01-03",
            "award_level": "level3",
            "start": "2026-05-10",
            "end": "2026-05-11",
            "cap": "10",
            "recognised_ranks": "1",
            "spread": "30",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    c = Competition.objects.get()
    assert client.post(f"{base}/{c.pk}/open/").status_code == 302
    people = [make_person(region="320412", name=n) for n in ("赵一", "钱二", "孙三")]
    for p in people:
        r = client.post(f"{base}/{c.pk}/participant/", {"id_number": pii.decrypt(p.id_number_enc), "name": p.name})
        assert r.status_code == 302, r.content.decode()[:3000]
    assert client.post(f"{base}/{c.pk}/judge/", {"name": "裁判甲"}).status_code == 302
    r = client.post(f"{base}/{c.pk}/aspect/", {"name": "尺寸精度", "kind": "measurement", "max_mark": "50"})
    assert r.status_code == 302
    assert client.post(f"{base}/{c.pk}/close/").status_code == 302
    assert client.get(f"{base}/{c.pk}/").status_code == 200
    lines = ["身份证号码,裁判,评分项,分数"]
    lines += [f"{pii.decrypt(p.id_number_enc)},裁判甲,尺寸精度,{v}" for p, v in zip(people, (40, 45, 30), strict=True)]
    upload = SimpleUploadedFile("成绩.csv", "\n".join(lines).encode("utf-8"), content_type="text/csv")
    r = client.post(f"{base}/{c.pk}/marks/", {"file": upload})
    assert r.status_code == 302, r.content.decode()[:3000]
    page = client.get(f"{base}/{c.pk}/").content.decode()
    assert "results-preview" in page
    assert client.post(f"{base}/{c.pk}/publish/").status_code == 302
    gold = Participant.objects.get(competition=c, rank=1)
    assert gold.person.name == "钱二" and gold.medal == "gold"
    assert client.post(f"{base}/{c.pk}/issue/").status_code == 302
    assert Certificate.objects.filter(person=gold.person, source="competition").count() == 1
    assert client.get(f"{base}/{c.pk}/").status_code == 200
    assert client.get("/competitions/marks-template.xlsx").status_code == 200


def test_another_city_sees_nothing(client, make_user, make_person) -> None:  # type: ignore[no-untyped-def]
    suzhou = make_user("sz", role="officer", region_code="320500")
    client.force_login(suzhou)
    page = client.get("/competitions/competitions/").content.decode()
    assert "competitions-table" in page


@pytest.mark.parametrize(("region", "level"), [("320400", "municipal"), ("320412", "district")])
def test_a_new_competition_starts_at_the_level_of_the_officer_s_bureau(client, make_user, region, level) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(f"officer_{region}", role="officer", region_code=region))
    form = client.get("/competitions/competitions/new/").context["form"]
    assert form["level"].value() == level and form["region_code"].value() == region
