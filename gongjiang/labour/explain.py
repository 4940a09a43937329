"""The sentence that explains a recommendation, in the page's language, from its explanation code
(``recommend.decode``): one phrase per part of the score."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gongjiang.labour.recommend import decode

OCCUPATION = {"same": _l("the same occupation"), "adjacent": _l("an adjacent occupation (same minor group)")}
LEVEL = {
    "equal": _l("the level matches"),
    "one_below": _l("the post asks one level below yours"),
    "step_up": _l("a step up: the post asks one level above yours"),
    "far": _l("the level is further from yours"),
    "unknown": _l("the level is not stated"),
}
REGION = {
    "district": _l("in your district"),
    "city": _l("in your city"),
    "province": _l("in your province"),
    "elsewhere": _l("outside your province"),
}
WAGE = {
    "at_or_above": _l("the wage is at or above what you ask"),
    "near": _l("the wage is at most a tenth below what you ask"),
    "below": _l("the wage is below what you ask"),
    "unknown": _l("you have not stated a wage"),
}


def sentence(code: int) -> str:
    """One sentence: the four phrases joined (the score's parts, in order)."""
    occ, level, region, wage = decode(code)
    return _("%(occupation)s; %(level)s; %(region)s; %(wage)s.") % {
        "occupation": str(OCCUPATION[occ]),
        "level": str(LEVEL[level]),
        "region": str(REGION[region]),
        "wage": str(WAGE[wage]),
    }


def sentences() -> dict[int, str]:
    """Every explanation code's sentence (160 of them): rendering many recommendations is a lookup."""
    out = {}
    for occ in (1, 2):
        for level in range(5):
            for region in range(4):
                for wage in range(4):
                    code = (occ * 5 + level) * 16 + region * 4 + wage
                    out[code] = sentence(code)
    return out
