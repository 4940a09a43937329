from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.reference import regions
from gongjiang.reference.models import Occupation, Region, SkillLevel


def region_name(code: str, as_of: datetime.date | int | None = None) -> str:
    version = regions.resolve(code, as_of) or regions.resolve(code)
    if version is None:
        versions = regions.versions_by_code().get(code, ())
        return versions[-1].name if versions else code
    return version.name


def validate_region_code(code: str, *, as_of: datetime.date | None = None, field: str = "region") -> str:
    """A six-digit GB/T 2260 code valid at ``as_of`` (today if omitted)."""
    code = (code or "").strip()
    if not regions.is_code_shape(code):
        raise ValidationError({field: _("Region code must be six digits (GB/T 2260); got %(v)r.") % {"v": code}})
    when = as_of or datetime.date.today()
    if regions.resolve(code, when) is None:
        if code in regions.versions_by_code():
            raise ValidationError(
                {field: _("Region code %(code)s was not in use in %(year)d.") % {"code": code, "year": when.year}}
            )
        raise ValidationError({field: _("Region code %(code)s is not in GB/T 2260.") % {"code": code}})
    return code


def region_children(code: str, as_of: datetime.date | int | None = None) -> list[Region]:
    qs = Region.objects.filter(parent_code=code)
    qs = qs.as_of(as_of) if as_of is not None else qs.current()
    return list(qs.order_by("code"))


def occupation_by_code(code: str, field: str = "occupation") -> Occupation:
    occupation = Occupation.objects.filter(code=(code or "").strip(), kind="occupation").first()
    if occupation is None:
        raise ValidationError({field: _("Unknown occupation code %(c)s.") % {"c": code}})
    return occupation


def level_by_code(code: str, field: str = "level") -> SkillLevel:
    level = SkillLevel.objects.filter(code=(code or "").strip()).first()
    if level is None or level.national_level is None:
        raise ValidationError({field: _("Unknown or unsubsidised skill level %(c)s.") % {"c": code}})
    return level
