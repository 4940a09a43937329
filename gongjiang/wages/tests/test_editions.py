"""Editions: estimated over the submitted responses, sent to review, published by a second officer, frozen,
corrected by a new edition; who may do what; the public pages and API show published cells only, and a
suppressed cell with its reason and no figure."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongjiang.wages import selectors, services
from gongjiang.wages.models import Cell, CellStatus, Edition, EditionStatus
from gongjiang.wages.tests.conftest import ELECTRICIAN, WELDER, World, employees_of, survey_csv

pytestmark = pytest.mark.django_db
REPLICATES = 20


def _filled(world: World) -> None:
    """Every enterprise reports twelve welders at 高级工; the first also three electricians at 技师."""
    for i, org in enumerate(world.orgs):
        rows = employees_of(12, base=52000 + 1500 * i)
        if i == 0:
            rows += [(f"D{j}", ELECTRICIAN, "技师", "大专", 12, 174, 90000 + 900 * j, 0, 0, 0) for j in range(3)]
        response = world.response(org)
        services.response_upload(actor=world.officer, response=response, data=survey_csv(rows), filename="s.csv")
        services.response_submit(actor=world.officer, response=response)


def _published(world: World) -> Edition:
    _filled(world)
    edition = services.edition_create(actor=world.officer, survey=world.survey)
    services.edition_estimate(actor=world.officer, edition=edition, replicates=REPLICATES)
    services.edition_review(actor=world.officer, edition=edition)
    return services.edition_publish(actor=world.second, edition=edition)


def test_four_eyes_and_frozen_once_published(world) -> None:  # type: ignore[no-untyped-def]
    _filled(world)
    edition = services.edition_create(actor=world.officer, survey=world.survey)
    with pytest.raises(ValidationError):
        services.edition_review(actor=world.officer, edition=edition)  # not estimated yet
    with pytest.raises(PermissionDenied):
        services.edition_estimate(actor=world.other_city, edition=edition, replicates=REPLICATES)
    with pytest.raises(PermissionDenied):
        services.edition_estimate(actor=world.enterprise_user, edition=edition, replicates=REPLICATES)
    services.edition_estimate(actor=world.officer, edition=edition, replicates=REPLICATES)
    edition.refresh_from_db()
    assert edition.estimated_by == world.officer and edition.method and edition.rules
    services.edition_review(actor=world.officer, edition=edition)
    with pytest.raises(PermissionDenied):
        services.edition_publish(actor=world.officer, edition=edition)
    services.edition_publish(actor=world.second, edition=edition)
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED and edition.published_by == world.second
    cells = sorted(Cell.objects.filter(edition=edition).values_list("pk", "p50", "status"))
    for step in (
        lambda: services.edition_estimate(actor=world.officer, edition=edition, replicates=REPLICATES),
        lambda: services.edition_review(actor=world.officer, edition=edition),
        lambda: services.edition_return(actor=world.second, edition=edition),
        lambda: services.edition_publish(actor=world.second, edition=edition),
    ):
        with pytest.raises(ValidationError):
            step()
    assert sorted(Cell.objects.filter(edition=edition).values_list("pk", "p50", "status")) == cells


def test_correction_supersedes_with_its_reason(world) -> None:  # type: ignore[no-untyped-def]
    first = _published(world)
    with pytest.raises(ValidationError):
        services.edition_correct(actor=world.officer, edition=first, reason=" ")
    correction = services.edition_correct(actor=world.officer, edition=first, reason="一家企业的奖金单位填错")
    assert correction.number == 2 and correction.supersedes == first and correction.status == EditionStatus.DRAFT
    with pytest.raises(ValidationError):
        services.edition_correct(actor=world.officer, edition=first, reason="again")
    assert list(selectors.current_editions()) == [first]
    services.edition_estimate(actor=world.second, edition=correction, replicates=REPLICATES)
    services.edition_review(actor=world.second, edition=correction)
    services.edition_publish(actor=world.officer, edition=correction)
    assert list(selectors.current_editions()) == [correction]
    first.refresh_from_db()
    assert first.status == EditionStatus.PUBLISHED  # the corrected edition itself is never changed


def test_cells_are_monotone_and_the_welder_is_published(world) -> None:  # type: ignore[no-untyped-def]
    edition = _published(world)
    welder = Cell.objects.get(
        edition=edition,
        cell_kind="occupation_level",
        region_code="320500",
        occupation_code=WELDER,
        skill_level="level3",
    )
    assert welder.status == CellStatus.PUBLISHED
    values = [welder.p10, welder.p25, welder.p50, welder.p75, welder.p90]
    assert values == sorted(values) and len(set(values)) == 5
    assert welder.lo_p50 <= welder.p50 <= welder.hi_p50
    electrician = Cell.objects.get(
        edition=edition,
        cell_kind="occupation_level",
        region_code="320500",
        occupation_code=ELECTRICIAN,
        skill_level="level2",
    )
    assert electrician.status != CellStatus.PUBLISHED and electrician.reason


def test_public_pages_and_api_never_show_a_suppressed_figure(world, client) -> None:  # type: ignore[no-untyped-def]
    edition = _published(world)
    welder = Cell.objects.get(
        edition=edition,
        cell_kind="occupation_level",
        region_code="320500",
        occupation_code=WELDER,
        skill_level="level3",
    )
    page = client.get(f"/wages/cells/{welder.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    for value in (welder.p10, welder.p25, welder.p50, welder.p75, welder.p90, welder.lo_p50, welder.hi_p50):
        assert str(value) in text
    hidden = Cell.objects.get(
        edition=edition,
        cell_kind="occupation_level",
        region_code="320500",
        occupation_code=ELECTRICIAN,
        skill_level="level2",
    )
    page = client.get(f"/wages/cells/{hidden.pk}/")
    text = page.content.decode()
    assert selectors.reason_text(hidden.reason) in text
    assert str(hidden.p50) not in text
    answer = client.get(f"/api/wages/cells/{hidden.pk}/").json()
    assert answer["status"] == hidden.status and answer["figures"] == {}
    answer = client.get("/api/wages/cells/", {"occupation": WELDER, "level": "level3", "region": "320500"}).json()
    assert [c["figures"]["p50"] for c in answer["results"]] == [welder.p50]
    for fmt in ("xlsx", "pdf"):
        response = client.get(f"/wages/published/{edition.pk}/{fmt}/")
        assert response.status_code == 200 and len(response.content) > 1000


def test_drafts_are_not_public(world, client) -> None:  # type: ignore[no-untyped-def]
    _filled(world)
    edition = services.edition_create(actor=world.officer, survey=world.survey)
    services.edition_estimate(actor=world.officer, edition=edition, replicates=REPLICATES)
    cell = Cell.objects.filter(edition=edition).first()
    assert client.get(f"/wages/cells/{cell.pk}/").status_code == 404
    assert client.get(f"/wages/published/{edition.pk}/").status_code == 404
    assert client.get("/api/wages/cells/").json()["count"] == 0
    assert selectors.level_premium("320500", WELDER) == []
