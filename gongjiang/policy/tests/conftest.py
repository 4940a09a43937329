from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.utils import translation

from gongjiang.core.audit import audit_context
from gongjiang.policy.services import policy_set_load
from gongjiang.policy.spec import SETS_DIR


@pytest.fixture
def sets_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped policy files."""
    target = tmp_path / "sets"
    shutil.copytree(SETS_DIR, target)
    return target


@pytest.fixture
def load_sets(db, reference):  # type: ignore[no-untyped-def]
    """Load (and adopt) shipped sets by name inside the test's transaction."""

    def load(*names: str, directory: Path = SETS_DIR, adopt: bool = True):  # type: ignore[no-untyped-def]
        with audit_context(source="cli"):
            return [policy_set_load(actor=None, name=n, directory=directory, adopt=adopt) for n in names]

    return load


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """The assertions read the English messages; pages are asked for in English too."""
    with translation.override("en"):
        yield
