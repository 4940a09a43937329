"""The exportable content of each monitoring view, built from the selectors' data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongjiang.core.templatetags.gongjiang import comparison_sign
from gongjiang.monitoring.exports import Report
from gongjiang.monitoring.models import (
    Carrier,
    CarrierKind,
    CarrierLevel,
    DataSource,
    IndicatorKind,
    forecast_model_label,
)
from gongjiang.reference.selectors import region_name


def _target_text(k: dict[str, Any]) -> str:
    if k["target_value"] is None:
        return _("monitored")
    return f"{comparison_sign(k['comparison'])} {k['target_value']:g} ({k['horizon']})"


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def kpi_rows(kpis: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            k["indicator_name"],
            k["unit"],
            k["value"],
            _target_text(k),
            k.get("judgement_label", k["status_label"]),
            k["expected"],
            k["required_annual"],
            _pct(k["required_rate"]),
            k["forecast"],
            region_name(k["target_region"]) + (" " + _("(inherited)") if k["inherited"] else ""),
            k["source"],
        ]
        for k in kpis
    ]


def KPI_COLUMNS() -> list[str]:
    return [
        _("Indicator"),
        _("Unit"),
        _("Value"),
        _("Target"),
        _("Status"),
        _("Expected now"),
        _("Required per year"),
        _("Required rate (%)"),
        _("Forecast at horizon"),
        _("Target of"),
        _("Source"),
    ]


def warning_rows(warnings: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [w["severity_label"], w["kind_label"], f"{w['region_name']} ({w['region']})", w["indicator_name"], w["message"]]
        for w in warnings
    ]


def WARNING_COLUMNS() -> list[str]:
    return [_("Severity"), _("Warning"), _("Region"), _("Indicator"), _("Message")]


def dashboard_report(data: dict[str, Any]) -> Report:
    region = data["region"]
    report = Report(
        title=_("Skilled-talent monitoring: %(name)s (%(code)s)") % {"name": region["name"], "code": region["code"]},
        slug=f"monitoring-{region['code']}",
        lines=[_("Data as of %(d)s; year shown %(y)s.") % {"d": data.get("as_of"), "y": data.get("year")}],
    )
    if not data.get("ready"):
        report.lines.append(_("No rollup has been built yet."))
        return report
    report.add(_("Targets and status"), KPI_COLUMNS(), kpi_rows(data["kpis"]), sheet=_("Targets"))
    trend_rows = []
    for t in data["trends"]:
        for year, value in t["history"]:
            trend_rows.append([t["indicator_name"], year, value, _("actual"), None, None])
        for year, point, lo, hi in t["points"]:
            trend_rows.append([t["indicator_name"], year, point, _("forecast") + f"（{t['model_label']}）", lo, hi])
    report.add(
        _("Trends and forecasts"),
        [_("Indicator"), _("Year"), _("Value"), _("Kind"), _("80% low"), _("80% high")],
        trend_rows,
        sheet=_("Trends"),
    )
    for code, rows in data["rankings"].items():
        name = next((t["indicator_name"] for t in data["trends"] if t["indicator"] == code), code)
        report.add(
            _("Ranking: %(ind)s") % {"ind": name},
            [_("Rank"), _("Region"), _("Value")],
            [[i + 1, f"{r['name']} ({r['region']})", r["value"]] for i, r in enumerate(rows)],
            sheet=_("Ranking %(n)s") % {"n": len(report.tables)},
        )
    labels = {
        "industry": _("Industry"),
        "occupation": _("Occupation group"),
        "level": _("Skill level"),
        "sex": _("Sex"),
        "age": _("Age band"),
    }
    for dim, rows in data["breakdowns"].items():
        report.add(
            _("Breakdown by %(dim)s, %(y)s") % {"dim": labels[dim], "y": data["year"]},
            [_("Member"), _("Skilled workers"), _("High-skilled"), _("New skilled"), _("New high-skilled")],
            [[r["label"], r["skilled"], r["high"], r["new_skilled"], r["new_high"]] for r in rows],
            sheet=labels[dim],
        )
    report.add(_("Early warnings"), WARNING_COLUMNS(), warning_rows(data["warnings"]), sheet=_("Warnings"))
    return report


def map_report(data: dict[str, Any]) -> Report:
    region = data["region"]
    ind = data["indicator"] or {}
    report = Report(
        title=_("Human-resources map: %(name)s, %(ind)s, %(y)s")
        % {"name": region["name"], "ind": ind.get("name", ""), "y": data["year"]},
        slug=f"map-{region['code']}-{ind.get('code', '')}",
        lines=[_("Boundaries: %(s)s") % {"s": "; ".join(data["sources"]) or "—"}],
    )
    if not data["approval_numbers"]:
        report.lines.append(_("Demonstration boundaries without a map approval number (审图号): not for publication."))
    else:
        report.lines.append(_("Map approval number: %(n)s") % {"n": ", ".join(data["approval_numbers"])})
    rows = sorted(data["values"], key=lambda r: (r["value"] is None, -(r["value"] or 0)))
    report.add(
        _("Values by region"),
        [_("Rank"), _("Region"), _("Value"), _("Unit")],
        [[i + 1, f"{r['name']} ({r['region']})", r["value"], ind.get("unit", "")] for i, r in enumerate(rows)],
    )
    return report


def targets_report(rows: list[dict[str, Any]], scope_label: str) -> Report:
    report = Report(title=_("Targets from the policy documents"), slug="targets", lines=[scope_label])
    report.add(
        _("Targets"),
        [
            _("Document"),
            _("Clause"),
            _("Region"),
            _("Indicator"),
            _("Target"),
            _("Kind"),
            _("Baseline year"),
            _("Status"),
            _("Value"),
            _("Summary"),
        ],
        [
            [
                r["document"],
                r["clause"],
                f"{r['region_name']} ({r['region']})",
                r["indicator_name"],
                r["target_text"],
                r["kind_label"],
                r["baseline_year"],
                r["status_label"],
                r["value"],
                r["summary"],
            ]
            for r in rows
        ],
    )
    return report


def warnings_report(region: dict[str, Any], warnings: list[dict[str, Any]]) -> Report:
    report = Report(
        title=_("Early warnings: %(name)s and the regions inside it") % {"name": region["name"]},
        slug=f"warnings-{region['code']}",
    )
    report.add(_("Early warnings"), WARNING_COLUMNS(), warning_rows(warnings))
    return report


def forecasts_report(region: dict[str, Any], series: list[dict[str, Any]]) -> Report:
    report = Report(
        title=_("Forecasts and back-test errors: %(name)s") % {"name": region["name"]},
        slug=f"forecasts-{region['code']}",
        lines=[
            _(
                "Models: linear trend and Holt exponential smoothing, chosen per series by rolling-origin "
                "back-test MAE (1–3 years ahead); 80% prediction intervals."
            )
        ],
    )
    rows = []
    for s in series:
        for part, bt in backtest_parts(s["backtest"]):
            for model, m in bt.get("candidates", {}).items():
                rows.append(
                    [
                        s["indicator_name"],
                        part,
                        forecast_model_label(model),
                        "✓" if model == bt.get("model") else "",
                        m.get("mae"),
                        None if m.get("mape") is None else round(m["mape"] * 100, 2),
                        m.get("origins"),
                    ]
                )
            if "mae" in bt:
                rows.append(
                    [
                        s["indicator_name"],
                        part,
                        _("ratio recomputed"),
                        "",
                        bt.get("mae"),
                        _pct(bt.get("mape")),
                        bt.get("origins"),
                    ]
                )
    report.add(
        _("Back-test errors"),
        [
            _("Indicator"),
            _("Series"),
            _("Model"),
            _("Chosen"),
            _("Mean absolute error"),
            _("Mean absolute percentage error (%)"),
            _("Origins"),
        ],
        rows,
    )
    points = []
    for s in series:
        for year, point, lo, hi in s["points"]:
            points.append([s["indicator_name"], year, point, lo, hi])
    report.add(_("Forecasts"), [_("Indicator"), _("Year"), _("Forecast"), _("80% low"), _("80% high")], points)
    return report


def backtest_parts(backtest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, part) pairs: a ratio's numerator, denominator and recomputed ratio; a plain series itself."""
    if "numerator" in backtest:
        return [
            (_("numerator"), backtest["numerator"]),
            (_("denominator"), backtest["denominator"]),
            (_("ratio"), backtest.get("ratio", {})),
        ]
    if "candidates" in backtest:
        return [(_("series"), backtest)]
    return []


