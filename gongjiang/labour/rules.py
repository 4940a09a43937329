"""The shortage index of the need catalog, and the workflow rules of the labour models.

Shortage index of an occupation in a region and year (in the manner of Australia's skills-priority
list, which reads shortages from how many vacancies are filled):

    index = 0.5 × (1 − fill rate) + 0.3 × gap share + 0.2 × hard-to-fill share

* fill rate: headcount filled over headcount posted by the region's enterprises in the year (no posts: 1);
* gap share: (demand − supply) / demand, at least 0, where demand is the headcount posted plus the next
  year's planned hires of the survey, and supply the schools' expected graduates of the year in the
  occupation (the forecast supply);
* hard-to-fill share: posts hard to fill over demand, counted only for posts open 90 days or more
  (at most 1).

An occupation is proposed for the shortage list when its index is at least 0.5 and its demand at least
10 (a handful of posts says nothing). Each proposal carries its evidence: the figures above. Once the
need catalog is published an officer accepts a proposal (the occupation becomes a shortage occupation of
the region's training catalog of the year, citing ``shortage_clause``) or rejects it with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gongjiang.core.scope import register_rule

W_FILL, W_GAP, W_HARD = 0.5, 0.3, 0.2
PROPOSE_AT = 0.5
MIN_DEMAND = 10
HARD_DAYS = 90


@dataclass
class Evidence:
    occupation_id: int
    posted: int
    filled: int
    planned: int
    supply: int
    hard_to_fill: int
    open_days: int

    @property
    def demand(self) -> int:
        return self.posted + self.planned

    @property
    def fill_rate(self) -> float:
        return self.filled / self.posted if self.posted else 1.0

    @property
    def gap_share(self) -> float:
        return max(0.0, (self.demand - self.supply) / self.demand) if self.demand else 0.0

    @property
    def hard_share(self) -> float:
        if not self.demand or self.open_days < HARD_DAYS:
            return 0.0
        return min(1.0, self.hard_to_fill / self.demand)

    @property
    def index(self) -> float:
        return round(W_FILL * (1 - self.fill_rate) + W_GAP * self.gap_share + W_HARD * self.hard_share, 3)

    @property
    def proposed(self) -> bool:
        return self.index >= PROPOSE_AT and self.demand >= MIN_DEMAND


# The clause an accepted proposal cites in the training catalog (a key of the policy documents, shown as
# the document's number): the region's own shortage catalog where it has one, else the need survey and
# its publication.
SHORTAGE_BASIS = "JS-2024-37 (三)"
REGIONAL_SHORTAGE_CLAUSES = {"320582": "ZJG-opinion 二(七)", "3205": "SZ-report"}


def shortage_clause(region_code: str) -> str:
    """The clause an accepted shortage proposal of ``region_code`` cites in the training catalog."""
    return (
        REGIONAL_SHORTAGE_CLAUSES.get(region_code) or REGIONAL_SHORTAGE_CLAUSES.get(region_code[:4]) or SHORTAGE_BASIS
    )


def _catalog_publish(user: Any, obj: Any) -> str | None:
    """A catalog is published once compiled (with at least one entry)."""
    if obj is None or isinstance(obj, type):
        return None
    if not obj.entries.exists():
        return _("Compile the catalog before publishing it.")
    return None


def register() -> None:
    register_rule("labour.NeedCatalog", "publish", _catalog_publish)
