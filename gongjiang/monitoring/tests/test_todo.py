"""The home page's to-do list: carrier applications awaiting the review of the region's officers."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gongjiang.core.todo import todos
from gongjiang.monitoring import services
from gongjiang.monitoring.todo import monitoring_todos

pytestmark = pytest.mark.django_db

ZJG = "320582"
LABEL = "待审核的培养载体申请"


def todo_on_home(client, label: str) -> tuple[int, str] | None:  # type: ignore[no-untyped-def]
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    found = re.search(rf'href="([^"]+)"><span>{label}</span><span class="badge[^"]*">(\d+)</span>', page)
    return (int(found.group(2)), found.group(1).replace("&amp;", "&")) if found else None


def test_carrier_applications_wait_for_the_officers_of_their_region(client, sign_in, make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region=ZJG, name="张家港精工机械")
    enterprise = make_user("todo_ent", role="organisation", organisation=org)
    zjg = make_user("todo_zjg", role="officer", region_code=ZJG)
    suzhou = make_user("todo_sz", role="officer", region_code="320500")
    changzhou = make_user("todo_cz", role="officer", region_code="320400")
    auditor = make_user("todo_aud", role="auditor", region_code=ZJG)
    for name in ("张家港精工数控技能大师工作室", "张家港精工首席技师工作室"):
        services.carrier_apply(actor=enterprise, organisation=org, kind="master_studio", name=name)
    with translation.override("zh-hans"):
        sign_in(client, zjg)
        found = todo_on_home(client, LABEL)
        assert found is not None
        count, url = found
        assert (count, url) == (2, "/monitoring/carriers/?status=applied")
        listing = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "张家港精工数控技能大师工作室" in listing and "张家港精工首席技师工作室" in listing
        sign_in(client, suzhou)
        assert todo_on_home(client, LABEL) == (2, "/monitoring/carriers/?status=applied")
        for outside in (changzhou, auditor, enterprise):
            sign_in(client, outside)
            assert todo_on_home(client, LABEL) is None


def test_the_count_is_one_query(make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region=ZJG)
    enterprise = make_user("todo_ent", role="organisation", organisation=org)
    for i in range(3):
        services.carrier_apply(actor=enterprise, organisation=org, kind="master_studio", name=f"工作室{i}")
    officer = make_user("todo_zjg", role="officer", region_code=ZJG)
    with CaptureQueriesContext(connection) as queries:
        items = monitoring_todos(officer)
    assert [i.count for i in items] == [3] and len(queries.captured_queries) == 1
    assert any(i.count == 3 for i in todos(officer))
