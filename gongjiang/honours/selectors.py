"""Reads of the honours: a person's honours and awards (for the person's page and self-service), the
published results and lists under objection, and the recognised enterprises."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from gongjiang.core.pii import mask_name
from gongjiang.core.scope import can, restrict
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.honours.models import (
    AwardApplication,
    AwardInstalment,
    CallStatus,
    Honour,
    HonourCall,
    NominationStatus,
    Recognition,
)
from gongjiang.reference.models import SkillLevel
from gongjiang.reference.regions import scope_prefix
from gongjiang.registry.models import Employment, Organisation, Person


def highest_level(person: Person, on: datetime.date) -> SkillLevel | None:
    """The person's highest level of a valid certificate issued on or before ``on``."""
    cert = (
        Certificate.objects.filter(person=person, status=CertificateStatus.VALID, issue_date__lte=on)
        .select_related("level")
        .order_by("-level__rank")
        .first()
    )
    return cert.level if cert else None


def works_in(person: Person, region_code: str, on: datetime.date, organisation: Organisation | None = None) -> bool:
    """Employed on ``on`` by an organisation of the region (or by ``organisation``)."""
    jobs = Employment.objects.filter(person=person, start__lte=on).exclude(end__lt=on)
    if organisation is not None:
        jobs = jobs.filter(organisation=organisation)
    prefix = scope_prefix(region_code)
    return jobs.filter(organisation__region_code__startswith=prefix).exists()


def high_skilled_share(organisation: Organisation, on: datetime.date) -> tuple[int, int]:
    """(employees, high-skilled employees) of the enterprise in the registry on ``on``: employed that day,
    high-skilled by their highest valid certificate issued by then (高级工 and above)."""
    employed = (
        Employment.objects.filter(organisation=organisation, start__lte=on).exclude(end__lt=on).values("person_id")
    )
    total = employed.values("person_id").distinct().count()
    high = (
        Certificate.objects.filter(
            person_id__in=employed, status=CertificateStatus.VALID, issue_date__lte=on, level__high_skilled=True
        )
        .values("person_id")
        .distinct()
        .count()
    )
    return total, high


def person_honours(person: Any) -> QuerySet[Honour]:
    """The honours a person holds or held, newest first, with their entitlements."""
    return Honour.objects.filter(person=person).prefetch_related("entitlements").order_by("-awarded_on", "-pk")


def person_awards(person: Any) -> QuerySet[AwardApplication]:
    """The person's award applications with their instalments (what is paid, due, scheduled, stopped)."""
    return (
        AwardApplication.objects.filter(person=person)
        .prefetch_related(Prefetch("instalment_set", queryset=AwardInstalment.objects.order_by("year_no")))
        .order_by("-event_date", "-pk")
    )


def person_panel(request: HttpRequest, person: Any) -> dict[str, Any] | None:
    """The honours and awards card of the registry's person page, in the viewer's scope."""
    user = request.user
    if not can(user, "view", Honour):
        return None
    honours = restrict(person_honours(person), user)
    awards = (
        restrict(person_awards(person), user)
        if can(user, "view", AwardApplication)
        else AwardApplication.objects.none()
    )
    if not honours.exists() and not awards.exists():
        return None
    return {"honours": honours, "awards": awards}


def published_calls() -> QuerySet[HonourCall]:
    """Calls whose list is under objection (公示) or whose results are decided, where the rules make them
    public."""
    return HonourCall.objects.filter(public=True, status__in=(CallStatus.PUBLICITY, CallStatus.DECIDED)).order_by(
        "-year", "-pk"
    )


def public_rows(call: HonourCall) -> list[dict[str, Any]]:
    """The names on a published list, masked (张*三), with the nominating enterprise."""
    status = NominationStatus.SHORTLISTED if call.status == CallStatus.PUBLICITY else NominationStatus.AWARDED
    rows = call.nominations.filter(status=status).select_related("person", "organisation").order_by("pk")
    return [{"name": mask_name(n.person.name), "organisation": n.organisation.name} for n in rows]


def under_objection(call: HonourCall) -> bool:
    return (
        call.status == CallStatus.PUBLICITY and (call.publicity_until or timezone.localdate()) >= timezone.localdate()
    )


def public_recognitions() -> QuerySet[Recognition]:
    return (
        Recognition.objects.filter(public=True).select_related("organisation").order_by("-year", "organisation__name")
    )


def public_honours(limit: int = 200) -> list[dict[str, Any]]:
    """Honours held that the rules make public (江苏工匠, 龙城工匠 …), newest first: the title, the holder's
    masked name and the date; nothing else about the person."""
    rows = (
        Honour.objects.filter(public=True, status="active")
        .select_related("person")
        .order_by("-awarded_on", "-pk")[:limit]
    )
    return [{"title": h.title, "name": mask_name(h.person.name), "awarded_on": h.awarded_on} for h in rows]
