"""Training administration: designated institutions, subsidy catalogs, project-based training
(needs → applications → staged review → classes with real-name rosters → claims → payment batches →
post-audit samples) and the fraud and anomaly findings raised over the claims.

Money is integer fen. Bank account numbers are personal data: encrypted (``core.pii``) with a blind
index for the shared-account check, and redacted in change records.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from gongjiang.core import pii
from gongjiang.core.models import Scope, Scoped

# The levels a review stage can sit at, from the lowest. A stage's approver is an officer bound to the
# region of that level above (or at) the need's region.
STAGE_LEVELS = ("county", "city", "province")
STAGE_LABELS = {"county": _("District review"), "city": _("City review"), "province": _("Province review")}

# Minimum class hours (苏人社函〔2025〕32号 as relayed by city notices): 初级 40, 中级 and above 56;
# at least 60% practical.
MIN_HOURS_JUNIOR = 40
MIN_HOURS_HIGHER = 56
MIN_PRACTICAL_PERCENT = 60
# 项目制培训: at most 3 subsidised trainings per person (苏人社函〔2025〕32号).
MAX_SUBSIDISED_TRAININGS = 3


class DesignationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class Designation(Scoped):
    """A training institution's designated status, chosen by tender for a period of at most three years
    (ZJG-opinion 二(六))."""

    SCOPE = Scope("region_code", "organisation", steps=frozenset({"revoke"}))

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="training_designations",
    )
    region_code = models.CharField(_("designating region"), max_length=6, db_index=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    tender_reference = models.CharField(_("tender reference"), max_length=100)
    clause = models.CharField(_("source clause"), max_length=100, default="ZJG-opinion 二(六)")
    status = models.CharField(
        _("status"), max_length=10, choices=DesignationStatus.choices, default=DesignationStatus.ACTIVE
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoke_reason = models.CharField(_("revocation reason"), max_length=200, blank=True, default="")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "region_code", "period_start"], name="training_designation_key"
            ),
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="training_designation_period"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.period_start:%Y}–{self.period_end:%Y}"


class DesignationRequestStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DesignationRequest(Scoped):
    """A training institution's application to be designated in a region (ZJG-opinion 二(六)), decided by an
    officer of that region: approval designates it for the period, a refusal gives the reason."""

    SCOPE = Scope(
        "region_code",
        "institution",
        organisation_acts=frozenset({"add", "withdraw"}),
        steps=frozenset({"decide", "withdraw"}),
    )

    institution = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="designation_requests",
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    period_start = models.DateField(_("period start"))
    tender_reference = models.CharField(_("tender reference"), max_length=100)
    occupations = models.CharField(_("occupations offered"), max_length=300)
    statement = models.TextField(_("facilities and teachers"), blank=True, default="")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DesignationRequestStatus.choices,
        default=DesignationRequestStatus.IN_REVIEW,
    )
    decided_by = models.ForeignKey(
        "core.User", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason for the decision"), max_length=500, blank=True, default="")
    designation = models.OneToOneField(
        Designation,
        verbose_name=_("designation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="request",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("designation application")
        verbose_name_plural = _("designation applications")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.institution} {self.period_start:%Y}"


class Tier(models.TextChoices):
    A = "A", _("A (manufacturing)")
    B = "B", _("B (production services, clerical)")
    C = "C", _("C (personal services)")


class CatalogEntry(Scoped):
    """One occupation in a region's yearly subsidy and shortage-occupation catalog."""

    SCOPE = Scope("region_code")

    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    digital = models.BooleanField(_("digital occupation"), default=False)
    shortage = models.BooleanField(_("shortage occupation"), default=False)
    clause = models.CharField(_("source clause"), max_length=100)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("catalog entry")
        verbose_name_plural = _("catalog entries")
        ordering = ["region_code", "-year", "occupation__code"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "occupation"], name="training_catalog_key"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year} {self.occupation.code} {self.tier}"


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class TrainingNeed(Scoped):
    """列清单: an occupation and level the bureau wants trained, published for institutions to apply."""

    # The list of needed occupations (列清单) is public: every institution sees the published needs.
    SCOPE = Scope("region_code", organisation_public={"status": "published"}, steps=frozenset({"publish", "close"}))

    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey("reference.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT)
    places = models.PositiveIntegerField(_("places"))
    price_fen = models.PositiveIntegerField(_("listed price per trainee (fen)"), null=True, blank=True)
    stages = models.JSONField(_("review stages"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training need")
        verbose_name_plural = _("training needs")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.occupation.name} {self.level.name}"


class ApplicationStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def _hours_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=Q(practical_hours__lte=F("class_hours")), name=f"{prefix}_practical_le_total"),
        # Integer arithmetic: practical × 100 ≥ total × 60.
        models.CheckConstraint(
            condition=GreaterThanOrEqual(F("practical_hours") * 100, F("class_hours") * MIN_PRACTICAL_PERCENT),
            name=f"{prefix}_practical_share",
        ),
        models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name=f"{prefix}_dates"),
    ]


