"""What waits for whom in the evaluation system (the home page's to-do list)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import can, restrict
from gongjiang.core.todo import Todo
from gongjiang.evaluation.models import FilingStatus, Institution, Plan, PlanStatus


def evaluation_todos(user: Any) -> list[Todo]:
    if not can(user, "view", Institution):
        return []
    today = timezone.localdate()
    institutions = reverse("evaluation:institution-list")
    plans = reverse("evaluation:plan-list")
    filings = restrict(Institution.objects.all(), user)
    plan_qs = restrict(Plan.objects.all(), user)
    if user.is_superuser or user.role == Role.OFFICER:
        return [
            Todo(
                _("Evaluation filings awaiting review"),
                filings.filter(status=FilingStatus.SUBMITTED).count(),
                f"{institutions}?status={FilingStatus.SUBMITTED}",
            ),
            Todo(
                _("Evaluation plans whose objection period has ended, to issue"),
                plan_qs.filter(status=PlanStatus.PUBLICISED, publicity_until__lt=today).count(),
                f"{plans}?status={PlanStatus.PUBLICISED}",
            ),
        ]
    if user.role == Role.ORGANISATION:
        return [
            Todo(
                _("Your evaluation filing was returned: change it and submit again"),
                filings.filter(status=FilingStatus.REJECTED).count(),
                f"{institutions}?status={FilingStatus.REJECTED}",
            ),
            Todo(
                _("Evaluation plans awaiting results"),
                plan_qs.filter(status=PlanStatus.FILED, exam_date__lte=today).count(),
                f"{plans}?status={PlanStatus.FILED}",
            ),
            Todo(
                _("Evaluation plans with results, to publish for objection"),
                plan_qs.filter(status=PlanStatus.RESULTS).count(),
                f"{plans}?status={PlanStatus.RESULTS}",
            ),
        ]
    return []
