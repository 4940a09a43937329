"""Reads of a worker's self-service page: their own certificates, subsidy claims and payments, trainings,
and what remains of their subsidised trainings. Everything is read by the person the signed-in account is
bound to, and by nothing the request names: another person's record cannot be asked for."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gongjiang.core.models import Role
from gongjiang.credentials.models import Certificate
from gongjiang.policy.selectors import parameter_value
from gongjiang.registry.models import Person
from gongjiang.training.models import MAX_SUBSIDISED_TRAININGS, Claim, Enrolment
from gongjiang.training.pricing import HISTORY_STATUSES, policy_set_for


def own_person(user: Any) -> Person | None:
    """The person a signed-in worker's account is bound to (None for every other account)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role != Role.WORKER or user.person_id is None:
        return None
    return user.person  # type: ignore[no-any-return]


def own_certificates(person: Person) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(person=person)
        .select_related("occupation", "level", "issuer")
        .order_by("-issue_date", "-pk")
    )


def own_claims(person: Person) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(person=person)
        .select_related("training_class", "institution", "occupation", "level", "payment_line__batch")
        .order_by("-event_date", "-pk")
    )


def own_trainings(person: Person) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(person=person)
        .select_related("training_class__institution", "training_class__occupation", "training_class__level")
        .order_by("-training_class__start_date", "-pk")
    )


@dataclass(frozen=True)
class Allowance:
    """Subsidised trainings: the limit in force (the policy engine's ``max_subsidised_trainings``), those
    used (eligible claims computed, approved or paid) and those left."""

    limit: int
    used: int
    clause: str

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


def subsidised_allowance(person: Person, on: datetime.date | None = None) -> Allowance:
    on = on or timezone.localdate()
    region = person.residence_region_code
    limit, clause = MAX_SUBSIDISED_TRAININGS, "JS-2025-32"
    try:
        param = parameter_value(
            "max_subsidised_trainings", policy_set=policy_set_for(region), region_code=region, on=on
        )
    except LookupError:  # the policy set is not loaded: the platform's own default
        param = None
    if param is not None:
        limit = int(param.value)
        clause = f"{param.clause.document.code} {param.clause.path}"
    used = Claim.objects.filter(person=person, eligible=True, status__in=HISTORY_STATUSES).count()
    return Allowance(limit=limit, used=used, clause=clause)
