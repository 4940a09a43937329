"""Indicators, targets, carriers, the rollup fact table and what is derived from it.

Indicators and targets are data (loaded from YAML in ``data/`` and kept in the database). The rollup
table :class:`RegionFact` holds, per region × period × certificate scope × disaggregation member, the
number of skilled, mid-level-and-above and high-skilled persons on the period's last day and the
persons who first reached those levels during the period. Evaluations, forecasts and warnings are
recomputed from it; they are never edited by hand.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Scope, Scoped
from gongjiang.reference.selectors import region_name


class DataSource(models.TextChoices):
    REGISTRY = "registry", _("Registry (persons and certificates)")
    EMPLOYMENT_STATS = "employment_stats", _("Employment statistics")
    CARRIERS = "carriers", _("Carriers")
    ORGANISATIONS = "organisations", _("Organisations in the registry")
    EVALUATION = "evaluation", _("Evaluation filings and resources")
    COMPETITIONS = "competitions", _("Skill competitions")
    TRAINING = "training", _("Training rosters")
    LABOUR = "labour", _("Labour market: classes, apprenticeships, schools, graduates")
    NOT_COLLECTED = "not_collected", _("Not yet collected")


class IndicatorKind(models.TextChoices):
    STOCK = "stock", _("Stock on the period's last day")
    FLOW = "flow", _("Flow during the period")
    RATIO = "ratio", _("Ratio")
    COUNT = "count", _("Count of institutions")


class Indicator(models.Model):
    """A numerator over a denominator with a factor, DHIS2-style, over the region hierarchy and periods."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150)
    definition = models.TextField(_("definition"), blank=True, default="")
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices)
    numerator = models.JSONField(_("numerator"))
    denominator = models.JSONField(_("denominator"), null=True, blank=True)
    factor = models.PositiveIntegerField(_("factor"), default=1)
    unit = models.CharField(_("unit"), max_length=30, blank=True, default="")
    disaggregations = models.JSONField(_("disaggregations"), default=list, blank=True)
    period_types = models.JSONField(_("period types"), default=list, blank=True)
    source = models.CharField(_("data source"), max_length=20, choices=DataSource.choices)
    planned_source = models.CharField(_("planned source"), max_length=200, blank=True, default="")
    planned_source_en = models.CharField(_("planned source in English"), max_length=200, blank=True, default="")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name

    @property
    def display_planned_source(self) -> str:
        english = (get_language() or "").startswith("en") and self.planned_source_en
        return english or self.planned_source

    @property
    def collected(self) -> bool:
        return self.source != DataSource.NOT_COLLECTED

    @property
    def is_flow(self) -> bool:
        return self.kind == IndicatorKind.FLOW


class TargetKind(models.TextChoices):
    LEVEL = "level", _("Level reached by the horizon")
    CUMULATIVE = "cumulative", _("Cumulative over a window")
    ANNUAL = "annual", _("Every year")
    MONITOR = "monitor", _("Monitored, no figure")


class Comparison(models.TextChoices):
    AT_LEAST = ">=", _("at least")
    ABOVE = ">", _("above")
    AT_MOST = "<=", _("at most")
    BELOW = "<", _("below")


