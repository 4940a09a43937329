"""Workflow rules of the policy app: a draft version is adopted by another officer than its drafter."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongjiang.core.scope import register_rule


def _four_eyes(user: Any, draft: Any) -> str | None:
    if isinstance(draft, type) or draft.created_by_id is None:
        return None
    if draft.created_by_id == user.pk:
        return _("A draft is adopted by another officer than the one who drafted it.")
    return None


def register() -> None:
    register_rule("policy.PolicyDraft", "adopt", _four_eyes)
