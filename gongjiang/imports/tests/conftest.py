from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _imports_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.IMPORTS_DIR = tmp_path / "imports"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English (the msgid language); the pages default to Chinese."""
    from django.utils import translation

    with translation.override("en"):
        yield
