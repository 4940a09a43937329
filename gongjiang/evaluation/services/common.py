"""Checks shared by the evaluation services."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST_YEAR = 2000  # no evaluation on this platform predates the national certificate system's records
LATEST_YEARS_AHEAD = 10


def plausible_date(day: datetime.date, *, field: str) -> datetime.date:
    """Refuse a date no evaluation record can carry (0001-01-01, 9999-12-31 and the like)."""
    latest = datetime.date.today().year + LATEST_YEARS_AHEAD
    if not EARLIEST_YEAR <= day.year <= latest:
        raise ValidationError(
            {
                field: _("The date %(d)s is not plausible (years %(a)d–%(b)d).")
                % {"d": day.isoformat(), "a": EARLIEST_YEAR, "b": latest}
            }
        )
    return day
