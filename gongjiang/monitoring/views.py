"""Monitoring pages: overviews (province, city, district), the human-resources map, targets, warnings,
forecasts, indicator definitions and carriers. Each page also answers ``?format=xlsx`` and ``?format=pdf``
with the same content."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from gongjiang.core.models import Role
from gongjiang.core.pages import Action, Field, Register, Step, submitted
from gongjiang.core.scope import can, home_region, restrict
from gongjiang.core.templatetags.gongjiang import comparison_sign
from gongjiang.monitoring import forms, models, reports, selectors, services
from gongjiang.monitoring.carriers import recognised_on
from gongjiang.monitoring.exports import respond
from gongjiang.monitoring.filtersets import CarrierFilter
from gongjiang.monitoring.forms import CarrierForm, TargetForm
from gongjiang.monitoring.models import (
    Carrier,
    Comparison,
    Indicator,
    Status,
    Target,
    TargetEvaluation,
    TargetKind,
    forecast_model_label,
)
from gongjiang.monitoring.tables import CarrierTable
from gongjiang.reference.regions import is_code
from gongjiang.reference.selectors import region_name
from gongjiang.registry.models import Organisation
from gongjiang.wages.selectors import median_by_level

EXPORTS = ("xlsx", "pdf")


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1990 <= int(raw) <= 2100:
        raise Http404(_("Unknown year."))
    return int(raw)


def _region(request: HttpRequest, code: str) -> str:
    if not can(request.user, "view", Target):
        raise PermissionDenied
    if not selectors.sees_region(request.user, code):
        raise Http404(_("No such region in your scope."))
    return code


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "")
    return fmt if fmt in EXPORTS else ""


def _breadcrumbs(request: HttpRequest, code: str) -> list[dict[str, str]]:
    chain = []
    current: str | None = code
    while current:
        if selectors.sees_region(request.user, current):
            chain.append({"code": current, "name": region_name(current)})
        current = selectors.region_table.parent_code(current)
    return chain[::-1]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    home = home_region(request.user) if can(request.user, "view", Target) else None
    if home is None:
        raise PermissionDenied
    return redirect("monitoring-region", code=home)


@login_required
def region_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    _region(request, code)
    data = selectors.dashboard(code, _year(request))
    fmt = _format(request)
    if fmt:
        return respond(reports.dashboard_report(data), fmt)
    indicators = {i.code: i.display_name for i in Indicator.objects.filter(code__in=selectors.RANKING_INDICATORS)}
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "data": data,
            "region": data["region"],
            "breadcrumbs": _breadcrumbs(request, code),
            "ranking_names": indicators,
            "labels": _chart_labels(),
            "rollup": _rollup_shown(),
            "can_refresh": can(request.user, "add", Target),
            "wage_levels": median_by_level(code),
        },
    )


def _chart_labels() -> dict[str, Any]:
    return {
        "actual": _("Actual"),
        "trajectory": _("Trajectory"),
        "forecast": _("Forecast"),
        "interval": _("Prediction interval (80%)"),
        "target": _("Target"),
        "skilled": _("Skilled workers"),
        "high": _("High-skilled"),
        "noData": _("No data"),
        "cumulativeFrom": _("cumulative from"),
        "statuses": {s.value: str(s.label) for s in Status},
    }


@login_required
def region_map(request: HttpRequest, code: str) -> HttpResponse:
    _region(request, code)
    indicator = request.GET.get("indicator", "high_share_skilled")
    if not Indicator.objects.filter(code=indicator).exclude(source="not_collected").exists():
        raise Http404(_("Unknown indicator."))
    data = selectors.map_data(code, indicator, _year(request))
    fmt = _format(request)
    if fmt:
        return respond(reports.map_report(data), fmt)
    choices = [(i.code, i.display_name) for i in Indicator.objects.exclude(source="not_collected")]
    return render(
        request,
        "monitoring/map.html",
        {
            "data": data,
            "region": data["region"],
            "breadcrumbs": _breadcrumbs(request, code),
            "choices": choices,
            "indicator": indicator,
            "labels": _chart_labels(),
        },
    )


def _target_rows(request: HttpRequest) -> list[dict[str, Any]]:
    targets = list(selectors.scoped_targets(request.user))
    evaluations = {
        (e.target_id, e.region_code): e for e in TargetEvaluation.objects.filter(target__in=targets, inherited=False)
    }
    kinds = dict(TargetKind.choices)
    rows = []
    for t in targets:
        ev = evaluations.get((t.pk, t.region_code))
        if t.value is None:
            text = _("monitored to %(h)s") % {"h": t.horizon}
        else:
            text = f"{comparison_sign(t.comparison)} {t.value:g} {t.indicator.unit} ({t.horizon})"
            if t.window_start:
                text += " " + _("counted from %(d)s") % {"d": t.window_start.isoformat()}
        rows.append(
            {
                "target": t,
                "key": t.key,
                "document": t.document,
                "clause": t.clause,
                "region": t.region_code,
                "region_name": region_name(t.region_code),
                "indicator_name": t.indicator.display_name,
                "target_text": text,
                "kind_label": str(kinds.get(t.kind, t.kind)),
                "baseline_year": t.baseline_year,
                "status": ev.status if ev else Status.NO_DATA,
                "status_label": selectors.status_label(ev.status if ev else Status.NO_DATA),
                "value": None if ev is None or ev.value is None else round(ev.value, 2),
                "summary": t.summary,
                "collected": t.indicator.collected,
            }
        )
    return rows


@login_required
def targets_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "view", Target):
        raise PermissionDenied
    rows = _target_rows(request)
    scope = _("Scope: %(r)s") % {"r": getattr(request.user, "region_code", "") or _("all regions")}
    fmt = _format(request)
    if fmt:
        return respond(reports.targets_report(rows, scope), fmt)
    editable = set(restrict(Target.objects.all(), request.user, "change").values_list("pk", flat=True))
    for r in rows:
        r["editable"] = r["target"].pk in editable
    return render(request, "monitoring/targets.html", {"rows": rows, "comparisons": dict(Comparison.choices)})


@login_required
def warnings_list(request: HttpRequest, code: str) -> HttpResponse:
    _region(request, code)
    warnings = selectors.warnings_for(code, limit=None)
    region = selectors.region_card(code)
    fmt = _format(request)
    if fmt:
        return respond(reports.warnings_report(region, warnings), fmt)
    return render(
        request,
        "monitoring/warnings.html",
        {"warnings": warnings, "region": region, "breadcrumbs": _breadcrumbs(request, code)},
    )


@login_required
def forecasts_page(request: HttpRequest, code: str) -> HttpResponse:
    _region(request, code)
    series = selectors.forecasts_for(code)
    region = selectors.region_card(code)
    fmt = _format(request)
    if fmt:
        return respond(reports.forecasts_report(region, series), fmt)
    for s in series:
        s["parts"] = [
            (
                part,
                bt,
                [
                    (forecast_model_label(model), model == bt.get("model"), m)
                    for model, m in bt.get("candidates", {}).items()
                ],
            )
            for part, bt in reports.backtest_parts(s["backtest"])
        ]
    return render(
        request,
        "monitoring/forecasts.html",
        {"series": series, "region": region, "breadcrumbs": _breadcrumbs(request, code)},
    )


@login_required
def indicators_page(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "view", Target):
        raise PermissionDenied
    rows = selectors.indicator_definitions()
    fmt = _format(request)
    if fmt:
        return respond(reports.indicators_report(rows), fmt)
    return render(request, "monitoring/indicators.html", {"rows": rows})


def _fen(amount: Any) -> int:
    return int((Decimal(str(amount)) * 100).to_integral_value())


def _is_organisation(user: Any) -> bool:
    return getattr(user, "role", "") == Role.ORGANISATION and getattr(user, "organisation_id", None) is not None


def _apply(actor: Any, kind: str, name: str, digital: bool, description: str) -> Carrier:
    organisation = get_object_or_404(restrict(Organisation.objects.all(), actor), pk=actor.organisation_id)
    return services.carrier_apply(
        actor=actor, organisation=organisation, kind=kind, name=name, digital=digital, description=description
    )


CarrierStatus = models.CarrierStatus


class CarrierRegister(Register):
    """Carriers (载体): training bases, master studios and the like. An organisation applies; the bureau
    recognises (or refuses), assesses every year, funds, renews and withdraws, each a dated decision with
    its clause, listed in the carrier's history."""

    model = Carrier
    path = "carriers"
    name = "carrier"
    table = CarrierTable
    filterset = CarrierFilter
    related = ("organisation",)
    create_form = CarrierForm
    list_template = "monitoring/carrier_list.html"
    detail_template = "monitoring/carrier_detail.html"
    add_label = _l("Register a recognised carrier")
    ordering = ("region_code", "kind", "name")
    fields = (
        Field(_l("Kind"), lambda c: c.get_kind_display()),
        Field(_l("Status"), lambda c: c.get_status_display()),
        Field(_l("Level"), lambda c: c.get_level_display() or None),
        Field(_l("Region"), lambda c: f"{region_name(c.region_code)} ({c.region_code})"),
        Field(_l("Digital skills"), lambda c: _("Yes") if c.digital else _("No")),
        Field(_l("Organisation"), lambda c: c.organisation),
        Field(_l("What the carrier offers"), lambda c: c.description or None),
        Field(_l("Applied on"), lambda c: c.applied_on),
        Field(_l("Recognised on"), lambda c: c.since),
        Field(_l("Recognised until"), lambda c: c.valid_until),
        Field(_l("Withdrawn on"), lambda c: c.until),
        Field(_l("Source"), lambda c: c.source or None),
    )
    steps = (
        Step(
            "recognise",
            _l("Recognise"),
            lambda actor, obj, date, level, valid_until, clause: services.carrier_recognise(
                actor=actor, carrier=obj, date=date, level=level, valid_until=valid_until, clause=clause
            ),
            form=forms.CarrierRecogniseForm,
            when=lambda c: c.status == CarrierStatus.APPLIED,
            confirm=_l("From the day given the carrier counts in the indicators."),
            done=_l("The carrier is recognised."),
            danger=False,
        ),
        Step(
            "reject",
            _l("Refuse"),
            lambda actor, obj, date, reason, clause: services.carrier_reject(
                actor=actor, carrier=obj, date=date, reason=reason, clause=clause
            ),
            form=forms.CarrierRejectForm,
            when=lambda c: c.status == CarrierStatus.APPLIED,
            confirm=_l("The application is refused with the reason given."),
            done=_l("The application was refused."),
        ),
        Step(
            "assess",
            _l("Record the annual assessment"),
            lambda actor, obj, year, date, score, findings, clause: services.carrier_assess(
                actor=actor, carrier=obj, year=year, date=date, score=score, findings=findings, clause=clause
            ),
            form=forms.CarrierAssessForm,
            when=lambda c: c.status == CarrierStatus.RECOGNISED,
            done=_l("The assessment is recorded."),
            danger=False,
        ),
        Step(
            "fund",
            _l("Decide funding"),
            lambda actor, obj, date, amount, reason, clause: services.carrier_fund(
                actor=actor, carrier=obj, date=date, amount=_fen(amount), reason=reason, clause=clause
            ),
            form=forms.CarrierFundForm,
            when=lambda c: c.status == CarrierStatus.RECOGNISED,
            done=_l("The funding decision is recorded."),
            danger=False,
        ),
        Step(
            "renew",
            _l("Renew"),
            lambda actor, obj, date, valid_until, clause: services.carrier_renew(
                actor=actor, carrier=obj, date=date, valid_until=valid_until, clause=clause
            ),
            form=forms.CarrierRenewForm,
            when=lambda c: c.status == CarrierStatus.RECOGNISED,
            done=_l("The carrier is renewed."),
            danger=False,
        ),
        Step(
            "withdraw",
            _l("Withdraw"),
            lambda actor, obj, until, reason, clause: services.carrier_withdraw(
                actor=actor, carrier=obj, until=until, reason=reason, clause=clause
            ),
            form=forms.CarrierWithdrawForm,
            when=lambda c: c.status == CarrierStatus.RECOGNISED,
            confirm=_l("From the day given the carrier no longer counts in the indicators. This cannot be undone."),
            done=_l("The carrier was withdrawn."),
        ),
    )
    actions = (
        Action(
            "apply",
            lambda actor, kind, name, digital, description: _apply(actor, kind, name, digital, description),
            form=forms.CarrierApplyForm,
            show=lambda user, obj: _is_organisation(user) and can(user, "add", Carrier),
            done=_l("The application is submitted; the bureau will review it."),
            to=lambda obj, carrier: reverse("carrier-detail", args=[carrier.pk]),
            on_list=True,
        ),
    )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"user": request.user}

    def create(self, actor: Any, data: dict[str, Any]) -> Carrier:
        return services.carrier_create(
            actor=actor,
            kind=data["kind"],
            name=data["name"],
            region_code=data["region_code"],
            level=data["level"],
            since=data["since"],
            digital=data["digital"],
            organisation=data.get("organisation"),  # one of the organisations in scope, or None
            source=data["source"],
        )

    def form_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        if pk is None and _is_organisation(request.user):
            raise PermissionDenied(_("An organisation applies for recognition; the bureau registers carriers."))
        return super().form_view(request, pk)

    def list_context(self, request: HttpRequest) -> dict[str, Any]:
        # An organisation applies (the action above); registering a recognised carrier is the bureau's.
        context: dict[str, Any] = {"can_add": not _is_organisation(request.user) and can(request.user, "add", Carrier)}
        region = home_region(request.user)
        if region is not None:
            try:
                day = datetime.date.fromisoformat(request.GET.get("as_of", "")[:10])
            except ValueError:
                day = timezone.localdate()
            context["counted"] = {
                "region": region,
                "region_name": region_name(region),
                "day": day,
                "rows": selectors.carrier_indicator_counts(region, day),
            }
        return context

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        decisions = restrict(obj.decisions.select_related("decided_by"), request.user).order_by("date", "id")
        return {"decisions": [(d, f"{Decimal(d.amount) / 100:,.2f}" if d.amount else "") for d in decisions]}

    def list_view(self, request: HttpRequest) -> HttpResponse:
        fmt = _format(request)
        if not fmt:
            return super().list_view(request)
        if not can(request.user, "view", Carrier):
            raise PermissionDenied
        carriers = list(self.queryset(request).order_by(*self.ordering))
        scope = _("Scope: %(r)s") % {"r": getattr(request.user, "region_code", "") or _("all regions")}
        return respond(reports.carriers_report(carriers, scope), fmt)