def indicators_report(rows: list[dict[str, Any]]) -> Report:
    report = Report(title=_("Indicator definitions"), slug="indicators")
    kinds = dict(IndicatorKind.choices)
    sources = dict(DataSource.choices)

    report.add(
        _("Indicators"),
        [
            _("Code"),
            _("Name"),
            _("Kind"),
            _("Numerator"),
            _("Denominator"),
            _("Factor"),
            _("Unit"),
            _("Data source"),
            _("Planned source"),
        ],
        [
            [
                r["code"],
                r["name"],
                str(kinds.get(r["kind"], r["kind"])),
                r["numerator_text"],
                r["denominator_text"],
                r["factor"],
                r["unit"],
                str(sources.get(r["data_source"], r["data_source"])),
                r["planned_source_shown"],
            ]
            for r in rows
        ],
    )
    return report


def carriers_report(carriers: list[Carrier], scope_label: str) -> Report:
    kinds, levels = dict(CarrierKind.choices), dict(CarrierLevel.choices)
    report = Report(title=_("Carriers"), slug="carriers", lines=[scope_label])
    report.add(
        _("Carriers"),
        [_("Name"), _("Kind"), _("Level"), _("Region"), _("Digital"), _("Recognised"), _("Withdrawn")],
        [
            [
                c.name,
                str(kinds.get(c.kind, c.kind)),
                str(levels.get(c.level, c.level)),
                f"{region_name(c.region_code)} ({c.region_code})",
                _("yes") if c.digital else "",
                c.since.isoformat() if c.since else str(c.get_status_display()),
                c.until.isoformat() if c.until else "",
            ]
            for c in carriers
        ],
    )
    return report
