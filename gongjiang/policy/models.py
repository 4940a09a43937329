"""Policy documents and clauses; policy sets, their versions, dated parameters and decision tables.

The YAML files under ``gongjiang/policy/sets`` are the source; ``gongjiang policy load`` checks them
and writes a new version of a set when its content changed. A version is immutable: its parameters
and tables are what the engine evaluates, and its ``spec`` is the expanded set exactly as loaded.
Policy texts are public, so these models are readable by every signed-in user and are not scoped by
region; they are written by the load command and by the adoption of a draft (:class:`PolicyDraft`, scoped
by its set's region, edited by that region's officers on the pages).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Scope, Scoped


def in_english() -> bool:
    return (get_language() or "").startswith("en")


class Bilingual:
    """A text of the policy files kept in Chinese and in English (``note`` and ``note_en``): ``shown(name)``
    is the one of the page's language (the Chinese where the English is missing)."""

    def shown(self, name: str) -> str:
        english = getattr(self, f"{name}_en", "")
        return english if in_english() and english else getattr(self, name)

    @property
    def shown_note(self) -> str:
        return self.shown("note")


class DocumentKind(models.TextChoices):
    GOVERNMENT_DOCUMENT = "government_document", _("Government document")
    BUREAU_LETTER = "bureau_letter", _("Bureau letter")
    MEASURES = "measures", _("Measures")
    REPORT = "report", _("Report")
    STANDARD_TABLE = "standard_table", _("Standard table")


class PolicyDocument(Bilingual, models.Model):
    """A policy document: its number (e.g. 常政办发〔2025〕14号), our internal id (CZ-2025-14), issuer,
    date and region."""

    code = models.CharField(_("internal id"), max_length=40, unique=True)
    number = models.CharField(_("document number"), max_length=100, blank=True, default="")
    short = models.CharField(_("short citation"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=100)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    region_code = models.CharField(_("region"), max_length=6)
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    note = models.TextField(_("note"), blank=True, default="")
    note_en = models.TextField(_("note in English"), blank=True, default="")

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.citation} {self.title}"

    @property
    def citation(self) -> str:
        return self.number or self.short or self.code


class Clause(models.Model):
    """A clause of a document, by its path in the document's numbering (e.g. 二(一)2), summarised in our
    own words."""

    document = models.ForeignKey(
        PolicyDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="clauses"
    )
    path = models.CharField(_("clause"), max_length=40)
    summary = models.TextField(_("summary"))

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["document__code", "id"]
        constraints = [models.UniqueConstraint(fields=["document", "path"], name="policy_clause_unique")]

    def __str__(self) -> str:
        return self.citation

    @property
    def citation(self) -> str:
        return f"{self.document.citation} {self.path}"

    @property
    def key(self) -> str:
        """How policy sets refer to the clause: ``<internal id> <path>``."""
        return f"{self.document.code} {self.path}"