class Target(Scoped):
    """A figure a policy document sets for an indicator in a region by a horizon year, with its clause."""

    SCOPE = Scope("region_code", steps=frozenset({"refresh"}))  # refresh: the indicators recomputed
    # Change history leaves out the keys the files and the API know a target and its document by: their
    # names stand for them.
    AUDIT_INTERNAL = ("key", "document_id")

    key = models.CharField(_("key"), max_length=80, unique=True)
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="targets"
    )
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TargetKind.choices)
    comparison = models.CharField(
        _("comparison"), max_length=2, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    value = models.FloatField(_("target value"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    baseline_value = models.FloatField(_("baseline value"), null=True, blank=True)
    horizon = models.PositiveSmallIntegerField(_("horizon (year)"))
    window_start = models.DateField(_("counted from"), null=True, blank=True)
    stable = models.BooleanField(_("to be kept stable"), default=False)
    document_id = models.CharField(_("document id"), max_length=30)
    document = models.CharField(_("document"), max_length=100)
    clause = models.CharField(_("clause"), max_length=60)
    summary = models.CharField(_("summary"), max_length=300, blank=True, default="")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["region_code", "horizon", "key"]

    def __str__(self) -> str:
        return _("%(indicator)s in %(region)s by %(year)s") % {
            "indicator": self.indicator.display_name,
            "region": region_name(self.region_code),
            "year": self.horizon,
        }

    @property
    def citation(self) -> str:
        return f"{self.document} {self.clause}"


class CarrierKind(models.TextChoices):
    """The carriers (载体) the documents name: 苏政办发〔2024〕37号 (八), 常政办发〔2025〕14号 二(一)3,
    SZ-digital-10."""

    PUBLIC_TRAINING_BASE = "public_training_base", _("Public training base")
    MASTER_STUDIO = "master_studio", _("Skill master studio")
    CRAFTSMAN_COLLEGE = "craftsman_college", _("Craftsman college")
    ENTERPRISE_TRAINING_CENTRE = "enterprise_training_centre", _("Enterprise training centre")
    MODEL_WORKER_STUDIO = "model_worker_studio", _("Model-worker and craftsman innovation studio")
    RURAL_CRAFTSMAN_STATION = "rural_craftsman_station", _("Rural craftsman workstation")
    CHIEF_TECHNICIAN_STUDIO = "chief_technician_studio", _("Chief technician studio")
    DIGITAL_INTEGRATION_CENTRE = "digital_integration_centre", _("Digital-skill integration centre")
    INDUSTRY_EDUCATION_BASE = "industry_education_base", _("Industry-education training base")


class CarrierLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")


class CarrierStatus(models.TextChoices):
    APPLIED = "applied", _("Applied, awaiting review")
    RECOGNISED = "recognised", _("Recognised")
    REJECTED = "rejected", _("Not recognised")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Carrier(Scoped):
    """A carrier (载体) of skill development: applied for by its organisation, recognised, assessed, funded,
    renewed and withdrawn by the bureau, each step a dated :class:`CarrierDecision`. It is counted against
    targets from its recognised history (``monitoring.carriers.spans``); ``since``, ``valid_until`` and
    ``until`` summarise that history for lists."""

    SCOPE = Scope(
        "region_code",
        "organisation",
        organisation_acts=frozenset({"add"}),
        steps=frozenset({"recognise", "reject", "assess", "fund", "renew", "withdraw"}),
    )

    kind = models.CharField(_("kind"), max_length=30, choices=CarrierKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CarrierStatus.choices, default=CarrierStatus.RECOGNISED, db_index=True
    )
    level = models.CharField(_("level"), max_length=12, choices=CarrierLevel.choices, blank=True, default="")
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    since = models.DateField(_("recognised on"), null=True, blank=True)
    valid_until = models.DateField(_("recognised until"), null=True, blank=True)
    until = models.DateField(_("withdrawn on"), null=True, blank=True)
    digital = models.BooleanField(_("digital skills"), default=False)
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    description = models.TextField(_("what the carrier offers"), blank=True, default="")
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "region_code", "name"], name="carrier_natural_key"),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True)
                | models.Q(since__isnull=True)
                | models.Q(until__gt=models.F("since")),
                name="carrier_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CarrierDecisionKind(models.TextChoices):
    APPLY = "apply", _("Application")
    RECOGNISE = "recognise", pgettext_lazy("carrier decision", "Recognition")
    REJECT = "reject", _("Not recognised")
    ASSESS = "assess", _("Annual assessment")
    FUND = "fund", _("Funding decision")
    RENEW = "renew", _("Renewal")
    WITHDRAW = "withdraw", _("Withdrawal")


