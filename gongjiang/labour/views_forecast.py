"""Manpower forecast pages (ZJG opinion 六(十七)): forecast runs with their reconciled table, chart, town and
enterprise shares; the forecast lines (filtered and exported); shortage warnings routed up the region
hierarchy; enterprises' towns; and major projects assessed against the forecast supply. Their forms,
filters and columns are kept here beside the registers."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from gongjiang.core.filters import region_filter
from gongjiang.core.jobs import JobStatus, is_stalled
from gongjiang.core.pages import Action, BootstrapForm, Field, Register
from gongjiang.core.pickers import Picker
from gongjiang.core.scope import allowed, can, restrict
from gongjiang.labour import forecast_selectors as fs
from gongjiang.labour import forecasts, models, tasks
from gongjiang.labour.forms import ENTERPRISES, OrganisationsForm, organisation_field
from gongjiang.reference.selectors import region_label, region_name
from gongjiang.registry.models import Organisation

TABLE = "table table-sm table-striped bg-white"


def _region(value: str) -> str:
    return f"{region_name(value)} ({value})"


# --- forms -------------------------------------------------------------------------------------------


class RunForm(BootstrapForm):
    region_code = forms.CharField(label=_l("Region code"), max_length=6, widget=Picker("regions"))
    cutoff_year = forms.IntegerField(label=_l("Data cut-off year"), min_value=2000, max_value=2100)
    horizon = forms.IntegerField(label=_l("Horizon (years)"), min_value=1, max_value=forecasts.MAX_HORIZON, initial=3)
    history_years = forms.IntegerField(
        label=_l("Years of history"), min_value=forecasts.MIN_HISTORY, max_value=20, initial=forecasts.HISTORY_YEARS
    )


class TownForm(OrganisationsForm):
    organisations = {"organisation": (ENTERPRISES, True)}
    organisation = organisation_field(_l("Enterprise"), ENTERPRISES)
    town_code = forms.CharField(label=_l("Town code (nine digits)"), max_length=9)
    town_name = forms.CharField(label=_l("Town or street"), max_length=40)


class ProjectForm(OrganisationsForm):
    organisations = {"enterprise": (ENTERPRISES, True)}
    name = forms.CharField(label=_l("Name"), max_length=100)
    enterprise = organisation_field(_l("Enterprise"), ENTERPRISES)
    region_code = forms.CharField(
        label=_l("Region code"),
        max_length=6,
        required=False,
        widget=Picker("regions"),
        help_text=_l("Empty: the enterprise's district."),
    )
    start_year = forms.IntegerField(label=_l("Start year"), min_value=2000, max_value=2100)


class NeedForm(BootstrapForm):
    occupation = forms.CharField(label=_l("Occupation"), max_length=20, widget=Picker("occupations"))
    year = forms.IntegerField(label=_l("Year"), min_value=2000, max_value=2100)
    headcount = forms.IntegerField(label=_l("Headcount"), min_value=1)


# --- filters -----------------------------------------------------------------------------------------


def _group_choices() -> list[tuple[str, str]]:
    return [(c, fs.group_label(c)) for c in sorted(fs.group_names())]


class RunFilter(django_filters.FilterSet):
    cutoff_year = django_filters.NumberFilter(label=_l("Data cut-off year"))
    region = django_filters.CharFilter(label=_l("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.ForecastRun
        fields = ["cutoff_year", "region"]


class LineFilter(django_filters.FilterSet):
    run = django_filters.NumberFilter(label=_l("Forecast number"))
    group = django_filters.ChoiceFilter(label=_l("Occupation major group"), choices=_group_choices)
    region = django_filters.CharFilter(label=_l("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.ForecastLine
        fields = ["run", "group", "region"]


class WarningFilter(django_filters.FilterSet):
    run = django_filters.NumberFilter(label=_l("Forecast number"))
    year = django_filters.NumberFilter(label=_l("Year"))
    severity = django_filters.ChoiceFilter(label=_l("Severity"), choices=models.Severity.choices)
    region = django_filters.CharFilter(label=_l("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.ShortageWarning
        fields = ["run", "year", "severity", "region"]


class ProjectFilter(django_filters.FilterSet):
    start_year = django_filters.NumberFilter(label=_l("Start year"))
    region = django_filters.CharFilter(label=_l("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.MajorProject
        fields = ["start_year", "region"]


class TownFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(label=_l("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.EnterpriseTown
        fields = ["region"]


# --- tables ------------------------------------------------------------------------------------------


class _Region:
    def render_region_code(self, value: str) -> str:
        return _region(value)


class _Group:
    def render_group(self, value: str) -> str:
        return fs.group_label(value)


class RunTable(_Region, tables.Table):
    id = tables.Column(verbose_name=_l("Number"), linkify=("labour:forecast-detail", [tables.A("pk")]))
    region_code = tables.Column(verbose_name=_l("Region"))
    status = tables.Column(verbose_name=_l("Status"))
    made_on = tables.DateColumn(verbose_name=_l("Made on"), format="Y-m-d")
    cutoff_year = tables.Column(verbose_name=_l("Data cut-off year"))
    horizon = tables.Column(verbose_name=_l("Horizon (years)"))
    warnings = tables.Column(verbose_name=_l("Warnings"), accessor="summary__warnings", default=0, orderable=False)

    class Meta:
        model = models.ForecastRun
        fields = ("id", "region_code", "status", "made_on", "cutoff_year", "horizon", "warnings")
        attrs = {"class": TABLE, "id": "forecasts-table"}
        empty_text = _l("No manpower forecasts in your scope.")


class LineTable(_Region, _Group, tables.Table):
    run = tables.Column(verbose_name=_l("Forecast number"), linkify=("labour:forecastline-detail", [tables.A("pk")]))
    region_code = tables.Column(verbose_name=_l("Region"))
    group = tables.Column(verbose_name=_l("Occupation major group"))
    openings_total = tables.Column(verbose_name=_l("Openings over the horizon"))
    supply_total = tables.Column(verbose_name=_l("Supply over the horizon"))
    gap_total = tables.Column(verbose_name=_l("Gap over the horizon"))
    mase = tables.Column(
        verbose_name=_l("Back-test error (MASE)"), accessor="mase__employment", default="—", orderable=False
    )

    class Meta:
        model = models.ForecastLine
        fields = ("run", "region_code", "group", "openings_total", "supply_total", "gap_total", "mase")
        attrs = {"class": TABLE, "id": "lines-table"}
        empty_text = _l("No forecast lines in your scope.")

    def render_run(self, value: models.ForecastRun) -> str:
        return str(value.pk)


class WarningTable(_Region, _Group, tables.Table):
    id = tables.Column(verbose_name=_l("Number"), linkify=("labour:warning-detail", [tables.A("pk")]))
    region_code = tables.Column(verbose_name=_l("Region"))
    group = tables.Column(verbose_name=_l("Occupation major group"))
    year = tables.Column(verbose_name=_l("Year"))
    openings = tables.Column(verbose_name=_l("Forecast openings"))
    supply = tables.Column(verbose_name=_l("Forecast supply"))
    gap = tables.Column(verbose_name=_l("Gap"))
    severity = tables.Column(verbose_name=_l("Severity"))

    class Meta:
        model = models.ShortageWarning
        fields = ("id", "region_code", "group", "year", "openings", "supply", "gap", "severity")
        attrs = {"class": TABLE, "id": "warnings-table"}
        empty_text = _l("No shortage warnings in your scope.")


class ProjectTable(_Region, tables.Table):
    name = tables.Column(verbose_name=_l("Name"), linkify=("labour:project-detail", [tables.A("pk")]))
    enterprise = tables.Column(verbose_name=_l("Enterprise"))
    region_code = tables.Column(verbose_name=_l("Region"))
    start_year = tables.Column(verbose_name=_l("Start year"))

    class Meta:
        model = models.MajorProject
        fields = ("name", "enterprise", "region_code", "start_year")
        attrs = {"class": TABLE, "id": "projects-table"}
        empty_text = _l("No major projects in your scope.")


class TownTable(_Region, tables.Table):
    organisation = tables.Column(verbose_name=_l("Enterprise"), linkify=("labour:town-detail", [tables.A("pk")]))
    region_code = tables.Column(verbose_name=_l("Region"))
    town_code = tables.Column(verbose_name=_l("Town code"))
    town_name = tables.Column(verbose_name=_l("Town or street"))

    class Meta:
        model = models.EnterpriseTown
        fields = ("organisation", "region_code", "town_code", "town_name")
        attrs = {"class": TABLE, "id": "towns-table"}
        empty_text = _l("No enterprise towns in your scope.")


# --- registers ---------------------------------------------------------------------------------------


class _Forecast(Register):
    namespace = "labour"
    list_template = "labour/forecast_list.html"
    detail_template = "labour/forecast_register_detail.html"

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        # A form naming organisations offers those the user may name.
        form = self.edit_form if obj is not None else self.create_form
        return {"user": request.user} if form is not None and issubclass(form, OrganisationsForm) else {}


def _labels() -> dict[str, str]:
    return {
        "employment": pgettext("forecast", "Employment"),
        "supply": _("Supply"),
        "openings": _("Openings"),
        "history": pgettext("forecast", "Recorded"),
        "forecast": _("Forecast"),
        "i80": _("80 percent interval"),
        "i95": _("95 percent interval"),
        "persons": _("persons"),
    }


class RunRegister(_Forecast):
    model = models.ForecastRun
    path = "forecasts"
    name = "forecast"
    table = RunTable
    filterset = RunFilter
    create_form = RunForm
    detail_template = "labour/forecast_detail.html"
    add_label = _l("Run a manpower forecast")
    fields = (
        Field(_l("Region"), lambda r: region_label(r.region_code)),
        "made_on",
        Field(_l("History"), lambda r: f"{r.first_year}–{r.cutoff_year}"),
        "horizon",
        Field(_l("Models combined"), lambda r: "、".join(model_label(m) for m in r.models_used) or None),
        Field(_l("Reconciliation"), lambda r: _("MinT with shrunk covariance, rounded to whole persons")),
        Field(
            _l("Warning threshold"),
            lambda r: (
                _("gap of at least %(n)d persons and %(p)d%% of the openings")
                % {"n": r.gap_threshold, "p": round(float(r.gap_share) * 100)}
            ),
        ),
        Field(_l("Median back-test error (MASE)"), lambda r: r.summary.get("mase_median")),
    )

    def object_title(self, obj: Any) -> str:
        return str(obj)

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"region_code": getattr(request.user, "region_code", ""), "cutoff_year": timezone.localdate().year - 1}

    def create(self, actor: Any, data: dict[str, Any]) -> models.ForecastRun:
        return forecasts.forecast_run_start(
            actor=actor,
            region_code=data["region_code"],
            cutoff_year=data["cutoff_year"],
            horizon=data["horizon"],
            history_years=data["history_years"],
            language=translation.get_language() or "",
        )

    def created_message(self, run: models.ForecastRun) -> str:
        """Done at once where tasks run in the request (no worker), else queued."""
        run.refresh_from_db()
        if run.status == JobStatus.DONE:
            return str(_("The forecast is made and reconciled."))
        if run.status == JobStatus.FAILED:
            return str(_("The forecast has ended without a result; its reason is shown below."))
        return str(_("The forecast is queued; this page shows its progress."))

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        if obj.status != JobStatus.DONE:
            return run_progress(obj)
        lines = restrict(obj.lines.all(), request.user)
        groups = fs.run_groups(obj, lines)
        group = request.GET.get("group") or (groups[0] if groups else "")
        region = request.GET.get("region") or obj.region_code
        line = lines.filter(region_code=region, group=group).first()
        if line is None:
            region, line = obj.region_code, lines.filter(region_code=obj.region_code, group=group).first()
        names = fs.group_names()
        context: dict[str, Any] = {
            "groups": [(g, fs.group_label(g, names)) for g in groups],
            "group": group,
            "group_label": fs.group_label(group, names),
            "region": region,
            "region_label": region_label(region),
            "line": line,
            "years": list(line.forecast) if line else [],
            "rows": fs.reconciled_rows(obj, lines, region, group) if line else [],
            "warnings": [
                {"w": w, "region": _region(w.region_code), "group": fs.group_label(w.group, names)}
                for w in restrict(obj.warnings.all(), request.user).order_by("-gap")[:20]
            ],
            "chart": fs.chart_data(line, _labels()) if line else None,
            "model_names": [model_label(m) for m in obj.models_used],
        }
        if line is not None and not region.endswith("00"):
            towns, enterprises = fs.local_shares(line, restrict(models.NeedSurvey.objects.all(), request.user))
            context.update(towns=towns, enterprises=enterprises)
        return context


def run_progress(run: models.ForecastRun) -> dict[str, Any]:
    """A queued, running or failed run's progress for its page: a run found stalled (no progress for
    ``tasks.STALE_AFTER``) is first marked failed as interrupted."""
    if is_stalled(run, tasks.STALE_AFTER) and tasks.forecast_runs_recover():
        run.refresh_from_db()
    stages = models.FORECAST_STAGES
    return {
        "run": run,
        "run_stage": models.ForecastStage(run.stage).label,
        "run_stages": len(stages),
        "run_step": stages.index(run.stage) + 1 if run.stage in stages else 0,
    }


@login_required
@require_GET
def run_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a forecast run, polled by its page (HTMX) while it is queued or running; once it has
    ended, the page is reloaded to show the table (or the reason it failed)."""
    if not can(request.user, "view", models.ForecastRun):
        raise PermissionDenied
    run = get_object_or_404(restrict(models.ForecastRun.objects.select_related("created_by"), request.user), pk=pk)
    response = render(request, "labour/_forecast_progress.html", run_progress(run))
    run.refresh_from_db()
    if request.headers.get("HX-Request") and not run.active:
        response["HX-Refresh"] = "true"
    return response


