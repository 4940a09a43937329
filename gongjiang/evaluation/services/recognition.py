"""Recognition outside examinations (苏政办发〔2024〕37号 (十三)): the catalog of foreign qualifications
recognised as equivalent (the plans of kind *foreign* recognise holders against it), and the 特级技师 /
首席技师 appointment pilot: pilot enterprises with their quotas, appointments with their terms."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.scope import authorize
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.evaluation.models import Appointment, ForeignQualification, Pilot, PilotTitle
from gongjiang.evaluation.services.common import plausible_date
from gongjiang.reference.selectors import level_by_code, occupation_by_code, validate_region_code
from gongjiang.registry.models import Employment, Organisation, Person

TERM_YEARS = 3
# The certificate level a worker must hold to be appointed (特级技师: 高级技师; 首席技师: 特级技师 or a
# 特级技师 appointment of the same enterprise).
REQUIRED_LEVEL = {PilotTitle.SPECIAL: "level1", PilotTitle.CHIEF: "special"}


@transaction.atomic
def foreign_qualification_add(
    *,
    actor: Any,
    name: str,
    country: str,
    awarding_body: str,
    occupation_code: str,
    level_code: str,
    region_code: str,
    since: datetime.date,
    clause: str = "",
) -> ForeignQualification:
    qualification = ForeignQualification(
        name=(name or "").strip(),
        country=(country or "").strip(),
        awarding_body=(awarding_body or "").strip(),
        occupation=occupation_by_code(occupation_code, field="occupation_code"),
        level=level_by_code(level_code, field="level_code"),
        region_code=validate_region_code(region_code, field="region_code"),
        since=plausible_date(since, field="since"),
        clause=(clause or "").strip(),
    )
    authorize(actor, "add", qualification, field="region_code")
    if not qualification.name or not qualification.country or not qualification.awarding_body:
        raise ValidationError({"name": _("Give the qualification, its country and its awarding body.")})
    if ForeignQualification.objects.filter(
        name=qualification.name, awarding_body=qualification.awarding_body, region_code=qualification.region_code
    ).exists():
        raise ValidationError({"name": _("This qualification is already in the region's catalog.")})
    qualification.full_clean()
    qualification.save()
    record_change(action="create", instance=qualification)
    return qualification


@transaction.atomic
def pilot_add(
    *,
    actor: Any,
    organisation: Organisation,
    quota_special: int,
    quota_chief: int,
    since: datetime.date,
    clause: str = "",
) -> Pilot:
    pilot = Pilot(
        organisation=organisation,
        quota_special=quota_special,
        quota_chief=quota_chief,
        since=plausible_date(since, field="since"),
        clause=(clause or "苏政办发〔2024〕37号 (十三)").strip(),
    )
    authorize(actor, "add", pilot)
    if organisation.kind != "enterprise":
        raise ValidationError({"organisation": _("Only an enterprise can be a pilot enterprise.")})
    if Pilot.objects.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("The enterprise is already in the pilot.")})
    pilot.full_clean()
    pilot.save()
    record_change(action="create", instance=pilot)
    return pilot


def _holds(person: Person, occupation_id: int, level_code: str, on: datetime.date) -> bool:
    return Certificate.objects.filter(
        person=person,
        occupation_id=occupation_id,
        level__code=level_code,
        status=CertificateStatus.VALID,
        issue_date__lte=on,
    ).exists()


@transaction.atomic
def appointment_make(
    *,
    actor: Any,
    pilot: Pilot,
    person: Person,
    title: str,
    occupation_code: str,
    start: datetime.date,
    years: int = TERM_YEARS,
) -> Appointment:
    """Appoint a worker of the pilot enterprise for a term, within its quota: a 特级技师 holds 高级技师 in
    the occupation; a 首席技师 holds 特级技师 (a certificate, or an appointment of this enterprise)."""
    pilot = Pilot.objects.select_for_update().select_related("organisation").get(pk=pilot.pk)
    if title not in PilotTitle.values:
        raise ValidationError({"title": _("Unknown title.")})
    occupation = occupation_by_code(occupation_code, field="occupation_code")
    plausible_date(start, field="start")
    if not 1 <= years <= 5:
        raise ValidationError({"years": _("A term lasts one to five years.")})
    end = (
        start.replace(year=start.year + years)
        if not (start.month == 2 and start.day == 29)
        else start.replace(year=start.year + years, day=28)
    )
    appointment = Appointment(pilot=pilot, person=person, title=title, occupation=occupation, start=start, end=end)
    authorize(actor, "add", appointment)
    if start < pilot.since or (pilot.until is not None and start > pilot.until):
        raise ValidationError({"start": _("The enterprise is not in the pilot on that date.")})
    employed = Employment.objects.filter(person=person, organisation=pilot.organisation, start__lte=start).filter(
        Q(end__isnull=True) | Q(end__gte=start)
    )
    if not employed.exists():
        raise ValidationError({"person": _("The worker is not employed by the enterprise on that date.")})
    if title == PilotTitle.SPECIAL and not _holds(person, occupation.pk, REQUIRED_LEVEL[PilotTitle.SPECIAL], start):
        raise ValidationError({"person": _("A 特级技师 must hold a valid 高级技师 certificate in the occupation.")})
    if title == PilotTitle.CHIEF:
        special = (
            _holds(person, occupation.pk, REQUIRED_LEVEL[PilotTitle.CHIEF], start)
            or Appointment.objects.filter(
                pilot=pilot,
                person=person,
                title=PilotTitle.SPECIAL,
                start__lte=start,
                end__gt=start,
                ended_on__isnull=True,
            ).exists()
        )
        if not special:
            raise ValidationError({"person": _("A 首席技师 must be a 特级技师.")})
    active = Appointment.objects.filter(
        pilot=pilot, title=title, start__lte=start, end__gt=start, ended_on__isnull=True
    )
    if active.filter(person=person).exists():
        raise ValidationError({"person": _("The worker already holds this appointment.")})
    quota = pilot.quota_special if title == PilotTitle.SPECIAL else pilot.quota_chief
    if active.count() >= quota:
        raise ValidationError({"title": _("The enterprise's quota of %(n)d is used up.") % {"n": quota}})
    appointment.full_clean()
    appointment.save()
    record_change(action="create", instance=appointment)
    return appointment


@transaction.atomic
def appointment_end(*, actor: Any, appointment: Appointment, ended_on: datetime.date) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).select_related("pilot__organisation").get(pk=appointment.pk)
    )
    authorize(actor, "end", appointment)
    if appointment.ended_on is not None:
        raise ValidationError({"ended_on": _("The appointment has already ended.")})
    if not appointment.start <= ended_on <= min(appointment.end, timezone.localdate()):
        raise ValidationError({"ended_on": _("The date must fall within the term and not in the future.")})
    before = snapshot(appointment)
    appointment.ended_on = ended_on
    appointment.save()
    record_change(action="update", instance=appointment, before=before)
    return appointment
