"""What waits for whom in the salary survey (the home page's to-do list)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import can, restrict
from gongjiang.core.todo import Todo
from gongjiang.wages.models import Response, ResponseStatus, SurveyStatus


def wages_todos(user: Any) -> list[Todo]:
    if getattr(user, "role", "") != Role.ORGANISATION or not can(user, "view", Response):
        return []
    pending = Response.objects.filter(status=ResponseStatus.PENDING, survey__status=SurveyStatus.OPEN)
    return [
        Todo(
            _("Salary survey to submit"),
            restrict(pending, user).count(),
            f"{reverse('wages:response-list')}?status={ResponseStatus.PENDING}",
        )
    ]
