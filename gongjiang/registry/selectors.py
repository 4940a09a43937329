from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from gongjiang.core.scope import can, restrict
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
        agg = certs.aggregate(
            total=Count("id"), high=Count("id", filter=Q(level__high_skilled=True))
        )
        out["certificates"] = agg["total"]
        out["high_skilled"] = agg["high"]
    return out
