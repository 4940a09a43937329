"""Labour-market services: enterprises' skill demand and the yearly talent-need survey (苏政办发〔2024〕37号
(三)), the need catalog a bureau publishes from them with its shortage proposals; schools' programmes,
order and named classes (订单班、冠名班, 常政办发〔2025〕14号 二(二)7; ZJG opinion 二(八)), apprenticeships
and school reports (ZJG opinion 五; 常政办发〔2025〕14号 二(二)5); job seekers with their intentions
(苏政办发〔2024〕37号 (七)); job fairs with their booths, seekers and outcomes (常政办发〔2025〕14号 二(一)4);
and the rounds that match students to order-class places."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gongjiang.core import jobs
from gongjiang.core.jobs import JobFields, failure_field, stage_field
from gongjiang.core.models import Scope, Scoped
from gongjiang.reference.selectors import region_name

OWN = frozenset({"add", "change"})


class PostStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("demand post", "Open")
    CLOSED = "closed", _("Closed")


class DemandPost(Scoped):
    """A skill demand an enterprise posts: occupation, level, headcount, wage offer, region, start. Open
    posts are public to every organisation user (schools place their graduates in them)."""

    SCOPE = Scope(
        "region_code",
        "organisation",
        organisation_acts=frozenset({"add", "change", "close"}),
        organisation_public={"status": "open"},
        steps=frozenset({"close"}),
    )

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        "reference.SkillLevel",
        verbose_name=_("skill level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    headcount = models.PositiveIntegerField(_("headcount"))
    filled = models.PositiveIntegerField(_("filled"), default=0)
    wage_offer = models.PositiveIntegerField(_("monthly wage offered (yuan)"))
    start = models.DateField(_("start date"))
    opened_on = models.DateField(_("posted on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=PostStatus.choices, default=PostStatus.OPEN, db_index=True
    )

    class Meta:
        verbose_name = _("skill demand")
        verbose_name_plural = _("skill demand")
        ordering = ["-opened_on", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(headcount__gt=0), name="post_headcount_positive")]

    def __str__(self) -> str:
        return f"{self.occupation} × {self.headcount}"


class NeedSurvey(Scoped):
    """An enterprise's answer to the yearly talent-need survey (技能人才需求调查, 苏政办发〔2024〕37号 (三))."""

    SCOPE = Scope(
        "region_code",
        "organisation",
        organisation_acts=frozenset({"add", "change", "send"}),
        steps=frozenset({"send"}),
    )

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("survey year"))
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("talent-need survey answer")
        verbose_name_plural = _("talent-need survey answers")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="survey_once_a_year")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"


class SurveyLine(Scoped):
    """One occupation × level of a survey answer: staff now, planned hires for the next three years, posts
    hard to fill and how long they stayed open."""

    SCOPE = Scope(
        "survey__region_code", "survey__organisation", organisation_acts=frozenset({"add", "change", "delete"})
    )

    survey = models.ForeignKey(
        NeedSurvey, verbose_name=_("survey answer"), on_delete=models.CASCADE, related_name="lines"
    )
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        "reference.SkillLevel", verbose_name=_("skill level"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.PositiveIntegerField(_("staff now"))
    hires_1 = models.PositiveIntegerField(_("planned hires next year"))
    hires_2 = models.PositiveIntegerField(_("planned hires in two years"))
    hires_3 = models.PositiveIntegerField(_("planned hires in three years"))
    hard_to_fill = models.PositiveIntegerField(_("posts hard to fill"), default=0)
    open_days = models.PositiveIntegerField(_("days the hard posts stayed open"), default=0)

    class Meta:
        verbose_name = _("survey line")
        verbose_name_plural = _("survey lines")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["survey", "occupation", "level"], name="survey_line_once")]

    def __str__(self) -> str:
        return f"{self.occupation} {self.level}"


class CatalogStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class NeedCatalog(Scoped):
    """A region's need catalog of a year (技能人才需求目录): compiled from posts, survey answers and the
    schools' expected graduates, with shortage proposals for the training catalog; published."""

    SCOPE = Scope("region_code", organisation_public={"status": "published"}, steps=frozenset({"compile", "publish"}))

    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=CatalogStatus.choices, default=CatalogStatus.DRAFT)
    compiled_on = models.DateField(_("compiled on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)

    class Meta:
        verbose_name = _("need catalog")
        verbose_name_plural = _("need catalogs")
        ordering = ["-year", "region_code"]
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="need_catalog_once")]

    def __str__(self) -> str:
        return f"{region_name(self.region_code)} {self.year}"


