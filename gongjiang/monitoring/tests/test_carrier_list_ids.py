"""The carrier list of an organisation user holds the filter form and the application form, both with a
"kind" field: each element id is used once, and each label names the select of its own form."""

from __future__ import annotations

import re
from collections import Counter

import pytest

ZJG = "320582"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _form(html: str, form_id: str) -> str:
    found = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert found is not None, form_id
    return found.group(0)


def test_the_filter_and_the_application_each_have_their_own_kind_select(client, make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region=ZJG, name="张家港精工机械")
    client.force_login(make_user("ids_ent", role="organisation", organisation=org))
    html = client.get("/monitoring/carriers/", **ZH).content.decode()
    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    apply = _form(html, "apply-form")
    label = re.search(r'<label[^>]*for="([^"]+)"[^>]*>类型</label>', apply)
    assert label is not None
    assert re.search(rf'<select[^>]*name="kind"[^>]*id="{label.group(1)}"', apply) or re.search(
        rf'<select[^>]*id="{label.group(1)}"[^>]*name="kind"', apply
    )
    outside = html.replace(apply, "")
    assert f'id="{label.group(1)}"' not in outside
    assert 'id="id_kind"' in outside  # the filter's select keeps its id, named by the filter's label
    assert re.search(r'<label[^>]*for="id_kind"', outside)
