"""The competitions' public pages, without signing in: the published results, each participant with a
masked name and ID number (as the evaluation 公示 shows them), the medal, the standardised score and, for a
recognised winner, the certificate number that the public verification page checks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongjiang.competitions.models import Competition, CompetitionStatus
from gongjiang.core import pii
from gongjiang.core.pii import mask_id_number, mask_name
from gongjiang.reference.regions import is_code, scope_prefix
from gongjiang.reference.selectors import region_name


def _published() -> QuerySet[Competition]:
    return Competition.objects.filter(status=CompetitionStatus.PUBLISHED).select_related(
        "occupation", "award_level", "organiser"
    )


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """Competitions whose results are published, newest first, by region."""
    region = request.GET.get("region", "").strip()
    if region and not is_code(region):
        raise Http404(_("Unknown region."))
    competitions = _published()
    if region:
        competitions = competitions.filter(region_code__startswith=scope_prefix(region))
    rows = [(c, region_name(c.region_code)) for c in competitions.order_by("-published_on", "-id")[:500]]
    return render(request, "competitions/public_results.html", {"rows": rows, "region": region})


@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    competition = get_object_or_404(_published(), pk=pk)
    rows = []
    for p in (
        competition.participants.filter(rank__isnull=False)
        .select_related("person", "organisation", "certificate")
        .order_by("rank")
    ):
        try:
            masked = mask_id_number(pii.decrypt(p.person.id_number_enc))
        except ValidationError:
            masked = "—"
        rows.append((p, mask_name(p.person.name), masked))
    return render(
        request,
        "competitions/public_result.html",
        {"competition": competition, "region": region_name(competition.region_code), "rows": rows},
    )
