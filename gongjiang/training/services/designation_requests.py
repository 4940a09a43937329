"""A training institution applies to be designated (ZJG-opinion 二(六)); an officer of the region decides.
Approval designates the institution for the tender period; a refusal carries its reason, which the
institution sees on its application."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.scope import authorize
from gongjiang.reference.regions import scope_prefix
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import Organisation
from gongjiang.training.models import DesignationRequest, DesignationRequestStatus
from gongjiang.training.rules import INSTITUTION_KINDS
from gongjiang.training.services.catalogs import designation_create


@transaction.atomic
def designation_request_submit(
    *,
    actor: Any,
    institution: Organisation,
    region_code: str,
    period_start: datetime.date,
    tender_reference: str,
    occupations: str,
    statement: str = "",
) -> DesignationRequest:
    region_code = validate_region_code(region_code, field="region_code")
    request = DesignationRequest(
        institution=institution,
        region_code=region_code,
        period_start=period_start,
        tender_reference=(tender_reference or "").strip(),
        occupations=(occupations or "").strip(),
        statement=(statement or "").strip(),
    )
    authorize(actor, "add", request, field="region_code")
    errors: dict[str, str] = {}
    if institution.kind not in INSTITUTION_KINDS:
        errors["institution"] = _("Only training institutions and schools can be designated.")
    if not institution.region_code.startswith(scope_prefix(region_code)):
        errors["region_code"] = _("The institution is not located in the designating region.")
    if not request.tender_reference:
        errors["tender_reference"] = _("The tender reference is required.")
    if not request.occupations:
        errors["occupations"] = _("Name the occupations you would train.")
    if DesignationRequest.objects.filter(
        institution=institution, region_code=region_code, status=DesignationRequestStatus.IN_REVIEW
    ).exists():
        errors["region_code"] = _("An application of yours for this region is already in review.")
    if errors:
        raise ValidationError(errors)
    request.full_clean()
    request.save()
    record_change(action="create", instance=request)
    return request


@transaction.atomic
def designation_request_decide(
    *, actor: Any, request: DesignationRequest, decision: str, comment: str = ""
) -> DesignationRequest:
    """Approve (the institution is designated from the period's start for the tender period) or reject
    (with the reason the institution will read)."""
    authorize(actor, "decide", request)
    request = DesignationRequest.objects.select_for_update().select_related("institution").get(pk=request.pk)
    if request.status != DesignationRequestStatus.IN_REVIEW:
        raise ValidationError({"decision": _("The application has already been decided or withdrawn.")})
    comment = (comment or "").strip()
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": _("Choose to approve or reject.")})
    if decision == "reject" and not comment:
        raise ValidationError({"comment": _("A rejection needs its reason.")})
    before = snapshot(request)
    if decision == "approve":
        request.designation = designation_create(
            actor=actor,
            organisation=request.institution,
            region_code=request.region_code,
            period_start=request.period_start,
            tender_reference=request.tender_reference,
        )
        request.status = DesignationRequestStatus.APPROVED
    else:
        request.status = DesignationRequestStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = comment[:500]
    request.save()
    record_change(action="update", instance=request, before=before)
    return request


@transaction.atomic
def designation_request_withdraw(*, actor: Any, request: DesignationRequest) -> DesignationRequest:
    authorize(actor, "withdraw", request)
    request = DesignationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != DesignationRequestStatus.IN_REVIEW:
        raise ValidationError({"status": _("Only an application in review can be withdrawn.")})
    before = snapshot(request)
    request.status = DesignationRequestStatus.WITHDRAWN
    request.save()
    record_change(action="update", instance=request, before=before)
    return request
