"""The home page's to-do list: an enterprise drawn into an open salary survey submits its response."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gongjiang.core.audit import audit_context
from gongjiang.wages import services
from gongjiang.wages.todo import wages_todos

pytestmark = pytest.mark.django_db

LABEL = "薪酬调查待提交"


def todo_on_home(client, label: str) -> tuple[int, str] | None:  # type: ignore[no-untyped-def]
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    found = re.search(rf'href="([^"]+)"><span>{label}</span><span class="badge[^"]*">(\d+)</span>', page)
    return (int(found.group(2)), found.group(1).replace("&amp;", "&")) if found else None


def test_an_enterprise_with_a_response_to_submit_sees_it_on_its_home_page(
    client, sign_in, world, make_user, make_org
) -> None:  # type: ignore[no-untyped-def]
    outsider = make_user("not_drawn", role="organisation", organisation=make_org(region="320412", name="常州未抽中"))
    with translation.override("zh-hans"):
        sign_in(client, world.enterprise_user)
        found = todo_on_home(client, LABEL)
        assert found is not None
        count, url = found
        assert (count, url) == (1, "/wages/manage/responses/?status=pending")
        listing = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert world.orgs[0].name in listing and world.orgs[1].name not in listing
        for other in (outsider, world.officer, world.other_city):
            sign_in(client, other)
            assert todo_on_home(client, LABEL) is None
        # A closed survey takes no responses: nothing left to submit.
        with audit_context(source="web", actor=world.officer):
            services.survey_close(actor=world.officer, survey=world.survey)
        sign_in(client, world.enterprise_user)
        assert todo_on_home(client, LABEL) is None


def test_the_count_is_one_query(world) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        items = wages_todos(world.enterprise_user)
    assert [i.count for i in items] == [1] and len(queries.captured_queries) == 1