CARRIERS = CarrierRegister()


def _local(iso: str | None) -> str:
    """A time the rollup status gives in ISO form (UTC), as pages show it: local, to the minute."""
    if not iso:
        return ""
    return f"{timezone.localtime(datetime.datetime.fromisoformat(iso)):%Y-%m-%d %H:%M}"


def _rollup_shown() -> dict[str, Any]:
    """The rollup status with its times in local time for the page (the API keeps ISO times)."""
    rollup = selectors.rollup_status()
    return {**rollup, "built_at_shown": _local(rollup["built_at"]), "started_at_shown": _local(rollup["started_at"])}


@login_required
@require_GET
def rollup_status(request: HttpRequest) -> HttpResponse:
    """The rollup's state as a fragment (the overview polls it while an update is queued or running)."""
    if not can(request.user, "view", Target):
        raise PermissionDenied
    context = {"rollup": _rollup_shown(), "can_refresh": can(request.user, "add", Target)}
    return render(request, "monitoring/_rollup_status.html", context)


@login_required
@require_POST
def rollup_refresh(request: HttpRequest) -> HttpResponse:
    """An officer's "refresh now": the update is enqueued as a background task, not run in the request."""
    if not can(request.user, "add", Target):
        raise PermissionDenied
    if services.rollup_request(actor=request.user) is not None:
        messages.success(request, _("The update of the indicators has been queued."))
    else:
        messages.info(request, _("An update of the indicators is already queued."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "monitoring")


@require_GET
def public_carriers(request: HttpRequest) -> HttpResponse:
    """Public, without signing in: the carriers recognised today (counting against targets), by region and
    kind, with their organisation and level; no personal data."""
    region = request.GET.get("region", "").strip()
    if region and not is_code(region):
        raise Http404(_("Unknown region."))
    kind = request.GET.get("kind", "").strip()
    if kind and kind not in models.CarrierKind.values:
        raise Http404(_("Unknown carrier kind."))
    today = timezone.localdate()
    rows = recognised_on(today, region=region, kind=kind)
    counts: dict[str, int] = {}
    for c in rows:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    labels = dict(models.CarrierKind.choices)
    return render(
        request,
        "monitoring/public_carriers.html",
        {
            "rows": [(c, f"{region_name(c.region_code)}") for c in rows],
            "counts": [(labels[k], n) for k, n in sorted(counts.items())],
            "kinds": models.CarrierKind.choices,
            "kind": kind,
            "region": region,
            "region_label": region_name(region) if region else "",
            "today": today,
        },
    )


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer changes a target of the region on a new decision (its figure, horizon, document and clause);
    the target's judgement is refreshed in the background."""
    target = get_object_or_404(restrict(Target.objects.select_related("indicator"), request.user, "change"), pk=pk)
    initial = {"value": target.value, "horizon": target.horizon, "document": target.document, "clause": target.clause}
    form = TargetForm(request.POST or None, initial=initial)
    response = submitted(
        request,
        form,
        lambda data: services.target_update(actor=request.user, target=target, **data),
        done=_("The target was changed; its judgement is being refreshed in the background."),
        to=reverse("monitoring-targets"),
    )
    if response is not None:
        return response
    return render(request, "monitoring/target_edit.html", {"form": form, "target": target})