def model_label(name: str) -> str:
    """The forecast models by name, in the page's language."""
    labels = {
        "naive": _("naive (last value)"),
        "drift": _("drift"),
        "ses": _("simple exponential smoothing"),
        "holt": _("Holt's linear trend"),
        "damped": _("damped trend"),
        "theta": _("Theta"),
        "arima": _("ARIMA"),
        "ar1": _("first-order autoregression"),
        "arima011": _("ARIMA(0,1,1)"),
        "mean": _("mean"),
        "seasonal_naive": _("seasonal naive"),
        "ses_log": _("simple exponential smoothing of the logarithm"),
        "damped_log": _("damped trend of the logarithm"),
        "theta_log": _("Theta of the logarithm"),
        "arima_log": _("ARIMA of the logarithm"),
    }
    return labels.get(str(name).lower(), str(name))


class LineRegister(_Forecast):
    model = models.ForecastLine
    path = "forecast-lines"
    name = "forecastline"
    table = LineTable
    filterset = LineFilter
    related = ("run",)
    ordering = ("run", "depth", "region_code", "group")
    fields = (
        Field(_l("Manpower forecast"), lambda line: line.run_id),
        Field(_l("Region"), lambda line: region_label(line.region_code)),
        Field(_l("Occupation major group"), lambda line: fs.group_label(line.group)),
        "openings_total",
        "supply_total",
        "gap_total",
        Field(_l("Back-test error (MASE)"), lambda line: line.mase.get("employment")),
        Field(_l("Forecast by year"), lambda line: _by_year(line)),
    )


