"""Writes of the portal by officers: invitations for workers to open their self-service account."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set
from gongjiang.core.models import ChangeRecord, Role, User
from gongjiang.core.scope import authorize
from gongjiang.portal.models import WorkerInvitation
from gongjiang.portal.signin import invitation_hash, new_invitation_code
from gongjiang.registry.models import Person


@transaction.atomic
def worker_invite(*, actor: Any, person: Person) -> tuple[WorkerInvitation, str]:
    """An invitation for ``person`` to open their self-service account: the invitation and its one-time
    code, shown to the officer once to hand over (only its hash is kept). Earlier unused invitations of
    the person lapse."""
    if actor is not None and (actor.is_superuser or actor.role != Role.OFFICER):
        raise ValidationError(_("Invitations are issued by an officer of the person's region."))
    authorize(actor, "add", WorkerInvitation(person=person))
    if User.objects.filter(person=person).exists():
        raise ValidationError(_("This person already has a self-service account."))
    now = timezone.now()
    lapsed = WorkerInvitation.objects.filter(person=person, used_at__isnull=True, expires__gt=now).update(expires=now)
    if lapsed:
        record_set(
            action=ChangeRecord.Action.UPDATE,
            model=WorkerInvitation,
            count=lapsed,
            detail={"step": "lapsed by a new invitation"},
            region_code=person.residence_region_code,
        )
    code = new_invitation_code()
    invitation = WorkerInvitation(
        person=person,
        code_hash=invitation_hash(code),
        created_by=actor,
        expires=now + datetime.timedelta(days=settings.WORKER_INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    record_change(action="create", instance=invitation)
    return invitation, code
