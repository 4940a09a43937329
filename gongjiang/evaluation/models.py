"""The evaluation system (评价体系, 苏政办发〔2024〕37号 (十二)–(十四)): evaluation institutions filed (备案)
with the occupations and levels they may evaluate, their examiners and supervisors; evaluation plans with
their candidates' scores, the objection period (公示) and the batch that issues the certificates; the
supervision of institutions (双随机、一公开 draws, inspections, yearly grades, stars); the catalog of
evaluation resources (standards, norms, special capability items, question banks)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Scope, Scoped

REGION = "organisation__region_code"


class InstitutionKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Employer (self-evaluation)")
    SOCIAL = "social", _("Social training-evaluation organisation")
    SCHOOL = "school", _("Vocational school")
    TECHNICIAN_COLLEGE = "technician_college", _("Technician college")


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    APPROVED = "approved", _("Filed")
    REJECTED = "rejected", _("Returned")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Institution(Scoped):
    """An organisation's filing as an evaluation institution: what it may evaluate, where, until when."""

    SCOPE = Scope(
        REGION,
        "organisation",
        organisation_acts=frozenset({"add", "change", "lodge"}),
        steps=frozenset({"lodge", "approve", "reject", "suspend", "reinstate", "withdraw", "grade", "quota"}),
    )

    organisation = models.OneToOneField(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="evaluation_filing",
    )
    kind = models.CharField(_("kind of institution"), max_length=20, choices=InstitutionKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=FilingStatus.choices, default=FilingStatus.DRAFT, db_index=True
    )
    sites = models.TextField(_("evaluation sites"), help_text=_("One site per line: name and address."))
    contact = models.CharField(_("contact person"), max_length=50, blank=True, default="")
    station_code = models.CharField(
        _("station code"), max_length=6, null=True, blank=True, unique=True, help_text=_("Given on approval.")
    )
    body_code = models.CharField(_("body code"), max_length=4, default="0000")
    quota = models.PositiveIntegerField(
        _("certificates a year"),
        null=True,
        blank=True,
        help_text=_("Set by the bureau as a reward or penalty; empty: no limit."),
    )
    valid_from = models.DateField(_("filed from"), null=True, blank=True)
    valid_until = models.DateField(_("filed until"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.CharField(_("reason of the last decision"), max_length=300, blank=True, default="")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("evaluation institution")
        verbose_name_plural = _("evaluation institutions")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gt=models.F("valid_from")),
                name="institution_validity",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def region_code(self) -> str:
        return str(self.organisation.region_code)


class FiledScope(Scoped):
    """One occupation and level an institution may evaluate (from the 2022 classification, eight levels)."""

    SCOPE = Scope("institution__" + REGION, "institution__organisation", organisation_acts=frozenset({"add", "delete"}))

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="scope_items"
    )
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey("reference.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("filed occupation and level")
        verbose_name_plural = _("filed occupations and levels")
        ordering = ["occupation__code", "level__rank"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "occupation", "level"], name="filed_scope_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.occupation}（{self.level}）"


class ExaminerRole(models.TextChoices):
    EXAMINER = "examiner", _("Examiner (考评员)")
    SUPERVISOR = "supervisor", _("Quality supervisor (督导员)")


class Examiner(Scoped):
    """An institution's examiner or quality supervisor, with their own qualification."""

    SCOPE = Scope(
        "institution__" + REGION, "institution__organisation", organisation_acts=frozenset({"add", "change", "delete"})
    )

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="examiners"
    )
    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=12, choices=ExaminerRole.choices)
    qualification = models.CharField(_("qualification (certificate number)"), max_length=40)
    valid_until = models.DateField(_("qualified until"))

    class Meta:
        verbose_name = _("examiner or supervisor")
        verbose_name_plural = _("examiners and supervisors")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "person", "role"], name="examiner_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_role_display()}）"


class DecisionKind(models.TextChoices):
    APPROVE = "approve", _("Filing approved")
    REJECT = "reject", _("Filing returned")
    CHANGE = "change", _("Filing changed")
    SUSPEND = "suspend", _("Suspended")
    REINSTATE = "reinstate", _("Reinstated")
    WITHDRAW = "withdraw", _("Filing withdrawn")
    GRADE = "grade", _("Yearly grade")
    QUOTA = "quota", _("Certificate quota")


