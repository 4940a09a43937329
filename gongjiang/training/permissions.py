"""Who may take which step of the training workflow. Visibility is ``core.scope.restrict``; these checks
decide the writes, which for training include organisation users (institutions apply and upload rosters)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import region_allowed
from gongjiang.reference.regions import city_of, level_of, province_of

# Organisation kinds that may run subsidised classes.
INSTITUTION_KINDS = ("training", "vocational_school", "technician_college")


def is_officer(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.role == Role.OFFICER and user.region_code))
    )


def is_institution_user(user: Any, organisation: Any = None) -> bool:
    """An organisation user (of ``organisation``, when given)."""
    if user is None or not user.is_authenticated or not user.is_active or user.role != Role.ORGANISATION:
        return False
    if user.organisation_id is None:
        return False
    return organisation is None or user.organisation_id == organisation.pk


def require_officer(user: Any, region_code: str) -> None:
    """An officer (or superuser) whose region covers ``region_code``."""
    if not is_officer(user) or not region_allowed(user, region_code):
        raise PermissionDenied(_("Only an officer of the region may do this."))


def require_institution_or_officer(user: Any, organisation: Any, region_code: str) -> None:
    if is_institution_user(user, organisation):
        return
    require_officer(user, region_code)


def stage_region(need_region_code: str, stage_level: str) -> str:
    """The region whose officers decide a review stage of a need located in ``need_region_code``."""
    if stage_level == "county":
        return need_region_code
    if stage_level == "city":
        return city_of(need_region_code) or province_of(need_region_code)
    if stage_level == "province":
        return province_of(need_region_code)
    raise ValueError(stage_level)


def default_stages(region_code: str) -> list[str]:
    """District needs are reviewed by the district, then the city; city needs by the city; and so on."""
    level = level_of(region_code)
    return {"county": ["county", "city"], "city": ["city"], "province": ["province"]}[level]


def can_decide_stage(user: Any, need_region_code: str, stage_level: str) -> bool:
    if not is_officer(user) or user.is_superuser:
        return False  # a review decision is an officer's, in their own name and region
    return bool(user.region_code == stage_region(need_region_code, stage_level))
