"""What every page carries: an icon of the platform's own (without it the browser asks for /favicon.ico,
gets a 404 and reports it on the console of every page), and lists joined as the page's language joins
them."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_pages_link_an_icon_that_exists(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/wages/").content.decode()
    match = re.search(r'<link rel="icon" href="/static/([^"]+)"', html)
    assert match, "no icon linked"
    assert finders.find(match.group(1)) is not None


def test_a_list_in_a_sentence_is_joined_in_the_page_language() -> None:
    template = Template("{% load gongjiang %}{{ items|join_list }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"items": ["名称", "地区"]})) == "名称、地区"
    with translation.override("en"):
        assert template.render(Context({"items": ["name", "region"]})) == "name, region"
