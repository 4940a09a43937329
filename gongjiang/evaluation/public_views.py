"""The evaluation system's public pages, without signing in: the directory of institutions (信息公开) and
the lists under objection (公示)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongjiang.core import pii
from gongjiang.core.pii import mask_id_number, mask_name
from gongjiang.evaluation import models, selectors
from gongjiang.reference.selectors import region_label
from gongjiang.registry.models import Person

Status = models.FilingStatus


# ---- public pages ---------------------------------------------------------------------------------


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The public directory of evaluation institutions (信息公开): scope, stars, decisions, inspections."""
    region = request.GET.get("region", "").strip()
    if region and (len(region) != 6 or not region.isdigit()):
        raise Http404(_("Unknown region."))
    q = request.GET.get("q", "").strip()[:50]
    today = timezone.localdate()
    rows = selectors.directory(region, q)
    stars = selectors.stars_of([i.pk for i in rows], today)
    return render(
        request,
        "evaluation/public_directory.html",
        {"rows": [(i, stars[i.pk]) for i in rows], "region": region, "q": q},
    )


@require_GET
def directory_entry(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(
        models.Institution.objects.select_related("organisation").exclude(
            status__in=(Status.DRAFT, Status.SUBMITTED, Status.REJECTED)
        ),
        pk=pk,
    )
    return render(
        request,
        "evaluation/public_institution.html",
        {
            "institution": institution,
            "region": region_label(institution.organisation.region_code),
            "stars": selectors.stars(institution, timezone.localdate()),
            "credit": selectors.credit(institution, timezone.localdate()),
            "scope_items": institution.scope_items.select_related("occupation", "level"),
            "decisions": institution.decisions.all(),
            "inspections": institution.inspections.filter(published=True, done_on__isnull=False).select_related("draw"),
        },
    )


@require_GET
def publicity(request: HttpRequest) -> HttpResponse:
    """The 公示 lists open for objection today."""
    return render(request, "evaluation/public_publicity.html", {"plans": selectors.publicity(timezone.localdate())})


@require_GET
def publicity_plan(request: HttpRequest, code: str) -> HttpResponse:
    today = timezone.localdate()
    plan = next((p for p in selectors.publicity(today) if p.code == code), None)
    if plan is None:
        raise Http404(_("No list under objection has this number."))
    rows = []
    for c in selectors.publicity_candidates(plan):
        try:
            masked = mask_id_number(_id_number(c.person))
        except ValidationError:
            masked = "—"
        rows.append((mask_name(c.person.name), masked, c.theory, c.practical))
    return render(request, "evaluation/public_plan.html", {"plan": plan, "rows": rows})


def _id_number(person: Person) -> str:
    return pii.decrypt(person.id_number_enc)
