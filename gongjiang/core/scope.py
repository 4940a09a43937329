"""Region and organisation scope, enforced once where data is read.

``restrict(queryset, user, action)`` narrows any queryset of a scoped model to what ``user`` may
``action`` ("view", "add", "change", "delete"). Every list, detail page, API view and export calls it.

* Officers (province, city, district) act on their region's subtree: a region code prefix.
* Auditors view their region's subtree and never write.
* Organisation users view their own organisation's records and never write here.
* Superusers act everywhere. Anonymous users see nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from gongjiang.core.models import Role
from gongjiang.reference.regions import scope_prefix

ACTIONS = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class ScopeRule:
    region_field: str  # a lookup path to a region code
    organisation_q: str  # lookup path that equals the user's organisation id
    organisation_via: tuple[str, ...] = ()  # alternative paths (OR)


_RULES: dict[str, ScopeRule] = {
    "registry.Person": ScopeRule("residence_region_code", "employments__organisation"),
    "registry.Organisation": ScopeRule("region_code", "pk"),
    "registry.Employment": ScopeRule("organisation__region_code", "organisation"),
    "registry.EmploymentStat": ScopeRule("region_code", ""),
    "credentials.Certificate": ScopeRule(
        "person__residence_region_code", "issuer", ("person__employments__organisation",)
    ),
    "core.ChangeRecord": ScopeRule("region_code", ""),
    # Monitoring: targets and carriers are located in their region.
    "monitoring.Target": ScopeRule("region_code", ""),
    "monitoring.Carrier": ScopeRule("region_code", ""),
    # Import jobs are located in the region of the officer who uploaded the file.
    "imports.ImportJob": ScopeRule("region_code", ""),
    # Training administration: located where the funding region is; institutions see their own.
    "training.Designation": ScopeRule("region_code", "organisation"),
    "training.CatalogEntry": ScopeRule("region_code", ""),
    "training.TrainingNeed": ScopeRule("region_code", ""),
    "training.Application": ScopeRule("region_code", "institution"),
    "training.ReviewDecision": ScopeRule("application__region_code", "application__institution"),
    "training.TrainingClass": ScopeRule("region_code", "institution"),
    "training.Enrolment": ScopeRule("training_class__region_code", "training_class__institution"),
    "training.Claim": ScopeRule("region_code", "institution"),
    "training.PaymentBatch": ScopeRule("region_code", ""),
    "training.PaymentLine": ScopeRule("batch__region_code", ""),
    "training.AuditSample": ScopeRule("region_code", ""),
    "training.SampleItem": ScopeRule("sample__region_code", ""),
    "training.Finding": ScopeRule("region_code", ""),
}


def scoped_models() -> list[str]:
    return list(_RULES)


def rule_for(model: type[models.Model]) -> ScopeRule:
    return _RULES[model._meta.label]


def can(user: Any, action: str, model: type[models.Model]) -> bool:
    """May ``user`` perform ``action`` on this model at all (before narrowing to objects)?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    label = model._meta.label
    if label == "core.ChangeRecord":
        # Append-only: nobody, a superuser included, is ever in scope to change or delete one.
        return action == "view" and (
            user.is_superuser or (user.role in (Role.OFFICER, Role.AUDITOR) and bool(user.region_code))
        )
    if user.is_superuser:
        return True
    if user.role == Role.OFFICER:
        return bool(user.region_code)
    if user.role == Role.AUDITOR:
        return action == "view" and bool(user.region_code)
    if user.role == Role.ORGANISATION:
        return action == "view" and user.organisation_id is not None and bool(_RULES[label].organisation_q)
    return False


def region_q(rule: ScopeRule, region_code: str) -> Q:
    prefix = scope_prefix(region_code)
    if len(prefix) == 6:
        return Q(**{rule.region_field: prefix})
    return Q(**{f"{rule.region_field}__startswith": prefix})


def restrict(queryset: models.QuerySet, user: Any, action: str = "view") -> models.QuerySet:
    model = queryset.model
    rule = _RULES.get(model._meta.label)
    if rule is None:
        raise LookupError(f"{model._meta.label} has no scope rule")
    if not can(user, action, model):
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.role in (Role.OFFICER, Role.AUDITOR):
        return queryset.filter(region_q(rule, user.region_code))
    if user.role == Role.ORGANISATION:
        org = user.organisation_id
        q = Q(**{rule.organisation_q: org})
        for path in rule.organisation_via:
            q |= Q(**{path: org})
        filtered = queryset.filter(q)
        if rule.organisation_via or "__" in rule.organisation_q:
            filtered = filtered.distinct()
        return filtered
    return queryset.none()


def region_allowed(user: Any, region_code: str) -> bool:
    """May an officer write a record located in ``region_code``?"""
    if user.is_superuser:
        return True
    if user.role != Role.OFFICER or not user.region_code:
        return False
    return region_code.startswith(scope_prefix(user.region_code))


def can_reveal_pii(user: Any) -> bool:
    """Full ID numbers and phones are shown, on request and logged, to officers and superusers."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser or (user.role == Role.OFFICER and user.region_code))
