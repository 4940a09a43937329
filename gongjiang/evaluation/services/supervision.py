"""Supervision of evaluation institutions (苏政办发〔2024〕37号 (十四)): the inspector pool, 双随机 draws
weighted by a transparent risk score with a fixed uniform share (``evaluation.rules``), inspection records
and findings; and the catalog of evaluation resources."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.scope import authorize
from gongjiang.evaluation import rules
from gongjiang.evaluation.models import (
    Draw,
    Inspection,
    Inspector,
    Resource,
    ResourceKind,
    ResourceStatus,
    Severity,
)
from gongjiang.evaluation.selectors import eligible_for_draw, risk_scores
from gongjiang.evaluation.services.common import plausible_date
from gongjiang.reference.models import SkillLevel
from gongjiang.reference.regions import scope_prefix
from gongjiang.reference.selectors import occupation_by_code, validate_region_code


@transaction.atomic
def inspector_add(*, actor: Any, name: str, region_code: str, affiliation: str = "") -> Inspector:
    region_code = validate_region_code(region_code, field="region_code")
    inspector = Inspector(name=(name or "").strip(), region_code=region_code, affiliation=(affiliation or "").strip())
    authorize(actor, "add", inspector)
    if not inspector.name:
        raise ValidationError({"name": _("Give the inspector's name.")})
    inspector.full_clean()
    inspector.save()
    record_change(action="create", instance=inspector)
    return inspector


@transaction.atomic
def draw_run(
    *,
    actor: Any,
    region_code: str,
    count: int,
    uniform_share: float = 0.3,
    inspectors_each: int = 2,
    seed: int | None = None,
    on: datetime.date | None = None,
) -> Draw:
    """Draw ``count`` of the region's filed institutions for inspection and their inspectors."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", Draw, region_code=region_code, field="region_code")
    on = on or timezone.localdate()
    if count < 1:
        raise ValidationError({"count": _("Draw at least one institution.")})
    if not 0 <= uniform_share <= 1:
        raise ValidationError({"uniform_share": _("The uniform share is between 0 and 1.")})
    eligible = eligible_for_draw(region_code)
    if not eligible:
        raise ValidationError({"region_code": _("No filed institution in this region to draw from.")})
    pool = list(
        Inspector.objects.filter(active=True, region_code__startswith=scope_prefix(region_code)).values_list(
            "id", flat=True
        )
    )
    if len(pool) < inspectors_each:
        raise ValidationError(
            {"inspectors_each": _("The region's pool has %(n)d active inspectors; add more first.") % {"n": len(pool)}}
        )
    seed = seed if seed is not None else secrets.randbits(48)
    scores = risk_scores(eligible, on=on)
    drawn = rules.draw(
        {pk: scores[pk].score for pk in eligible},
        count=count,
        uniform_share=uniform_share,
        seed=seed,
        inspectors=pool,
        inspectors_each=inspectors_each,
    )
    draw = Draw(
        region_code=region_code,
        date=on,
        seed=seed,
        count=len(drawn),
        uniform_share=Decimal(f"{uniform_share:.2f}"),
        inspectors_each=inspectors_each,
        eligible=len(eligible),
        drawn_by=actor if getattr(actor, "pk", None) else None,
    )
    draw.full_clean()
    draw.save()
    record_change(action="create", instance=draw)
    for item in drawn:
        inspection = Inspection.objects.create(
            draw=draw, institution_id=item.institution, stratum=item.stratum, risk=item.risk
        )
        inspection.inspectors.set(item.inspectors)
    record_set(model=Inspection, count=len(drawn), detail={"draw": draw.pk, "seed": seed}, region_code=region_code)
    return draw


@transaction.atomic
def inspection_record(
    *, actor: Any, inspection: Inspection, done_on: datetime.date, severity: str, findings: str, publish: bool
) -> Inspection:
    inspection = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("institution__organisation")
        .get(pk=inspection.pk)
    )
    authorize(actor, "record", inspection)
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Unknown finding.")})
    plausible_date(done_on, field="done_on")
    if done_on < inspection.draw.date or done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The inspection date is before the draw or in the future.")})
    text = (findings or "").strip()
    if severity != Severity.NONE and not text:
        raise ValidationError({"findings": _("Describe the findings.")})
    before = snapshot(inspection)
    inspection.done_on, inspection.severity, inspection.findings = done_on, severity, text
    inspection.published = bool(publish)
    inspection.full_clean()
    inspection.save()
    record_change(action="update", instance=inspection, before=before)
    return inspection


@transaction.atomic
def resource_add(
    *,
    actor: Any,
    kind: str,
    title: str,
    occupation_code: str,
    level_code: str,
    region_code: str,
    owner: str,
    version: str,
    since: datetime.date,
    digital: bool,
    status: str = ResourceStatus.ACTIVE,
) -> Resource:
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Unknown kind of resource.")})
    occupation = occupation_by_code(occupation_code, field="occupation_code")
    level = None
    if level_code:
        level = SkillLevel.objects.filter(code=level_code).first()
        if level is None:
            raise ValidationError({"level_code": _("Unknown skill level %(c)s.") % {"c": level_code}})
    region_code = validate_region_code(region_code, field="region_code")
    resource = Resource(
        kind=kind,
        title=(title or "").strip(),
        occupation=occupation,
        level=level,
        region_code=region_code,
        owner=(owner or "").strip(),
        version=(version or "").strip(),
        since=plausible_date(since, field="since"),
        digital=digital,
        status=status,
    )
    authorize(actor, "add", resource, field="region_code")
    if Resource.objects.filter(
        kind=kind, occupation=occupation, level=level, region_code=region_code, version=resource.version
    ).exists():
        raise ValidationError({"version": _("This version of the resource is already in the catalog.")})
    resource.full_clean()
    resource.save()
    record_change(action="create", instance=resource)
    return resource


@transaction.atomic
def resource_retire(*, actor: Any, resource: Resource, until: datetime.date) -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    authorize(actor, "retire", resource)
    if resource.status == ResourceStatus.RETIRED:
        raise ValidationError({"until": _("The resource is already retired.")})
    if until <= resource.since:
        raise ValidationError({"until": _("The retirement date must come after the date it came into use.")})
    before = snapshot(resource)
    resource.status, resource.until = ResourceStatus.RETIRED, until
    resource.save()
    record_change(action="update", instance=resource, before=before)
    return resource
