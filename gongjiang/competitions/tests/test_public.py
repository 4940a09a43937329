"""The public results page (names and ID numbers masked, the winners' certificate numbers) and the read
API in the user's scope."""

from __future__ import annotations

import datetime

from rest_framework.test import APIClient

from gongjiang.competitions import services
from gongjiang.competitions.tests.conftest import World, marking


def _published(w: World) -> None:
    participants, judges, aspects = marking(w)
    for i, p in enumerate(participants):
        for j in judges:
            services.mark_enter(actor=w.officer, competition=w.competition, participant=p, judge=j,
                                aspect=aspects[0], value=30 + i)  # fmt: skip
            services.mark_enter(actor=w.officer, competition=w.competition, participant=p, judge=j,
                                aspect=aspects[1], value=5 + i % 3)  # fmt: skip
    services.competition_publish(actor=w.officer, competition=w.competition, today=datetime.date(2026, 5, 20))
    services.competition_issue(actor=w.officer, competition=w.competition, issue_date=datetime.date(2026, 5, 25))


def test_public_results_mask_people_and_show_certificates(client, world: World) -> None:  # type: ignore[no-untyped-def]
    assert world.competition.name not in client.get("/competitions/results/").content.decode()  # a draft
    _published(world)
    listing = client.get("/competitions/results/").content.decode()
    assert world.competition.name in listing
    page = client.get(f"/competitions/results/{world.competition.pk}/").content.decode()
    winner = world.competition.participants.get(rank=1)
    assert winner.certificate is not None and winner.certificate.number in page
    for person in world.people[:4]:
        assert person.name not in page and person.id_number not in page
        assert person.name[0] + "*" in page
        assert person.id_number[:4] + "**********" + person.id_number[-4:] in page
    assert client.get("/competitions/results/99999/").status_code == 404
    assert client.get("/competitions/results/", {"region": "9"}).status_code == 404


def test_api_lists_competitions_in_scope_with_masked_results(world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    _published(world)
    api = APIClient()
    api.force_authenticate(world.officer)
    answer = api.get("/api/competitions/").json()
    assert [c["name"] for c in answer["results"]] == [world.competition.name]
    detail = api.get(f"/api/competitions/{world.competition.pk}/").json()
    assert detail["status"] == "published" and detail["participants"] == 4 and detail["occupation"] == "6-31-01-03"
    assert [r["rank"] for r in detail["results"]] == [1, 2, 3, 4]
    assert detail["results"][0]["certificate"] and detail["results"][0]["medal"] == "gold"
    names = {p.name for p in world.people}
    assert all(r["holder_name_masked"] not in names and "*" in r["holder_name_masked"] for r in detail["results"])
    suzhou = APIClient()
    suzhou.force_authenticate(make_user("api_sz", role="officer", region_code="320500"))
    assert suzhou.get("/api/competitions/").json()["results"] == []
    assert suzhou.get(f"/api/competitions/{world.competition.pk}/").status_code == 404
    assert APIClient().get("/api/competitions/").status_code in (401, 403)
    assert api.post("/api/competitions/", {}, format="json").status_code == 405
