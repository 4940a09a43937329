"""The one permission model: who may read and who may write what, declared once per model.

Every scoped model declares ``SCOPE = Scope(...)``: the lookup path to its region code, and the paths that
tie it to an organisation. From that one declaration:

* ``restrict(queryset, user, action)`` narrows any queryset to what ``user`` may ``action``. Every list,
  detail page, API view, export and report reads through it.
* ``authorize(user, action, target)`` guards every write. Services call it first, with the object they
  are about to create or change (or a model and a region code); it raises ``PermissionDenied`` with a
  reason in Chinese. ``allowed`` asks the same question for pages deciding which buttons to show.
* the region a change record is filed under (``audit_region_code`` of ``core.models.Scoped``).

Roles:

* Officers (province, city, district) act on their region's subtree: a region code prefix.
* Auditors view their region's subtree and never write.
* Organisation users view their own organisation's records (and what a model makes public to them), and
  write only the steps a model lists in ``organisation_acts`` on their own records.
* Superusers act everywhere; anonymous users and accounts without a region or organisation see nothing.
* ``actor=None`` is the system (console commands, synthetic loads): it is not checked. Requests never
  pass None: an anonymous request's user is ``AnonymousUser``.

Actions are the four base actions (view, add, change, delete) and the workflow steps a model declares
in its scope (approve, export, roster, …), each a kind of change. Asking for an undeclared step is an
error, so the vocabulary of every model is written down in one place. Workflow rules (review stages,
four-eyes approval, which kinds of organisation may take a step) are registered per model and action
with :func:`register_rule` by the app that owns the model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from gongjiang.core.models import Role, Scope, Scoped, follow
from gongjiang.reference.regions import scope_prefix

ACTIONS = ("view", "add", "change", "delete")


class ScopeDenied(PermissionDenied):
    """A refusal that names the input it is about (a region field, say), so a form can show it there."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# A workflow rule: given the user and the target, a reason to refuse, or None.
Rule = Callable[[Any, Any], str | None]
_rules: dict[tuple[str, str], list[Rule]] = {}


def register_rule(label: str, action: str, rule: Rule) -> None:
    """Register a rule that may refuse ``action`` (a base action or a step the model's scope declares) on
    model ``label``: review stages, four-eyes approval, which kinds of organisation take a step."""
    rules = _rules.setdefault((label, action), [])
    if rule not in rules:
        rules.append(rule)


def registered_rules() -> dict[tuple[str, str], list[Rule]]:
    return {k: list(v) for k, v in _rules.items()}


@functools.cache
def _scopes() -> dict[str, Scope]:
    return {m._meta.label: m.SCOPE for m in apps.get_models() if issubclass(m, Scoped)}


def scoped_models() -> list[str]:
    return sorted(_scopes())


def scope_of(model: type[models.Model]) -> Scope:
    try:
        return _scopes()[model._meta.label]
    except KeyError:
        raise LookupError(f"{model._meta.label} has no scope rule") from None


def base_action(model: type[models.Model], action: str) -> str:
    """A base action is itself; a workflow step the model declares is a change; anything else is an error."""
    if action in ACTIONS:
        return action
    if action in scope_of(model).steps:
        return "change"
    raise ValueError(f"{model._meta.label} declares no step {action!r}")


def actions_of(model: type[models.Model]) -> tuple[str, ...]:
    """Every action that can be asked of the model: the base actions and its declared steps."""
    return ACTIONS + tuple(sorted(scope_of(model).steps))


def region_of(obj: models.Model) -> str:
    """The region code ``obj`` belongs to, by its model's scope."""
    value = follow(obj, scope_of(type(obj)).region)
    return value if isinstance(value, str) else ""


