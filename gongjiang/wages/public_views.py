"""The public wage-price pages, without signing in: search by occupation, level and region; a cell with
its quantiles, intervals, box-and-whisker chart, trend and level comparison; an edition's table with its
XLSX and PDF; the notice of method and suppression rules. Only current published editions are shown, and
of their cells only the published ones carry figures."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongjiang.reference.regions import is_code_shape
from gongjiang.reference.selectors import region_name
from gongjiang.wages import exports, selectors
from gongjiang.wages.models import Cell, CellStatus, Edition, EditionStatus

PAGE_ROWS = 200


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Http404(_("Unknown year."))
    return int(raw)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    level = request.GET.get("level", "").strip()
    region = request.GET.get("region", "").strip()
    if level and level not in selectors.LEVELS:
        raise Http404(_("Unknown skill level."))
    if region and not is_code_shape(region):
        raise Http404(_("Unknown region."))
    year = _year(request)
    editions, cells = selectors.search(q=q, level=level, region_code=region, year=year)
    shown = selectors.labelled(list(cells[:PAGE_ROWS]))
    regions = sorted({(e.region_code, region_name(e.region_code)) for e in selectors.current_editions()})
    years = sorted({e.year for e in selectors.current_editions()}, reverse=True)
    return render(
        request,
        "wages/public_search.html",
        {
            "q": q,
            "level": level,
            "region": region,
            "year": year,
            "editions": editions,
            "cells": shown,
            "more": cells.count() > PAGE_ROWS,
            "level_choices": [(c, selectors.level_names().get(c, c)) for c in selectors.LEVELS],
            "regions": regions,
            "years": years,
        },
    )


def _public_cell(pk: int) -> Cell:
    """A cell of a published edition (a corrected edition stays readable, marked as corrected)."""
    return get_object_or_404(Cell.objects.select_related("edition"), pk=pk, edition__status=EditionStatus.PUBLISHED)


def _correction(edition: Edition) -> Edition | None:
    """The published edition that corrects ``edition``, if any."""
    return Edition.objects.filter(supersedes=edition, status=EditionStatus.PUBLISHED).first()


def _label(cell: Cell, names: dict[str, str]) -> str:
    if cell.occupation_code:
        return names.get(cell.occupation_code, cell.occupation_code)
    return cell.minor_group or cell.industry_section


@require_GET
def cell_page(request: HttpRequest, pk: int) -> HttpResponse:
    cell = _public_cell(pk)
    names = exports.occupation_names({cell.occupation_code})
    levels = selectors.level_names()
    trend = selectors.trend(cell)
    compare = selectors.labelled(selectors.levels_of(cell))
    premiums = selectors.premiums_of(cell)
    for p in premiums:
        p.from_name = levels.get(p.from_level, p.from_level)  # type: ignore[attr-defined]
        p.to_name = levels.get(p.to_level, p.to_level)  # type: ignore[attr-defined]
    chart: dict[str, Any] = {
        "box": selectors.box(cell),
        "trend": [
            {"year": c.edition.year, "p50": c.p50, "lo": c.lo_p50, "hi": c.hi_p50, "p10": c.p10, "p90": c.p90}
            for c in trend
            if c.status == CellStatus.PUBLISHED
        ],
        "levels": [
            {
                "level": c.level_name,  # type: ignore[attr-defined]
                "box": [c.p10, c.p25, c.p50, c.p75, c.p90] if c.status == CellStatus.PUBLISHED else None,
            }
            for c in compare
        ],
        "labels": {
            "median": _("Median"),
            "interval": _("Confidence interval (95 percent)"),
            "p10": _("P10"),
            "p90": _("P90"),
            "yuan": _("yuan per year"),
            "suppressed": _("suppressed"),
            "mean": _("Mean"),
            "empty": _("No published figures to draw."),
        },
    }
    superseded = _correction(cell.edition)
    return render(
        request,
        "wages/public_cell.html",
        {
            "cell": cell,
            "title": _label(cell, names),
            "level": levels.get(cell.skill_level, cell.skill_level),
            "region_label": region_name(cell.region_code),
            "rows": [
                (label, getattr(cell, s), getattr(cell, f"lo_{s}"), getattr(cell, f"hi_{s}"))
                for s, label in (
                    ("p10", _("P10 (low)")),
                    ("p25", _("P25")),
                    ("p50", _("P50 (median)")),
                    ("p75", _("P75")),
                    ("p90", _("P90 (high)")),
                    ("mean", _("Mean")),
                )
            ],
            "reason": selectors.reason_text(cell.reason) if not cell.published else "",
            "trend": trend,
            "compare": compare,
            "premiums": premiums,
            "levels": levels,
            "chart": chart,
            "superseded": superseded,
        },
    )


def _public_edition(pk: int) -> Edition:
    return get_object_or_404(Edition, pk=pk, status=EditionStatus.PUBLISHED)


@require_GET
def edition_page(request: HttpRequest, pk: int) -> HttpResponse:
    edition = _public_edition(pk)
    cells = list(
        edition.cells.filter(cell_kind="occupation_level").order_by("region_code", "occupation_code", "skill_level")
    )
    return render(
        request,
        "wages/public_edition.html",
        {
            "edition": edition,
            "region_label": region_name(edition.region_code),
            "cells": selectors.labelled(cells),
            "superseded": _correction(edition),
        },
    )


@require_GET
def edition_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return exports.respond(_public_edition(pk), fmt)


@require_GET
def method(request: HttpRequest) -> HttpResponse:
    edition = selectors.current_editions().order_by("-year", "-published_at").first()
    method_labels = {
        "replicates": _("Replicate weights (bootstrap resamples of the enterprises)"),
        "seed": _("Random seed of the replicates"),
        "confidence": _("Confidence level of the intervals"),
    }
    rule_labels = {
        "min_enterprises": _("Fewest enterprises in a published cell"),
        "min_employees": _("Fewest employees in a published cell"),
        "dominance_n": _("Dominance rule: number of largest enterprises"),
        "dominance_k": _("Dominance rule: largest share of the cell's pay they may hold"),
        "p_percent": _("p-percent rule: p (percent)"),
        "max_relative_se": _("Largest relative standard error of the median"),
        "protection_percent": _("Protection interval of a suppressed cell (percent)"),
    }
    method = edition.method if edition else {}
    rules = edition.rules if edition else {}
    return render(
        request,
        "wages/public_method.html",
        {
            "edition": edition,
            "method_rows": [(label, method[k]) for k, label in method_labels.items() if k in method],
            "rule_rows": [(label, rules[k]) for k, label in rule_labels.items() if k in rules],
            "reasons": selectors.REASONS,
        },
    )
