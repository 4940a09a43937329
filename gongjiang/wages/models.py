"""Wage prices (工资价位, 苏政办发〔2024〕37号 (十六), 常政办发〔2025〕14号 二(四)12): the enterprise salary survey
(企业薪酬调查) of a city and year, its sample frame and sample, the enterprises' responses with their employee
rows, and the yearly editions of wage prices estimated from it, with their cells and level premiums.

* A **survey** is a city's survey of one year. Its **frame** (``Stratum``) is taken from the registry's
  enterprises as of a date: one row per industry section × size class × district with the number of
  enterprises N_h and their employment E_h. Its **sample** is a ``Response`` per drawn enterprise.
* A **response** is what one enterprise reports: its **employee rows** (``EmployeeRecord``), each with an
  employee key only (a row number or the enterprise's own staff number; never a name or ID number), the
  occupation, skill level, education, months and hours worked and the pay components paid in the year.
  Money is integer fen.
* An **edition** is the publication of one city and year: draft (estimated) → review → published. A
  published edition is frozen; a correction is a new edition that supersedes it, with its reason.
  Its **cells** are the estimates of ``wages.estimation`` with the status and reason of
  ``wages.disclosure``; its **premiums** the level premium table.
* An **estimation job** is one run of the estimation of a draft edition in the background: queued, running
  (its stage and percentage), done, or failed with its reason. At most one job of an edition is queued or
  running at a time; the database refuses a second one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core import jobs
from gongjiang.core.jobs import JOB_ACTIVE, JobFields, JobStatus, failure_field, stage_field
from gongjiang.core.models import Scope, Scoped
from gongjiang.reference.selectors import region_name


class SizeClass(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", pgettext_lazy("enterprise size", "Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Education(models.TextChoices):
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary or below")
    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary")
    VOCATIONAL = "vocational", _("Secondary vocational or technical school")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Postgraduate")


class SurveyStatus(models.TextChoices):
    OPEN = "open", _("Collecting responses")
    CLOSED = "closed", _("Closed")


class ResponseStatus(models.TextChoices):
    PENDING = "pending", _("Not yet submitted")
    SUBMITTED = "submitted", _("Submitted")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class CellStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    SUPPRESSED_PRIMARY = "suppressed_primary", _("Suppressed")
    SUPPRESSED_SECONDARY = "suppressed_secondary", _("Suppressed (complementary)")


class CellKind(models.TextChoices):
    OCCUPATION_LEVEL = "occupation_level", _("Occupation by skill level")
    MINOR_GROUP_LEVEL = "minor_group_level", _("Occupation group by skill level")
    INDUSTRY_LEVEL_GROUP = "industry_level_group", _("Industry by level group")
    DIGITAL_LEVEL = "digital_level", _("Digital occupation by skill level")


class Survey(Scoped):
    SCOPE = Scope("region_code", steps=frozenset({"close", "reopen"}))

    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("survey year"))
    as_of = models.DateField(_("frame as of"))
    sampling_fraction = models.DecimalField(_("sampling fraction"), max_digits=4, decimal_places=3)
    seed = models.PositiveIntegerField(_("random seed"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.OPEN, db_index=True
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("salary survey")
        verbose_name_plural = _("salary surveys")
        ordering = ["-year", "region_code"]
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="wage_survey_once")]

    def __str__(self) -> str:
        return f"{region_name(self.region_code)} {self.year}"


class Stratum(Scoped):
    """One row of the sample frame: industry section × size class × district."""

    SCOPE = Scope("survey__region_code")

    survey = models.ForeignKey(Survey, verbose_name=_("salary survey"), on_delete=models.CASCADE, related_name="strata")
    industry_section = models.CharField(_("industry section"), max_length=1)
    size_class = models.CharField(_("size class"), max_length=6, choices=SizeClass.choices)
    region_code = models.CharField(_("district"), max_length=6)
    population_enterprises = models.PositiveIntegerField(_("enterprises in the stratum"))
    population_employment = models.FloatField(_("employment in the stratum"))

    class Meta:
        verbose_name = _("stratum of the frame")
        verbose_name_plural = _("strata of the frame")
        ordering = ["region_code", "industry_section", "size_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "industry_section", "size_class", "region_code"], name="wage_stratum_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.industry_section} · {self.get_size_class_display()} · {region_name(self.region_code)}"


class Response(Scoped):
    """An enterprise drawn into the sample, and what it reports."""

    SCOPE = Scope(
        "region_code",
        "organisation",
        organisation_acts=frozenset({"change", "send"}),
        steps=frozenset({"send", "reopen"}),
    )

    survey = models.ForeignKey(
        Survey, verbose_name=_("salary survey"), on_delete=models.CASCADE, related_name="responses"
    )
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    industry_section = models.CharField(_("industry section"), max_length=1)
    size_class = models.CharField(_("size class"), max_length=6, choices=SizeClass.choices)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.PENDING, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-survey__year", "region_code", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "organisation"], name="wage_response_once")]

    def __str__(self) -> str:
        return f"{self.survey.year} · {self.organisation}"


class EmployeeRecord(Scoped):
    """One employee of a responding enterprise: no name, no ID number, only the enterprise's key."""

    SCOPE = Scope(
        "response__region_code",
        "response__organisation",
        organisation_acts=frozenset({"add", "change", "delete"}),
    )

    response = models.ForeignKey(
        Response, verbose_name=_("survey response"), on_delete=models.CASCADE, related_name="employees"
    )
    employee_key = models.CharField(_("employee key"), max_length=20)
    occupation_code = models.CharField(_("occupation code"), max_length=12)
    skill_level = models.CharField(_("skill level"), max_length=10)
    education = models.CharField(_("education"), max_length=16, choices=Education.choices)
    months_worked = models.PositiveSmallIntegerField(_("months worked"))
    hours_per_month = models.DecimalField(_("hours worked per month"), max_digits=5, decimal_places=1)
    base_pay = models.BigIntegerField(_("base pay (fen)"))
    bonus = models.BigIntegerField(_("bonus (fen)"), default=0)
    allowances = models.BigIntegerField(_("allowances (fen)"), default=0)
    overtime_pay = models.BigIntegerField(_("overtime pay (fen)"), default=0)

    class Meta:
        verbose_name = _("employee row")
        verbose_name_plural = _("employee rows")
        ordering = ["response", "employee_key"]
        constraints = [
            models.UniqueConstraint(fields=["response", "employee_key"], name="wage_employee_once"),
            models.CheckConstraint(
                condition=models.Q(months_worked__gte=1, months_worked__lte=12), name="wage_employee_months"
            ),
        ]

    def __str__(self) -> str:
        return self.employee_key

    @property
    def total_fen(self) -> int:
        return self.base_pay + self.bonus + self.allowances + self.overtime_pay


