"""What waits for whom in honours and awards (the home page's to-do list)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import can, restrict
from gongjiang.core.todo import Todo
from gongjiang.honours.models import (
    AwardApplication,
    AwardInstalment,
    AwardStatus,
    CallStatus,
    InstalmentStatus,
    Nomination,
    NominationStatus,
)
from gongjiang.training.rules import can_decide_stage


def awards_awaiting_decision(user: Any) -> int:
    """How many award applications wait for this officer's decision: their current stage is decided by an
    officer of the user's region, and the user decided none of their earlier stages. One query."""
    if user.is_superuser or not can(user, "decide", AwardApplication):
        return 0
    rows = (
        restrict(AwardApplication.objects.filter(status=AwardStatus.SUBMITTED), user)
        .exclude(reviews__reviewer=user)
        .order_by()
        .values_list("region_code", "stages", "stage")
    )
    return sum(
        1 for region, stages, stage in rows if stage < len(stages) and can_decide_stage(user, region, stages[stage])
    )


def honours_todos(user: Any) -> list[Todo]:
    if not (user.is_superuser or getattr(user, "role", "") == Role.OFFICER):
        return []
    items: list[Todo] = []
    if can(user, "shortlist", Nomination):
        waiting = Nomination.objects.filter(status=NominationStatus.SUBMITTED, call__status=CallStatus.REVIEW)
        items.append(
            Todo(
                _("Nominations awaiting review"),
                restrict(waiting, user, "shortlist").count(),
                f"{reverse('honours:nomination-list')}?status={NominationStatus.SUBMITTED}",
            )
        )
    items.append(
        Todo(
            _("Award applications awaiting your decision"),
            awards_awaiting_decision(user),
            f"{reverse('honours:award-list')}?status={AwardStatus.SUBMITTED}",
        )
    )
    if can(user, "change", AwardApplication):
        instalments = reverse("honours:instalment-list")
        fallen_due = AwardInstalment.objects.filter(status=InstalmentStatus.SCHEDULED, due_on__lte=timezone.localdate())
        items.append(
            Todo(
                _("Award instalments fallen due, to release for payment"),
                restrict(fallen_due, user).count(),
                f"{instalments}?status={InstalmentStatus.SCHEDULED}&fallen_due=true",
            )
        )
        due = AwardInstalment.objects.filter(status=InstalmentStatus.DUE)
        items.append(
            Todo(
                _("Award instalments due for payment"),
                restrict(due, user).count(),
                f"{instalments}?status={InstalmentStatus.DUE}",
            )
        )
    return items