def _organisation_of(obj: models.Model, path: str) -> Any:
    if path == "pk":
        return obj.pk
    if "__" not in path and isinstance(obj._meta.get_field(path), models.ForeignKey):
        return getattr(obj, f"{path}_id")
    value = follow(obj, path)
    return getattr(value, "pk", value)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can(user: Any, action: str, model: type[models.Model]) -> bool:
    """May ``user``'s role take ``action`` on this model at all (before narrowing to objects)? A model
    without a scope is platform-wide data (the national code systems, published policy, indicator
    definitions): every signed-in user views it, and only an administrator (or the system) writes it."""
    if not _active(user):
        return False
    if model._meta.label not in _scopes():
        return action == "view" or bool(user.is_superuser)
    scope = scope_of(model)
    base = base_action(model, action)
    if scope.read_only and base != "view":
        return False  # append-only: nobody, a superuser included, is ever in scope to change one
    if user.is_superuser:
        return True
    if user.role == Role.OFFICER:
        return bool(user.region_code)
    if user.role == Role.AUDITOR:
        return base == "view" and bool(user.region_code)
    if user.role == Role.ORGANISATION and user.organisation_id is not None:
        if base == "view":
            return bool(scope.organisation or scope.organisation_public)
        return bool(scope.organisation) and action in scope.organisation_acts
    return False


class CityPart(models.Transform):
    """``<region code>__city``: the code's first four digits (its city), as ``SUBSTRING(code, 1, 4)``, the
    expression of the city indexes (``Substr(code, 1, 4)``), so that a city's records come in the order of
    the index's second column (the id): a city's list, newest first, reads 50 index entries, not every
    record of the city sorted, nor every newer record of the other cities."""

    lookup_name = "city"
    function = "SUBSTRING"
    template = "%(function)s(%(expressions)s, 1, 4)"
    output_field = models.CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="SUBSTR", **extra_context)


models.CharField.register_lookup(CityPart)


@functools.cache  # a model's indexes do not change while it runs
def _code_indexed_alone(model: type[models.Model], path: str) -> bool:
    """Whether ``model`` has an index of the code at ``path`` alone (a field's own index, or one declared
    on that field only); a path through other tables counts as indexed."""
    if "__" in path:
        return True
    field = model._meta.get_field(path)
    if getattr(field, "db_index", False) or getattr(field, "unique", False):
        return True
    return any(list(index.fields) == [path] for index in model._meta.indexes)


def region_q(path: str, region_code: str, model: type[models.Model] | None = None) -> Q:
    """The records whose region code at ``path`` lies in ``region_code``'s subtree: a district by equality
    (by a closed range where ``model`` has no index of the code alone), a city by its four digits (served
    by the city indexes), the province by prefix."""
    prefix = scope_prefix(region_code)
    if len(prefix) == 6:
        # A table whose only index of the code is (code, id) (certificates, employments): the district as a
        # closed range, the same rows, so that PostgreSQL keeps the list's order by (code, id), which that
        # index gives, instead of taking the code for a constant and reading the primary key backwards
        # through every other district's rows (3.7 s for a district's first 50 certificates of 25 million
        # stored region by region; the planner assumes a district's rows spread evenly over the ids).
        if model is not None and not _code_indexed_alone(model, path):
            return Q(**{f"{path}__gte": prefix, f"{path}__lte": prefix})
        return Q(**{path: prefix})
    # A city is written as a closed range, not an equality: the same rows, but PostgreSQL does not take
    # the city for a constant, so a list led by it (core.listing.scope_ordered) keeps the order that
    # only the (city, id) index gives, instead of reading the primary key backwards through other
    # cities' rows. (A district of a table with an index of the code alone stays an equality: a range
    # there lets the planner prefer that index and sort the whole district; with the equality the
    # (code, id) index serves the order.)
    if len(prefix) == 4:
        return Q(**{f"{path}__city__gte": prefix, f"{path}__city__lte": prefix})
    return Q(**{f"{path}__startswith": prefix})


def restrict(queryset: models.QuerySet, user: Any, action: str = "view") -> models.QuerySet:
    """``queryset`` narrowed to the objects ``user`` may ``action``."""
    model = queryset.model
    scope = scope_of(model)
    if not can(user, action, model):
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.role in (Role.OFFICER, Role.AUDITOR):
        return queryset.filter(region_q(scope.region, user.region_code, model))
    org = user.organisation_id
    public = base_action(model, action) == "view" and bool(scope.organisation_public)
    if scope.organisation_via or "__" in scope.organisation:
        # Several ways to an organisation, or one through other tables: the rows found by each way (each
        # served by the indexes of its own joins), united. One OR over joins would read the whole table
        # and need DISTINCT to drop the rows a join repeats.
        branches = [
            model._base_manager.filter(**{path: org}).order_by().values("pk")
            for path in (scope.organisation, *scope.organisation_via)
            if path
        ]
        if public:
            branches.append(model._base_manager.filter(**scope.organisation_public).order_by().values("pk"))
        if len(branches) == 1:
            return queryset.filter(pk__in=branches[0])
        return queryset.filter(pk__in=branches[0].union(*branches[1:]))
    q = Q(pk__in=[])
    if scope.organisation:
        q = Q(**{scope.organisation: org})
    if public:
        q |= Q(**scope.organisation_public)
    return queryset.filter(q)


