"""Policy pages in a real browser: an officer looks up a set, evaluates a sample and an upload with
their traces, and sees a bad file explained row by row."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(reference, make_user):  # type: ignore[no-untyped-def]
    from gongjiang.core.audit import audit_context
    from gongjiang.policy.services import policy_set_load

    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)
    return make_user("zhangjiagang", region_code="320582")


def test_officer_evaluates_events_and_reads_the_traces(officer, login, live_server, tmp_path):  # type: ignore[no-untyped-def]
    page = login("zhangjiagang")
    page.click("#nav-policy")
    page.wait_for_selector("#set-table")
    page.click("#set-table >> text=张家港市技能人才补贴与奖励")
    page.wait_for_selector("#parameter-table")
    assert "“张家港班”政府配套资助：每人上限" in page.inner_text("#parameter-table")

    page.goto(f"{live_server.url}/policy/evaluate/")
    page.select_option("#id_policy_set", "zhangjiagang")
    page.fill("#id_sample_size", "40")
    page.click("#evaluate-button")
    page.wait_for_selector("#result-table")
    assert page.locator("#result-table tbody tr").count() == 40
    traces = page.locator("#result-table td.trace").all_inner_texts()
    assert all(t.strip() for t in traces)
    assert any("张家港技能人才意见" in t or "省标准 2023" in t for t in traces)

    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,event_type,event_date,region_code,person_id,funding_fen\n"
        "m1,order_class_match,2025-03-01,320582,8,80000\n"
        "m2,order_class_match,2025-09-01,320582,8,30000\n",
        encoding="utf-8",
    )
    page.set_input_files("#id_events", str(events))
    page.click("#evaluate-button")
    page.wait_for_selector("#result-table")
    rows = page.locator("#result-table tbody tr").all_inner_texts()
    assert "800.00" in rows[0] and "200.00" in rows[1]
    assert "个人上限1000元 (张家港技能人才意见 二(八)) = 200元" in rows[1]
    assert page.inner_text("#total-yuan") == "1000.00"

    events.write_text(
        "event_id,event_type,event_date,region_code,person_id,funding_fen\nm1,order_class_match,2025-03-01,320582,8,many\n",
        encoding="utf-8",
    )
    page.set_input_files("#id_events", str(events))
    page.click("#evaluate-button")
    page.wait_for_selector("#input-errors")
    errors = page.inner_text("#input-errors")  # the page is in Chinese: check the column and the value
    assert "funding_fen" in errors and "'many'" in errors
    assert page.locator("#result-table").count() == 0