def _by_year(line: models.ForecastLine) -> str:
    return "；".join(
        _("%(year)s: employment %(e)d, openings %(o)d (growth %(g)d, replacement %(r)d), supply %(s)d, gap %(gap)d")
        % {
            "year": year,
            "e": f["employment"],
            "o": f["openings"],
            "g": f["growth"],
            "r": f["replacement"],
            "s": f["supply"],
            "gap": f["gap"],
        }
        for year, f in line.forecast.items()
    )


class WarningRegister(_Forecast):
    model = models.ShortageWarning
    path = "shortage-warnings"
    name = "warning"
    table = WarningTable
    filterset = WarningFilter
    related = ("run",)
    detail_template = "labour/warning_detail.html"
    fields = (
        Field(_l("Manpower forecast"), lambda w: str(w.run)),
        Field(_l("Region"), lambda w: region_label(w.region_code)),
        Field(_l("Occupation major group"), lambda w: fs.group_label(w.group)),
        "year",
        "openings",
        "supply",
        "gap",
        "severity",
    )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        runs = restrict(models.ForecastRun.objects.filter(pk=obj.run_id), request.user)
        return {"run_visible": runs.exists()}

    def object_title(self, obj: Any) -> str:
        return _("Shortage warning: %(region)s, %(group)s, %(year)d") % {
            "region": region_name(obj.region_code),
            "group": fs.group_label(obj.group),
            "year": obj.year,
        }


