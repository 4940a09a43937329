"""Trajectories, statuses, required growth and warnings, on hand-made numbers (no database)."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.monitoring import engine
from gongjiang.monitoring.evaluation import evaluate, trajectory
from gongjiang.monitoring.measures import Store
from gongjiang.monitoring.models import Indicator, Target

D = datetime.date
REGION = "320400"
SHARE = Indicator(
    code="high_share_skilled",
    name="高技能人才占技能人才比例",
    name_en="High-skilled share",
    kind="ratio",
    numerator={"source": "registry", "measure": "high", "scope": "all"},
    denominator={"source": "registry", "measure": "skilled", "scope": "all"},
    factor=100,
    source="registry",
)
NEW_HIGH = Indicator(
    code="new_high_skilled",
    name="新增高技能人才",
    name_en="New high-skilled",
    kind="flow",
    numerator={"source": "registry", "measure": "new_high", "scope": "all"},
    factor=1,
    source="registry",
)
NOT_COLLECTED = Indicator(
    code="order_classes", name="订单班", name_en="Order classes", kind="flow", numerator={"source": "not_collected"},
    source="not_collected", planned_source="filings",
)  # fmt: skip


END_2025 = D(2025, 12, 31)


def store(shares: dict[int, float], flows: dict[int, float] | None = None, as_of: D = END_2025) -> Store:
    s = Store(as_of=as_of, periods=engine.periods(2018, as_of))
    for year, share in shares.items():
        s.registry[(REGION, "all", str(year))] = {
            "skilled": 1000,
            "high": round(share * 10),
            "new_high": (flows or {}).get(year, 0),
        }
    for year, flow in (flows or {}).items():
        s.registry.setdefault((REGION, "all", str(year)), {"skilled": 1000, "high": 0})["new_high"] = flow
    s.regions.add(REGION)
    return s


def target(**kw) -> Target:  # type: ignore[no-untyped-def]
    base = dict(
        key="t", indicator=SHARE, region_code=REGION, kind="level", comparison=">=", value=36.0,
        baseline_year=2024, horizon=2027, document_id="CZ-2025-14", document="常政办发〔2025〕14号", clause="一",
    )  # fmt: skip
    base.update(kw)
    return Target(**base)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (32.0, "on_track"),
        (31.4, "on_track"),
        (31.3, "at_risk"),
        (28.9, "at_risk"),
        (28.7, "off_track"),
        (36.5, "on_track"),
    ],
)
def test_level_status_against_a_linear_trajectory(value: float, status: str) -> None:
    # Baseline 30% (2024) to 36% (2027): 32% expected at the end of 2025.
    res = evaluate(store({2024: 30.0, 2025: value}), target(), REGION, False, None)
    assert res.expected == pytest.approx(32.0)
    assert res.status == status
    assert res.trajectory == [[2024, 30.0], [2025, 32.0], [2026, 34.0], [2027, 36.0]]


def test_required_growth() -> None:
    res = evaluate(store({2024: 30.0, 2025: 32.0}), target(), REGION, False, None)
    assert res.required_annual == pytest.approx(2.0)  # 4 points in 2 years
    assert res.required_rate == pytest.approx((36 / 32) ** 0.5 - 1)


def test_a_met_baseline_keeps_the_target_as_trajectory() -> None:
    # "稳定在36%以上": the baseline already meets it, so the trajectory is the target itself.
    res = evaluate(store({2024: 37.0, 2025: 35.0}), target(stable=True), REGION, False, None)
    assert res.expected == pytest.approx(36.0) and res.status == "at_risk"
    assert trajectory(target(), 37.0).expected(2026.5) == 36.0


def test_cumulative_target() -> None:
    cum = target(indicator=NEW_HIGH, kind="cumulative", value=50000, window_start=D(2025, 1, 1))
    res = evaluate(store({2024: 30, 2025: 30}, flows={2024: 9999, 2025: 15000}), cum, REGION, False, None)
    assert res.value.value == 15000  # the window starts in 2025
    assert res.expected == pytest.approx(50000 / 3)
    assert res.status == "at_risk"  # 0.90 of the trajectory
    assert res.required_annual == pytest.approx(35000 / 2)


def test_past_horizon_is_achieved_or_missed() -> None:
    past = target(horizon=2020, baseline_year=2015, value=35.0)
    s = store({2015: 30.0, 2019: 33.0, 2020: 35.2, 2025: 20.0})
    assert evaluate(s, past, REGION, False, None).status == "achieved"  # judged at the end of 2020
    s = store({2015: 30.0, 2020: 34.9})
    res = evaluate(s, past, REGION, False, None)
    assert res.status == "missed" and res.period == "2020" and not res.warnings


def test_strict_comparison() -> None:
    strict = target(comparison=">", value=45.0, horizon=2025, baseline_year=2022)
    assert evaluate(store({2022: 40, 2025: 45.0}), strict, REGION, False, None).status == "missed"


def test_monitor_target_and_decline_warning() -> None:
    monitor = target(kind="monitor", value=None, horizon=2035)
    res = evaluate(store({2024: 40.0, 2025: 37.0}), monitor, REGION, False, None)
    assert res.status == "monitored"
    assert [(w["kind"], w["severity"]) for w in res.warnings] == [("declining", "medium")]  # −7.5%
    res = evaluate(store({2024: 40.0, 2025: 39.9}), monitor, REGION, False, None)
    assert res.warnings == []  # −0.25%: within the threshold


def test_not_collected_is_missing_data() -> None:
    t = target(indicator=NOT_COLLECTED, kind="annual", value=300)
    res = evaluate(store({2025: 30}), t, REGION, False, None)
    assert res.status == "no_data"
    assert res.warnings == [{"kind": "missing_data", "severity": "medium", "detail": {"reason": "not_collected"}}]


def test_behind_and_forecast_to_miss_warnings() -> None:
    series = {"history": [[2024, 30.0], [2025, 28.0]], "points": [[2026, 29.0, 27.0, 31.0], [2027, 30.0, 27.5, 35.0]]}
    res = evaluate(store({2024: 30.0, 2025: 28.0}), target(), REGION, False, series)
    kinds = {w["kind"]: w["severity"] for w in res.warnings}
    assert kinds["behind"] == "high"  # 28 / 32 < 0.90
    assert kinds["forecast_miss"] == "high"  # even the upper bound (35) misses 36
    assert kinds["declining"] == "medium"
    assert res.forecast == (30.0, 27.5, 35.0)
    series["points"][1] = [2027, 33.0, 30.0, 37.0]
    res = evaluate(store({2024: 30.0, 2025: 28.0}), target(), REGION, False, series)
    assert {w["kind"]: w["severity"] for w in res.warnings}["forecast_miss"] == "medium"


def test_missing_value_and_carried_forward_denominator() -> None:
    per10k = Indicator(
        code="high_per_10k_employed", name="每万", name_en="per 10k", kind="ratio",
        numerator={"source": "registry", "measure": "high", "scope": "all"},
        denominator={"source": "employment_stats", "measure": "employed"}, factor=10000, source="registry",
    )  # fmt: skip
    s = store({2024: 30.0, 2025: 30.0})
    res = evaluate(s, target(indicator=per10k, value=700), REGION, False, None)
    assert res.status == "no_data" and res.warnings[-1]["detail"] == {"reason": "no_value"}
    s.employed[(REGION, 2024)] = 50000
    res = evaluate(s, target(indicator=per10k, value=700), REGION, False, None)
    assert res.value.value == pytest.approx(300 / 50000 * 10000)
    assert {"reason": "carried_forward", "year": 2024} in [w["detail"] for w in res.warnings]


def test_one_judgement_agrees_with_the_warnings() -> None:
    # On its trajectory today (31.5 of 32 expected is 0.98), but the forecast for 2027 (35) misses 36:
    # the card says "on track, but forecast to miss", and the warning says the same.
    from gongjiang.monitoring.evaluation import ON_TRACK_FORECAST_MISS, judgement

    series = {"history": [[2024, 30.0], [2025, 31.5]], "points": [[2026, 33.0, 32.0, 34.0], [2027, 35.0, 34.0, 37.0]]}
    res = evaluate(store({2024: 30.0, 2025: 31.5}), target(), REGION, False, series)
    assert res.status == "on_track"
    assert "forecast_miss" in {w["kind"] for w in res.warnings}
    assert res.forecast is not None
    assert judgement(res.status, res.target, res.forecast[0]) == ON_TRACK_FORECAST_MISS
    # the forecast meets the target: the judgement is the status, and no forecast warning
    series["points"][1] = [2027, 36.5, 35.0, 38.0]
    res = evaluate(store({2024: 30.0, 2025: 31.5}), target(), REGION, False, series)
    assert res.forecast is not None
    assert "forecast_miss" not in {w["kind"] for w in res.warnings}
    assert judgement(res.status, res.target, res.forecast[0]) == "on_track"
    # behind the trajectory: the stricter status stands, whatever the forecast
    assert judgement("at_risk", res.target, 30.0) == "at_risk"


def test_cards_state_their_year_and_expired_targets_their_final_judgement() -> None:
    from gongjiang.monitoring.evaluation import ON_TRACK_FORECAST_MISS
    from gongjiang.monitoring.models import TargetEvaluation
    from gongjiang.monitoring.selectors import evaluation_json

    old = target(key="old", horizon=2020, baseline_year=2015, value=35.0, document="张家港意见")
    ev = TargetEvaluation(target=old, region_code=REGION, period="2020", as_of=D(2020, 12, 31), value=33.0,
                          status="missed")  # fmt: skip
    card = evaluation_json(ev)
    assert card["expired"] and card["value_year"] == 2020 and card["document"] == "张家港意见"
    assert "2020" in card["judgement_reason"] and card["judgement"] == "missed"
    now = TargetEvaluation(target=target(), region_code=REGION, period="2026", as_of=D(2026, 6, 30), value=31.5,
                           status="on_track", forecast=35.0, forecast_lo=34.0, forecast_hi=37.0)  # fmt: skip
    card = evaluation_json(now)
    assert not card["expired"] and card["value_year"] == 2026 and card["partial_year"]
    assert card["judgement"] == ON_TRACK_FORECAST_MISS and "2027" in card["judgement_reason"]
