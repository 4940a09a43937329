"""Every page names its icon, served from the platform's own static files: without it the browser asks
for /favicon.ico, gets a 404 and reports it on the console of every page."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_pages_link_an_icon_that_exists(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/wages/").content.decode()
    match = re.search(r'<link rel="icon" href="/static/([^"]+)"', html)
    assert match, "no icon linked"
    assert finders.find(match.group(1)) is not None
