"""The home page's to-do list for the bureau: nominations to review, award applications awaiting this
officer's stage, and award instalments due for payment, each counted in the officer's scope."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gongjiang.core.audit import audit_context
from gongjiang.honours import services
from gongjiang.honours.models import AwardInstalment, InstalmentStatus
from gongjiang.honours.tests.conftest import ZJG
from gongjiang.honours.todo import honours_todos

pytestmark = pytest.mark.django_db

NOMINATIONS = "待评审的推荐"
AWARDS = "待您审核的奖励申请"
INSTALMENTS = "待纳入拨付批次的奖励分期"
FALLEN_DUE = "已到期尚未发放的奖励分期"


def todo_on_home(client, label: str) -> tuple[int, str] | None:  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    found = re.search(rf'href="([^"]+)"><span>{label}</span><span class="badge[^"]*">(\d+)</span>', page)
    return (int(found.group(2)), found.group(1).replace("&amp;", "&")) if found else None


def listing(client, url: str) -> str:  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_nominations_of_a_closed_call_wait_for_review(client, sign_in, hw, make_user) -> None:  # type: ignore[no-untyped-def]
    changzhou = make_user("h_cz", role="officer", region_code="320400")
    call = hw.call()
    nominations = [hw.nominate(call, w) for w in hw.workers[:2]]
    sign_in(client, hw.zjg)
    assert todo_on_home(client, NOMINATIONS) is None  # still open for nominations: nothing to review yet
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_close(actor=hw.zjg, call=call)
    for officer in (hw.zjg, hw.suzhou):
        sign_in(client, officer)
        assert todo_on_home(client, NOMINATIONS) == (2, "/honours/nominations/?status=submitted")
    page = listing(client, "/honours/nominations/?status=submitted")
    assert all(f"/honours/nominations/{n.pk}/" in page for n in nominations)
    for outside in (changzhou, hw.ent_user):
        sign_in(client, outside)
        assert todo_on_home(client, NOMINATIONS) is None
    with audit_context(source="web", actor=hw.zjg):
        services.nomination_shortlist(actor=hw.zjg, nomination=nominations[0])
    sign_in(client, hw.zjg)
    assert todo_on_home(client, NOMINATIONS) == (1, "/honours/nominations/?status=submitted")


def test_an_award_application_waits_for_the_officer_of_its_current_stage(client, sign_in, hw, make_user) -> None:  # type: ignore[no-untyped-def]
    changzhou = make_user("h_cz", role="officer", region_code="320400")
    with audit_context(source="web", actor=hw.ent_user):
        application = services.award_apply(
            actor=hw.ent_user,
            rule="talent_introduction",
            person=hw.workers[0],
            organisation=hw.enterprise,
            event_date=datetime.date(2025, 5, 1),
            talent_title="provincial_expert",
            bank_account="6222021001234567890",
        )
    # The district's stage first: both officers of 张家港, not the city's.
    for officer in (hw.zjg, hw.zjg_2):
        sign_in(client, officer)
        assert todo_on_home(client, AWARDS) == (1, "/honours/awards/?status=submitted")
    assert f"/honours/awards/{application.pk}/" in listing(client, "/honours/awards/?status=submitted")
    for other in (hw.suzhou, changzhou, hw.ent_user):
        sign_in(client, other)
        assert todo_on_home(client, AWARDS) is None
    with audit_context(source="web", actor=hw.zjg):
        services.award_decide(actor=hw.zjg, application=application, decision="approve")
    # Then the city's: no longer the district's officers', one of whom decided already.
    for officer in (hw.zjg, hw.zjg_2):
        sign_in(client, officer)
        assert todo_on_home(client, AWARDS) is None
    sign_in(client, hw.suzhou)
    assert todo_on_home(client, AWARDS) == (1, "/honours/awards/?status=submitted")
    assert f"/honours/awards/{application.pk}/" in listing(client, "/honours/awards/?status=submitted")


def test_instalments_fallen_due_and_released_wait_in_the_region(client, sign_in, hw, make_user) -> None:  # type: ignore[no-untyped-def]
    changzhou = make_user("h_cz", role="officer", region_code="320400")
    call = hw.call()
    nominations = [hw.nominate(call, w) for w in hw.workers[:2]]
    hw.to_publicity(call, nominations)
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_decide(actor=hw.zjg, call=call)
    today = datetime.date.today()
    fallen = list(AwardInstalment.objects.filter(due_on__lte=today).order_by("pk"))
    future = list(AwardInstalment.objects.filter(due_on__gt=today))
    assert len(fallen) >= 2  # two awards, each with its first year due on 2025-01-01
    fallen_url = "/honours/instalments/?status=scheduled&fallen_due=true"
    sign_in(client, hw.zjg)
    assert todo_on_home(client, INSTALMENTS) is None  # none released yet
    assert todo_on_home(client, FALLEN_DUE) == (len(fallen), fallen_url)
    page = listing(client, fallen_url)
    assert all(f"/honours/instalments/{i.pk}/" in page for i in fallen)
    assert not any(f"/honours/instalments/{i.pk}/" in page for i in future)
    with audit_context(source="web", actor=hw.zjg):
        assert services.instalments_release(actor=hw.zjg, region_code=ZJG, as_of=datetime.date(2025, 6, 30)) == (2, 0)
    released = list(AwardInstalment.objects.filter(status=InstalmentStatus.DUE))
    for officer in (hw.zjg, hw.suzhou):
        sign_in(client, officer)
        assert todo_on_home(client, INSTALMENTS) == (2, "/honours/instalments/?status=due")
        found = todo_on_home(client, FALLEN_DUE)
        assert (found[0] if found else 0) == len(fallen) - 2
    page = listing(client, "/honours/instalments/?status=due")
    assert all(f"/honours/instalments/{i.pk}/" in page for i in released)
    for outside in (changzhou, hw.ent_user):
        sign_in(client, outside)
        assert todo_on_home(client, INSTALMENTS) is None and todo_on_home(client, FALLEN_DUE) is None


def test_each_count_is_one_query(hw) -> None:  # type: ignore[no-untyped-def]
    call = hw.call()
    for w in hw.workers[:3]:
        hw.nominate(call, w)
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_close(actor=hw.zjg, call=call)
    with CaptureQueriesContext(connection) as queries:
        items = honours_todos(hw.zjg)
    assert [i.count for i in items] == [3, 0, 0, 0] and len(queries.captured_queries) == len(items)
