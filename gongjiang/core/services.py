"""Core writes: the log of personal data shown or handed out in full."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from gongjiang.core.audit import current
from gongjiang.core.models import PiiAccess
from gongjiang.core.scope import ScopeDenied, authorize, can_reveal_pii


def pii_access_log(*, actor: Any, obj: models.Model, field: str, reason: str = "") -> PiiAccess:
    """Record that ``actor`` saw or took the full value of ``field`` of ``obj`` (a reveal on a page, the
    bank-transfer workbook). The caller has authorized the step that shows it."""
    return PiiAccess.objects.create(
        user=actor,
        request_id=current().request_id,
        model=obj._meta.label,
        object_id=str(obj.pk),
        field=field,
        reason=(reason or "")[:200],
    )


@transaction.atomic
def pii_reveal(*, actor: Any, obj: models.Model, field: str, reason: str = "") -> str:
    """The full value of one personal-data field of one record (a model lists its ``REVEALABLE``
    fields), for an officer whose scope holds the record; every reveal is logged."""
    if field not in getattr(type(obj), "REVEALABLE", ()):
        raise ValidationError({"field": _("This field cannot be shown in full.")})
    authorize(actor, "view", obj)
    if not can_reveal_pii(actor):
        raise ScopeDenied(_("Your role may not see full personal data."))
    pii_access_log(actor=actor, obj=obj, field=field, reason=reason)
    return str(getattr(obj, field))
