"""The monitoring dashboard's card "median annual pay by skill level": the all-industry cells by level
group (高级技能及以上 / 中级 / 初级) of the latest published edition, with their intervals."""

from __future__ import annotations

import re

import pytest

from gongjiang.core.audit import audit_context
from gongjiang.monitoring.services import monitoring_rebuild
from gongjiang.wages import selectors, services
from gongjiang.wages.models import Cell, CellStatus
from gongjiang.wages.tests.conftest import WELDER, World, survey_csv

pytestmark = pytest.mark.django_db
LEVELS = (("高级工", "H", 70_000), ("中级工", "M", 56_000), ("初级工", "J", 45_000))


def _publish(world: World) -> None:
    for i, org in enumerate(world.orgs):
        rows = [
            (f"{tag}{j:03d}", WELDER, level, "中专", 12, 174, base + 700 * i + 450 * j, 6000, 2000, 1000)
            for level, tag, base in LEVELS
            for j in range(8)
        ]
        response = world.response(org)
        services.response_upload(actor=world.officer, response=response, data=survey_csv(rows), filename="s.csv")
        services.response_submit(actor=world.officer, response=response)
    edition = services.edition_create(actor=world.officer, survey=world.survey)
    services.edition_estimate(actor=world.officer, edition=edition, replicates=20)
    services.edition_review(actor=world.officer, edition=edition)
    services.edition_publish(actor=world.second, edition=edition)


def test_the_dashboard_shows_the_median_by_level_group(world, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    with audit_context(source="cli"):
        monitoring_rebuild(actor=None)  # the dashboard shows its cards once the rollup is built
    sign_in(client, world.officer)
    empty = client.get("/monitoring/region/320500/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert empty.status_code == 200 and empty.context["wage_levels"] is None
    assert 'id="wage-levels"' in empty.content.decode()
    _publish(world)
    cells = {
        c.level_group: c
        for c in Cell.objects.filter(cell_kind="industry_level_group", industry_section="", region_code="320500")
    }
    assert set(cells) == {"high", "intermediate", "junior"}
    assert all(c.status == CellStatus.PUBLISHED for c in cells.values())
    district = selectors.median_by_level("320582")  # a district with cells of its own reads them
    assert district is not None and district["region_code"] == "320582"
    card = selectors.median_by_level("320500")
    assert card is not None and card["region_code"] == "320500" and card["year"] == 2025
    assert [r["group"] for r in card["rows"]] == ["high", "intermediate", "junior"]
    assert [r["median"] for r in card["rows"]] == [cells[g].p50 for g in ("high", "intermediate", "junior")]
    assert card["rows"][0]["median"] > card["rows"][1]["median"] > card["rows"][2]["median"]
    page = client.get("/monitoring/region/320500/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    block = html[html.index('id="wage-levels"') :]
    block = block[: block.index("</table>")]
    for label, group in (("高级技能及以上", "high"), ("中级", "intermediate"), ("初级", "junior")):
        c = cells[group]
        row = re.search(rf"<th>{label}</th><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", block)
        assert row is not None, label
        assert row.group(1).replace(",", "").strip() == str(c.p50)
        assert row.group(2).replace(",", "").replace(" ", "").strip() == f"{c.lo_p50}–{c.hi_p50}"
    assert "尚未发布" not in block
