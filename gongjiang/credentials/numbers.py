"""Certificate numbers checked against the certificate they are printed on (level, issue year, source)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.core.validators import IdentifierError, parse_certificate_number
from gongjiang.credentials.models import CertificateSource
from gongjiang.reference.models import SkillLevel


def check_number_against(*, number: str, level: SkillLevel, issue_date: datetime.date, source: str) -> str:
    """Validate the number and cross-check what it encodes with the certificate's fields."""
    try:
        info = parse_certificate_number(number)
    except IdentifierError as exc:
        raise ValidationError({"number": exc.messages}) from None
    errors: dict[str, str] = {}
    if info.kind == "skill":
        if level.national_level != info.national_level:
            errors["level"] = _("The number encodes level %(n)s but the certificate is %(l)s.") % {
                "n": info.national_level,
                "l": level.name,
            }
        if info.issue_year != issue_date.year:
            errors["issue_date"] = _("The number encodes issue year %(y)s but the issue date is %(d)s.") % {
                "y": info.issue_year,
                "d": issue_date.isoformat(),
            }
        if info.evaluator == "Y" and source not in (CertificateSource.SELF_EVALUATION, CertificateSource.DIRECT):
            errors["source"] = _("Numbers beginning with Y are issued by employer (self-)evaluation.")
    elif info.kind == "legacy" and source != CertificateSource.LEGACY:
        errors["source"] = _("A 16-digit number is a legacy qualification certificate.")
    elif info.kind == "top" and level.code != "special":
        errors["level"] = _("Two letters and 20 digits is the 特级技师 number format.")
    if errors:
        raise ValidationError(errors)
    return info.number