class TownRegister(_Forecast):
    model = models.EnterpriseTown
    path = "enterprise-towns"
    name = "town"
    table = TownTable
    filterset = TownFilter
    related = ("organisation",)
    create_form = TownForm
    add_label = _l("Record an enterprise's town")
    fields = (
        Field(_l("Enterprise"), lambda t: t.organisation),
        Field(_l("Region"), lambda t: region_label(t.region_code)),
        "town_code",
        "town_name",
    )

    def create(self, actor: Any, data: dict[str, Any]) -> models.EnterpriseTown:
        return forecasts.enterprise_town_set(
            actor=actor,
            organisation=_organisation(actor, data.get("organisation"), "organisation"),
            town_code=data["town_code"],
            town_name=data["town_name"],
        )


def _organisation(actor: Any, pk: Organisation | int | None, field: str) -> Organisation:
    """The organisation chosen on the form (among those the actor may name), or an organisation user's own."""
    if isinstance(pk, Organisation):
        return pk
    if pk is None and getattr(actor, "organisation_id", None):
        return actor.organisation
    found = restrict(Organisation.objects.all(), actor).filter(pk=pk or 0).first()
    if found is None:
        raise ValidationError({field: _("No such organisation in your scope.")})
    return found


class ProjectRegister(_Forecast):
    model = models.MajorProject
    path = "major-projects"
    name = "project"
    table = ProjectTable
    filterset = ProjectFilter
    related = ("enterprise",)
    create_form = ProjectForm
    detail_template = "labour/project_detail.html"
    add_label = _l("Assess a major project")
    fields = (
        "name",
        Field(_l("Enterprise"), lambda p: p.enterprise),
        Field(_l("Region"), lambda p: region_label(p.region_code)),
        "start_year",
    )
    actions = (
        Action(
            "need",
            lambda actor, obj, **data: forecasts.project_need_add(
                actor=actor,
                project=obj,
                occupation_code=data["occupation"],
                year=data["year"],
                headcount=data["headcount"],
            ),
            form=NeedForm,
            show=lambda user, obj: allowed(user, "change", obj),
            initial=lambda obj: {"year": obj.start_year} if obj is not None else {},
            done=_l("The need is added to the project."),
        ),
    )

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        return {"start_year": timezone.localdate().year + 1}

    def create(self, actor: Any, data: dict[str, Any]) -> models.MajorProject:
        return forecasts.major_project_create(
            actor=actor,
            name=data["name"],
            enterprise=_organisation(actor, data.get("enterprise"), "enterprise"),
            region_code=data.get("region_code") or "",
            start_year=data["start_year"],
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        lines = restrict(models.ForecastLine.objects.all(), request.user)
        names = fs.group_names()
        rows = fs.assess(obj, lines)
        for row in rows:
            row.group_label = fs.group_label(row.group, names)
        return {"assessment": rows}


RUNS = RunRegister()
LINES = LineRegister()
WARNINGS = WarningRegister()
TOWNS = TownRegister()
PROJECTS = ProjectRegister()
FORECAST_REGISTERS = (RUNS, LINES, WARNINGS, TOWNS, PROJECTS)