class Application(Scoped):
    """提申请: an institution's application to train a listed need, reviewed in ordered stages."""

    SCOPE = Scope(
        "region_code",
        "institution",
        organisation_acts=frozenset({"add", "withdraw"}),
        steps=frozenset({"decide", "withdraw"}),
    )

    need = models.ForeignKey(
        TrainingNeed, verbose_name=_("need"), on_delete=models.PROTECT, related_name="applications"
    )
    institution = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="training_applications",
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    start_date = models.DateField(_("planned start"))
    end_date = models.DateField(_("planned end"))
    class_hours = models.PositiveSmallIntegerField(_("class hours"))
    practical_hours = models.PositiveSmallIntegerField(_("practical hours"))
    places = models.PositiveIntegerField(_("places"))
    price_fen = models.PositiveIntegerField(_("price per trainee (fen)"))
    plan = models.TextField(_("training plan"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.IN_REVIEW
    )
    stage = models.PositiveSmallIntegerField(_("current stage"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["need", "institution"], name="training_application_once"),
            *_hours_constraints("training_application"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} → {self.need}"

    @property
    def stage_levels(self) -> list[str]:
        return list(self.need.stages)

    @property
    def current_stage_level(self) -> str:
        levels = self.stage_levels
        return levels[self.stage] if self.status == ApplicationStatus.IN_REVIEW and self.stage < len(levels) else ""


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class ReviewDecision(Scoped):
    """One decision of one review stage. Never edited: a stage is decided once (组评审)."""

    SCOPE = Scope("application__region_code", "application__institution")

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="decisions"
    )
    stage = models.PositiveSmallIntegerField(_("stage"))
    stage_level = models.CharField(_("stage level"), max_length=10)
    reviewer = models.ForeignKey("core.User", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+")
    reviewer_region_code = models.CharField(_("reviewer region"), max_length=6)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["application_id", "stage"]
        constraints = [models.UniqueConstraint(fields=["application", "stage"], name="training_decision_once")]

    def __str__(self) -> str:
        return _("Application %(application)s, stage %(stage)s: %(decision)s") % {
            "application": self.application_id,
            "stage": self.stage + 1,
            "decision": self.get_decision_display(),
        }

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS.get(self.stage_level, self.stage_level))


class ClassKind(models.TextChoices):
    PROJECT = "project", _("Project-based training")
    DESIGNATED = "designated", _("Designated-institution training")
    ENTERPRISE = "enterprise", _("Enterprise training")


class Programme(models.TextChoices):
    """The training programme a class belongs to, as the indicators count them (CZ-2025-14 二(一)2, 二(一)4;
    SZ-digital-10)."""

    GENERAL = "general", _("General vocational skills")
    DIGITAL = "digital", _("Digital skills")
    ELDERLY_CARE = "elderly_care", _("Elderly care and childcare")
    YOUTH = "youth", _("Youth employment and entrepreneurship")
    RURAL_CRAFTSMEN = "rural_craftsmen", _("Rural craftsmen")
    TECHNICIAN_STUDY = "technician_study", _("Technician advanced study")
    UNEMPLOYED = "unemployed", _("Training for the unemployed")


class TraineeGroup(models.TextChoices):
    """The trainee's group on a roster row (CZ-2025-14 二(一)4 names the youth groups)."""

    NONE = "", _("Not given")
    YOUTH = "youth", _("Young person (graduate or young unemployed)")
    UNEMPLOYED = "unemployed", _("Registered unemployed")
    RURAL = "rural", _("Rural labour")
    EMPLOYEE = "employee", _("Employee")


class ClassStatus(models.TextChoices):
    OPEN = "open", _("Open (roster editable)")
    ENDED = "ended", _("Ended")
    MATCHED = "matched", _("Results matched")
    CLAIMED = "claimed", _("Claims computed")


class TrainingClass(Scoped):
    """A class with a real-name roster. Project-based classes come from an approved application."""

    SCOPE = Scope(
        "region_code",
        "institution",
        organisation_acts=frozenset({"add", "roster", "end", "claim"}),
        steps=frozenset({"roster", "end", "match", "compute", "claim"}),
    )

    code = models.CharField(_("class code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=ClassKind.choices)
    institution = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="training_classes",
    )
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_class",
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey("reference.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    class_hours = models.PositiveSmallIntegerField(_("class hours"))
    practical_hours = models.PositiveSmallIntegerField(_("practical hours"))
    fee_fen = models.PositiveIntegerField(_("fee per trainee (fen)"), default=0)
    programme = models.CharField(
        _("programme"), max_length=20, choices=Programme.choices, default=Programme.GENERAL, db_index=True
    )
    status = models.CharField(_("status"), max_length=10, choices=ClassStatus.choices, default=ClassStatus.OPEN)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["-start_date", "id"]
        constraints = _hours_constraints("training_class")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Outcome(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    PASSED = "passed", _("Passed (certificate matched)")
    NOT_PASSED = "not_passed", _("No matching certificate")


class Enrolment(Scoped):
    """One row of a class's real-name roster: a registry person, with the account the subsidy is paid to."""

    SCOPE = Scope("training_class__region_code", "training_class__institution")

    PII_FIELDS = ("bank_account_enc", "bank_account_index")
    AUDIT_LABELS = {"bank_account_enc": _("Bank account"), "bank_account_index": _("Bank account")}

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="enrolments"
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True, default="")
    bank_account_enc = models.TextField(_("bank account (encrypted)"), blank=True, default="")
    bank_account_index = models.CharField(
        _("bank account blind index"), max_length=32, blank=True, default="", db_index=True
    )
    trainee_group = models.CharField(
        _("trainee group"), max_length=12, choices=TraineeGroup.choices, blank=True, default=TraineeGroup.NONE
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.ENROLLED)
    certificate = models.ForeignKey(
        "credentials.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["training_class_id", "id"]
        constraints = [models.UniqueConstraint(fields=["training_class", "person"], name="training_enrolment_once")]

    def __str__(self) -> str:
        return f"{self.training_class_id}: {self.person}"

    @property
    def bank_account_masked(self) -> str:
        return mask_account(pii.decrypt(self.bank_account_enc))

    def pii_fingerprint(self) -> dict[str, str]:
        return {"bank_account_enc": self.bank_account_index}


def mask_account(value: str) -> str:
    """6222 **** **** 1234: the first four and the last four digits."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]} **** {value[-4:]}"


class ClaimStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed, awaiting approval")
    INELIGIBLE = "ineligible", _("Not eligible")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    BATCHED = "batched", _("In a payment batch")
    PAID = "paid", _("Paid")


# States in which a claim counts as (to be) paid: a person's occupation and level is paid at most once.
PAYABLE_STATUSES = (ClaimStatus.APPROVED, ClaimStatus.BATCHED, ClaimStatus.PAID)


class Claim(Scoped):
    """A subsidy claim for one trainee of one class, computed by the policy engine with its trace."""

    SCOPE = Scope("region_code", "institution", steps=frozenset({"approve", "reject"}))

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="claim"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="training_claims"
    )
    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="claims"
    )
    institution = models.ForeignKey(
        "registry.Organisation", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey("reference.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT)
    certificate = models.ForeignKey(
        "credentials.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    event_date = models.DateField(_("event date"))
    policy_set = models.CharField(_("policy set"), max_length=50)
    policy_version = models.PositiveIntegerField(_("policy version"), null=True, blank=True)
    eligible = models.BooleanField(_("eligible"))
    reason = models.CharField(_("reason"), max_length=100, blank=True, default="")
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))
    trace = models.TextField(_("trace"), blank=True, default="")
    clauses = models.JSONField(_("clauses"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ClaimStatus.choices, db_index=True)
    decided_by = models.ForeignKey(
        "core.User", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason for the decision"), max_length=500, blank=True, default="")
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "training_class", "occupation", "level"], name="training_claim_once"
            ),
            # The same occupation and level is paid to a person at most once, whatever the class.
            models.UniqueConstraint(
                fields=["person", "occupation", "level"],
                condition=Q(status__in=["approved", "batched", "paid"]),
                name="training_claim_paid_once",
            ),
            models.CheckConstraint(condition=Q(eligible=True) | Q(amount_fen=0), name="training_claim_ineligible_zero"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person} {self.amount_yuan}"

    @property
    def amount_yuan(self) -> str:
        return fen_to_yuan(self.amount_fen)


def fen_to_yuan(fen: int) -> str:
    """1234567 → '12345.67' (exact, no floats)."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Exported to the bank")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentBatch(Scoped):
    """发补贴: approved claims paid together by bank transfer. draft → approved → exported → paid."""

    SCOPE = Scope("region_code", steps=frozenset({"approve", "export", "pay", "sample"}))

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    total_fen = models.PositiveBigIntegerField(_("total (fen)"), default=0)
    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        "core.User", verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_on = models.DateField(_("transfer date"), null=True, blank=True)
    bank_voucher = models.CharField(_("bank voucher number"), max_length=60, blank=True, default="", db_default="")
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-id"]
        constraints = [
            # Four eyes: whoever drafted a batch cannot approve it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="training_batch_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def total_yuan(self) -> str:
        return fen_to_yuan(self.total_fen)


class PaymentLine(Scoped):
    """One payment in one batch: a training claim (``kind`` "claim"), or one item of another payable kind
    (an award instalment: ``kind`` and ``source_id``, with the payee and account copied onto the line).
    ``claim`` is unique and (kind, source id) is unique: an item is in at most one batch, ever."""

    SCOPE = Scope("batch__region_code")

    batch = models.ForeignKey(PaymentBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="lines")
    claim = models.OneToOneField(
        Claim, verbose_name=_("claim"), null=True, blank=True, on_delete=models.PROTECT, related_name="payment_line"
    )
    kind = models.CharField(_("kind of payment"), max_length=20, default="claim")
    source_id = models.PositiveBigIntegerField(_("paid item"), null=True, blank=True)
    payee_name = models.CharField(_("payee"), max_length=100, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=100, blank=True, default="")
    bank_account_enc = models.TextField(_("bank account (encrypted)"), blank=True, default="")
    line_no = models.PositiveIntegerField(_("line"))
    amount_fen = models.PositiveIntegerField(_("amount (fen)"))

    PII_FIELDS = ("bank_account_enc",)
    AUDIT_MASK = {"payee_name": pii.mask_name}
    AUDIT_LABELS = {"bank_account_enc": _("Bank account")}

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["batch_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line_no"], name="training_line_no"),
            models.CheckConstraint(
                condition=(Q(kind="claim") & Q(claim__isnull=False) & Q(source_id__isnull=True))
                | (~Q(kind="claim") & Q(claim__isnull=True) & Q(source_id__isnull=False)),
                name="training_line_claim_or_item",
            ),
            models.UniqueConstraint(
                fields=["kind", "source_id"], condition=Q(source_id__isnull=False), name="training_line_source_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.line_no}"

    @property
    def payee(self) -> str:
        return self.claim.person.name if self.claim is not None else self.payee_name

    @property
    def bank(self) -> str:
        return self.claim.enrolment.bank_name if self.claim is not None else self.bank_name

    @property
    def bank_account_enc_of_payee(self) -> str:
        return self.claim.enrolment.bank_account_enc if self.claim is not None else self.bank_account_enc

    @property
    def bank_account_masked(self) -> str:
        encrypted = self.bank_account_enc_of_payee
        return mask_account(pii.decrypt(encrypted)) if encrypted else ""


class AuditSample(Scoped):
    """做检验: a random sample of paid claims for post-audit, reproducible from its recorded seed."""

    SCOPE = Scope("region_code")

    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    batch = models.ForeignKey(
        PaymentBatch, verbose_name=_("batch"), null=True, blank=True, on_delete=models.PROTECT, related_name="samples"
    )
    seed = models.BigIntegerField(_("seed"))
    size = models.PositiveIntegerField(_("sample size"))
    population = models.PositiveIntegerField(_("population"))
    created_by = models.ForeignKey("core.User", verbose_name=_("drawn by"), on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit sample")
        verbose_name_plural = _("audit samples")
        ordering = ["-id"]

    def __str__(self) -> str:
        return _("Sample %(pk)s of %(region)s (seed %(seed)s)") % {
            "pk": self.pk,
            "region": self.region_code,
            "seed": self.seed,
        }


class SampleResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    PROBLEM = "problem", _("Problem found")


class SampleItem(Scoped):
    SCOPE = Scope("sample__region_code")
    sample = models.ForeignKey(AuditSample, verbose_name=_("sample"), on_delete=models.PROTECT, related_name="items")
    # A paid claim, or (``line``) a paid line of another payable kind (an award instalment).
    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    line = models.ForeignKey(
        "PaymentLine", verbose_name=_("payment line"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=10, choices=SampleResult.choices, default=SampleResult.PENDING)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    checked_by = models.ForeignKey(
        "core.User", verbose_name=_("checked by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sample item")
        verbose_name_plural = _("sample items")
        ordering = ["sample_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "claim"], name="training_sample_item_once"),
            models.UniqueConstraint(fields=["sample", "line"], name="training_sample_line_once"),
            models.CheckConstraint(
                condition=Q(claim__isnull=False, line__isnull=True) | Q(claim__isnull=True, line__isnull=False),
                name="training_sample_claim_or_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}: {self.claim_id or self.line_id} {self.result}"


class FindingKind(models.TextChoices):
    OVERLAP = "overlap", _("Overlapping classes")
    TOO_MANY = "too_many", _("More subsidised trainings than allowed")
    REPEAT_LEVEL = "repeat_level", _("Same occupation and level twice")
    EARLY_CERTIFICATE = "early_certificate", _("Certificate dated before the class ended")
    AGE = "age", _("Implausible age")
    SHARED_PHONE = "shared_phone", _("One phone across many trainees")
    SHARED_ACCOUNT = "shared_account", _("One bank account across many trainees")
    PASS_RATE = "pass_rate", _("Implausible pass rate")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


# Findings in these states hold their claims out of payment batches.
BLOCKING_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.CONFIRMED)


class Finding(Scoped):
    """An anomaly found over the claims, explained in a sentence and routed to an officer's review."""

    SCOPE = Scope("region_code", steps=frozenset({"review"}))

    kind = models.CharField(_("kind"), max_length=20, choices=FindingKind.choices, db_index=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    explanation = models.TextField(_("explanation"))
    details = models.JSONField(_("details"), default=dict, blank=True)
    claims = models.ManyToManyField(Claim, verbose_name=_("claims"), related_name="findings", blank=True)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    reviewer = models.ForeignKey(
        "core.User", verbose_name=_("reviewer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.CharField(_("review note"), max_length=500, blank=True, default="")
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(reviewer__isnull=False), name="training_finding_reviewed_by_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