class Decision(Scoped):
    """A bureau's decision on an institution, with its reason and the clause it rests on; the directory
    publishes them."""

    SCOPE = Scope("institution__" + REGION, "institution__organisation", read_only=True)

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(_("decision"), max_length=12, choices=DecisionKind.choices)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=300)
    clause = models.CharField(_("clause"), max_length=120, blank=True, default="")
    decided_by = models.ForeignKey(
        "core.User", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class PlanStatus(models.TextChoices):
    FILED = "filed", _("Plan filed")
    RESULTS = "results", _("Results entered")
    PUBLICISED = "publicised", _("Publicised for objection")
    ISSUED = "issued", _("Certificates issued")
    REFUSED = "refused", _("Refused")


class PlanSource(models.TextChoices):
    THIRD_PARTY = "third_party", _("Third-party evaluation")
    SELF_EVALUATION = "self_evaluation", _("Enterprise self-evaluation")
    SCHOOL_DUAL = "school_dual", _("School dual certificate")
    DIRECT = "direct", _("Direct recognition")
    FOREIGN = "foreign", _("Foreign qualification equivalence")


class ForeignQualification(Scoped):
    """A foreign (or overseas) vocational qualification recognised as equivalent to an occupation and level
    (国(境)外职业技能比照认定, 苏政办发〔2024〕37号 (十三)), published by a bureau for its region."""

    SCOPE = Scope("region_code", organisation_public={"until__isnull": True})

    name = models.CharField(_("qualification"), max_length=200)
    country = models.CharField(_("country or territory"), max_length=50)
    awarding_body = models.CharField(_("awarding body"), max_length=200)
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey("reference.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    clause = models.CharField(_("clause"), max_length=120, blank=True, default="")
    since = models.DateField(_("recognised from"))
    until = models.DateField(_("recognised until"), null=True, blank=True)

    class Meta:
        verbose_name = _("recognised foreign qualification")
        verbose_name_plural = _("recognised foreign qualifications")
        ordering = ["country", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "awarding_body", "region_code"], name="foreign_qualification_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.country}）"


class Plan(Scoped):
    """An evaluation plan (评价计划): one occupation and level, a date and site, its candidates; then the
    results, the objection period and the batch that issues the certificates."""

    SCOPE = Scope(
        "institution__" + REGION,
        "institution__organisation",
        organisation_acts=frozenset({"add", "change", "results", "publicise"}),
        steps=frozenset({"results", "publicise", "issue", "refuse"}),
    )

    code = models.CharField(_("plan number"), max_length=24, unique=True)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="plans"
    )
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey("reference.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT)
    source = models.CharField(_("kind of evaluation"), max_length=20, choices=PlanSource.choices)
    exam_date = models.DateField(_("evaluation date"))
    site = models.CharField(_("site"), max_length=200)
    examiners = models.ManyToManyField(Examiner, verbose_name=_("examiners"), blank=True, related_name="plans")
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.FILED, db_index=True
    )
    qualification = models.ForeignKey(
        ForeignQualification,
        verbose_name=_("foreign qualification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"), default=60)
    results_on = models.DateField(_("results entered on"), null=True, blank=True)
    publicity_from = models.DateField(_("publicity from"), null=True, blank=True)
    publicity_until = models.DateField(_("publicity until"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True, default="")
    refused_reason = models.CharField(_("reason refused"), max_length=300, blank=True, default="")
    batch = models.OneToOneField(
        "credentials.CertificateBatch",
        verbose_name=_("issuance batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("evaluation plan")
        verbose_name_plural = _("evaluation plans")
        ordering = ["-exam_date", "-id"]

    def __str__(self) -> str:
        return self.code


class Candidate(Scoped):
    """A candidate of a plan with their theory and practical scores (0–100, one decimal)."""

    SCOPE = Scope("plan__institution__" + REGION, "plan__institution__organisation")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("registry.Person", verbose_name=_("candidate"), on_delete=models.PROTECT)
    theory = models.DecimalField(_("theory score"), max_digits=4, decimal_places=1, null=True, blank=True)
    practical = models.DecimalField(_("practical score"), max_digits=4, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    evidence = models.CharField(_("evidence (direct recognition)"), max_length=300, blank=True, default="")
    objection = models.CharField(_("objection received"), max_length=300, blank=True, default="")
    sampled = models.BooleanField(_("sampled for review"), default=False)
    certificate = models.OneToOneField(
        "credentials.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidate",
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["plan", "person"], name="candidate_unique")]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.person.name}"


class Inspector(Scoped):
    """A member of the pool from which inspectors are drawn (bureau staff, experts)."""

    SCOPE = Scope("region_code")

    name = models.CharField(_("name"), max_length=50)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    affiliation = models.CharField(_("affiliation"), max_length=100, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Draw(Scoped):
    """A 双随机 draw: institutions (a share uniformly at random, the rest weighted by risk) and their
    inspectors, reproducible from its seed."""

    SCOPE = Scope("region_code")

    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    date = models.DateField(_("date"))
    seed = models.BigIntegerField(_("seed"))
    count = models.PositiveSmallIntegerField(_("institutions drawn"))
    uniform_share = models.DecimalField(_("uniform share"), max_digits=3, decimal_places=2)
    inspectors_each = models.PositiveSmallIntegerField(_("inspectors per institution"), default=2)
    eligible = models.PositiveIntegerField(_("institutions eligible"))
    drawn_by = models.ForeignKey(
        "core.User", verbose_name=_("drawn by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection draw")
        verbose_name_plural = _("inspection draws")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.date}"


class Stratum(models.TextChoices):
    UNIFORM = "uniform", _("Uniformly at random")
    RISK = "risk", _("Weighted by risk")


class Severity(models.TextChoices):
    NONE = "none", _("No finding")
    MINOR = "minor", _("Minor finding")
    SERIOUS = "serious", _("Serious finding")


class Inspection(Scoped):
    """An inspection of one institution from a draw: who inspects, why it was drawn, what was found."""

    SCOPE = Scope("institution__" + REGION, "institution__organisation", steps=frozenset({"record"}))

    draw = models.ForeignKey(Draw, verbose_name=_("draw"), on_delete=models.PROTECT, related_name="inspections")
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="inspections"
    )
    stratum = models.CharField(_("drawn"), max_length=8, choices=Stratum.choices)
    risk = models.FloatField(_("risk score at the draw"))
    inspectors = models.ManyToManyField(Inspector, verbose_name=_("inspectors"), related_name="inspections")
    done_on = models.DateField(_("inspected on"), null=True, blank=True)
    severity = models.CharField(_("finding"), max_length=8, choices=Severity.choices, blank=True, default="")
    findings = models.TextField(_("findings"), blank=True, default="")
    published = models.BooleanField(_("published"), default=False)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-draw__date", "id"]
        constraints = [models.UniqueConstraint(fields=["draw", "institution"], name="inspection_unique")]

    def __str__(self) -> str:
        return f"{self.institution} {self.draw.date}"


class Grade(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class YearGrade(Scoped):
    """An institution's grade for a year (评估监测): stars follow from the consecutive good years."""

    SCOPE = Scope("institution__" + REGION, "institution__organisation")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="grades"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=6, choices=Grade.choices)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("yearly grade")
        verbose_name_plural = _("yearly grades")
        ordering = ["institution", "year"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="year_grade_unique")]

    def __str__(self) -> str:
        return f"{self.institution} {self.year} {self.get_grade_display()}"


class ResourceKind(models.TextChoices):
    NATIONAL_STANDARD = "national_standard", _("National occupational skill standard")
    INDUSTRY_NORM = "industry_norm", _("Industry evaluation norm")
    SPECIAL_CAPABILITY = "special_capability", _("Special vocational capability item")
    QUESTION_BANK = "question_bank", _("Question bank")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("In preparation")
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


class Resource(Scoped):
    """An evaluation resource: a standard, norm, capability item or question bank for an occupation."""

    SCOPE = Scope("region_code", steps=frozenset({"retire"}))

    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey(
        "reference.SkillLevel", verbose_name=_("level"), null=True, blank=True, on_delete=models.PROTECT
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    owner = models.CharField(_("owner"), max_length=100)
    version = models.CharField(_("version"), max_length=20)
    status = models.CharField(_("status"), max_length=8, choices=ResourceStatus.choices, default=ResourceStatus.ACTIVE)
    since = models.DateField(_("in use from"))
    until = models.DateField(_("retired on"), null=True, blank=True)
    digital = models.BooleanField(_("digital occupation"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation resource")
        verbose_name_plural = _("evaluation resources")
        ordering = ["occupation__code", "kind", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "occupation", "level", "region_code", "version"], name="resource_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PilotTitle(models.TextChoices):
    SPECIAL = "special", _("Special technician")
    CHIEF = "chief", _("Chief technician")


class Pilot(Scoped):
    """An enterprise in the 特级技师 / 首席技师 appointment pilot (苏政办发〔2024〕37号 (十三)), with its quotas."""

    SCOPE = Scope("organisation__region_code", "organisation")

    organisation = models.OneToOneField(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="pilot"
    )
    quota_special = models.PositiveSmallIntegerField(_("special technician quota"))
    quota_chief = models.PositiveSmallIntegerField(_("chief technician quota"))
    since = models.DateField(_("in the pilot from"))
    until = models.DateField(_("in the pilot until"), null=True, blank=True)
    clause = models.CharField(_("clause"), max_length=120, blank=True, default="")

    class Meta:
        verbose_name = _("appointment pilot enterprise")
        verbose_name_plural = _("appointment pilot enterprises")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.organisation)


class Appointment(Scoped):
    """A worker appointed 特级技师 or 首席技师 by a pilot enterprise, for a term."""

    SCOPE = Scope(
        "pilot__organisation__region_code",
        "pilot__organisation",
        organisation_acts=frozenset({"add", "end"}),
        steps=frozenset({"end"}),
    )

    pilot = models.ForeignKey(
        Pilot, verbose_name=_("pilot enterprise"), on_delete=models.PROTECT, related_name="appointments"
    )
    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=8, choices=PilotTitle.choices)
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    start = models.DateField(_("term from"))
    end = models.DateField(_("term until"))
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="appointment_term"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_title_display()}）"
