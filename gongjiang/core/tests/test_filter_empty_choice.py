"""A list's select filters offer "All" (全部) as their empty choice, in the page's language, never Django's
"---------": on every filterset of the project and on a list page, in Chinese and in English."""

from __future__ import annotations

import re

import django_filters
import pytest
from django.urls import get_resolver
from django.utils import translation

DASHES = "---------"


def _filtersets() -> list[type[django_filters.FilterSet]]:
    get_resolver().url_patterns  # noqa: B018 - loads every page module, and with them their filtersets
    found, todo = [], list(django_filters.FilterSet.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("gongjiang.") and getattr(cls._meta, "model", None) is not None:
            found.append(cls)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "empty"), [("zh-hans", "全部"), ("en", "All")])
def test_every_filterset_offers_all_not_dashes(reference, language, empty) -> None:  # type: ignore[no-untyped-def]
    filtersets = _filtersets()
    assert len(filtersets) > 20
    selects = 0
    with translation.override(language):
        for cls in filtersets:
            html = str(cls(queryset=cls._meta.model._default_manager.none()).form)
            assert DASHES not in html, cls.__name__
            for select in re.findall(r"<select[^>]*>(.*?)</select>", html, re.S):
                first = re.search(r'<option value=""[^>]*>(.*?)</option>', select)
                if first is not None:
                    assert first.group(1) == empty, cls.__name__
                    selects += 1
    assert selects > 20


@pytest.mark.parametrize(("language", "empty"), [("zh-hans", "全部"), ("en", "All")])
def test_a_list_pages_filter_selects_read_all(client, make_user, reference, language, empty) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("filters_officer", role="officer", region_code="320500"))
    html = client.get("/credentials/certificates/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    form = re.search(r'<form[^>]*id="filter-form".*?</form>', html, re.S)
    assert form is not None
    assert DASHES not in form.group(0)
    selects = re.findall(r'<select[^>]*name="(\w+)"[^>]*>\s*<option value=""[^>]*>(.*?)</option>', form.group(0))
    assert {"level", "status", "source"} <= {name for name, _ in selects}  # a record filter and choice filters
    assert {label for _, label in selects} == {empty}
