"""Reads of the wage prices: what the public sees (the current published editions, their published cells,
the trend of a cell over the years, the level premiums), and what other apps use
(``level_premium`` for the worker's skill path, ``median_by_level`` for the monitoring dashboards).

An edition is **current** when it is published and no published edition corrects it. Only published
cells carry values outside the bureau: a suppressed cell is shown with its reason, never its figures.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.reference.regions import lineage
from gongjiang.wages.models import QUANTILES, Cell, CellStatus, Edition, EditionStatus, Premium

LEVELS = ("level5", "level4", "level3", "level2", "level1")
LEVEL_GROUPS = {
    "high": gettext_lazy("High-skilled and above"),
    "intermediate": gettext_lazy("Intermediate"),
    "junior": gettext_lazy("Junior"),
}
# The disclosure rules' reason codes in plain words (``disclosure.REASON_LABELS`` holds the English ones).
REASONS = {
    "few_enterprises": gettext_lazy("Fewer enterprises reported than the rule requires."),
    "few_employees": gettext_lazy("Fewer employees were reported than the rule requires."),
    "dominance": gettext_lazy("One or two enterprises make up most of the pay; their figures could be recognised."),
    "p_percent": gettext_lazy("The second largest enterprise could estimate the largest one's pay too closely."),
    "precision": gettext_lazy("The estimate is too imprecise to publish (relative standard error too large)."),
    "complementary": gettext_lazy(
        "Suppressed as well, so that another suppressed figure cannot be worked out from the published totals."
    ),
}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, _("Not published under the disclosure rules.")))


def level_names() -> dict[str, str]:
    names = {level.code: level.display_name for level in SkillLevel.objects.filter(code__in=LEVELS)}
    names[""] = str(_("All levels"))
    names["all"] = str(_("All levels"))
    names["none"] = str(_("No skill level"))
    return names


def current_editions() -> QuerySet[Edition]:
    """Published editions that no published edition corrects."""
    corrected = Edition.objects.filter(supersedes=OuterRef("pk"), status=EditionStatus.PUBLISHED)
    return Edition.objects.filter(status=EditionStatus.PUBLISHED).exclude(Exists(corrected))


def edition_for(region_code: str, year: int | None = None) -> Edition | None:
    """The current edition covering ``region_code`` (its own or its city's): of ``year``, or the latest."""
    editions = current_editions().filter(region_code__in=lineage(region_code))
    if year is not None:
        editions = editions.filter(year=year)
    return editions.order_by("-year", "-number").first()


def public_cells(edition: Edition) -> QuerySet[Cell]:
    return edition.cells.all()


def search(
    *, q: str = "", level: str = "", region_code: str = "", year: int | None = None
) -> tuple[list[Edition], QuerySet[Cell]]:
    """Occupation-by-level cells of the current editions matching an occupation name or code, a level and
    a region (the city or one of its districts)."""
    editions = current_editions()
    if year is not None:
        editions = editions.filter(year=year)
    if region_code:
        editions = editions.filter(region_code__in=lineage(region_code))
    chosen = list(editions.order_by("-year", "region_code"))
    cells = Cell.objects.filter(edition__in=chosen, cell_kind="occupation_level")
    if region_code:
        cells = cells.filter(region_code=region_code)
    if level:
        cells = cells.filter(skill_level=level)
    q = q.strip()
    if q:
        if q[:1].isdigit():
            cells = cells.filter(occupation_code__startswith=q)
        else:
            codes = Occupation.objects.filter(name__contains=q, kind="occupation").values("code")
            cells = cells.filter(occupation_code__in=codes)
    return chosen, cells.select_related("edition").order_by(
        "-edition__year", "region_code", "occupation_code", "skill_level"
    )


def _key(cell: Cell) -> dict[str, Any]:
    return {
        "cell_kind": cell.cell_kind,
        "region_code": cell.region_code,
        "occupation_code": cell.occupation_code,
        "minor_group": cell.minor_group,
        "skill_level": cell.skill_level,
        "industry_section": cell.industry_section,
        "level_group": cell.level_group,
    }


def trend(cell: Cell) -> list[Cell]:
    """The same cell in every current edition of its city, by year."""
    editions = current_editions().filter(region_code=cell.edition.region_code)
    return list(
        Cell.objects.filter(edition__in=editions, **_key(cell)).select_related("edition").order_by("edition__year")
    )


def levels_of(cell: Cell) -> list[Cell]:
    """The cells of the same occupation (or group) and region at every level, in the same edition."""
    if cell.cell_kind not in ("occupation_level", "minor_group_level", "digital_level"):
        return []
    key = _key(cell)
    key.pop("skill_level")
    rows = {c.skill_level: c for c in cell.edition.cells.filter(**key)}
    return [rows[level] for level in ("", "all", *LEVELS) if level in rows]


def premiums_of(cell: Cell) -> list[Premium]:
    """The published level premiums of the cell's occupation (or group) and region."""
    qs = cell.edition.premiums.filter(region_code=cell.region_code, publishable=True)
    if cell.occupation_code:
        qs = qs.filter(occupation_code=cell.occupation_code)
    else:
        qs = qs.filter(minor_group=cell.minor_group, occupation_code="")
    return list(qs.order_by("from_level", "to_level"))


def box(cell: Cell) -> dict[str, Any] | None:
    """A published cell's figures for its chart: the five quantiles, the mean and their intervals."""
    if cell.status != CellStatus.PUBLISHED:
        return None
    return {
        "quantiles": [getattr(cell, q) for q in QUANTILES],
        "lo": [getattr(cell, f"lo_{q}") for q in QUANTILES],
        "hi": [getattr(cell, f"hi_{q}") for q in QUANTILES],
        "mean": cell.mean,
    }


# ---- for other apps ---------------------------------------------------------------------------------


def level_premium(region_code: str, occupation_code: str) -> list[dict[str, Any]]:
    """The published level premiums of an occupation in the latest current edition covering the region:
    from_level, to_level, ratio of the medians and its 95% interval, the year and the region of the
    figures. Empty where nothing is published."""
    edition = edition_for(region_code)
    if edition is None:
        return []
    regions = [c for c in lineage(region_code) if c.startswith(edition.region_code[:4]) or c == edition.region_code]
    for code in regions:
        rows = list(
            edition.premiums.filter(region_code=code, occupation_code=occupation_code, publishable=True).order_by(
                "from_level", "to_level"
            )
        )
        if rows:
            return [
                {
                    "year": edition.year,
                    "region_code": code,
                    "from_level": p.from_level,
                    "to_level": p.to_level,
                    "ratio": p.ratio,
                    "lo": p.lo,
                    "hi": p.hi,
                }
                for p in rows
            ]
    return []


def median_by_level(region_code: str) -> dict[str, Any] | None:
    """The median annual pay by level group (高级技能及以上, 中级, 初级) of the region from the latest
    current edition covering it: all industries together where the edition has such cells, else the
    region's industry cells are not combined (a median of medians is no median) and nothing is returned.
    Suppressed groups are returned with their reason, without a value."""
    edition = edition_for(region_code)
    if edition is None:
        return None
    regions = [c for c in lineage(region_code) if len(c) == 6]
    for code in regions:
        cells = list(
            edition.cells.filter(
                cell_kind="industry_level_group", region_code=code, industry_section__in=("", "*", "all")
            )
        )
        if not cells:
            continue
        rows = []
        for group, label in LEVEL_GROUPS.items():
            cell = next((c for c in cells if c.level_group == group), None)
            if cell is None:
                continue
            published = cell.status == CellStatus.PUBLISHED
            rows.append(
                {
                    "group": group,
                    "label": str(label),
                    "median": cell.p50 if published else None,
                    "lo": cell.lo_p50 if published else None,
                    "hi": cell.hi_p50 if published else None,
                    "reason": "" if published else reason_text(cell.reason),
                    "cell": cell.pk,
                }
            )
        return {"edition": edition, "year": edition.year, "region_code": code, "rows": rows}
    return None


def labelled(cells: list[Cell]) -> list[Cell]:
    """The cells with their names for the pages: ``occupation_name``, ``level_name``, ``reason_label``."""
    names = dict(
        Occupation.objects.filter(code__in={c.occupation_code for c in cells if c.occupation_code}).values_list(
            "code", "name"
        )
    )
    levels = level_names()
    for c in cells:
        c.occupation_name = names.get(c.occupation_code, "")  # type: ignore[attr-defined]
        c.level_name = levels.get(c.skill_level, c.skill_level)  # type: ignore[attr-defined]
        c.group_name = str(LEVEL_GROUPS.get(c.level_group, ""))  # type: ignore[attr-defined]
        c.reason_label = reason_text(c.reason) if c.status != CellStatus.PUBLISHED else ""  # type: ignore[attr-defined]
    return cells