class CarrierDecision(Scoped):
    """One dated step of a carrier's history, with the clause it rests on. Never changed or deleted."""

    SCOPE = Scope("carrier__region_code", "carrier__organisation", read_only=True)

    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=12, choices=CarrierDecisionKind.choices)
    date = models.DateField(_("date"))
    clause = models.CharField(_("clause"), max_length=120, blank=True, default="")
    level = models.CharField(_("level"), max_length=12, choices=CarrierLevel.choices, blank=True, default="")
    valid_until = models.DateField(_("recognised until"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True, default="")
    amount = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True, default="")
    decided_by = models.ForeignKey(
        "core.User", verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("carrier decision")
        verbose_name_plural = _("carrier decisions")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class RegionFact(models.Model):
    """Rollup: persons by region × period × certificate scope × one disaggregation member.

    Stocks (``skilled``, ``mid_plus``, ``high``) count persons by their highest valid level on the
    period's last day; flows (``new_*``) count persons whose highest level first reached that level
    during the period. In the ``level`` disaggregation, ``skilled`` counts persons whose highest level
    is that member. Regions are current codes: history of retired codes is carried by the crosswalk.
    """

    AUDITED = False  # derived from the registry and rebuilt from it; each rebuild writes one record

    region_code = models.CharField(_("region"), max_length=6)
    period = models.CharField(_("period"), max_length=7)
    period_end = models.DateField(_("period end"))
    scope = models.CharField(_("certificate scope"), max_length=16)
    dim = models.CharField(_("disaggregation"), max_length=16)
    member = models.CharField(_("member"), max_length=16)
    skilled = models.BigIntegerField(default=0)
    mid_plus = models.BigIntegerField(default=0)
    high = models.BigIntegerField(default=0)
    new_skilled = models.BigIntegerField(default=0)
    new_mid_plus = models.BigIntegerField(default=0)
    new_high = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("rollup fact")
        verbose_name_plural = _("rollup facts")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "scope", "dim", "member", "period"], name="region_fact_key")
        ]
        indexes = [models.Index(fields=["period", "scope", "dim", "region_code"], name="region_fact_period")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period} {self.scope}/{self.dim}/{self.member}"


class RollupState(models.Model):
    """The registry position the fact table reflects (one row): the highest certificate, person and
    employment ids it has seen (bulk loads append above them); every other change since waits in
    :class:`RollupChange`."""

    AUDITED = False  # no change records: the rollup's own bookkeeping

    built_at = models.DateTimeField(_("built at"))
    mode = models.CharField(_("mode"), max_length=12)
    certificate_id = models.BigIntegerField(default=0)
    person_id = models.BigIntegerField(default=0)
    employment_id = models.BigIntegerField(default=0)
    data_as_of = models.DateField(_("data as of"), null=True, blank=True)
    stored_through = models.DateField(null=True, blank=True)
    quarter_from = models.PositiveSmallIntegerField(default=2021)
    first_year = models.PositiveSmallIntegerField(default=2005)
    seconds = models.FloatField(default=0)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return f"{self.mode} {timezone.localtime(self.built_at):%Y-%m-%d %H:%M} (data as of {self.data_as_of})"


class RollupChange(models.Model):
    """The rollup's change queue: one row per change of a certificate, person, employment or employer's
    industry, written in the transaction that made the change (the audit API hands every change record
    to :mod:`gongjiang.core.changefeed`, which monitoring subscribes to), with the fields the rollup
    reads as they were before an update. The incremental update applies the rows it sees and deletes
    them in the same transaction; rows of transactions not yet committed wait for the next update."""

    AUDITED = False  # a work queue: copies of what the change records hold, deleted once applied

    id = models.BigAutoField(primary_key=True)
    model = models.CharField(max_length=40)
    action = models.CharField(max_length=20)
    object_id = models.BigIntegerField(null=True, blank=True)  # none for a set (a bulk load)
    before = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("queued rollup change")
        verbose_name_plural = _("queued rollup changes")

    def __str__(self) -> str:
        return f"{self.id} {self.action} {self.model} {self.object_id or ''}"


