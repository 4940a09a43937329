"""Honours and the awards paid with them.

* **Calls for nominations** (评选通知) with a quota and criteria (a lowest skill level, local only), nominated
  by enterprises, reviewed, put under objection (公示) and decided: 江苏工匠 / 江苏大工匠, 技术能手 at each
  level, 龙城工匠, 姑苏高技能人才计划, Zhangjiagang's 20 outstanding high-skilled talents a year
  (ZJG-opinion 五(十四)), recommendations for special allowances.
* **Honours** recorded on the person, with their term, and the **entitlements** that come with a status
  (落户, health checks and rest leave, service cards such as 苏畅; 苏政办发〔2024〕37号 (十八)).
* **Enterprise recognitions**: 技能型企业 pilots and 揭榜领题 lists (苏政办发〔2024〕37号 (六)(十)), with the
  enterprise's high-skilled share computed from the registry as of a date.
* **Award applications** priced by the policy engine with its trace (introduction awards, the first-year
  award, ZJG-opinion 四(十一); outstanding talents; 姑苏 housing), reviewed in stages, and their
  **instalments**, paid through the training payment batches (``training.payables``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongjiang.core import pii
from gongjiang.core.models import Scope, Scoped


class HonourKind(models.TextChoices):
    JIANGSU_CRAFTSMAN = "jiangsu_craftsman", _("Jiangsu craftsman")
    JIANGSU_MASTER = "jiangsu_master", _("Jiangsu master craftsman")
    TECHNICAL_EXPERT = "technical_expert", _("Technical expert")
    LONGCHENG = "longcheng", _("Longcheng craftsman")
    GUSU = "gusu", _("Gusu high-skilled talent plan")
    OUTSTANDING = "outstanding", _("Outstanding high-skilled talent")
    SPECIAL_ALLOWANCE = "special_allowance", _("Recommended for a special allowance")


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District")


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for nominations")
    REVIEW = "review", _("Under review")
    PUBLICITY = "publicity", _("Under objection (公示)")
    DECIDED = "decided", _("Decided")


# The policy engine's event types an award can be (docs/policy.md).
class AwardRule(models.TextChoices):
    TALENT_INTRODUCTION = "talent_introduction", _("Introduction award")
    FIRST_YEAR = "first_year_award", _("First-year award")
    OUTSTANDING = "outstanding_talent", _("Outstanding-talent award")
    GUSU_HOUSING = "gusu_housing", _("Gusu housing subsidy")


# Awards the shipped rules give at most once per person (``<rule>.max_per_person`` = 1 in the sets): the
# database refuses a second approved one.
ONCE_RULES = ("talent_introduction", "first_year_award", "outstanding_talent")


class HonourCall(Scoped):
    """评选通知: a call for nominations, its quota and criteria, its review, 公示 and decision."""

    SCOPE = Scope(
        "region_code",
        organisation_public={"status__in": ("open", "publicity", "decided")},
        steps=frozenset({"open", "close", "publish", "decide"}),
    )

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("honour"), max_length=20, choices=HonourKind.choices)
    level = models.CharField(_("honour level"), max_length=12, choices=HonourLevel.choices)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    quota = models.PositiveIntegerField(_("quota"))
    min_level = models.ForeignKey(
        "reference.SkillLevel",
        verbose_name=_("lowest skill level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    local_only = models.BooleanField(_("local workers only"), default=True)
    criteria = models.TextField(_("criteria"), blank=True, default="")
    closes = models.DateField(_("nominations close"))
    publicity_until = models.DateField(_("objections until"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), default=0, help_text=_("0: no end."))
    award_rule = models.CharField(_("award paid"), max_length=24, choices=AwardRule.choices, blank=True, default="")
    public = models.BooleanField(_("results public"), default=True)
    clause = models.CharField(_("source clause"), max_length=100, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT, db_index=True
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for nominations")
        verbose_name_plural = _("calls for nominations")
        ordering = ["-year", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quota__gte=1), name="honours_call_quota")]

    def __str__(self) -> str:
        return self.title


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SHORTLISTED = "shortlisted", _("Passed review")
    REJECTED = "rejected", _("Not passed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    AWARDED = "awarded", _("Awarded")


class Nomination(Scoped):
    """An enterprise nominates one of its workers to a call."""

    SCOPE = Scope(
        "call__region_code",
        "organisation",
        organisation_acts=frozenset({"add", "withdraw"}),
        steps=frozenset({"shortlist", "reject", "withdraw"}),
    )
    PII_FIELDS = ("bank_account_enc",)

    call = models.ForeignKey(HonourCall, verbose_name=_("call"), on_delete=models.PROTECT, related_name="nominations")
    person = models.ForeignKey("registry.Person", verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("nominated by"), on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(_("achievements"), blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=100, blank=True, default="")
    bank_account_enc = models.TextField(_("bank account (encrypted)"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=NominationStatus.choices, default=NominationStatus.SUBMITTED, db_index=True
    )
    comment = models.CharField(_("review comment"), max_length=300, blank=True, default="")
    reviewed_by = models.ForeignKey(
        "core.User", verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["call_id", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "person"], name="honours_nomination_once")]

    def __str__(self) -> str:
        return f"{self.call} · {pii.mask_name(self.person.name)}"


class HonourStatus(models.TextChoices):
    ACTIVE = "active", _("Held")
    ENDED = "ended", _("Term ended")
    REVOKED = "revoked", _("Revoked")


class Honour(Scoped):
    """An honour held by a person: from a decided call, or recorded from another authority's decision."""

    SCOPE = Scope("region_code", "organisation", steps=frozenset({"revoke"}))

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="honours"
    )
    kind = models.CharField(_("honour"), max_length=20, choices=HonourKind.choices)
    level = models.CharField(_("honour level"), max_length=12, choices=HonourLevel.choices)
    title = models.CharField(_("title"), max_length=120)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("nominated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    call = models.ForeignKey(
        HonourCall, verbose_name=_("call"), null=True, blank=True, on_delete=models.PROTECT, related_name="honours"
    )
    awarded_on = models.DateField(_("awarded on"))
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    public = models.BooleanField(_("public"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=HonourStatus.choices, default=HonourStatus.ACTIVE)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    clause = models.CharField(_("source clause"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        ordering = ["-awarded_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "person"], condition=Q(call__isnull=False), name="honours_honour_once_per_call"
            ),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")), name="honours_term"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Service(models.TextChoices):
    SETTLEMENT = "settlement", _("Settlement (落户)")
    HEALTH_CHECK = "health_check", _("Health check")
    REST_LEAVE = "rest_leave", _("Rest leave")
    SERVICE_CARD = "service_card", _("Service card (苏畅)")


class EntitlementState(models.TextChoices):
    GRANTED = "granted", _("Granted")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")


class Entitlement(Scoped):
    """A service that comes with an honour, with its rule, state and use (苏政办发〔2024〕37号 (十八))."""

    SCOPE = Scope("honour__region_code", "honour__organisation", steps=frozenset({"use"}))

    honour = models.ForeignKey(Honour, verbose_name=_("honour"), on_delete=models.PROTECT, related_name="entitlements")
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    clause = models.CharField(_("rule"), max_length=100)
    state = models.CharField(_("state"), max_length=10, choices=EntitlementState.choices, default="granted")
    granted_on = models.DateField(_("granted on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    used_on = models.DateField(_("used on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["honour_id", "id"]
        constraints = [models.UniqueConstraint(fields=["honour", "service"], name="honours_entitlement_once")]

    def __str__(self) -> str:
        return self.get_service_display()


class RecognitionKind(models.TextChoices):
    SKILL_ENTERPRISE = "skill_enterprise", _("Skill-based enterprise pilot")
    CHALLENGE = "challenge", _("Open-challenge list (揭榜领题)")


class Recognition(Scoped):
    """An enterprise recognised (技能型企业 pilot, 揭榜领题 list) with its high-skilled share as of a date."""

    SCOPE = Scope("region_code", "organisation")

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("recognition"), max_length=20, choices=RecognitionKind.choices)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120, blank=True, default="")
    as_of = models.DateField(_("share as of"))
    employees = models.PositiveIntegerField(_("employees in the registry"))
    high_skilled = models.PositiveIntegerField(_("of whom high-skilled"))
    clause = models.CharField(_("source clause"), max_length=100)
    public = models.BooleanField(_("public"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise recognition")
        verbose_name_plural = _("enterprise recognitions")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "year"], name="honours_recognition_once"),
            models.CheckConstraint(condition=Q(high_skilled__lte=models.F("employees")), name="honours_share"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_kind_display()}"

    @property
    def share_percent(self) -> str:
        if not self.employees:
            return "—"
        return f"{100 * self.high_skilled / self.employees:.1f}%"


class AwardStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Under review")
    INELIGIBLE = "ineligible", _("Not eligible")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    STOPPED = "stopped", _("Stopped")


class AwardApplication(Scoped):
    """An award applied for (by an enterprise, or for a person), priced by the policy engine with its
    trace, reviewed in stages; once approved its instalments are paid through the payment batches."""

    SCOPE = Scope(
        "region_code", "organisation", organisation_acts=frozenset({"add"}), steps=frozenset({"decide", "stop"})
    )
    PII_FIELDS = ("bank_account_enc",)

    rule = models.CharField(_("award"), max_length=24, choices=AwardRule.choices)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="award_applications"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    honour = models.ForeignKey(
        Honour, verbose_name=_("honour"), null=True, blank=True, on_delete=models.PROTECT, related_name="awards"
    )
    event_date = models.DateField(_("event date"))
    level = models.CharField(_("skill level"), max_length=10, blank=True, default="")
    talent_title = models.CharField(_("title of the introduced talent"), max_length=20, blank=True, default="")
    shortage = models.BooleanField(_("shortage occupation"), default=False)
    work_start = models.DateField(_("local work since"), null=True, blank=True)
    requested_fen = models.PositiveBigIntegerField(_("requested (fen)"), null=True, blank=True)
    payee = models.CharField(_("paid to"), max_length=12, blank=True, default="")
    bank_name = models.CharField(_("bank"), max_length=100, blank=True, default="")
    bank_account_enc = models.TextField(_("bank account (encrypted)"), blank=True, default="")
    policy_set = models.CharField(_("policy set"), max_length=50)
    policy_version = models.PositiveIntegerField(_("policy version"), null=True, blank=True)
    eligible = models.BooleanField(_("eligible"))
    reason = models.CharField(_("reason"), max_length=40, blank=True, default="")
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    instalments = models.PositiveSmallIntegerField(_("instalments"), default=1)
    instalment_fen = models.PositiveBigIntegerField(_("each instalment (fen)"), default=0)
    trace = models.TextField(_("trace"), blank=True, default="")
    clauses = models.JSONField(_("clauses"), default=list, blank=True)
    stages = models.JSONField(_("review stages"), default=list, blank=True)
    stage = models.PositiveSmallIntegerField(_("current stage"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=AwardStatus.choices, db_index=True)
    stop_reason = models.CharField(_("reason stopped"), max_length=200, blank=True, default="")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("award application")
        verbose_name_plural = _("award applications")
        ordering = ["-id"]
        constraints = [
            # No award is given twice: an approved once-only award per person (see ONCE_RULES).
            models.UniqueConstraint(
                fields=["person", "rule"],
                condition=Q(status__in=("approved", "stopped")) & Q(rule__in=ONCE_RULES),
                name="honours_award_once",
            ),
            models.CheckConstraint(condition=Q(eligible=True) | Q(amount_fen=0), name="honours_award_ineligible_zero"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_rule_display()}"

    @property
    def bank_account_masked(self) -> str:
        from gongjiang.training.models import mask_account

        return mask_account(pii.decrypt(self.bank_account_enc)) if self.bank_account_enc else ""


class AwardReview(Scoped):
    SCOPE = Scope("application__region_code", "application__organisation")

    application = models.ForeignKey(
        AwardApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="reviews"
    )
    stage = models.PositiveSmallIntegerField(_("stage"))
    stage_level = models.CharField(_("stage level"), max_length=10)
    reviewer = models.ForeignKey("core.User", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10)
    comment = models.CharField(_("comment"), max_length=300, blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award review")
        verbose_name_plural = _("award reviews")
        ordering = ["application_id", "stage"]
        constraints = [models.UniqueConstraint(fields=["application", "stage"], name="honours_review_once")]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.stage}"


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DUE = "due", _("Due for payment")
    BATCHED = "batched", _("In a payment batch")
    PAID = "paid", _("Paid")
    STOPPED = "stopped", _("Stopped")


class AwardInstalment(Scoped):
    """One yearly payment of an approved award. (application, year) is unique; a line of a payment batch
    names the instalment (kind ``award``), and that is unique too: an instalment is paid once."""

    SCOPE = Scope("application__region_code", "application__organisation")

    application = models.ForeignKey(
        AwardApplication, verbose_name=_("award"), on_delete=models.PROTECT, related_name="instalment_set"
    )
    year_no = models.PositiveSmallIntegerField(_("year of the term"))
    due_on = models.DateField(_("due on"))
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    status = models.CharField(
        _("status"), max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.SCHEDULED, db_index=True
    )
    stop_reason = models.CharField(_("reason stopped"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("award instalment")
        verbose_name_plural = _("award instalments")
        ordering = ["application_id", "year_no"]
        constraints = [
            models.UniqueConstraint(fields=["application", "year_no"], name="honours_instalment_once"),
            models.CheckConstraint(condition=Q(year_no__gte=1), name="honours_instalment_year"),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.year_no}"
