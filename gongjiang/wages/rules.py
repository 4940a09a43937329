"""The workflow rules of the wage-price editions, registered with the permission model.

* An edition is published by a second officer: not the one who ran its estimation, nor the one who sent it
  to review (four eyes).
* An enterprise submits and changes only its own response, and only while its survey collects responses.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongjiang.core.scope import register_rule


def four_eyes(user: Any, edition: Any) -> str | None:
    if isinstance(edition, type) or user is None:
        return None
    if user.pk is not None and user.pk in (edition.estimated_by_id, edition.sent_by_id):
        return _("A second officer publishes the edition: not the one who estimated it or sent it to review.")
    return None


def survey_open(user: Any, target: Any) -> str | None:
    if isinstance(target, type):
        return None
    response = getattr(target, "response", target)
    survey = getattr(response, "survey", None)
    if survey is not None and survey.status != "open":
        return _("The survey is closed; no response can be changed.")
    return None


def register() -> None:
    register_rule("wages.Edition", "publish", four_eyes)
    register_rule("wages.Response", "send", survey_open)
    register_rule("wages.Response", "change", survey_open)
    for action in ("add", "change", "delete"):
        register_rule("wages.EmployeeRecord", action, survey_open)
