"""Helpers shared by the training services: reference lookups with field errors, date and hour checks."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.core.tabular import row_errors
from gongjiang.reference.models import SkillLevel
from gongjiang.reference.selectors import level_by_code, occupation_by_code
from gongjiang.training.models import (
    MIN_PRACTICAL_PERCENT,
)
from gongjiang.training.selectors import min_class_hours

__all__ = ["level_by_code", "occupation_by_code", "row_errors"]

TENDER_YEARS = 3  # ZJG-opinion 二(六): designated institutions are chosen by tender every three years


CERTIFICATE_WINDOW_DAYS = 365  # a certificate counts for a class if issued within a year after it ended


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_year(year: int) -> int:
    this_year = datetime.date.today().year
    if not 2015 <= int(year) <= this_year + 1:
        raise ValidationError({"year": _("Year must be between 2015 and %(y)d.") % {"y": this_year + 1}})
    return int(year)


def check_hours(level: SkillLevel, class_hours: int, practical_hours: int) -> None:
    errors = {}
    minimum = min_class_hours(level)
    if class_hours < minimum:
        errors["class_hours"] = _("%(l)s needs at least %(n)d class hours.") % {"l": level.name, "n": minimum}
    if practical_hours > class_hours:
        errors["practical_hours"] = _("Practical hours cannot exceed the class hours.")
    elif practical_hours * 100 < class_hours * MIN_PRACTICAL_PERCENT:
        errors["practical_hours"] = _("At least %(p)d%% of the hours must be practical.") % {"p": MIN_PRACTICAL_PERCENT}
    if errors:
        raise ValidationError(errors)


def check_dates(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
