"""What waits for whom in the monitoring of carriers (the home page's to-do list)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import can, restrict
from gongjiang.core.todo import Todo
from gongjiang.monitoring.models import Carrier, CarrierStatus


def monitoring_todos(user: Any) -> list[Todo]:
    if not (user.is_superuser or getattr(user, "role", "") == Role.OFFICER) or not can(user, "recognise", Carrier):
        return []
    return [
        Todo(
            _("Carrier applications awaiting review"),
            restrict(Carrier.objects.filter(status=CarrierStatus.APPLIED), user, "recognise").count(),
            f"{reverse('carrier-list')}?status={CarrierStatus.APPLIED}",
        )
    ]
