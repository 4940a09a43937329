"""The training workflow's rules, registered with the core permission model (``core.scope``).

Which role may take which step on which record is the model's ``SCOPE`` (officers of the region; the
institution itself for the steps its models list in ``organisation_acts``). What is particular to
training is registered here: who decides each review stage, that an institution applies and withdraws
in its own name, and that a payment batch is approved by someone other than its drafter (four eyes).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import register_rule
from gongjiang.reference.regions import city_of, level_of, province_of

# Organisation kinds that may run subsidised classes.
INSTITUTION_KINDS = ("training", "vocational_school", "technician_college")


def stage_region(need_region_code: str, stage_level: str) -> str:
    """The region whose officers decide a review stage of a need located in ``need_region_code``."""
    if stage_level == "county":
        return need_region_code
    if stage_level == "city":
        return city_of(need_region_code) or province_of(need_region_code)
    if stage_level == "province":
        return province_of(need_region_code)
    raise ValueError(stage_level)


def stage_regions(need: Any) -> list[str]:
    """The regions whose officers decide a need's review stages, in order."""
    return [stage_region(need.region_code, stage) for stage in need.stages]


def default_stages(region_code: str) -> list[str]:
    """District needs are reviewed by the district, then the city; city needs by the city; and so on."""
    level = level_of(region_code)
    return {"county": ["county", "city"], "city": ["city"], "province": ["province"]}[level]


def can_decide_stage(user: Any, need_region_code: str, stage_level: str) -> bool:
    """A review decision is an officer's, in their own name and region (not a superuser's)."""
    if user is None or not user.is_authenticated or user.is_superuser or user.role != Role.OFFICER:
        return False
    return bool(user.region_code == stage_region(need_region_code, stage_level))


def _institution_itself(message: str) -> Any:
    def rule(user: Any, target: Any) -> str | None:
        return None if user.role == Role.ORGANISATION else message

    return rule


def _decides_this_stage(user: Any, application: Any) -> str | None:
    need = application.need
    if application.stage >= len(need.stages):
        return None  # no stage left: the service says so
    level = need.stages[application.stage]
    if not can_decide_stage(user, need.region_code, level):
        return _("This stage is decided by an officer of region %(r)s.") % {"r": stage_region(need.region_code, level)}
    if application.decisions.filter(reviewer=user).exists():
        return _("You have already decided an earlier stage of this application.")
    return None


def _officer_decides(user: Any, target: Any) -> str | None:
    if user.is_superuser or user.role == Role.OFFICER:
        return None
    return _("An officer of the region decides.")


def _four_eyes(user: Any, batch: Any) -> str | None:
    if batch.created_by_id == user.pk:
        return _("A batch is approved by someone other than the officer who drafted it.")
    return None


def register() -> None:
    register_rule("training.Application", "add", _institution_itself(_("Only the institution itself may apply.")))
    register_rule(
        "training.Application",
        "withdraw",
        _institution_itself(_("Only the institution itself may withdraw its application.")),
    )
    register_rule("training.Application", "decide", _decides_this_stage)
    register_rule(
        "training.DesignationRequest", "add", _institution_itself(_("Only the institution itself may apply."))
    )
    register_rule(
        "training.DesignationRequest",
        "withdraw",
        _institution_itself(_("Only the institution itself may withdraw its application.")),
    )
    register_rule("training.DesignationRequest", "decide", _officer_decides)
    register_rule("training.TrainingClass", "claim", _institution_itself(_("The class's own institution claims.")))
    register_rule("training.PaymentBatch", "approve", _four_eyes)
