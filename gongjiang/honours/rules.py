"""The honours workflow's rules, registered with the permission model (``core.scope``).

Enterprises nominate and apply in their own name (the scope's ``organisation_acts``); officers of the
region review, decide and pay. An award application is reviewed in stages like a training application:
a district's application by the district, then the city (``training.rules.default_stages``), each stage
by an officer of that stage's region who has not decided an earlier one.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import register_rule
from gongjiang.training.rules import can_decide_stage, default_stages, stage_region

__all__ = ["default_stages", "register"]


def _decides_this_stage(user: Any, application: Any) -> str | None:
    if application.stage >= len(application.stages):
        return None  # no stage left: the service says so
    level = application.stages[application.stage]
    if not can_decide_stage(user, application.region_code, level):
        return _("This stage is decided by an officer of region %(r)s.") % {
            "r": stage_region(application.region_code, level)
        }
    if application.pk and application.reviews.filter(reviewer=user).exists():
        return _("You have already decided an earlier stage of this application.")
    return None


def _officer_only(message: str) -> Any:
    def rule(user: Any, target: Any) -> str | None:
        return None if user.role != Role.ORGANISATION else message

    return rule


def register() -> None:
    register_rule("honours.AwardApplication", "decide", _decides_this_stage)
    register_rule("honours.AwardApplication", "stop", _officer_only(_("Only the bureau stops an award.")))
    register_rule("honours.Nomination", "shortlist", _officer_only(_("Only the bureau reviews nominations.")))
    register_rule("honours.Nomination", "reject", _officer_only(_("Only the bureau reviews nominations.")))
