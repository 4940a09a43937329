"""A competition starts and ends (开始日期, 结束日期) on its form and in its list: the dates are not a hire
and a leave (入职日期, 离职日期), which only an employment has."""

from __future__ import annotations

import re

from django.utils import translation

from gongjiang.competitions.tests.conftest import World

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _label(html: str, field: str) -> str:
    found = re.search(rf'<label[^>]*for="id_{field}"[^>]*>([^<]*)</label>', html)
    assert found is not None, field
    return found.group(1)


def test_a_competition_starts_and_ends(world: World, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.officer)
    with translation.override("zh-hans"):
        form = client.get("/competitions/competitions/new/", **ZH).content.decode()
        listing = client.get("/competitions/competitions/", **ZH).content.decode()
    assert (_label(form, "start"), _label(form, "end")) == ("开始日期", "结束日期")
    assert "开始日期" in listing
    for page in (form, listing):
        assert "入职日期" not in page and "离职日期" not in page
