"""Reads across the registry and its certificates: the home page's counts, skill summaries, and the
certificate panels of the person and organisation pages."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max, Q
from django.http import HttpRequest

from gongjiang.core.listing import ListCount, list_count, scope_ordered
from gongjiang.core.scope import can, restrict
from gongjiang.credentials.models import Certificate
from gongjiang.reference.regions import scope_prefix
from gongjiang.registry.models import EmploymentStat, Organisation, Person


def overview_counts(user: Any) -> dict[str, ListCount | None]:
    """Counts in the user's scope for the home page (None where the user may not see the model), each
    counted up to 10,000 and estimated above (:func:`gongjiang.core.listing.list_count`)."""
    out: dict[str, ListCount | None] = {
        "persons": None,
        "organisations": None,
        "certificates": None,
        "high_skilled": None,
    }
    if can(user, "view", Person):
        out["persons"] = list_count(scope_ordered(restrict(Person.objects.all(), user), user, ["-pk"]))
    if can(user, "view", Organisation):
        out["organisations"] = list_count(scope_ordered(restrict(Organisation.objects.all(), user), user, ["-pk"]))
    return out


def certificate_counts(user: Any) -> dict[str, ListCount | None]:
    """Valid certificates, and the high-skilled among them, in the user's scope (counted up to 10,000 and
    estimated above); None where the user may not see certificates."""
    if not can(user, "view", Certificate):
        return {"certificates": None, "high_skilled": None}
    certs = restrict(Certificate.objects.filter(status="valid"), user)
    return {
        "certificates": list_count(scope_ordered(certs, user, ["-pk"])),
        "high_skilled": list_count(scope_ordered(certs.filter(level__high_skilled=True), user, ["-pk"])),
    }


def skill_summary(region_code: str, as_of: Any) -> dict[str, Any]:
    """Skilled workers (persons with a valid certificate issued by ``as_of``), the high-skilled among them
    (by their highest valid level at that date) and employed persons of the region in that year.
    A certificate revoked on or before ``as_of`` does not count."""

    prefix = scope_prefix(region_code)
    certs = Certificate.objects.filter(issue_date__lte=as_of).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of)
    )
    certs = certs.filter(person__residence_region_code__startswith=prefix)
    per_person = certs.values("person_id").annotate(top=Max("level__rank"))
    skilled = per_person.count()
    high_rank = 3  # 高级工
    high = per_person.filter(top__gte=high_rank).count()
    year = as_of.year if isinstance(as_of, datetime.date) else int(as_of)
    stats = EmploymentStat.objects.filter(year=year, region_code__startswith=prefix)
    if len(prefix) < 6:
        # Sum the most detailed level present (districts), never a city row on top of its districts.
        stats = stats.exclude(region_code__endswith="00")
    employed = sum(stats.values_list("employed", flat=True))
    return {
        "skilled": skilled,
        "high_skilled": high,
        "employed": employed,
        "high_share": high / skilled if skilled else None,
        "skilled_share": skilled / employed if employed else None,
    }


def person_certificates(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    if not can(request.user, "view", Certificate):
        return None
    certificates = restrict(Certificate.objects.filter(person=person), request.user)
    return {"certificates": certificates.select_related("occupation", "level").order_by("-issue_date")}


def organisation_certificates(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    if not can(request.user, "view", Certificate):
        return None
    issued = restrict(Certificate.objects.filter(issuer=organisation), request.user)
    return {"issued": issued.count(), "organisation": organisation}