class ProposalDecision(models.TextChoices):
    PENDING = "pending", _("Not decided")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class CatalogEntry(Scoped):
    """One occupation of a need catalog, with the evidence of its shortage index; a proposed one is
    accepted into the region's training catalog as a shortage occupation, or rejected, by an officer."""

    SCOPE = Scope(
        "catalog__region_code",
        organisation_public={"catalog__status": "published"},
        steps=frozenset({"accept", "reject"}),
    )

    catalog = models.ForeignKey(
        NeedCatalog, verbose_name=_("need catalog"), on_delete=models.CASCADE, related_name="entries"
    )
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    demand = models.PositiveIntegerField(_("demand (posts and planned hires)"))
    posted = models.PositiveIntegerField(_("headcount posted"))
    filled = models.PositiveIntegerField(_("filled"))
    hard_to_fill = models.PositiveIntegerField(_("posts hard to fill"))
    open_days = models.PositiveIntegerField(_("average days open"))
    supply = models.PositiveIntegerField(_("expected graduates"))
    shortage_index = models.DecimalField(_("shortage index"), max_digits=6, decimal_places=3)
    proposed = models.BooleanField(_("proposed as a shortage occupation"), default=False)
    # The officer's decision on a proposal: accepted, the occupation is a shortage occupation of the
    # region's training catalog of the year (``training.services.catalog_shortage_adopt``).
    decision = models.CharField(
        _("decision"), max_length=10, choices=ProposalDecision.choices, default=ProposalDecision.PENDING
    )
    decided_by = models.ForeignKey(
        "core.User", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.CharField(_("reason for the decision"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("need catalog entry")
        verbose_name_plural = _("need catalog entries")
        ordering = ["-shortage_index", "id"]
        constraints = [models.UniqueConstraint(fields=["catalog", "occupation"], name="catalog_entry_once")]

    def __str__(self) -> str:
        return str(self.occupation)

    @property
    def fill_rate(self) -> float | None:
        return self.filled / self.posted if self.posted else None


class Programme(Scoped):
    """A school's programme (专业) mapped to an occupation, with its enrolment and expected graduates of a year."""

    SCOPE = Scope("region_code", "school", organisation_acts=OWN)

    school = models.ForeignKey(
        "registry.Organisation", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    name = models.CharField(pgettext_lazy("school", "programme"), max_length=80)
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    enrolment = models.PositiveIntegerField(pgettext_lazy("school", "enrolment"))
    expected_graduates = models.PositiveIntegerField(_("expected graduates"))

    class Meta:
        verbose_name = _("school programme")
        verbose_name_plural = _("school programmes")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name", "year"], name="programme_once_a_year")]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class ClassKind(models.TextChoices):
    ORDER = "order", _("Order class")
    NAMED = "named", _("Named class")


class OrderClass(Scoped):
    """An order or named class (订单班、冠名班): a school's class for an enterprise, with its places and the
    enterprise's funding per student. Its region is the enterprise's, whose bureau matches the funding
    (ZJG opinion 二(八): a 张家港 class at a school elsewhere)."""

    SCOPE = Scope("region_code", "school", organisation_via=("enterprise",), organisation_acts=OWN)

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=8, choices=ClassKind.choices)
    school = models.ForeignKey(
        "registry.Organisation", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    places = models.PositiveIntegerField(_("places"))
    funding_per_student = models.PositiveIntegerField(_("enterprise funding per student (yuan)"), default=0)
    school_quota = models.PositiveIntegerField(_("most students from one school"), null=True, blank=True)
    region_quota = models.PositiveIntegerField(_("most students from one region"), null=True, blank=True)

    class Meta:
        verbose_name = _("order or named class")
        verbose_name_plural = _("order and named classes")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name", "year"], name="order_class_once_a_year"),
            models.CheckConstraint(condition=models.Q(places__gt=0), name="order_class_places_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ApprenticeshipKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("New-type enterprise apprenticeship")
    MODERN = "modern", _("Modern apprenticeship")


class Apprenticeship(Scoped):
    """An apprenticeship contract (企业新型学徒制、现代学徒制) of an enterprise, with a school where one trains."""

    SCOPE = Scope("region_code", "enterprise", organisation_via=("school",), organisation_acts=OWN)

    kind = models.CharField(_("kind"), max_length=12, choices=ApprenticeshipKind.choices)
    enterprise = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("apprentice"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        "reference.SkillLevel", verbose_name=_("target level"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("apprenticeship")
        verbose_name_plural = _("apprenticeships")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="apprenticeship_dates")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {date_format(self.start)}"


class SchoolReport(Scoped):
    """A school's yearly figures the platform does not hold as records: teachers and 双师型 teachers, and
    persons it trained for society (ZJG opinion 五; 常政办发〔2025〕14号 二(二)5)."""

    SCOPE = Scope("region_code", "school", organisation_acts=OWN)

    school = models.ForeignKey(
        "registry.Organisation", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    teachers = models.PositiveIntegerField(_("teachers"))
    dual_teachers = models.PositiveIntegerField(_("dual-qualified teachers"))
    social_trainees = models.PositiveIntegerField(_("persons trained for society"))

    class Meta:
        verbose_name = _("school report")
        verbose_name_plural = _("school reports")
        ordering = ["-year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="school_report_once_a_year"),
            models.CheckConstraint(
                condition=models.Q(dual_teachers__lte=models.F("teachers")), name="dual_within_teachers"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.year}"


class SeekerKind(models.TextChoices):
    GRADUATE = "graduate", _("Graduate")
    UNEMPLOYED = "unemployed", _("Unemployed")
    CHANGING = "changing", _("Worker changing jobs")


class SeekerStatus(models.TextChoices):
    SEEKING = "seeking", _("Seeking")
    PLACED = "placed", _("Placed")


class Seeker(Scoped):
    """A job seeker and the intention identified with them (就业意向): occupation, level, region, wage."""

    SCOPE = Scope("region_code", "school", organisation_acts=OWN, steps=frozenset({"place"}))

    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=SeekerKind.choices)
    school = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    region_code = models.CharField(_("region wanted"), max_length=6, db_index=True)
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation wanted"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        "reference.SkillLevel",
        verbose_name=_("skill level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    wage_expected = models.PositiveIntegerField(_("monthly wage asked (yuan)"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=SeekerStatus.choices, default=SeekerStatus.SEEKING, db_index=True
    )
    placed_post = models.ForeignKey(
        DemandPost, verbose_name=_("placed in"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_on = models.DateField(_("placed on"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"))

    class Meta:
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        ordering = ["-registered_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "registered_on"], name="seeker_once_a_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


# ---- job fairs -------------------------------------------------------------------------------------


class FairKind(models.TextChoices):
    YOUTH = "youth", _("Youth and graduates")
    HIGH_SKILLED = "high_skilled", _("High-skilled talents")
    SPECIAL = "special", _("Special groups")
    INDUSTRY = "industry", _("Industry")


# The clause each kind of fair carries out.
FAIR_CLAUSES = {
    FairKind.YOUTH: "常政办发〔2025〕14号 二(一)4",
    FairKind.HIGH_SKILLED: "苏政办发〔2024〕37号 (十八); 常政办发〔2025〕14号 二(四)14",
    FairKind.SPECIAL: "苏政办发〔2024〕37号 (七)",
    FairKind.INDUSTRY: "苏政办发〔2024〕37号 (七)",
}


class FairStatus(models.TextChoices):
    OPEN = "open", _("Open for registration")
    HELD = "held", pgettext_lazy("fair", "Held")


class JobFair(Scoped):
    """A job fair a bureau holds (招聘会): for youth and graduates (常政办发〔2025〕14号 二(一)4), for high-skilled
    talents (苏政办发〔2024〕37号 (十八)), for special groups, or for an industry; the training-plus-employment
    service chain of 苏政办发〔2024〕37号 (七). Enterprises take booths with their posts, seekers register,
    and the outcomes (interviews, hires) are recorded. Fairs are public to every organisation user."""

    SCOPE = Scope(
        "region_code",
        organisation_public={"status__in": (FairStatus.OPEN, FairStatus.HELD)},
        steps=frozenset({"close"}),
    )

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=FairKind.choices)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120)
    industry_code = models.CharField(_("industry"), max_length=4, blank=True, default="")
    clause = models.CharField(_("source clause"), max_length=100)
    status = models.CharField(_("status"), max_length=8, choices=FairStatus.choices, default=FairStatus.OPEN)
    held_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("job fair")
        verbose_name_plural = _("job fairs")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.name


class FairBooth(Scoped):
    """An enterprise's booth at a fair; the posts it brings are its ``BoothPost`` rows."""

    SCOPE = Scope("fair__region_code", "enterprise", organisation_acts=frozenset({"add"}))

    fair = models.ForeignKey(JobFair, verbose_name=_("job fair"), on_delete=models.CASCADE, related_name="booths")
    enterprise = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("booth number"))
    registered_on = models.DateField(_("registered on"))

    class Meta:
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["fair", "enterprise"], name="booth_once_a_fair"),
            models.UniqueConstraint(fields=["fair", "number"], name="booth_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.fair} · {self.number}"


class BoothPost(Scoped):
    """A post (skill demand) an enterprise brings to its booth."""

    SCOPE = Scope("booth__fair__region_code", "booth__enterprise", organisation_acts=frozenset({"add"}))

    booth = models.ForeignKey(FairBooth, verbose_name=_("booth"), on_delete=models.CASCADE, related_name="posts")
    post = models.ForeignKey(DemandPost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("post at a booth")
        verbose_name_plural = _("posts at booths")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["booth", "post"], name="booth_post_once")]

    def __str__(self) -> str:
        return f"{self.booth} · {self.post_id}"


class FairSeeker(Scoped):
    """A job seeker registered for a fair (by the bureau, or by the school for its graduates)."""

    SCOPE = Scope("fair__region_code", "seeker__school", organisation_acts=frozenset({"add"}))

    fair = models.ForeignKey(JobFair, verbose_name=_("job fair"), on_delete=models.CASCADE, related_name="seekers")
    seeker = models.ForeignKey(Seeker, verbose_name=_("job seeker"), on_delete=models.PROTECT, related_name="+")
    registered_on = models.DateField(_("registered on"))

    class Meta:
        verbose_name = _("seeker at a fair")
        verbose_name_plural = _("seekers at fairs")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["fair", "seeker"], name="fair_seeker_once")]

    def __str__(self) -> str:
        return f"{self.fair} · {self.seeker_id}"


class OutcomeKind(models.TextChoices):
    INTERVIEWED = "interviewed", _("Interviewed")
    HIRED = "hired", _("Hired")


class FairOutcome(Scoped):
    """An outcome at a fair: a seeker interviewed for a post (recorded by the enterprise or the bureau), or
    hired into it (recorded by the bureau, with the placement and its employment record)."""

    SCOPE = Scope("fair__region_code", "post__organisation", organisation_acts=frozenset({"add"}))

    fair = models.ForeignKey(JobFair, verbose_name=_("job fair"), on_delete=models.CASCADE, related_name="outcomes")
    seeker = models.ForeignKey(Seeker, verbose_name=_("job seeker"), on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(DemandPost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=OutcomeKind.choices)
    recorded_on = models.DateField(_("recorded on"))

    class Meta:
        verbose_name = _("fair outcome")
        verbose_name_plural = _("fair outcomes")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["fair", "seeker", "post", "outcome"], name="fair_outcome_once")]

    def __str__(self) -> str:
        return f"{self.fair} · {self.get_outcome_display()}"


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Taking applications")
    MATCHED = "matched", _("Matched")
    CONFIRMED = "confirmed", _("Confirmed")


class MatchRound(Scoped):
    """A round matching students to the places of a year's order and named classes: the classes of the
    organising school (or, organised by the bureau, of every school in its region), students' ranked
    choices and the enterprises' scores, deferred acceptance, and the certificate of stability."""

    SCOPE = Scope(
        "region_code",
        "organiser",
        organisation_acts=frozenset({"add", "change", "run", "confirm"}),
        steps=frozenset({"run", "confirm"}),
    )

    name = models.CharField(_("name"), max_length=80)
    organiser = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organising school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    certificate = models.JSONField(_("stability certificate"), default=dict, blank=True)

    class Meta:
        verbose_name = _("matching round")
        verbose_name_plural = _("matching rounds")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.name


class Applicant(Scoped):
    """A student in a matching round: her school, and her choices (class id, her rank, the enterprise's score)."""

    SCOPE = Scope(
        "round__region_code", "round__organiser", organisation_via=("school",), organisation_acts=frozenset({"add"})
    )

    round = models.ForeignKey(
        MatchRound, verbose_name=_("matching round"), on_delete=models.CASCADE, related_name="applicants"
    )
    person = models.ForeignKey("registry.Person", verbose_name=_("student"), on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "registry.Organisation", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    choices = models.JSONField(_("choices"), default=list)
    placed = models.ForeignKey(
        OrderClass,
        verbose_name=_("placed in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="students",
    )

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="applicant_once_a_round")]

    def __str__(self) -> str:
        return f"{self.round} · {self.pk}"


# --- Manpower forecasts and shortage warnings (ZJG opinion 六(十七)) ------------------------------------


class ForecastStage(models.TextChoices):
    """The stages of a forecast run in the order they run (``labour.tasks.forecast_run_execute``)."""

    WAITING = "", pgettext_lazy("forecast stage", "Waiting for a worker")
    SERIES = "series", pgettext_lazy("forecast stage", "Assembling the series from the records")
    MODELS = "models", pgettext_lazy("forecast stage", "Back-testing and combining the models")
    RECONCILE = "reconcile", pgettext_lazy("forecast stage", "Reconciling over the region hierarchy")
    SAVING = "saving", pgettext_lazy("forecast stage", "Saving the lines and warnings")


FORECAST_STAGES: tuple[str, ...] = tuple(s.value for s in ForecastStage if s.value)


class ForecastFailure(models.TextChoices):
    REFUSED = jobs.REFUSED, _("The forecast was refused")
    INTERRUPTED = jobs.INTERRUPTED, _("The forecast was interrupted (its worker stopped); nothing was saved")
    UNEXPECTED = jobs.UNEXPECTED, _("The forecast failed unexpectedly; nothing was saved")


class ForecastRun(Scoped, JobFields):
    """A forecast of manpower by occupation major group (大类 of the 2022 classification) × region × year for
    the subtree of a region, made by an officer from the records up to a data cut-off year: the models
    combined, each series' back-test error (MASE) and weights, intervals, and the figures reconciled so
    that districts sum to their city and cities to the province, in whole persons.

    A run is also its own background job: queued by the officer, computed by a worker which writes its
    stage, percentage and heartbeat here (outside any transaction), and done once its lines and warnings
    are saved; a refusal or an error ends it as failed with its reason and no line."""

    SCOPE = Scope("region_code")

    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    made_on = models.DateField(_("made on"))
    cutoff_year = models.PositiveSmallIntegerField(_("data cut-off year"))
    first_year = models.PositiveSmallIntegerField(_("first year of history"))
    horizon = models.PositiveSmallIntegerField(_("horizon (years)"))
    models_used = models.JSONField(_("models combined"), default=list)
    reconciliation = models.CharField(_("reconciliation"), max_length=20)
    gap_threshold = models.PositiveIntegerField(_("warning threshold (persons)"))
    gap_share = models.DecimalField(_("warning threshold (share of openings)"), max_digits=4, decimal_places=2)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    history_years = models.PositiveSmallIntegerField(_("years of history"), default=10)
    seed = models.PositiveIntegerField(_("random seed"), default=0)
    stage = stage_field(ForecastStage)
    created = models.DateTimeField(_("queued"), default=timezone.now)
    failure = failure_field(ForecastFailure)

    class Meta:
        verbose_name = _("manpower forecast")
        verbose_name_plural = _("manpower forecasts")
        ordering = ["-made_on", "-id"]

    def __str__(self) -> str:
        return gettext("Manpower forecast %(n)d: %(region)s, %(first)d–%(last)d") % {
            "n": self.pk or 0,
            "region": region_name(self.region_code),
            "first": self.cutoff_year + 1,
            "last": self.cutoff_year + self.horizon,
        }


class ForecastLine(Scoped):
    """One region × occupation major group of a forecast run: history and reconciled forecast of employment
    and supply, the retirements expected (replacement), openings = growth + replacement, and the gap."""

    SCOPE = Scope("region_code")

    run = models.ForeignKey(
        ForecastRun, verbose_name=_("manpower forecast"), on_delete=models.CASCADE, related_name="lines"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    depth = models.PositiveSmallIntegerField(_("level in the hierarchy"))
    group = models.CharField(_("occupation major group"), max_length=2)
    history = models.JSONField(_("history"), default=dict)
    forecast = models.JSONField(_("forecast"), default=dict)
    mase = models.JSONField(_("back-test error (MASE)"), default=dict)
    weights = models.JSONField(_("model weights"), default=dict)
    openings_total = models.IntegerField(_("openings over the horizon"))
    supply_total = models.IntegerField(_("supply over the horizon"))
    gap_total = models.IntegerField(_("gap over the horizon"))

    class Meta:
        verbose_name = _("forecast line")
        verbose_name_plural = _("forecast lines")
        ordering = ["run", "depth", "region_code", "group"]
        constraints = [models.UniqueConstraint(fields=["run", "region_code", "group"], name="forecast_line_once")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.group}"


class Severity(models.TextChoices):
    MEDIUM = "medium", pgettext_lazy("severity", "Medium")
    HIGH = "high", pgettext_lazy("severity", "High")


class ShortageWarning(Scoped):
    """A forecast gap (openings − supply) beyond the run's threshold in a region, occupation group and year.
    It belongs to the region where it arose; officers of that region and of every enclosing region see it."""

    SCOPE = Scope("region_code")

    run = models.ForeignKey(
        ForecastRun, verbose_name=_("manpower forecast"), on_delete=models.CASCADE, related_name="warnings"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    group = models.CharField(_("occupation major group"), max_length=2)
    year = models.PositiveSmallIntegerField(_("year"))
    openings = models.IntegerField(_("forecast openings"))
    supply = models.IntegerField(_("forecast supply"))
    gap = models.IntegerField(_("gap"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    evidence = models.JSONField(_("evidence"), default=dict)

    class Meta:
        verbose_name = _("shortage warning")
        verbose_name_plural = _("shortage warnings")
        ordering = ["-run", "-gap", "id"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.group} {self.year}"


class EnterpriseTown(Scoped):
    """The town or street (乡镇/街道) an enterprise lies in: the registry holds only the district, so the bureau
    records it here (its 9-digit statistical code and name) for the town level of the forecasts."""

    SCOPE = Scope("region_code", "organisation", organisation_acts=OWN)

    organisation = models.OneToOneField(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    town_code = models.CharField(_("town code"), max_length=9)
    town_name = models.CharField(_("town or street"), max_length=40)

    class Meta:
        verbose_name = _("enterprise town")
        verbose_name_plural = _("enterprise towns")
        ordering = ["town_code", "id"]

    def __str__(self) -> str:
        return self.town_name


class MajorProject(Scoped):
    """A planned plant or major project whose manpower is assessed against the forecast supply (重大项目人力
    资源评估, ZJG opinion 六(十七))."""

    SCOPE = Scope("region_code")

    name = models.CharField(_("name"), max_length=100)
    enterprise = models.ForeignKey(
        "registry.Organisation", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    start_year = models.PositiveSmallIntegerField(_("start year"))

    class Meta:
        verbose_name = _("major project")
        verbose_name_plural = _("major projects")
        ordering = ["-start_year", "-id"]

    def __str__(self) -> str:
        return self.name


class ProjectNeed(Scoped):
    """A major project's need of one occupation in one year."""

    SCOPE = Scope("project__region_code")

    project = models.ForeignKey(
        MajorProject, verbose_name=_("major project"), on_delete=models.CASCADE, related_name="needs"
    )
    occupation = models.ForeignKey(
        "reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    headcount = models.PositiveIntegerField(_("headcount"))

    class Meta:
        verbose_name = _("project need")
        verbose_name_plural = _("project needs")
        ordering = ["year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "occupation", "year"], name="project_need_once"),
            models.CheckConstraint(condition=models.Q(headcount__gt=0), name="project_need_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.occupation} {self.year}"
