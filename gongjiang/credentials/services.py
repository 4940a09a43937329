"""Certificate writes: issue and revoke, validated against the national number format."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjiang.core import lookups
from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.plausible import check_date
from gongjiang.core.scope import authorize, in_scope
from gongjiang.credentials.batches import evaluator_letter, number_prefix, serials_take
from gongjiang.credentials.models import Certificate, CertificateSource, CertificateStatus
from gongjiang.credentials.numbers import check_number_against
from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.registry.models import Organisation, Person


@transaction.atomic
def certificate_issue(
    *,
    actor: Any,
    number: str,
    person: Person,
    occupation_code: str,
    level_code: str,
    issue_date: datetime.date,
    source: str,
    issuer: Organisation | None = None,
    station_code: str = "",
) -> Certificate:
    """One certificate. Without a ``number``, the platform gives the next one of the national format for the
    evaluation station ``station_code`` (Y or S by the source, the issue year and the level), from the same
    locked counter as the batches."""
    level = SkillLevel.objects.filter(code=level_code).first()
    if level is None:
        raise ValidationError({"level": _("Unknown skill level %(c)s.") % {"c": level_code}})
    occupation = Occupation.objects.filter(code=occupation_code, kind="occupation").first()
    if occupation is None:
        raise ValidationError({"occupation": _("Unknown occupation code %(c)s.") % {"c": occupation_code}})
    if source not in CertificateSource.values:
        raise ValidationError({"source": _("Unknown certificate source %(s)s.") % {"s": source}})
    check_date(issue_date, field="issue_date")
    if issue_date < person.birth_date:
        raise ValidationError({"issue_date": _("The issue date is before the holder was born.")})
    if not (number or "").strip():
        number = _next_number(source=source, level=level, issue_date=issue_date, station_code=station_code)
    clean_number = check_number_against(number=number, level=level, issue_date=issue_date, source=source)
    holder = Certificate.objects.filter(number=clean_number).first()
    if holder is not None:
        if actor is not None and not in_scope(actor, "view", holder):
            lookups.check(actor)
            lookups.miss(actor, kind="certificate_number", held_elsewhere=True)
        raise ValidationError({"number": _("This certificate number is already registered.")})
    cert = Certificate(
        number=clean_number,
        person=person,
        occupation=occupation,
        level=level,
        issuer=issuer,
        issue_date=issue_date,
        source=source,
        region_code=person.residence_region_code,
    )
    authorize(actor, "add", cert)
    cert.full_clean()
    cert.save()
    record_change(action="create", instance=cert)
    return cert


def _next_number(*, source: str, level: SkillLevel, issue_date: datetime.date, station_code: str) -> str:
    station = (station_code or "").strip()
    if not (len(station) == 6 and station.isascii() and station.isdigit()):
        raise ValidationError(
            {"station_code": _("Give the certificate number, or the six-digit evaluation station code to number it.")}
        )
    if source in (CertificateSource.LEGACY, CertificateSource.FOREIGN) or not level.national_level:
        raise ValidationError({"number": _("A certificate of this source or level is entered with its own number.")})
    prefix = number_prefix(
        evaluator=evaluator_letter(source),
        body_code="0000",
        station_code=station,
        year=issue_date.year,
        national_level=level.national_level,
    )
    return f"{prefix}{serials_take(prefix, 1):06d}"


@transaction.atomic
def certificate_revoke(
    *, actor: Any, certificate: Certificate, revoked_on: datetime.date, reason: str, document: str = ""
) -> Certificate:
    """Revoke a valid certificate, with the reason and the number of the document deciding it (required on the
    pages; imports and older callers may not have one)."""
    cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
    authorize(actor, "revoke", cert)
    if cert.status == CertificateStatus.REVOKED:
        raise ValidationError({"status": _("The certificate is already revoked.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"revoke_reason": _("A reason is required to revoke a certificate.")})
    if revoked_on > datetime.date.today():
        raise ValidationError({"revoked_on": _("The revocation date is in the future.")})
    if revoked_on < cert.issue_date:
        raise ValidationError({"revoked_on": _("The revocation date is before the issue date.")})
    before = snapshot(cert)
    cert.status = CertificateStatus.REVOKED
    cert.revoked_on = revoked_on
    cert.revoke_reason = reason
    cert.revoke_document = (document or "").strip()[:100]
    cert.full_clean()
    cert.save()
    record_change(action="update", instance=cert, before=before)
    return cert
