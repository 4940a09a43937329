"""Skill certificates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class CertificateSource(models.TextChoices):
    THIRD_PARTY = "third_party", _("Third-party evaluation")
    SELF_EVALUATION = "self_evaluation", _("Enterprise self-evaluation")
    COMPETITION = "competition", _("Competition result")
    FOREIGN = "foreign", _("Foreign qualification equivalence")
    SCHOOL_DUAL = "school_dual", _("School dual certificate")
    LEGACY = "legacy", _("Legacy qualification certificate")
    DIRECT = "direct", _("Direct recognition")


class Certificate(models.Model):
    number = models.CharField(_("certificate number"), max_length=22, unique=True)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey("reference.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT)
    issuer = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("issuer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_certificates",
    )
    issue_date = models.DateField(_("issue date"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID, db_index=True
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoke_reason = models.CharField(_("revocation reason"), max_length=200, blank=True, default="")
    source = models.CharField(_("source"), max_length=20, choices=CertificateSource.choices)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="valid") & models.Q(revoked_on__isnull=True))
                | (models.Q(status="revoked") & models.Q(revoked_on__isnull=False)),
                name="certificate_revocation_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def audit_region_code(self) -> str:
        return self.person.residence_region_code
