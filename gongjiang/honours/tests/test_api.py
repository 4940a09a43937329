"""The honours API: read only, in the caller's scope; an officer of another region sees nothing, an
enterprise only its own nominations and applications; personal data masked, bank accounts never given."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.audit import audit_context
from gongjiang.honours import services
from gongjiang.honours.tests.conftest import ACCOUNT

pytestmark = pytest.mark.django_db

URLS = ("calls", "nominations", "honours", "awards", "instalments")


def _api(user):  # type: ignore[no-untyped-def]
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def _rows(api, name):  # type: ignore[no-untyped-def]
    response = api.get(f"/api/honours/{name}/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_scope_masking_and_enterprises(hw, make_org, make_user) -> None:
    call = hw.call()
    nominations = [hw.nominate(call, w) for w in hw.workers[:2]]
    hw.to_publicity(call, nominations)
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_decide(actor=hw.zjg, call=call)

    officer = _api(hw.zjg)
    counts = {name: len(_rows(officer, name)) for name in URLS}
    assert counts == {"calls": 1, "nominations": 2, "honours": 2, "awards": 2, "instalments": 6}
    nomination = _rows(officer, "nominations")[0]
    assert nomination["person_name_masked"] != hw.workers[0].name and "*" in nomination["person_name_masked"]
    body = (
        officer.get("/api/honours/nominations/").content.decode() + officer.get("/api/honours/awards/").content.decode()
    )
    assert hw.workers[0].id_number not in body and hw.workers[0].name not in body and ACCOUNT not in body
    honour = _rows(officer, "honours")[0]
    assert honour["entitlements"] and honour["entitlements"][0]["service"] == "health_check"

    # An officer of another region (苏州's 常州 neighbour here: 常州 武进) sees nothing.
    stranger = _api(make_user("h_wujin", role="officer", region_code="320412"))
    assert {name: len(_rows(stranger, name)) for name in URLS} == dict.fromkeys(URLS, 0)
    assert stranger.get(f"/api/honours/awards/{_rows(officer, 'awards')[0]['id']}/").status_code == 404

    # The nominating enterprise sees its own nominations and awards; another enterprise none of them.
    own = _api(hw.ent_user)
    assert len(_rows(own, "nominations")) == 2 and len(_rows(own, "awards")) == 2
    other_org = make_org(region="320582", name="张家港另一家企业")
    other = _api(make_user("h_other_ent", role="organisation", organisation=other_org))
    assert _rows(other, "nominations") == [] and _rows(other, "awards") == [] and _rows(other, "instalments") == []


def test_read_only(hw) -> None:
    api = _api(hw.zjg)
    assert api.post("/api/honours/calls/", {"title": "x"}, format="json").status_code == 405
