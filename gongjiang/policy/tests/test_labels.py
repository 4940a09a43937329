"""Every code of the policy vocabulary the engine knows has a label for the pages, in both languages."""

from __future__ import annotations

from django.utils import translation

from gongjiang.policy import labels
from gongjiang.policy.compiled import REASON_CODES
from gongjiang.policy.formulas import BOOL_INPUTS, ENUM_INPUTS, FORMULAS, PARAMETER_UNITS, RANGE_INPUTS, TABLE_SHAPES
from gongjiang.policy.parsing import read_set
from gongjiang.policy.spec import ROUNDING_MODES, ROUNDING_UNITS

SETS = ("jiangsu", "suzhou", "changzhou", "zhangjiagang")


def test_every_code_has_a_label() -> None:
    assert set(FORMULAS) <= set(labels.EVENT_TYPES)
    assert set(REASON_CODES) <= set(labels.REASONS)
    assert set(TABLE_SHAPES) <= set(labels.TABLES)
    assert {*ENUM_INPUTS, *BOOL_INPUTS, *RANGE_INPUTS} <= set(labels.COLUMNS)
    assert set(ROUNDING_MODES) <= set(labels.ROUNDING) and set(ROUNDING_UNITS) <= set(labels.ROUNDING_UNITS)
    shipped = {p.name for name in SETS for p in read_set(name).params} | set(PARAMETER_UNITS) - {
        *labels.PARAMETER_PARTS  # bare limit suffixes are no parameter of their own
    }
    assert all(labels.parameter(name) != name for name in shipped), [n for n in shipped if labels.parameter(n) == n]
    for name in SETS:
        for t in read_set(name).tables:
            assert all(labels.column(o) != o for o in t.outputs), t.name
            assert all(r.reason in labels.REASONS for r in t.rows if r.reason)


def test_labels_follow_the_language() -> None:
    with translation.override("zh-hans"):
        assert labels.event_type("training_certificate") == "培训取证补贴"
        assert labels.reason("same_occupation_level") == "同一职业同一等级已享受补贴"
        assert labels.parameter("enterprise_training.share") == "企业职工培训补贴：补贴比例"
        assert labels.rounding("down", "fen") == "向下取整到分"
        assert labels.value("level", ["level5", "level4"]) == "初级工 | 中级工"
    with translation.override("en"):
        assert labels.event_type("gusu_housing") == "Gusu housing subsidy"
        assert (
            labels.parameter("order_class_match.cap_per_person") == "Matching funds for order classes: cap per person"
        )
        assert labels.rounding("half_up", "fen") == "rounded half up to the fen"
    assert labels.event_type("not_a_type") == "not_a_type"  # a code without a label shows as it is