def region_within(user: Any, region_code: str) -> bool:
    """Is ``region_code`` inside the subtree an officer or auditor is bound to (always, for a superuser)?"""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    if user.role not in (Role.OFFICER, Role.AUDITOR) or not user.region_code or not region_code:
        return False
    prefix = scope_prefix(user.region_code)
    return region_code == prefix if len(prefix) == 6 else region_code.startswith(prefix)


def home_region(user: Any) -> str | None:
    """The region an officer's or auditor's pages open on (the province for a superuser without one)."""
    if not _active(user):
        return None
    if user.is_superuser:
        return user.region_code or "320000"
    if user.role in (Role.OFFICER, Role.AUDITOR) and user.region_code:
        return str(user.region_code)
    return None


def _scope_refusal(
    user: Any, action: str, target: models.Model | type[models.Model], region_code: str | None
) -> tuple[str, bool] | None:
    """Why the role and scope refuse (the message, and whether it is about the region), or None."""
    model = target if isinstance(target, type) else type(target)
    instance = None if isinstance(target, type) else target
    if not can(user, action, model):
        return _("Your account may not do this."), False
    if user.is_superuser or model._meta.label not in _scopes():
        return None
    if user.role == Role.ORGANISATION:
        if instance is None:
            return _("Your account may not do this."), False
        if _organisation_of(instance, scope_of(model).organisation) != user.organisation_id:
            return _("This record does not belong to your organisation."), False
        return None
    region = region_code if region_code is not None else (region_of(instance) if instance is not None else None)
    if region is None:
        raise TypeError("authorize needs an object or a region code")
    if not region_within(user, region):
        return _("Region %(code)s is outside your scope.") % {"code": region or "—"}, True
    return None


def in_scope(
    user: Any, action: str, target: models.Model | type[models.Model], *, region_code: str | None = None
) -> bool:
    """Do role and scope alone let ``user`` take ``action`` on ``target`` (workflow rules aside)?"""
    return user is None or _scope_refusal(user, action, target, region_code) is None


def authorize(
    user: Any,
    action: str,
    target: models.Model | type[models.Model],
    *,
    region_code: str | None = None,
    field: str = "",
) -> None:
    """Refuse (``PermissionDenied``, with the reason) unless ``user`` may ``action`` ``target``: an object
    (saved or about to be created), or a model with the ``region_code`` the new record would have.
    ``field`` names the input the region came from, for forms. ``user=None`` is the system."""
    if user is None:
        return
    refusal = _scope_refusal(user, action, target, region_code)
    if refusal is not None:
        message, about_region = refusal
        raise ScopeDenied(message, field=field if about_region else "")
    model = target if isinstance(target, type) else type(target)
    for rule in _rules.get((model._meta.label, action), ()):
        reason = rule(user, target)
        if reason:
            raise ScopeDenied(reason)


def allowed(
    user: Any, action: str, target: models.Model | type[models.Model], *, region_code: str | None = None
) -> bool:
    """Would :func:`authorize` let ``user`` do this? For pages deciding which buttons to show; a model
    without a region asks only whether the role may take the action at all."""
    if user is None:
        return False
    if isinstance(target, type) and region_code is None:
        return can(user, action, target)
    try:
        authorize(user, action, target, region_code=region_code)
    except PermissionDenied:
        return False
    return True


def can_reveal_pii(user: Any) -> bool:
    """Full ID numbers and phones are shown, on request and logged, to officers and superusers."""
    if not _active(user):
        return False
    return bool(user.is_superuser or (user.role == Role.OFFICER and user.region_code))