class Edition(Scoped):
    """The yearly publication of a city's wage prices."""

    SCOPE = Scope("region_code", steps=frozenset({"estimate", "review", "return", "publish", "correct"}))

    survey = models.ForeignKey(Survey, verbose_name=_("salary survey"), on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("edition number"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=EditionStatus.choices, default=EditionStatus.DRAFT, db_index=True
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("corrects the edition"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True, default="")
    estimated_at = models.DateTimeField(_("estimated"), null=True, blank=True)
    estimated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("estimated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to review by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.JSONField(_("method"), default=dict, blank=True)
    rules = models.JSONField(_("suppression rules"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("wage price edition")
        verbose_name_plural = _("wage price editions")
        ordering = ["-year", "region_code", "-number"]
        constraints = [models.UniqueConstraint(fields=["region_code", "year", "number"], name="wage_edition_number")]

    def __str__(self) -> str:
        return _("%(region)s %(year)s, edition %(number)s") % {
            "region": region_name(self.region_code),
            "year": self.year,
            "number": self.number,
        }

    @property
    def frozen(self) -> bool:
        return self.status == EditionStatus.PUBLISHED


QUANTILES = ("p10", "p25", "p50", "p75", "p90")
STATISTICS = (*QUANTILES, "mean")


class Cell(Scoped):
    """One estimate of an edition, yuan per year, rounded to the yuan (a monotone rounding: the quantiles
    stay in order and are never made equal by it)."""

    SCOPE = Scope("edition__region_code")

    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="cells")
    cell_kind = models.CharField(_("kind of cell"), max_length=24, choices=CellKind.choices)
    region_code = models.CharField(_("region"), max_length=6)
    occupation_code = models.CharField(_("occupation code"), max_length=12, blank=True, default="", db_index=True)
    minor_group = models.CharField(_("occupation group"), max_length=12, blank=True, default="")
    skill_level = models.CharField(_("skill level"), max_length=10, blank=True, default="")
    industry_section = models.CharField(_("industry section"), max_length=3, blank=True, default="")
    level_group = models.CharField(_("level group"), max_length=12, blank=True, default="")
    n_enterprises = models.PositiveIntegerField(_("enterprises"))
    n_employees = models.PositiveIntegerField(_("employees"))
    weighted_employees = models.FloatField(_("weighted employees"))
    weighted_total_pay = models.FloatField(_("weighted total pay"))
    top1_share = models.FloatField(_("largest enterprise's share"), null=True, blank=True)
    top2_share = models.FloatField(_("two largest enterprises' share"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=CellStatus.choices, db_index=True)
    reason = models.CharField(_("reason"), max_length=24, blank=True, default="")
    reason_detail = models.JSONField(_("reason in figures"), default=dict, blank=True)
    p10 = models.IntegerField("p10", null=True, blank=True)
    p25 = models.IntegerField("p25", null=True, blank=True)
    p50 = models.IntegerField("p50", null=True, blank=True)
    p75 = models.IntegerField("p75", null=True, blank=True)
    p90 = models.IntegerField("p90", null=True, blank=True)
    mean = models.IntegerField("mean", null=True, blank=True)
    se_p10 = models.FloatField("se_p10", null=True, blank=True)
    lo_p10 = models.IntegerField("lo_p10", null=True, blank=True)
    hi_p10 = models.IntegerField("hi_p10", null=True, blank=True)
    se_p25 = models.FloatField("se_p25", null=True, blank=True)
    lo_p25 = models.IntegerField("lo_p25", null=True, blank=True)
    hi_p25 = models.IntegerField("hi_p25", null=True, blank=True)
    se_p50 = models.FloatField("se_p50", null=True, blank=True)
    lo_p50 = models.IntegerField("lo_p50", null=True, blank=True)
    hi_p50 = models.IntegerField("hi_p50", null=True, blank=True)
    se_p75 = models.FloatField("se_p75", null=True, blank=True)
    lo_p75 = models.IntegerField("lo_p75", null=True, blank=True)
    hi_p75 = models.IntegerField("hi_p75", null=True, blank=True)
    se_p90 = models.FloatField("se_p90", null=True, blank=True)
    lo_p90 = models.IntegerField("lo_p90", null=True, blank=True)
    hi_p90 = models.IntegerField("hi_p90", null=True, blank=True)
    se_mean = models.FloatField("se_mean", null=True, blank=True)
    lo_mean = models.IntegerField("lo_mean", null=True, blank=True)
    hi_mean = models.IntegerField("hi_mean", null=True, blank=True)

    class Meta:
        verbose_name = _("wage price cell")
        verbose_name_plural = _("wage price cells")
        ordering = ["edition", "cell_kind", "region_code", "occupation_code", "minor_group", "skill_level", "id"]
        indexes = [models.Index(fields=["edition", "cell_kind", "region_code"], name="wage_cell_lookup")]

    def __str__(self) -> str:
        key = self.occupation_code or self.minor_group or self.industry_section
        return f"{key} · {self.skill_level or self.level_group} · {self.region_code}"

    @property
    def published(self) -> bool:
        return self.status == CellStatus.PUBLISHED


class Premium(Scoped):
    """The level premium: the ratio of the medians of two levels of one occupation (or group), with its
    95% interval."""

    SCOPE = Scope("edition__region_code")

    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="premiums")
    region_code = models.CharField(_("region"), max_length=6)
    occupation_code = models.CharField(_("occupation code"), max_length=12, blank=True, default="", db_index=True)
    minor_group = models.CharField(_("occupation group"), max_length=12, blank=True, default="")
    from_level = models.CharField(_("from level"), max_length=10)
    to_level = models.CharField(_("to level"), max_length=10)
    ratio = models.FloatField(_("ratio of medians"))
    lo = models.FloatField(_("lower bound"), null=True, blank=True)
    hi = models.FloatField(_("upper bound"), null=True, blank=True)
    publishable = models.BooleanField(_("both cells published"), default=False)

    class Meta:
        verbose_name = _("level premium")
        verbose_name_plural = _("level premiums")
        ordering = ["edition", "region_code", "occupation_code", "minor_group", "from_level", "to_level"]

    def __str__(self) -> str:
        return f"{self.occupation_code or self.minor_group} {self.from_level}→{self.to_level}: {self.ratio:.3f}"


# An estimation job's statuses are those of every background job.
EstimationStatus = JobStatus
ESTIMATION_ACTIVE = JOB_ACTIVE


class EstimationStage(models.TextChoices):
    """The stages of an estimation in the order they run (``estimation.estimate_edition``, then
    ``disclosure.protect``, then the cells saved)."""

    WAITING = "", pgettext_lazy("estimation stage", "Waiting for a worker")
    WEIGHTS = "weights", pgettext_lazy("estimation stage", "Design weights, non-response and calibration")
    REPLICATES = "replicates", pgettext_lazy("estimation stage", "Replicate weights")
    CELLS = "cells", pgettext_lazy("estimation stage", "Estimates and standard errors of the cells")
    PRIMARY = "primary", pgettext_lazy("estimation stage", "Primary suppression rules")
    COMPLEMENTARY = "complementary", pgettext_lazy("estimation stage", "Complementary suppression")
    AUDIT = "audit", pgettext_lazy("estimation stage", "Suppression rounds: tables proven protected")
    SAVING = "saving", pgettext_lazy("estimation stage", "Saving the cells")


class EstimationFailure(models.TextChoices):
    REFUSED = jobs.REFUSED, _("The estimation was refused")
    INTERRUPTED = jobs.INTERRUPTED, _("The estimation was interrupted (its worker stopped); nothing was saved")
    UNEXPECTED = jobs.UNEXPECTED, _("The estimation failed unexpectedly; nothing was saved")


class EstimationJob(Scoped, JobFields):
    """One run of an edition's estimation in the background. Its progress (stage, percentage, heartbeat) is
    written by the running task outside any transaction; a job whose heartbeat stops is marked failed."""

    SCOPE = Scope("edition__region_code")

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="estimations"
    )
    stage = stage_field(EstimationStage)
    replicates = models.PositiveIntegerField(_("replicates"), null=True, blank=True)
    created = models.DateTimeField(_("queued"), auto_now_add=True)
    failure = failure_field(EstimationFailure)

    class Meta:
        verbose_name = _("estimation job")
        verbose_name_plural = _("estimation jobs")
        ordering = ["-id"]
        constraints = [
            # The database's guard against starting an edition's estimation twice: one active job at most.
            models.UniqueConstraint(
                fields=["edition"],
                condition=models.Q(status__in=["queued", "running"]),
                name="wage_estimation_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.edition} · {self.pk}"
