"""The overview's scope line: an organisation's account reads its organisation (and its region), not a
dash for the region the account itself does not have."""

from __future__ import annotations

from django.utils import translation


def test_an_organisation_account_reads_its_organisation_as_its_scope(client, make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region="320582", name="张家港市华东机械有限公司")
    client.force_login(make_user("firm", role="organisation", organisation=org))
    with translation.override("zh-hans"):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "您的权限范围：张家港市华东机械有限公司 · 张家港市</p>" in page
    assert "—" not in page.split('id="scope"', 1)[1].split("</p>", 1)[0]


def test_an_officer_reads_the_region(client, make_user, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("officer_zjg", role="officer", region_code="320582"))
    with translation.override("zh-hans"):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "您的权限范围：张家港市 (320582)</p>" in page
