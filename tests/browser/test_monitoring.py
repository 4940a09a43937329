"""Monitoring in a real browser, on demo data: the overview and the human-resources map render for the
province, Suzhou and Changzhou with the documents' targets and their statuses; a click on the map drills
down; the Zhangjiagang officer sees only Zhangjiagang."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUSES = {"on_track", "at_risk", "off_track", "achieved", "missed", "no_data", "monitored"}
JUDGEMENTS = STATUSES | {"on_track_forecast_miss"}
# Points inside each city, to click on the province map.
INSIDE = {"320500": (120.62, 31.32), "320400": (119.95, 31.78)}


@pytest.fixture
def demo(reference, make_user):
    from gongjiang.core.audit import audit_context
    from gongjiang.synth.generator import synthesize
    from gongjiang.synth.monitoring_demo import monitoring_demo

    with audit_context(source="cli"):
        synthesize(region="320500", scale=0.002, seed=1)
        synthesize(region="320400", scale=0.002, seed=1)
        monitoring_demo(cities=["320500", "320400"], seed=1)
    for name, code in (
        ("province", "320000"),
        ("suzhou", "320500"),
        ("changzhou", "320400"),
        ("zhangjiagang", "320582"),
    ):
        make_user(name, region_code=code)


def _kpis(page) -> dict[str, str]:
    cards = page.locator("#kpi-cards .kpi-card, #kpi-expired .kpi-card")
    return {
        cards.nth(i).get_attribute("data-target"): cards.nth(i).get_attribute("data-status")
        for i in range(cards.count())
    }


def _charts_drawn(page, selector: str) -> int:
    return page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).filter(
            el => echarts.getInstanceByDom(el) && el.querySelector('canvas')).length""",
        selector,
    )


def _open_overview(page, live_server, code: str) -> dict[str, str]:
    page.goto(f"{live_server.url}/monitoring/region/{code}/")
    page.wait_for_selector("#kpi-cards")
    page.wait_for_function("() => document.querySelectorAll('#trend-charts canvas').length > 0")
    kpis = _kpis(page)
    assert kpis and set(kpis.values()) <= STATUSES
    cards = page.locator("#kpi-cards .kpi-card, #kpi-expired .kpi-card")
    for i in range(cards.count()):
        card = cards.nth(i)
        assert card.get_attribute("data-judgement") in JUDGEMENTS
        # every card states the year of its value and its target's horizon
        year, horizon = card.get_attribute("data-year"), card.get_attribute("data-horizon")
        assert horizon and horizon in card.inner_text()
        if card.get_attribute("data-status") != "no_data" or year:
            assert year and year in card.locator(".kpi-year").inner_text()
    # expired targets are apart, after the current ones, and judged
    for status in page.locator("#kpi-expired .kpi-card").evaluate_all("cs => cs.map(c => c.dataset.status)"):
        assert status in {"achieved", "missed", "no_data"}
    assert (
        page.locator("#kpi-cards .kpi-card[data-status=achieved], #kpi-cards .kpi-card[data-status=missed]").count()
        == 0
    )
    # one judgement per target: a target with a forecast-to-miss warning here is not shown as on track
    missing = page.locator("#warnings .warning-row[data-kind=forecast_miss]").evaluate_all(
        "rows => rows.map(r => [r.dataset.region, r.dataset.target])"
    )
    for region, target in missing:
        if region == code and target:
            card = page.locator(f'#kpi-cards .kpi-card[data-target="{target}"]')
            if card.count():
                assert card.first.get_attribute("data-judgement") != "on_track", target
    assert _charts_drawn(page, "#trend-charts .chart") == page.locator("#trend-charts .chart").count() > 0
    for chart in ("#breakdown-industry", "#breakdown-occupation", "#breakdown-level"):
        assert _charts_drawn(page, chart) == 1
    return kpis


def _open_map(page, live_server, code: str) -> int:
    page.goto(f"{live_server.url}/monitoring/map/{code}/?indicator=high_share_skilled")
    page.wait_for_selector("#hr-map[data-features]")
    assert _charts_drawn(page, "#hr-map") == 1
    return int(page.get_attribute("#hr-map", "data-features"))


def test_province_overview_and_map_drill_down(demo, login, live_server):
    page = login("province")
    kpis = _open_overview(page, live_server, "320000")
    # Jiangsu's targets (苏政办发〔2024〕37号): 2025 has passed in the demo data, so they are judged.
    assert kpis["JS-2024-37/skilled-share-employed"] in {"achieved", "missed"}
    assert kpis["JS-2024-37/high-share-skilled"] in {"achieved", "missed"}
    assert kpis["JS-2024-37/high-per-10k"] == "monitored"
    assert "苏政办发〔2024〕37号" in page.inner_text("#kpi-cards")
    # Rankings of the cities, and warnings routed up from Changzhou and its districts.
    assert _charts_drawn(page, "#ranking-chart") == 1
    regions = set(page.locator("#warnings .warning-row").evaluate_all("rows => rows.map(r => r.dataset.region)"))
    assert "320400" in regions and any(r.startswith("3204") and r != "320400" for r in regions)

    assert _open_map(page, live_server, "320000") == 13
    assert page.locator("#map-approval").count() == 1  # demonstration boundaries, not for publication
    # Click inside Suzhou: the map drills down to Suzhou's nine districts.
    x, y = page.evaluate(
        """([lng, lat]) => {
            const el = document.getElementById('hr-map');
            const [px, py] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [lng, lat]);
            const box = el.getBoundingClientRect();
            return [box.left + px, box.top + py];
        }""",
        list(INSIDE["320500"]),
    )
    page.mouse.click(x, y)
    page.wait_for_url("**/monitoring/map/320500/**")
    page.wait_for_selector("#hr-map[data-features]")
    assert int(page.get_attribute("#hr-map", "data-features")) == 9


