"""Manpower forecasts on a synthetic 苏州: the series assembled from the records, a run reconciled exactly
(districts sum to the city in whole persons, every year and measure), openings = growth + replacement,
warnings beyond the threshold routed up the hierarchy, towns and enterprises as shares of their
district, the major-project assessment, the retirement rule, bad input refused, and the pages and API."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.core.scope import restrict
from gongjiang.labour import forecast_selectors as fs
from gongjiang.labour import forecasts, tasks
from gongjiang.labour.manpower import GROUPS, assemble, hierarchy
from gongjiang.labour.models import ForecastLine, ForecastRun, ShortageWarning
from gongjiang.labour.retirement import retirement_month, retirement_year

SUZHOU, ZJG, HUQIU = "320500", "320582", "320505"


def _cutoff() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year - 1


@pytest.fixture
def suzhou(reference):  # type: ignore[no-untyped-def]
    from gongjiang.synth.generator import synthesize

    with audit_context(source="cli"):
        synthesize(region=SUZHOU, scale=0.002, seed=3)


@pytest.fixture
def growing(suzhou, make_org):  # type: ignore[no-untyped-def]
    """A 虎丘 employer hiring 农业数字化技术员 faster every year (2, 4, … 20 a year), far beyond the group's
    certificates and graduates there."""
    from gongjiang.synth.forecast_demo import GROWING, growing_workforce

    enterprise = make_org(region=HUQIU, name="虎丘数字农业")
    with audit_context(source="cli"):
        growing_workforce(
            actor=None,
            enterprise=enterprise,
            occupation_code=GROWING,
            first_year=_cutoff() - 9,
            last_year=_cutoff(),
            step=2,
        )
    return enterprise


def test_retirement_rule_gradual_raise() -> None:
    year = np.array([1964, 1965, 1965, 1976, 1980, 1974, 1975, 1984, 1990])
    month = np.array([12, 1, 5, 9, 1, 12, 1, 11, 6])
    sex = np.array(["M", "M", "M", "M", "M", "F", "F", "F", "F"])
    got = retirement_month(year, month, sex)
    age_months = got - (year * 12 + month - 1)
    # Men: 60 before 2025; born Jan 1965 +1 month, May 1965 +2; from Sep 1976 at 63.
    # Women workers: 50 before 2025; born Jan 1975 +1 month; from Nov 1984 at 55.
    assert age_months.tolist() == [720, 721, 722, 756, 756, 600, 601, 660, 660]
    assert retirement_year(year, month, sex).tolist() == [
        (y * 12 + m - 1 + a) // 12 for y, m, a in zip(year, month, age_months, strict=True)
    ]


def test_hierarchy_sums_districts_to_city(reference) -> None:  # type: ignore[no-untyped-def]
    tree = hierarchy(SUZHOU, _cutoff())
    assert tree.regions[0] == SUZHOU and ZJG in tree.bottom and HUQIU in tree.bottom
    assert tree.S[0].sum() == len(tree.bottom)
    assert (tree.S[1:] == np.eye(len(tree.bottom))).all()
    province = hierarchy("320000", _cutoff())
    assert SUZHOU in province.regions and ZJG in province.bottom and province.depth[ZJG] == 2


def test_series_assembled_from_the_records(suzhou) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.registry.models import Employment

    panel = assemble(SUZHOU, first_year=_cutoff() - 5, cutoff_year=_cutoff(), horizon=3)
    end = datetime.date(_cutoff(), 12, 31)
    active = (
        Employment.objects.filter(start__lte=end, occupation__isnull=False, organisation__region_code=ZJG)
        .exclude(end__lte=end)
        .values("person_id")
        .distinct()
        .count()
    )
    z = panel.tree.bottom.index(ZJG)
    assert panel.employment[z, :, -1].sum() == active > 0
    assert panel.supply.sum() > 0
    assert panel.replacement.shape == (len(panel.tree.bottom), len(GROUPS), 3)


def test_run_reconciles_exactly_and_warns_up_the_hierarchy(growing, make_user) -> None:  # type: ignore[no-untyped-def]
    city = make_user("sz", region_code=SUZHOU)
    with audit_context(source="cli", actor=city):
        run = forecasts.forecast_run_create(
            actor=city, region_code=SUZHOU, cutoff_year=_cutoff(), horizon=3, history_years=10
        )
    lines = list(ForecastLine.objects.filter(run=run))
    assert lines and run.summary["series"] == 2 * len(lines)
    by = {(line.region_code, line.group): line for line in lines}
    years = [str(_cutoff() + k) for k in (1, 2, 3)]
    for group in GROUPS:
        top = by.get((SUZHOU, group))
        if top is None:
            continue
        children = [line for (region, g), line in by.items() if g == group and region != SUZHOU]
        for year in years:
            for measure in ("employment", "supply", "growth", "replacement", "openings", "gap"):
                values = [c.forecast[year][measure] for c in children]
                assert all(isinstance(v, int) for v in values)
                assert sum(values) == top.forecast[year][measure], (group, year, measure)
            f = top.forecast[year]
            assert f["openings"] == f["growth"] + f["replacement"]
            assert f["gap"] == f["openings"] - f["supply"]
            assert f["employment"] >= 0 and f["supply"] >= 0
    # Warnings: exactly the cells beyond the threshold, each with its evidence.
    expected = {
        (line.region_code, line.group, int(y))
        for line in lines
        for y, f in line.forecast.items()
        if f["gap"] >= forecasts.GAP_MIN and f["gap"] >= float(forecasts.GAP_SHARE) * f["openings"]
    }
    warnings = ShortageWarning.objects.filter(run=run)
    assert {(w.region_code, w.group, w.year) for w in warnings} == expected
    assert warnings.filter(region_code=HUQIU, group="5").exists()  # the fast-growing employer's district
    for w in warnings:
        assert w.gap == w.openings - w.supply and w.evidence["threshold"]["persons"] == forecasts.GAP_MIN
    # A district's warnings: its officer and the city's see them; another district's officer does not.
    zjg, huqiu = make_user("zjg", region_code=ZJG), make_user("hq", region_code=HUQIU)
    seen_zjg = set(restrict(ShortageWarning.objects.all(), zjg).values_list("region_code", flat=True))
    assert seen_zjg <= {ZJG}
    assert restrict(ShortageWarning.objects.all(), city).count() == warnings.count()
    assert not restrict(ShortageWarning.objects.filter(region_code=ZJG), huqiu).exists()
    assert set(restrict(ShortageWarning.objects.all(), huqiu).values_list("region_code", flat=True)) == {HUQIU}
    assert not restrict(ForecastRun.objects.all(), zjg).exists()


def test_bad_parameters_change_nothing(reference, make_user) -> None:  # type: ignore[no-untyped-def]
    city = make_user("sz", region_code=SUZHOU)
    with audit_context(source="cli", actor=city):
        for kwargs, field in (
            ({"region_code": "32050", "cutoff_year": _cutoff()}, "region_code"),
            ({"region_code": SUZHOU, "cutoff_year": _cutoff() + 1}, "cutoff_year"),
            ({"region_code": SUZHOU, "cutoff_year": _cutoff(), "horizon": 9}, "horizon"),
            ({"region_code": SUZHOU, "cutoff_year": _cutoff(), "history_years": 2}, "history_years"),
        ):
            with pytest.raises(ValidationError) as caught:
                forecasts.forecast_run_create(actor=city, **kwargs)
            assert field in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:  # no records: nothing to forecast
            forecasts.forecast_run_create(actor=city, region_code=SUZHOU, cutoff_year=_cutoff())
        assert "region_code" in caught.value.message_dict
    zjg = make_user("zjg", region_code=ZJG)
    from django.core.exceptions import PermissionDenied

    with audit_context(source="cli", actor=zjg), pytest.raises(PermissionDenied):
        forecasts.forecast_run_create(actor=zjg, region_code=SUZHOU, cutoff_year=_cutoff())
    assert not ForecastRun.objects.exists()


def test_towns_enterprises_and_major_project(suzhou, make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.labour import services
    from gongjiang.labour.models import NeedSurvey

    officer = make_user("zjg", region_code=ZJG)
    ent = make_org(region=ZJG, name="张家港精工机械")
    ent_user = make_user("ent", role="organisation", organisation=ent)
    with audit_context(source="cli", actor=ent_user):
        survey = services.survey_start(actor=ent_user, organisation=ent, year=_cutoff())
        services.survey_line_add(
            actor=ent_user,
            survey=survey,
            occupation_code="6-18-01-01",
            level_code="level3",
            staff=40,
            hires_1=12,
            hires_2=8,
            hires_3=5,
        )
        services.survey_send(actor=ent_user, survey=survey)
    with audit_context(source="cli", actor=officer):
        with pytest.raises(ValidationError):
            forecasts.enterprise_town_set(actor=officer, organisation=ent, town_code="320583100", town_name="玉山镇")
        forecasts.enterprise_town_set(actor=officer, organisation=ent, town_code="320582100", town_name="杨舍镇")
        run = forecasts.forecast_run_create(
            actor=officer, region_code=ZJG, cutoff_year=_cutoff(), horizon=3, history_years=10
        )
        line = ForecastLine.objects.get(run=run, region_code=ZJG, group="6")
        towns, enterprises = fs.local_shares(line, NeedSurvey.objects.all())
        employed = line.history[str(_cutoff())]["employment"]
        assert [e.name for e in enterprises] == ["张家港精工机械"] and enterprises[0].staff == 40
        assert enterprises[0].share == pytest.approx(min(1.0, 40 / employed))
        assert enterprises[0].openings == [round(enterprises[0].share * f["openings"]) for f in line.forecast.values()]
        assert towns[0].name == "杨舍镇" and towns[0].openings == enterprises[0].openings

        project = forecasts.major_project_create(
            actor=officer, name="精工二期", enterprise=ent, region_code="", start_year=_cutoff() + 1
        )
        assert project.region_code == ZJG
        forecasts.project_need_add(
            actor=officer, project=project, occupation_code="6-18-01-01", year=_cutoff() + 1, headcount=30
        )
        forecasts.project_need_add(
            actor=officer, project=project, occupation_code="6-31-01-03", year=_cutoff() + 1, headcount=20
        )
        forecasts.project_need_add(
            actor=officer, project=project, occupation_code="6-31-01-03", year=_cutoff() + 9, headcount=5
        )
        with pytest.raises(ValidationError):
            forecasts.project_need_add(
                actor=officer, project=project, occupation_code="6-31-01-03", year=_cutoff(), headcount=5
            )
    rows = fs.assess(project, ForecastLine.objects.all())
    f = line.forecast[str(_cutoff() + 1)]
    first, second, beyond = rows
    assert (first.supply, first.openings, first.remaining) == (f["supply"], f["openings"], f["supply"] - f["openings"])
    assert first.gap == max(0, 30 - max(first.remaining, 0))
    assert second.remaining == first.remaining - 30 and second.gap == max(0, 20 - max(second.remaining, 0))
    assert beyond.run is None and beyond.gap is None


def test_pages_and_api(suzhou, client, make_user) -> None:  # type: ignore[no-untyped-def]
    city = make_user("sz", region_code=SUZHOU)
    client.force_login(city)
    response = client.post(
        "/labour/forecasts/new/",
        {"region_code": SUZHOU, "cutoff_year": _cutoff(), "horizon": 2, "history_years": 10},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ForecastRun.objects.get()
    assert run.status == "queued"  # computed by a worker (here, by the test: the request's transaction stays open)
    tasks.forecast_run_execute(run_id=run.pk)
    page = client.get(f"/labour/forecasts/{run.pk}/").content.decode()
    assert 'id="reconciled"' in page and 'id="forecast-data"' in page and "children-sum" in page
    district = client.get(f"/labour/forecasts/{run.pk}/?group=6&region={ZJG}").content.decode()
    assert 'id="reconciled"' in district
    assert client.get(f"/labour/forecast-lines/?run={run.pk}").status_code == 200
    assert client.get("/labour/shortage-warnings/").status_code == 200
    api = client.get("/api/labour/forecast-lines/", {"run": run.pk}).json()
    assert api["count"] == ForecastLine.objects.count()
    bad = client.post(
        "/labour/forecasts/new/",
        {"region_code": SUZHOU, "cutoff_year": _cutoff() + 5, "horizon": 2, "history_years": 10},
    )
    assert bad.status_code == 200 and ForecastRun.objects.count() == 1


def test_a_warning_names_its_forecast_by_region_and_years(growing, client, make_user) -> None:  # type: ignore[no-untyped-def]
    city = make_user("sz", region_code=SUZHOU)
    with audit_context(source="cli", actor=city):
        run = forecasts.forecast_run_create(
            actor=city, region_code=SUZHOU, cutoff_year=_cutoff(), horizon=3, history_years=10
        )
    warning = ShortageWarning.objects.filter(run=run).first()
    assert warning is not None
    client.force_login(city)
    page = client.get(f"/labour/shortage-warnings/{warning.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"人力资源预测 {run.pk}：苏州市，{_cutoff() + 1}—{_cutoff() + 3}年" in page, page[:3000]
    assert f"{SUZHOU} {_cutoff()}+3" not in page