class PolicySet(Bilingual, models.Model):
    """A named set of rules for a region (jiangsu, suzhou, changzhou, zhangjiagang)."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True, default="")
    region_code = models.CharField(_("region"), max_length=6)
    description = models.TextField(_("description"), blank=True, default="")
    description_en = models.TextField(_("description in English"), blank=True, default="")

    class Meta:
        verbose_name = _("policy set")
        verbose_name_plural = _("policy sets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.shown("title") or self.name

    def current_version(self) -> PolicySetVersion | None:
        return self.versions.filter(adopted_at__isnull=False).order_by("-adopted_at", "-number").first()


class PolicySetVersion(models.Model):
    """One loaded content of a set. Immutable. The most recently adopted version is current."""

    policy_set = models.ForeignKey(
        PolicySet, verbose_name=_("policy set"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    digest = models.CharField(_("content digest"), max_length=64)
    cases_digest = models.CharField(_("golden cases digest"), max_length=64, blank=True, default="")
    cases_count = models.PositiveIntegerField(_("golden cases"), default=0)
    spec = models.JSONField(_("expanded set"))
    files = models.JSONField(_("source files"), default=list)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    loaded_by = models.CharField(_("loaded by"), max_length=150, blank=True, default="")
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("policy set version")
        verbose_name_plural = _("policy set versions")
        ordering = ["policy_set__name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy_set", "number"], name="policy_version_number_unique"),
            models.UniqueConstraint(fields=["policy_set", "digest"], name="policy_version_digest_unique"),
        ]

    def __str__(self) -> str:
        return _("%(set)s, version %(number)s") % {"set": self.policy_set, "number": self.number}


class Unit(models.TextChoices):
    YUAN = "yuan", _("yuan")
    PERCENT = "percent", _("percent")
    COUNT = "count", _("count")
    MONTHS = "months", _("months")


class Parameter(Bilingual, models.Model):
    """A dated value of a version: in force in its region (and, by fallback, its subregions without a
    value of their own) from ``effective_from`` to ``effective_to`` (inclusive; open when empty)."""

    version = models.ForeignKey(
        PolicySetVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="parameters"
    )
    name = models.CharField(_("name"), max_length=80)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    region_code = models.CharField(_("region"), max_length=6)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    recorded_at = models.DateField(_("recorded at"))
    clause = models.ForeignKey(Clause, verbose_name=_("clause"), on_delete=models.PROTECT, related_name="parameters")
    limit_name = models.CharField(_("bounded by parameter"), max_length=80, blank=True, default="")
    origin = models.CharField(_("defined in set"), max_length=50)
    note = models.TextField(_("note"), blank=True, default="")
    note_en = models.TextField(_("note in English"), blank=True, default="")

    class Meta:
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        ordering = ["name", "region_code", "effective_from"]
        indexes = [models.Index(fields=["version", "name"])]

    def __str__(self) -> str:
        return f"{self.name}@{self.region_code} {self.value} {self.unit} from {self.effective_from}"


class HitPolicy(models.TextChoices):
    FIRST = "first", _("first matching row")
    UNIQUE = "unique", _("exactly one row")
    COLLECT = "collect", _("all matching rows")


class DecisionTable(Bilingual, models.Model):
    """A decision table of a version, checked at load for gaps, overlaps, shadowed rows and missing values."""

    version = models.ForeignKey(
        PolicySetVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="tables"
    )
    name = models.CharField(_("name"), max_length=80)
    hit_policy = models.CharField(_("hit policy"), max_length=10, choices=HitPolicy.choices)
    region_code = models.CharField(_("region"), max_length=6)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    recorded_at = models.DateField(_("recorded at"))
    clause = models.ForeignKey(Clause, verbose_name=_("clause"), on_delete=models.PROTECT, related_name="tables")
    inputs = models.JSONField(_("inputs"))
    outputs = models.JSONField(_("outputs"))
    rows = models.JSONField(_("rows"))
    unmatched = models.CharField(_("reason when no row matches"), max_length=40, default="no_rule_row")
    origin = models.CharField(_("defined in set"), max_length=50)
    note = models.TextField(_("note"), blank=True, default="")
    note_en = models.TextField(_("note in English"), blank=True, default="")

    class Meta:
        verbose_name = _("decision table")
        verbose_name_plural = _("decision tables")
        ordering = ["name", "region_code", "effective_from"]

    def __str__(self) -> str:
        return f"{self.name}@{self.region_code} from {self.effective_from}"


class DraftStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted (in force)")
    DISCARDED = "discarded", _("Discarded")


class PolicyDraft(Scoped):
    """A new version of a policy set prepared on the pages: a copy of a version's expanded set (``spec``,
    the JSON form a version stores) whose parameters and table rows an officer of the set's region edits,
    each edit checked by the loader's own checks. Another officer adopts it (four eyes): the draft becomes
    the set's newest version, current from then on. The YAML files stay the shipped default."""

    SCOPE = Scope(region="region_code", steps=frozenset({"adopt", "discard"}))

    policy_set = models.ForeignKey(
        PolicySet, verbose_name=_("policy set"), on_delete=models.PROTECT, related_name="drafts"
    )
    base = models.ForeignKey(
        PolicySetVersion, verbose_name=_("copied from version"), on_delete=models.PROTECT, related_name="drafts"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    spec = models.JSONField(_("expanded set"))
    edits = models.JSONField(_("edits"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DraftStatus.choices, default=DraftStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("drafted at"), auto_now_add=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adopted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adoption_document = models.CharField(_("adoption document"), max_length=100, blank=True, default="")
    version = models.ForeignKey(
        PolicySetVersion,
        verbose_name=_("adopted as version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("policy draft")
        verbose_name_plural = _("policy drafts")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title
