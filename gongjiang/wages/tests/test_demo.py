"""The wage-price demo: two published years of 苏州 with 焊工 at 高级工 published and cells suppressed with
their reasons, 常州 in draft, and the 2026 survey in which the ``survey`` account's enterprise still has to
submit; the selectors other apps use read it."""

from __future__ import annotations

import pytest

from gongjiang.core.audit import audit_context
from gongjiang.core.scope import restrict
from gongjiang.synth.wages_demo import survey_enterprise, wages_demo
from gongjiang.wages import selectors
from gongjiang.wages.models import Cell, CellStatus, Edition, EditionStatus, Response, ResponseStatus

pytestmark = pytest.mark.django_db


def test_demo(reference, make_user) -> None:  # type: ignore[no-untyped-def]
    for name, region in (("suzhou", "320500"), ("changzhou", "320400"), ("province", "320000")):
        make_user(name, role="officer", region_code=region)
    account = make_user("survey", role="organisation")
    with audit_context(source="cli"):
        wages_demo(lambda message: None)
    editions = {(e.region_code, e.year): e.status for e in Edition.objects.all()}
    assert editions == {
        ("320500", 2024): EditionStatus.PUBLISHED,
        ("320500", 2025): EditionStatus.PUBLISHED,
        ("320400", 2025): EditionStatus.DRAFT,
    }
    welder = Cell.objects.filter(
        edition__region_code="320500",
        cell_kind="occupation_level",
        region_code="320500",
        occupation_code="6-18-02-04",
        skill_level="level3",
    )
    assert [c.status for c in welder.order_by("edition__year")] == [CellStatus.PUBLISHED, CellStatus.PUBLISHED]
    assert (
        Cell.objects.filter(edition__year=2025, edition__region_code="320500")
        .exclude(status=CellStatus.PUBLISHED)
        .exists()
    )
    account.refresh_from_db()
    response = survey_enterprise()
    assert response is not None and account.organisation_id == response.organisation_id
    own = restrict(Response.objects.all(), account)
    assert [(r.survey.year, r.status) for r in own] == [(2026, ResponseStatus.PENDING)]
    premiums = selectors.level_premium("320500", "6-18-02-04")
    assert premiums and {p["year"] for p in premiums} == {2025}
