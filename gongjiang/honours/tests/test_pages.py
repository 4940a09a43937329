"""The honours pages as the officer and the enterprise use them: a call issued, nominated to, reviewed,
published, decided; an award applied for and decided; the instalments released; the person's page shows
the honour; the public page shows the list masked. Every page answers and refuses what it should."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core import pii
from gongjiang.honours.models import AwardApplication, AwardInstalment, HonourCall, Nomination
from gongjiang.honours.tests.conftest import ACCOUNT, ZJG

pytestmark = pytest.mark.django_db


def test_the_outstanding_talent_workflow_through_the_pages(hw, client, sign_in) -> None:
    sign_in(client, hw.zjg)
    response = client.post(
        "/honours/calls/new/",
        {
            "title": "2025年度张家港市优秀高技能人才",
            "kind": "outstanding",
            "level": "district",
            "region_code": ZJG,
            "year": 2025,
            "quota": 20,
            "min_level": "level3",
            "local_only": "on",
            "closes": (datetime.date.today() + datetime.timedelta(days=10)).isoformat(),
            "term_years": 3,
            "award_rule": "outstanding_talent",
            "public": "on",
            "clause": "ZJG-opinion 五(十四)",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    call = HonourCall.objects.get()
    assert client.post(f"/honours/calls/{call.pk}/open/").status_code == 302
    sign_in(client, hw.ent_user)
    page = client.get(f"/honours/calls/{call.pk}/").content.decode()
    assert 'id="nominate-form"' in page
    worker = hw.workers[0]
    data = {
        "id_number": pii.decrypt(worker.id_number_enc),
        "name": worker.name,
        "statement": "技术革新",
        "bank_name": "中国工商银行",
        "bank_account": ACCOUNT,
    }
    # A wrong name changes nothing and says why.
    refused = client.post(f"/honours/calls/{call.pk}/nominate/", {**data, "name": "张冒名"})
    assert refused.status_code == 200 and "registry" in refused.content.decode()
    assert client.post(f"/honours/calls/{call.pk}/nominate/", data).status_code == 302
    nomination = Nomination.objects.get()
    # The enterprise cannot review.
    assert client.get(f"/honours/nominations/{nomination.pk}/shortlist/").status_code in (403, 404)
    sign_in(client, hw.zjg)
    assert client.post(f"/honours/calls/{call.pk}/close/").status_code == 302
    assert client.post(f"/honours/nominations/{nomination.pk}/shortlist/", {"comment": "符合"}).status_code == 302
    today = datetime.date.today().isoformat()
    assert client.post(f"/honours/calls/{call.pk}/publish/", {"until": today}).status_code == 302
    public = client.get(f"/honours/public/{call.pk}/").content.decode()
    assert pii.mask_name(worker.name) in public and worker.name not in public
    assert client.post(f"/honours/calls/{call.pk}/decide/", {"decided_on": today}).status_code == 302
    award = AwardApplication.objects.get()
    assert award.instalment_set.count() == 3
    detail = client.get(f"/honours/awards/{award.pk}/").content.decode()
    assert "3000元/年" in detail and "9000.00" in detail
    assert client.post("/honours/instalments/release/").status_code == 302
    assert AwardInstalment.objects.filter(status="due").count() == 2
    person = client.get(f"/registry/persons/{worker.pk}/").content.decode()
    assert 'id="person-honours"' in person and "2025年度张家港市优秀高技能人才" in person
    for url in (
        "/honours/calls/",
        "/honours/nominations/",
        "/honours/held/",
        "/honours/entitlements/",
        "/honours/recognitions/",
        "/honours/awards/",
        "/honours/instalments/",
        "/honours/public/",
        f"/honours/instalments/{AwardInstalment.objects.first().pk}/",
    ):
        assert client.get(url).status_code == 200, url


def test_an_enterprise_applies_and_officers_decide_in_stages(hw, client, sign_in) -> None:
    worker = hw.workers[1]
    sign_in(client, hw.ent_user)
    response = client.post(
        "/honours/awards/new/",
        {
            "rule": "first_year_award",
            "id_number": pii.decrypt(worker.id_number_enc),
            "name": worker.name,
            "event_date": "2025-03-01",
            "work_start": "2024-03-01",
            "bank_account": ACCOUNT,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    award = AwardApplication.objects.get()
    assert (award.organisation, award.amount_fen, award.status) == (hw.enterprise, 200000, "submitted")
    assert client.get(f"/honours/awards/{award.pk}/decide/").status_code == 403
    sign_in(client, hw.zjg)
    assert client.post(f"/honours/awards/{award.pk}/decide/", {"decision": "approve"}).status_code == 302
    sign_in(client, hw.suzhou)
    assert client.post(f"/honours/awards/{award.pk}/decide/", {"decision": "approve"}).status_code == 302
    award.refresh_from_db()
    assert award.status == "approved" and award.instalment_set.count() == 1
