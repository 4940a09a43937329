"""What waits for whom in training administration (the home page's to-do list)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import can, restrict
from gongjiang.core.todo import Todo
from gongjiang.training.models import (
    BatchStatus,
    ClassKind,
    ClassStatus,
    DesignationRequest,
    DesignationRequestStatus,
    Finding,
    FindingStatus,
    PaymentBatch,
    TrainingClass,
)
from gongjiang.training.selectors import awaiting_decision


def training_todos(user: Any) -> list[Todo]:
    items: list[Todo] = []
    if user.is_superuser or getattr(user, "role", "") == Role.OFFICER:
        items.append(
            Todo(
                _("Training applications awaiting your decision"),
                awaiting_decision(user).count(),
                reverse("training:home"),
            )
        )
        in_review = DesignationRequest.objects.filter(status=DesignationRequestStatus.IN_REVIEW)
        items.append(
            Todo(
                _("Designation applications awaiting a decision"),
                restrict(in_review, user).count(),
                f"{reverse('training:designation-request-list')}",
            )
        )
        if can(user, "view", Finding):
            items.append(
                Todo(
                    _("Open findings of the fraud checks"),
                    restrict(Finding.objects.filter(status=FindingStatus.OPEN), user).count(),
                    f"{reverse('training:finding-list')}?status={FindingStatus.OPEN}",
                )
            )
        if can(user, "approve", PaymentBatch):
            drafts = restrict(PaymentBatch.objects.filter(status=BatchStatus.DRAFT), user).exclude(created_by=user)
            items.append(
                Todo(
                    _("Payment batches awaiting a second approver"),
                    drafts.count(),
                    f"{reverse('training:batch-list')}?status={BatchStatus.DRAFT}",
                )
            )
    elif getattr(user, "role", "") == Role.ORGANISATION and can(user, "view", TrainingClass):
        items.append(
            Todo(
                _("Open classes whose roster you keep"),
                restrict(TrainingClass.objects.filter(status=ClassStatus.OPEN), user).count(),
                f"{reverse('training:class-list')}?status={ClassStatus.OPEN}",
            )
        )
        ended = TrainingClass.objects.filter(status=ClassStatus.ENDED).exclude(kind=ClassKind.PROJECT)
        items.append(
            Todo(
                _("Ended classes whose subsidies you may claim"),
                restrict(ended, user, "claim").count(),
                f"{reverse('training:class-list')}?status={ClassStatus.ENDED}",
            )
        )
    return items
