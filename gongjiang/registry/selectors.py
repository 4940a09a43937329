from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from gongjiang.core import pii
from gongjiang.core.pickers import LIMIT as PICKER_LIMIT
from gongjiang.core.pickers import Choice
from gongjiang.core.scope import can, restrict
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.credentials.models import Certificate
from gongjiang.registry.models import Organisation, Person


def overview_counts(user: Any) -> dict[str, int | None]:
    """Counts in the user's scope for the home page (None where the user may not see the model)."""
    out: dict[str, int | None] = {"persons": None, "organisations": None, "certificates": None, "high_skilled": None}
    if can(user, "view", Person):
        out["persons"] = restrict(Person.objects.all(), user).count()
    if can(user, "view", Organisation):
        out["organisations"] = restrict(Organisation.objects.all(), user).count()
    if can(user, "view", Certificate):
        certs = restrict(Certificate.objects.filter(status="valid"), user)
        agg = certs.aggregate(total=Count("id"), high=Count("id", filter=Q(level__high_skilled=True)))
        out["certificates"] = agg["total"]
        out["high_skilled"] = agg["high"]
    return out


def skill_summary(region_code: str, as_of: Any) -> dict[str, Any]:
    """Skilled workers (persons with a valid certificate issued by ``as_of``), the high-skilled among them
    (by their highest valid level at that date) and employed persons of the region in that year.
    A certificate revoked on or before ``as_of`` does not count."""
    import datetime

    from django.db.models import Max

    from gongjiang.reference.regions import scope_prefix
    from gongjiang.registry.models import EmploymentStat

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


def find_person_by_id_number(id_number: str) -> Person | None:
    """Exact lookup through the blind index (a 15-digit number is upgraded first)."""
    try:
        number = parse_id_number(id_number).number
    except IdentifierError:
        number = (id_number or "").strip().upper()
    return Person.objects.filter(id_index=pii.blind_index(number)).first()


def pick_organisations(request: HttpRequest, q: str) -> list[Choice]:
    """Organisations the user may see, by name or the start of the credit code."""
    qs = restrict(Organisation.objects.all(), request.user)
    qs = qs.filter(uscc__startswith=q.upper()) if q[:1].isdigit() and len(q) >= 2 else qs.filter(name__contains=q)
    return [Choice(str(o.pk), f"{o.name}（{o.uscc}）") for o in qs.order_by("name")[:PICKER_LIMIT]]


def pick_persons(request: HttpRequest, q: str) -> list[Choice]:
    """Persons the user may see, by the start of the name; shown with birth date and masked ID number."""
    qs = restrict(Person.objects.all(), request.user).filter(name__startswith=q)
    return [
        Choice(str(p.pk), f"{p.name}（{p.birth_date:%Y-%m-%d}，{p.id_number_masked}）")
        for p in qs.order_by("pk")[:PICKER_LIMIT]
    ]
