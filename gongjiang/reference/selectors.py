from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.reference import regions
from gongjiang.reference.models import Industry, Occupation, Region, SkillLevel

# An industry code as people write it (GB/T 4754-2017): a section letter, a division (2 digits), a group
# (3) or a class (4), the digits with or without their section letter: C, 34, C34, C341, C3411.
INDUSTRY_CODE = re.compile(r"(?P<section>[A-T])?(?P<digits>[0-9]{2,4})?")


def industry_for(code: str) -> Industry | None:
    """The registered industry a code names: a section, or the division of a division, group or class code
    (C3411 is in division 34); None for a code of no registered section or division, or one whose letter
    is not its division's section."""
    match = INDUSTRY_CODE.fullmatch((code or "").strip().upper())
    if not match or not any(match.groups()):
        return None
    section, digits = match.group("section"), match.group("digits")
    if digits is None:
        return Industry.objects.filter(code=section).first()
    division = Industry.objects.filter(code=digits[:2]).first()
    if division is None or (section and division.section != section):
        return None
    return division


def region_name(code: str, as_of: datetime.date | int | None = None) -> str:
    version = regions.resolve(code, as_of) or regions.resolve(code)
    if version is None:
        versions = regions.versions_by_code().get(code, ())
        return versions[-1].name if versions else code
    return version.name


def industry_label(code: str) -> str | None:
    """An industry as pages show it: its code with its GB/T 4754 name ("C 制造业"), None where there is none."""
    if not code:
        return None
    industry = industry_for(code)
    return f"{code} {industry.name}" if industry is not None else code


def region_label(code: str) -> str:
    """A region as pages show it: its name with its code, or a dash where there is none."""
    return f"{region_name(code)} ({code})" if code else "—"


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
