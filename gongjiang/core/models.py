"""Users with roles and region scope; append-only change records; the log of personal-data reveals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from gongjiang.reference.regions import level_of


@dataclass(frozen=True)
class Scope:
    """Where a model's records belong, declared once as the model's ``SCOPE`` (see ``core.scope``).

    ``region``: the lookup path to the record's region code. ``organisation``: the path equal to an
    organisation user's organisation id (``organisation_via``: more such paths, OR-ed). ``organisation_acts``:
    the actions an organisation user may take on its own records. ``organisation_public``: lookups of the
    records every organisation user may view. ``read_only``: nobody may change or delete a record.
    ``steps``: the model's workflow steps beyond add, change and delete (approve, revoke, …)."""

    region: str
    organisation: str = ""
    organisation_via: tuple[str, ...] = ()
    organisation_acts: frozenset[str] = frozenset()
    organisation_public: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    read_only: bool = False
    steps: frozenset[str] = frozenset()


def follow(obj: Any, path: str) -> Any:
    """The value at a lookup path (``person__residence_region_code``) of an object, None past a gap."""
    for part in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


class Scoped(models.Model):
    """A record with a declared ``SCOPE``; the region its change records are filed under derives from it."""

    SCOPE: ClassVar[Scope]

    class Meta:
        abstract = True

    @property
    def audit_region_code(self) -> str:
        value = follow(self, self.SCOPE.region)
        return value if isinstance(value, str) else ""


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    ORGANISATION = "organisation", _("Organisation user")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
    WORKER = "worker", _("Worker account")


class User(AbstractUser):
    """A platform user. Officers and auditors are bound to a region and see its subtree;
    organisation users are bound to an organisation and see its records."""

    AUDIT_EXCLUDE = ("password",)  # never in a change record, not even hashed

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    region_code = models.CharField(_("region code"), max_length=6, blank=True, default="")
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # A worker's account is bound to their person record (by an officer's invitation, or by their ID number
    # and a one-time code sent to the phone on file): the self-service pages show that person only.
    person = models.OneToOneField(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def region_level(self) -> str:

        return level_of(self.region_code) if self.region_code else ""

    @property
    def role_label(self) -> str:
        if self.is_superuser or self.role == Role.ADMIN:
            return str(_("Administrator"))
        if self.role == Role.OFFICER:
            return {
                "province": str(_("Province officer")),
                "city": str(_("City officer")),
                "county": str(_("District officer")),
            }.get(self.region_level, str(_("Officer")))
        return str(self.get_role_display())


class ChangeRecordQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("change records are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("change records are append-only")


class ChangeRecord(Scoped):
    """One create, update or delete of one object (or one bulk batch), with personal data redacted."""

    SCOPE = Scope("region_code", read_only=True)

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        BULK_CREATE = "bulk_create", _("Bulk create")

    class Source(models.TextChoices):
        WEB = "web", _("Web page")
        API = "api", _("API")
        CLI = "cli", _("Command line")
        TASK = "task", _("Background task")

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "core.User", verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True, default="")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    request_id = models.CharField(_("request or batch id"), max_length=64, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    model = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True, blank=True, default="")
    object_repr = models.CharField(_("object"), max_length=200, blank=True, default="")
    region_code = models.CharField(_("region code"), max_length=6, blank=True, default="", db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["model", "object_id"]),
            # The change log of a district or a city, newest first (its order), read in index order.
            models.Index(fields=["region_code", "time", "id"], name="changerecord_region_time"),
            models.Index(Substr("region_code", 1, 4), F("time"), F("id"), name="changerecord_city_time"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.model} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("change records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("change records are append-only")

    def changed_fields(self) -> list[str]:
        before = self.before or {}
        after = self.after or {}
        return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


class PiiAccess(models.Model):
    """A full personal-data value shown to a user: who saw which field of which object, and when."""

    AUDITED = False  # no change records: the log of personal-data reveals is itself the record

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey("core.User", verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    request_id = models.CharField(_("request id"), max_length=64)
    model = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    field = models.CharField(_("field"), max_length=50)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.user_id} {self.model} {self.object_id} {self.field}"