class RollupRun(models.Model):
    """The rollup's background work (one row): whether an update task is waiting for a worker (so that
    writes enqueue one task, not one each), what runs now and how the last run ended. Pages and the API
    show it as the rollup's state."""

    AUDITED = False  # bookkeeping of background runs; the facts each run writes have their own record

    update_requested_at = models.DateTimeField(null=True, blank=True)
    rebuild_requested_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, default="")
    running = models.CharField(max_length=12, blank=True, default="")  # "update" or "rebuild"
    started_at = models.DateTimeField(null=True, blank=True)
    step = models.CharField(max_length=200, blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    refresh_total = models.PositiveIntegerField(default=0)  # evaluation refreshes (one per city) of the last run
    refresh_done = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rollup run")
        verbose_name_plural = _("rollup runs")

    def __str__(self) -> str:
        return f"{self.running or 'idle'} (last finished {self.finished_at})"


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")
    NO_DATA = "no_data", _("No data")
    MONITORED = "monitored", _("Monitored")


class TargetEvaluation(models.Model):
    """A target judged in a region: its own region, or a subregion that inherits a ratio target."""

    AUDITED = False  # derived: recomputed from the facts and targets at every refresh

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="evaluations")
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    inherited = models.BooleanField(default=False)
    period = models.CharField(max_length=7, blank=True, default="")
    as_of = models.DateField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    expected = models.FloatField(null=True, blank=True)
    progress = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    required_annual = models.FloatField(null=True, blank=True)
    required_rate = models.FloatField(null=True, blank=True)
    forecast = models.FloatField(null=True, blank=True)
    forecast_lo = models.FloatField(null=True, blank=True)
    forecast_hi = models.FloatField(null=True, blank=True)
    trajectory = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("target evaluation")
        verbose_name_plural = _("target evaluations")
        constraints = [models.UniqueConstraint(fields=["target", "region_code"], name="evaluation_key")]
        ordering = ["region_code", "target__horizon", "target__key"]

    def __str__(self) -> str:
        return f"{self.target_id} @ {self.region_code}: {self.status}"


FORECAST_MODELS = {
    "linear": _("linear trend"),
    "holt": _("Holt exponential smoothing"),
    "logit_linear": _("damped linear trend of the share's logit"),
    "logit_holt": _("damped Holt smoothing of the share's logit"),
    "none": _("no forecast"),
}


def forecast_model_label(name: str) -> str:
    """A forecast's model as people call it; a ratio's is its numerator's and denominator's (holt/linear)."""
    return "/".join(str(FORECAST_MODELS.get(part, part)) for part in (name or "none").split("/"))


class SeriesForecast(models.Model):
    """Yearly history and forecast of one indicator in one region, with the back-test that chose the model."""

    AUDITED = False  # derived: recomputed from the facts at every refresh

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="forecasts")
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    model = models.CharField(max_length=24)
    backtest = models.JSONField(default=dict, blank=True)
    history = models.JSONField(default=list, blank=True)
    points = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("indicator forecast")
        verbose_name_plural = _("indicator forecasts")
        constraints = [models.UniqueConstraint(fields=["indicator", "region_code"], name="forecast_key")]
        ordering = ["region_code", "indicator__order"]

    def __str__(self) -> str:
        return f"{self.indicator_id} @ {self.region_code}: {self.model}"


class WarningKind(models.TextChoices):
    BEHIND = "behind", _("Behind trajectory")
    FORECAST_MISS = "forecast_miss", _("Forecast to miss")
    DECLINING = "declining", _("Declining")
    MISSING_DATA = "missing_data", _("Missing data")


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class EarlyWarning(models.Model):
    """An early warning raised in a region; officers of the region and of every enclosing region see it."""

    AUDITED = False  # derived: recomputed from the evaluations at every refresh

    kind = models.CharField(max_length=16, choices=WarningKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    region_code = models.CharField(_("region"), max_length=6, db_index=True)
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="warnings")
    inherited = models.BooleanField(default=False)
    period = models.CharField(max_length=7, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["region_code", "id"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity}) @ {self.region_code}"


class Boundary(models.Model):
    """A region's boundary (GeoJSON geometry), loaded by `gongjiang maps load`."""

    region_code = models.CharField(_("region"), max_length=6, unique=True)
    parent_code = models.CharField(_("parent"), max_length=6, db_index=True)
    name = models.CharField(_("name"), max_length=50)
    geometry = models.TextField(_("geometry (GeoJSON)"))
    source = models.CharField(_("source"), max_length=200)
    licence = models.CharField(_("licence"), max_length=200)
    approval_number = models.CharField(_("map approval number (审图号)"), max_length=60, blank=True, default="")
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")
        ordering = ["region_code"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.name}"
