"""The labour API reads through the viewer's scope: a draft catalog is the bureau's, a published one
everyone's; a seeker's recommendations come with their sentences."""

from __future__ import annotations

import datetime

from rest_framework.test import APIClient

from gongjiang.labour import services

ZJG = "320582"


def test_catalogs_posts_and_recommendations(world):  # type: ignore[no-untyped-def]
    ent = world["ent_user"]
    post = services.post_create(
        actor=ent,
        organisation=world["enterprise"],
        occupation_code="6-18-01-01",
        level_code="level3",
        headcount=12,
        wage_offer=6500,
        start=datetime.date(2026, 9, 1),
        opened_on=datetime.date(2026, 3, 1),
    )
    catalog = services.catalog_create(actor=world["officer"], region_code=ZJG, year=2026)
    services.catalog_compile(actor=world["officer"], catalog=catalog)
    client = APIClient()
    client.force_authenticate(ent)
    assert client.get("/api/labour/catalogs/").json()["results"] == []  # a draft: not the enterprise's
    assert [p["id"] for p in client.get("/api/labour/posts/").json()["results"]] == [post.pk]
    services.catalog_publish(actor=world["officer"], catalog=catalog)
    found = client.get("/api/labour/catalogs/").json()["results"]
    assert found[0]["entries"][0]["occupation"] == "6-18-01-01" and found[0]["entries"][0]["proposed"]
    seeker = services.seeker_register(
        actor=world["officer"],
        person=world["people"][0],
        kind="unemployed",
        region_code=ZJG,
        occupation_code="6-18-01-01",
        level_code="level3",
        wage_expected=6000,
    )
    client.force_authenticate(world["officer"])
    recs = client.get(f"/api/labour/seekers/{seeker.pk}/recommendations/").json()
    assert recs[0]["post"] == post.pk and recs[0]["score"] == 100 and recs[0]["sentence"]
    client.force_authenticate(world["school_user"])  # the seeker is not the school's
    assert client.get(f"/api/labour/seekers/{seeker.pk}/recommendations/").status_code == 404
