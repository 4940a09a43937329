"""Skill certificates."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Scope, Scoped


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


class Certificate(Scoped):
    # Scoped by the holder's residence region, copied onto the row (``region_code``, kept by the services
    # when a certificate is written and when its holder moves), so that a region's certificates are read
    # from the (region, id) and (city, id) indexes, not by joining every holder.
    SCOPE = Scope("region_code", "issuer", ("person__employments__organisation",), steps=frozenset({"revoke"}))

    number = models.CharField(_("certificate number"), max_length=22, unique=True)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    region_code = models.CharField(_("holder's region"), max_length=6, editable=False, default="")
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
    revoke_document = models.CharField(_("revocation document"), max_length=100, blank=True, default="", db_default="")
    source = models.CharField(_("source"), max_length=20, choices=CertificateSource.choices)
    batch = models.ForeignKey(
        "credentials.CertificateBatch",
        verbose_name=_("issuance batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    batch_index = models.PositiveIntegerField(_("position in the batch"), null=True, blank=True)
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
        indexes = [
            # As the persons': a district's and a city's certificates in id order.
            models.Index(fields=["region_code", "id"], name="certificate_region_id"),
            models.Index(Substr("region_code", 1, 4), F("id"), name="certificate_city_id"),
        ]

    def __str__(self) -> str:
        return self.number


class CertificateSerial(models.Model):
    """The last serial (positions 17–22) given to a number prefix (positions 1–16: evaluator, body, province,
    station, year, level). Batches take their serials here, one locked row per prefix, so that two batches
    issued at once never share a number."""

    AUDITED = False  # a counter; each certificate it numbers has its own record

    prefix = models.CharField(_("number prefix"), max_length=16, unique=True)
    last = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("certificate serial")
        verbose_name_plural = _("certificate serials")

    def __str__(self) -> str:
        return f"{self.prefix} {self.last:06d}"


class CertificateBatch(Scoped):
    """Certificates issued together (an evaluation plan's results, a recognition list): a Merkle tree
    (RFC 6962 hashing) over the batch's certificates, whose root the platform signs. Each certificate's
    credential carries its inclusion proof, so that anyone holding the public key checks it offline."""

    SCOPE = Scope("region_code", read_only=True)

    code = models.CharField(_("batch code"), max_length=20, unique=True)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    source = models.CharField(_("source"), max_length=20, choices=CertificateSource.choices)
    issuer = models.ForeignKey(
        "registry.Organisation", verbose_name=_("issuer"), null=True, blank=True, on_delete=models.PROTECT
    )
    issue_date = models.DateField(_("issue date"))
    size = models.PositiveIntegerField(_("certificates"))
    root = models.CharField(_("Merkle root (hex)"), max_length=64)
    key_id = models.CharField(_("key id"), max_length=16)
    signature = models.CharField(_("signature (multibase)"), max_length=100)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("issuance batch")
        verbose_name_plural = _("issuance batches")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.code


class CertificateBatchTree(models.Model):
    """A batch's whole Merkle tree (32 bytes a node, leaves first), kept apart from the batch so that
    reading a batch never reads it; an inclusion proof reads only its path's nodes."""

    AUDITED = False  # derived from the batch's certificates; the batch's change record carries the root

    batch = models.OneToOneField(
        CertificateBatch, verbose_name=_("issuance batch"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    tree = models.BinaryField(_("Merkle tree"))

    class Meta:
        verbose_name = _("Merkle tree")
        verbose_name_plural = _("Merkle trees")

    def __str__(self) -> str:
        return str(self.batch_id)


class SigningKeyStatus(models.TextChoices):
    ACTIVE = "active", _("Signing")
    VERIFY_ONLY = "verify_only", _("Verifies only")
    RETIRED = "retired", _("Retired")


class SigningKey(models.Model):
    """An Ed25519 key of the platform. Exactly one key signs (active); earlier keys keep verifying what
    they signed until they are retired. The private key is stored encrypted with the personal-data key,
    or held outside the database (GONGJIANG_SIGNING_KEY_FILE / GONGJIANG_SIGNING_KEY), when this field
    is empty."""

    PII_FIELDS = ("private_key_enc",)  # never in a change record

    kid = models.CharField(_("key id"), max_length=16, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=10, default="Ed25519")
    public_key = models.CharField(_("public key (base64url)"), max_length=64)
    private_key_enc = models.TextField(_("private key (encrypted)"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=SigningKeyStatus.choices, default=SigningKeyStatus.ACTIVE, db_index=True
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    deactivated = models.DateTimeField(_("stopped signing"), null=True, blank=True)
    retired = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="signing_key_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.get_status_display()})"

    @property
    def held_externally(self) -> bool:
        return not self.private_key_enc


class VerificationChannel(models.TextChoices):
    PAGE = "page", _("Public page")
    API = "api", _("API")


class VerificationMethod(models.TextChoices):
    NAME = "name", _("Number and name")
    ID_NUMBER = "id_number", _("Number and ID number")
    NAME_AND_ID = "name_id", _("Number, name and ID number")
    TOKEN = "token", _("Signed QR code")
    CREDENTIAL = "credential", _("Verifiable credential")


class VerificationOutcome(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    NOT_FOUND = "not_found", _("Not found")
    BAD_SIGNATURE = "bad_signature", _("Signature not valid")
    INVALID = "invalid", _("Invalid query")
    RATE_LIMITED = "rate_limited", _("Rate limited")


class VerificationEvent(models.Model):
    """One public verification. Holds no personal data: no name, ID number, certificate number or IP
    address; the client is a keyed hash of its address."""

    AUDITED = False  # no change records: a log of public verifications, written per query

    time = models.DateTimeField(_("time"), db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=VerificationChannel.choices)
    method = models.CharField(_("method"), max_length=12, choices=VerificationMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=VerificationOutcome.choices)
    client_hash = models.CharField(_("client (keyed hash)"), max_length=16, db_index=True)
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verifications",
        # No constraint in the database: its check at each commit would lock the certificate's row (a
        # write to the certificates table for every answered query). The id comes from the lookup in
        # the same statement, and PROTECT still keeps a verified certificate from being deleted.
        db_constraint=False,
    )
    key_id = models.CharField(_("key id"), max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["-time", "-id"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.outcome}"
