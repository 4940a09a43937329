"""The policy vocabulary as people read it, in the page's language: event types, refusal reasons,
parameters, decision tables and their columns and values, rounding.

The codes (``training_certificate``, ``same_occupation_level``, ``enterprise_training.share``) are what
the sets, the engine, event files and the API speak; pages show these labels instead. Every code the
engine knows has its label here (``tests/test_labels.py`` holds it to :mod:`gongjiang.policy.formulas`);
a code without one, from a newer set say, is shown as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EVENT_TYPES = {
    "training_certificate": gettext_lazy("Training subsidy on a certificate"),
    "enterprise_training": gettext_lazy("Enterprise training subsidy"),
    "designated_training": gettext_lazy("Training at a designated institution"),
    "project_training": gettext_lazy("Project-based training"),
    "shortage_grant": gettext_lazy("Shortage-occupation grant"),
    "talent_introduction": gettext_lazy("Award for introducing talent"),
    "first_year_award": gettext_lazy("First-year award for high-skilled workers"),
    "outstanding_talent": gettext_lazy("Outstanding high-skilled talent award"),
    "order_class_match": gettext_lazy("Matching funds for order classes"),
    "partner_unit_reward": gettext_lazy("Reward for partner units"),
    "vocational_student_appraisal": gettext_lazy("Free appraisal for vocational students"),
    "gusu_housing": gettext_lazy("Gusu housing subsidy"),
}

REASONS = {
    "ok": gettext_lazy("eligible"),
    "not_in_force": gettext_lazy("no rule in force in this region on this date"),
    "no_rule_row": gettext_lazy("no row of the rule's table applies"),
    "level_not_covered": gettext_lazy("this level is not subsidised"),
    "class_hours_short": gettext_lazy("too few class hours"),
    "not_local": gettext_lazy("neither local household registration nor 6 months of local social insurance"),
    "not_designated": gettext_lazy("the institution was not designated on the training date"),
    "not_shortage": gettext_lazy("not a shortage occupation"),
    "no_qualifying_title": gettext_lazy("no qualifying title or level"),
    "not_high_skilled": gettext_lazy("not high-skilled (senior worker or above)"),
    "year_not_complete": gettext_lazy("less than a year of local work"),
    "not_student": gettext_lazy("not a secondary vocational student"),
    "below_threshold": gettext_lazy("fewer people sent than required"),
    "same_occupation_level": gettext_lazy("already subsidised for this occupation at this level"),
    "max_trainings": gettext_lazy("the most subsidised trainings a person may have"),
    "max_per_person": gettext_lazy("once per person"),
    "max_per_org_year": gettext_lazy("once per organisation a year"),
    "quota_exceeded": gettext_lazy("beyond the year's quota"),
    "cap_reached": gettext_lazy("the person's cap is reached"),
    "zero_amount": gettext_lazy("the amount is zero"),
    "outside_region": gettext_lazy("outside the policy set's regions"),
    "not_in_set": gettext_lazy("the policy set does not pay this kind of event"),
}

# Parameters read by every rule, and the parts of ``<event type>.<part>``.
PARAMETERS = {
    "standard_adjustment": gettext_lazy("City adjustment of the provincial standard"),
    "standard_adjustment_limit": gettext_lazy("Largest city adjustment allowed"),
    "catalog_extension_limit": gettext_lazy("Largest share of occupations a city may add to the catalog"),
    "max_subsidised_trainings": gettext_lazy("Most subsidised trainings per person"),
    "same_occupation_level_once": gettext_lazy("Subsidies per occupation and level"),
}
PARAMETER_PARTS = {
    "share": gettext_lazy("share paid"),
    "match_ratio": gettext_lazy("matching ratio"),
    "amount": gettext_lazy("amount"),
    "amount_per_year": gettext_lazy("amount a year"),
    "years": gettext_lazy("years paid"),
    "min_months": gettext_lazy("months of local work required"),
    "max_per_person": gettext_lazy("times per person"),
    "max_per_org_year": gettext_lazy("times per organisation a year"),
    "quota_per_region_year": gettext_lazy("places per region a year"),
    "cap_per_person": gettext_lazy("cap per person"),
}

TABLES = {
    "training_standard": gettext_lazy("Training subsidy standard"),
    "tier_by_occupation": gettext_lazy("Catalog tier by occupation group"),
    "shortage_uplift": gettext_lazy("Uplift for shortage and digital occupations"),
    "training_checks": gettext_lazy("Training checks"),
    "designated_share": gettext_lazy("Share paid at designated institutions"),
    "shortage_grant": gettext_lazy("Shortage-occupation grant"),
    "talent_introduction": gettext_lazy("Award for introducing talent"),
    "partner_unit_reward": gettext_lazy("Reward for partner units"),
}

# Columns of decision tables (the event's columns they read, the values they give).
COLUMNS = {
    "level": gettext_lazy("Skill level"),
    "tier": gettext_lazy("Catalog tier"),
    "talent_title": gettext_lazy("Title"),
    "occ_major": gettext_lazy("Occupation major group"),
    "occ_medium": gettext_lazy("Occupation medium group"),
    "shortage": gettext_lazy("Shortage occupation"),
    "digital": gettext_lazy("Digital occupation"),
    "hukou_local": gettext_lazy("Local household registration"),
    "designated": gettext_lazy("Designated institution on the training date"),
    "student": gettext_lazy("Secondary vocational student"),
    "class_hours": gettext_lazy("Class hours"),
    "insured_months": gettext_lazy("Months of local social insurance"),
    "headcount": gettext_lazy("People sent"),
    "amount": gettext_lazy("Amount (yuan)"),
    "share": gettext_lazy("Share paid (%)"),
    "uplift": gettext_lazy("Uplift (%)"),
}

VALUES = {
    "level": {
        "apprentice": gettext_lazy("Apprentice"),
        "level5": gettext_lazy("Junior worker"),
        "level4": gettext_lazy("Intermediate worker"),
        "level3": gettext_lazy("Senior worker"),
        "level2": gettext_lazy("Technician"),
        "level1": gettext_lazy("Senior technician"),
        "special": gettext_lazy("Special-grade technician"),
        "chief": gettext_lazy("Chief technician"),
    },
    "talent_title": {
        "none": gettext_lazy("none"),
        "national_expert": gettext_lazy("National technical expert"),
        "provincial_expert": gettext_lazy("Provincial technical expert"),
    },
}

ROUNDING = {"half_up": gettext_lazy("rounded half up"), "down": gettext_lazy("rounded down")}
ROUNDING_UNITS = {"fen": gettext_lazy("to the fen"), "yuan": gettext_lazy("to the yuan")}


def event_type(code: str) -> str:
    return str(EVENT_TYPES.get(code, code))


def reason(code: str) -> str:
    return str(REASONS.get(code, code))


def parameter(name: str) -> str:
    """``enterprise_training.share`` → 企业职工培训补贴：补贴比例."""
    if name in PARAMETERS:
        return str(PARAMETERS[name])
    head, _dot, part = name.partition(".")
    if part and (head in EVENT_TYPES or head in TABLES) and part in PARAMETER_PARTS:
        owner = EVENT_TYPES.get(head) or TABLES[head]
        return _("%(owner)s: %(part)s") % {"owner": owner, "part": PARAMETER_PARTS[part]}
    return name


def table(name: str) -> str:
    return str(TABLES.get(name, name))


def column(name: str) -> str:
    return str(COLUMNS.get(name, name))


def value(column_name: str, shown: Any) -> str:
    """A cell of a decision table: a level or title by its name, yes or no, anything else as written."""
    if isinstance(shown, bool):
        return _("yes") if shown else _("no")
    if isinstance(shown, list):
        return " | ".join(value(column_name, v) for v in shown)
    labels = VALUES.get(column_name, {})
    return str(labels.get(shown, shown)) if isinstance(shown, str) else str(shown)


def rounding(mode: str, unit: str) -> str:
    return _("%(mode)s %(unit)s") % {
        "mode": ROUNDING.get(mode, mode),
        "unit": ROUNDING_UNITS.get(unit, unit),
    }
