"""Skill competitions (职业技能竞赛): WorldSkills > national > provincial (江苏技能状元大赛) > municipal >
district. A competition names its occupation, the skill level its winners may be recognised at, its
dates, region and cap on participants; participants come from the registry; judges mark each participant
on the test project's aspects, measurement (objective) or judgement (subjective); the results are
standardised (``rules.py``), published, and the winners within the recognised ranks receive a
direct-recognition certificate (苏政办发〔2024〕37号 (十五))."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Scope, Scoped


class CompetitionLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    DISTRICT = "district", _("District")


class CompetitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for registration")
    MARKING = "marking", _("Marking")
    PUBLISHED = "published", _("Results published")


class AspectKind(models.TextChoices):
    MEASUREMENT = "measurement", _("Measurement")
    JUDGEMENT = "judgement", _("Judgement")


class Medal(models.TextChoices):
    GOLD = "gold", _("Gold")
    SILVER = "silver", _("Silver")
    BRONZE = "bronze", _("Bronze")


class Competition(Scoped):
    SCOPE = Scope("region_code", "organiser", steps=frozenset({"open", "close", "mark", "publish", "issue"}))

    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("competition level"), max_length=12, choices=CompetitionLevel.choices)
    organiser = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="competitions",
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    occupation = models.ForeignKey("reference.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT)
    award_level = models.ForeignKey(
        "reference.SkillLevel",
        verbose_name=_("highest level recognised"),
        on_delete=models.PROTECT,
        help_text=_("Winners are recognised one level up, at most at this level."),
    )
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"))
    cap = models.PositiveIntegerField(_("cap on participants"))
    recognised_ranks = models.PositiveSmallIntegerField(
        _("ranks recognised"), default=3, help_text=_("Winners up to this rank are recognised one level up.")
    )
    spread = models.PositiveSmallIntegerField(
        _("allowed spread of judges' marks (percent)"),
        default=30,
        help_text=_(
            "Judges' marks of one participant on one aspect further apart than this share of the "
            "aspect's maximum are flagged."
        ),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CompetitionStatus.choices, default=CompetitionStatus.DRAFT, db_index=True
    )
    published_on = models.DateField(_("results published on"), null=True, blank=True)
    batch = models.ForeignKey(
        "credentials.CertificateBatch",
        verbose_name=_("certificate batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("skill competition")
        verbose_name_plural = _("skill competitions")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="competition_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class Participant(Scoped):
    SCOPE = Scope("competition__region_code", "organisation")

    competition = models.ForeignKey(
        Competition, verbose_name=_("competition"), on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.DecimalField(_("standardised score"), max_digits=7, decimal_places=2, null=True, blank=True)
    measurement = models.DecimalField(_("measurement marks"), max_digits=8, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    medal = models.CharField(_("medal"), max_length=8, choices=Medal.choices, blank=True, default="")
    recognised = models.BooleanField(_("recognised one level up"), default=False)
    flagged = models.BooleanField(_("judges disagree"), default=False)
    certificate = models.ForeignKey(
        "credentials.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "person"], name="participant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.competition} · {self.person_id}"


class Judge(Scoped):
    SCOPE = Scope("competition__region_code", "competition__organiser")

    competition = models.ForeignKey(
        Competition, verbose_name=_("competition"), on_delete=models.CASCADE, related_name="judges"
    )
    name = models.CharField(_("name"), max_length=50)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("judge")
        verbose_name_plural = _("judges")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["competition", "name"], name="judge_once")]

    def __str__(self) -> str:
        return self.name


class Aspect(Scoped):
    SCOPE = Scope("competition__region_code", "competition__organiser")

    competition = models.ForeignKey(
        Competition, verbose_name=_("competition"), on_delete=models.CASCADE, related_name="aspects"
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind of aspect"), max_length=12, choices=AspectKind.choices)
    max_mark = models.DecimalField(_("maximum mark"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("marking aspect")
        verbose_name_plural = _("marking aspects")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "name"], name="aspect_once"),
            models.CheckConstraint(condition=models.Q(max_mark__gt=0), name="aspect_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Mark(Scoped):
    SCOPE = Scope("participant__competition__region_code", "participant__competition__organiser")

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="marks"
    )
    judge = models.ForeignKey(Judge, verbose_name=_("judge"), on_delete=models.CASCADE, related_name="marks")
    aspect = models.ForeignKey(Aspect, verbose_name=_("marking aspect"), on_delete=models.CASCADE, related_name="marks")
    value = models.DecimalField(_("mark"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["participant", "judge", "aspect"], name="mark_once")]

    def __str__(self) -> str:
        return f"{self.aspect}: {self.value}"
