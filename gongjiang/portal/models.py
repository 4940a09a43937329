"""Workers' self-service accounts: officers' invitations, and the one-time sign-in codes sent to phones."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Scope, Scoped


class WorkerInvitation(Scoped):
    """An officer's invitation for a person to open a self-service account bound to their record. The code
    is handed to the person once; only its keyed hash is kept. Used once, before it expires."""

    SCOPE = Scope("person__residence_region_code")
    AUDIT_EXCLUDE = ("code_hash",)

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="invitations"
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("invited by"), on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-service invitation")
        verbose_name_plural = _("self-service invitations")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.person} {self.created:%Y-%m-%d}"


class SignInCode(models.Model):
    """A one-time code sent to a person's phone on file to sign in to self-service: its keyed hash, its
    expiry and the wrong tries left."""

    # No change records: a code is a short-lived sign-in secret, like a session; each sending and each
    # sign-in is logged on ``gongjiang.security`` (never the code, the phone or the ID number).
    AUDITED = False

    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(_("code hash"), max_length=64)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    expires = models.DateTimeField(_("expires"))
    tries_left = models.PositiveSmallIntegerField(_("tries left"))
    used = models.BooleanField(_("used"), default=False)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.created:%Y-%m-%d %H:%M}"