def test_suzhou_and_changzhou_overviews_and_maps(demo, login, live_server, browser):
    page = login("suzhou")
    kpis = _open_overview(page, live_server, "320500")
    for key in (
        "SZ-digital-10/new-digital-skilled",
        "SZ-digital-10/digital-mid-share",
        "SZ-digital-10/digital-training-bases",
        "SZ-digital-10/digital-master-studios",
        "SZ-digital-10/school-digital-high-share",
    ):
        assert kpis[key] in {"achieved", "missed"}, key
    # Digital-skills training is counted from the platform's real-name rosters (it was not collected before).
    assert kpis["SZ-digital-10/digital-training"] in {"achieved", "missed"}
    # Suzhou inherits Jiangsu's ratio targets.
    assert kpis["JS-2024-37/high-share-skilled"] in {"achieved", "missed"}
    assert _open_map(page, live_server, "320500") == 9
    # A city officer cannot open the province.
    response = page.goto(f"{live_server.url}/monitoring/region/320000/")
    assert response is not None and response.status == 404

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    cz = context.new_page()
    cz.goto(f"{live_server.url}/accounts/login/")
    cz.fill("#id_username", "changzhou")
    cz.fill("#id_password", "correct-horse-battery")
    cz.click("button[type=submit]")
    cz.wait_for_selector("#whoami")
    kpis = _open_overview(cz, live_server, "320400")
    # 常政办发〔2025〕14号: 2025–2027, judged against the trajectory.
    open_statuses = {"on_track", "at_risk", "off_track"}
    for key in (
        "CZ-2025-14/new-high-skilled",
        "CZ-2025-14/new-skilled",
        "CZ-2025-14/skilled-share-employed",
        "CZ-2025-14/high-share-skilled",
        "CZ-2025-14/evaluation-institutions",
    ):
        assert kpis[key] in open_statuses, key
    # Subsidised training is counted from the real-name rosters (it was not collected before).
    assert kpis["CZ-2025-14/subsidised-training"] in open_statuses
    assert cz.locator("#trend-new_high_skilled[data-mode=cumulative]").count() == 1
    assert _open_map(cz, live_server, "320400") == 6
    context.close()


def test_zhangjiagang_sees_only_its_district(demo, login, live_server):
    page = login("zhangjiagang")
    page.goto(f"{live_server.url}/monitoring/")
    page.wait_for_url("**/monitoring/region/320582/")
    kpis = _open_overview(page, live_server, "320582")
    assert {k for k in kpis if k.startswith("ZJG-opinion/")} >= {
        "ZJG-opinion/new-skilled",
        "ZJG-opinion/new-high-skilled",
        "ZJG-opinion/high-share-skilled",
        "ZJG-opinion/high-per-10k",
        "ZJG-opinion/public-training-bases",
        "ZJG-opinion/master-studios",
        "ZJG-opinion/self-evaluating-enterprises",
    }
    assert page.locator("#ranking-chart").count() == 0  # no subregions to rank
    crumbs = page.locator("#monitoring-breadcrumbs li").all_inner_texts()
    assert crumbs == ["张家港市"]
    # The 2016–2020 opinion has expired: its targets are apart under 已到期, after the current ones, each
    # with the year of its value (2020) and its final judgement.
    expired = page.locator("#kpi-expired .kpi-card")
    assert {expired.nth(i).get_attribute("data-target") for i in range(expired.count())} >= {
        k for k in kpis if k.startswith("ZJG-opinion/")
    }
    assert all(
        expired.nth(i).get_attribute("data-year") == "2020"
        for i in range(expired.count())
        if expired.nth(i).get_attribute("data-target", timeout=1000).startswith("ZJG-opinion/")
    )
    current = page.locator("#kpi-cards .kpi-card")
    assert all(
        not (current.nth(i).get_attribute("data-target") or "").startswith("ZJG-opinion/")
        for i in range(current.count())
    )
    regions = set(page.locator("#warnings .warning-row").evaluate_all("rows => rows.map(r => r.dataset.region)"))
    assert regions <= {"320582"}
    assert _open_map(page, live_server, "320582") == 1
    for url in ("/monitoring/region/320500/", "/monitoring/map/320500/", "/monitoring/region/320505/"):
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 404, url
    response = page.goto(f"{live_server.url}/api/monitoring/dashboard/?region=320500")
    assert response is not None and response.status == 404
    response = page.goto(f"{live_server.url}/api/monitoring/dashboard/?region=320582")
    assert response is not None and response.status == 200
    page.goto(f"{live_server.url}/monitoring/targets/")
    keys = set(page.locator("#targets-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.target)"))
    assert keys and all(k.startswith("ZJG-opinion/") for k in keys)
