"""One set of plausibility rules for the dates and names every write path takes: the services (which the
pages, the API and the console commands call) check single values with :func:`check_date` and
:func:`check_name`; the bulk import checks whole columns with the same bounds and patterns
(:data:`EARLIEST`, :func:`latest`, :data:`NAME_FORMULA_START`, :data:`NAME_FORBIDDEN`).

Dates: nothing before 1900-01-01 (no record of the registry is older; 0001-01-01 is a typing slip or a
default), nothing after today for what has happened (an issue, a start, a birth), and nothing more than
ten years ahead for what is planned (the end of a contract or of a class).

Names (of persons, organisations): not empty; not beginning like a spreadsheet formula (=, +, -, @, in
ASCII or full width), since names go out in exports; no control characters, and no invisible formatting
characters (bidirectional overrides and isolates, zero-width characters), which make a name show as
something other than it is.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST = datetime.date(1900, 1, 1)
PLANNED_YEARS = 10

# The first character of a spreadsheet formula, ASCII and full width (a regular expression class).
NAME_FORMULA_START = r"^[=+\-@＝＋－＠]"
# Control characters (C0, DEL, C1) and invisible formatting: Arabic letter mark, zero-width space and
# joiners, left-to-right and right-to-left marks, bidirectional embeddings, overrides and isolates, word
# joiner and invisible operators, byte-order mark.
NAME_FORBIDDEN = "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"

_FORMULA = re.compile(NAME_FORMULA_START)
_FORBIDDEN = re.compile(NAME_FORBIDDEN)


def latest(*, planned: bool = False, today: datetime.date | None = None) -> datetime.date:
    """The latest plausible date: today for what has happened, ten years ahead for what is planned."""
    today = today or datetime.date.today()
    if not planned:
        return today
    try:
        return today.replace(year=today.year + PLANNED_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + PLANNED_YEARS, day=28)


def date_error(value: datetime.date, *, planned: bool = False, today: datetime.date | None = None) -> str | None:
    """Why ``value`` is not a plausible date, or None."""
    if value < EARLIEST:
        return _("The date %(d)s is before 1900; check the year.") % {"d": value.isoformat()}
    last = latest(planned=planned, today=today)
    if value > last:
        if planned:
            return _("The date %(d)s is more than %(n)d years ahead; check the year.") % {
                "d": value.isoformat(),
                "n": PLANNED_YEARS,
            }
        return _("The date %(d)s is in the future.") % {"d": value.isoformat()}
    return None


def check_date(
    value: datetime.date | None, *, field: str, planned: bool = False, today: datetime.date | None = None
) -> datetime.date | None:
    """``value`` if plausible (None passes); otherwise a ValidationError on ``field``."""
    if value is None:
        return None
    message = date_error(value, planned=planned, today=today)
    if message:
        raise ValidationError({field: message})
    return value


def name_error(value: str) -> str | None:
    """Why ``value`` (already stripped) is not an acceptable name, or None."""
    if not value:
        return _("Name is required.")
    if _FORMULA.match(value):
        return _("The name must not begin with =, +, - or @ (it would be read as a spreadsheet formula).")
    if _FORBIDDEN.search(value):
        return _("The name contains control or invisible formatting characters (such as direction overrides).")
    return None


def check_name(value: str | None, *, field: str = "name") -> str:
    """The name stripped of surrounding spaces, if acceptable; otherwise a ValidationError on ``field``."""
    name = (value or "").strip()
    message = name_error(name)
    if message:
        raise ValidationError({field: message})
    return name


def check_phone(value: str | None, *, field: str = "phone") -> str:
    """The phone number's digits (spaces and hyphens dropped), if 7 to 12 of them or empty; otherwise a
    ValidationError on ``field``."""
    phone = (value or "").strip().replace(" ", "").replace("-", "")
    if phone and (not phone.isdigit() or not (7 <= len(phone) <= 12)):
        raise ValidationError({field: _("Phone number must be 7 to 12 digits.")})
    return phone
