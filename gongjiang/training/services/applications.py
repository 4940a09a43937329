"""Training needs (列清单), institutions' applications, and their staged review."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.scope import authorize
from gongjiang.reference.regions import level_of
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import Organisation
from gongjiang.training.models import (
    STAGE_LEVELS,
    Application,
    ApplicationStatus,
    Decision,
    NeedStatus,
    ReviewDecision,
    TrainingNeed,
)
from gongjiang.training.rules import INSTITUTION_KINDS, default_stages
from gongjiang.training.selectors import designation_covering
from gongjiang.training.services.classes import class_from_application
from gongjiang.training.services.common import check_dates, check_hours, check_year, level_by_code, occupation_by_code


def _check_stages(region_code: str, stages: list[str]) -> list[str]:
    if not stages:
        raise ValidationError({"stages": _("At least one review stage is required.")})
    unknown = [s for s in stages if s not in STAGE_LEVELS]
    if unknown:
        raise ValidationError({"stages": _("Unknown review stage %(s)s.") % {"s": ", ".join(unknown)}})
    order = [STAGE_LEVELS.index(s) for s in stages]
    if order != sorted(set(order)):
        raise ValidationError({"stages": _("Review stages must go upwards: district, city, province, each once.")})
    lowest = STAGE_LEVELS.index(level_of(region_code))
    if order[0] < lowest:
        raise ValidationError({"stages": _("A stage cannot sit below the need's own region.")})
    return list(stages)


@transaction.atomic
def need_create(
    *,
    actor: Any,
    region_code: str,
    year: int,
    occupation_code: str,
    level_code: str,
    places: int,
    price_fen: int | None = None,
    stages: list[str] | None = None,
    note: str = "",
) -> TrainingNeed:
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", TrainingNeed, region_code=region_code, field="region_code")
    if places is None or int(places) < 1:
        raise ValidationError({"places": _("At least one place is required.")})
    if price_fen is not None and int(price_fen) <= 0:
        raise ValidationError({"price_fen": _("The price must be positive.")})
    need = TrainingNeed(
        region_code=region_code,
        year=check_year(year),
        occupation=occupation_by_code(occupation_code),
        level=level_by_code(level_code),
        places=int(places),
        price_fen=price_fen,
        stages=_check_stages(region_code, default_stages(region_code) if stages is None else list(stages)),
        note=(note or "").strip(),
    )
    need.full_clean()
    need.save()
    record_change(action="create", instance=need)
    return need


@transaction.atomic
def need_publish(*, actor: Any, need: TrainingNeed) -> TrainingNeed:
    authorize(actor, "publish", need)
    need = TrainingNeed.objects.select_for_update().get(pk=need.pk)
    if need.status != NeedStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft need can be published.")})
    before = snapshot(need)
    need.status = NeedStatus.PUBLISHED
    need.published_at = timezone.now()
    need.save()
    record_change(action="update", instance=need, before=before)
    return need


@transaction.atomic
def need_close(*, actor: Any, need: TrainingNeed) -> TrainingNeed:
    authorize(actor, "close", need)
    need = TrainingNeed.objects.select_for_update().get(pk=need.pk)
    if need.status != NeedStatus.PUBLISHED:
        raise ValidationError({"status": _("Only a published need can be closed.")})
    before = snapshot(need)
    need.status = NeedStatus.CLOSED
    need.save()
    record_change(action="update", instance=need, before=before)
    return need


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    need: TrainingNeed,
    institution: Organisation,
    start_date: datetime.date,
    end_date: datetime.date,
    class_hours: int,
    practical_hours: int,
    places: int,
    price_fen: int,
    plan: str = "",
) -> Application:
    need = TrainingNeed.objects.select_related("level", "occupation").get(pk=need.pk)
    authorize(actor, "add", Application(need=need, institution=institution, region_code=need.region_code))
    if need.status != NeedStatus.PUBLISHED:
        raise ValidationError({"need": _("Applications are open only for published needs.")})
    if institution.kind not in INSTITUTION_KINDS:
        raise ValidationError({"institution": _("Only training institutions and schools may apply.")})
    if designation_covering(institution, need.region_code, start_date) is None:
        raise ValidationError(
            {"institution": _("The institution holds no designation for this region on the start date.")}
        )
    check_dates(start_date, end_date)
    check_hours(need.level, class_hours, practical_hours)
    errors = {}
    if not 1 <= places <= need.places:
        errors["places"] = _("Places must be between 1 and %(n)d.") % {"n": need.places}
    if price_fen <= 0:
        errors["price_fen"] = _("The price must be positive.")
    elif need.price_fen is not None and price_fen > need.price_fen:
        errors["price_fen"] = _("The price is above the listed price of this need.")
    if errors:
        raise ValidationError(errors)
    if Application.objects.filter(need=need, institution=institution).exists():
        raise ValidationError({"need": _("The institution has already applied for this need.")})
    application = Application(
        need=need,
        institution=institution,
        region_code=need.region_code,
        start_date=start_date,
        end_date=end_date,
        class_hours=class_hours,
        practical_hours=practical_hours,
        places=places,
        price_fen=price_fen,
        plan=(plan or "").strip(),
    )
    application.full_clean()
    application.save()
    record_change(action="create", instance=application)
    return application


@transaction.atomic
def application_decide(*, actor: Any, application: Application, decision: str, comment: str = "") -> ReviewDecision:
    """Decide the application's current stage. The stage's officer decides once; the last approval
    opens the class."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    need = application.need
    if application.status != ApplicationStatus.IN_REVIEW:
        raise ValidationError({"status": _("The application is not in review.")})
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Decide approve or reject.")})
    comment = (comment or "").strip()
    if decision == Decision.REJECT and not comment:
        raise ValidationError({"comment": _("A rejection needs a comment.")})
    stages = list(need.stages)
    level = stages[application.stage]
    authorize(actor, "decide", application)
    before = snapshot(application)
    review = ReviewDecision(
        application=application,
        stage=application.stage,
        stage_level=level,
        reviewer=actor,
        reviewer_region_code=actor.region_code,
        decision=decision,
        comment=comment,
    )
    review.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise ValidationError({"stage": _("This stage has already been decided.")}) from None
    record_change(action="create", instance=review)
    if decision == Decision.REJECT:
        application.status = ApplicationStatus.REJECTED
        application.decided_at = timezone.now()
    else:
        application.stage += 1
        if application.stage >= len(stages):
            application.status = ApplicationStatus.APPROVED
            application.decided_at = timezone.now()
    application.save()
    record_change(action="update", instance=application, before=before)
    if application.status == ApplicationStatus.APPROVED:
        class_from_application(application)
    return review


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "withdraw", application)
    if application.status != ApplicationStatus.IN_REVIEW:
        raise ValidationError({"status": _("The application is not in review.")})
    before = snapshot(application)
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = timezone.now()
    application.save()
    record_change(action="update", instance=application, before=before)
    return application
