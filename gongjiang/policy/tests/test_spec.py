"""Reading policy files: every shipped set is valid, and each kind of mistake is refused with a message
naming the file, the entry and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongjiang.policy.parsing import read_documents, read_set, shipped_sets
from gongjiang.policy.spec import SpecError


def test_every_shipped_set_reads_and_the_documents_are_registered() -> None:
    docs = read_documents()
    assert {
        "JS-2024-37",
        "CZ-2025-14",
        "ZJG-opinion",
        "SZ-digital-10",
        "SZ-report",
        "JS-STD-2023",
        "JS-2025-32",
    } <= set(docs)
    assert docs["CZ-2025-14"].number == "常政办发〔2025〕14号"
    assert docs["CZ-2025-14"].citation("二(一)2") == "常政办发〔2025〕14号 二(一)2"
    assert docs["ZJG-opinion"].citation("二(八)") == "张家港技能人才意见 二(八)"
    assert set(shipped_sets()) == {"jiangsu", "suzhou", "changzhou", "zhangjiagang"}
    for name in shipped_sets():
        spec = read_set(name, documents=docs)
        assert spec.digest and spec.rules
    zjg = read_set("zhangjiagang", documents=docs)
    # Includes are expanded: Zhangjiagang carries Suzhou's and the province's rules too.
    assert {"training_certificate", "gusu_housing", "enterprise_training", "outstanding_talent"} <= set(zjg.rules)
    assert zjg.files == ("jiangsu.yaml", "suzhou.yaml", "zhangjiagang.yaml")


def _edit(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(directory: Path, name: str) -> str:
    with pytest.raises(SpecError) as exc:
        read_set(name, directory=directory)
    return "\n".join(exc.value.messages)


def test_a_gap_in_a_decision_table_is_refused(sets_dir: Path) -> None:
    _edit(sets_dir, "jiangsu.yaml", "      - {level: level5, tier: C, amount: 500}\n", "")
    message = _errors(sets_dir, "jiangsu")
    assert "jiangsu.yaml: table 1 (training_standard): gap: no row matches level=level5, tier=C" in message


def test_an_overlap_in_a_unique_table_is_refused(sets_dir: Path) -> None:
    _edit(
        sets_dir,
        "zhangjiagang.yaml",
        "      - {shortage: true, level: level2, amount: 2000, label: 紧缺技师}",
        "      - {shortage: true, level: [level2, level3], amount: 2000, label: 紧缺技师}",
    )
    message = _errors(sets_dir, "zhangjiagang")
    assert "overlap: rows 1, 2 all match shortage=true, level=level3 (hit policy unique)" in message


def test_a_shadowed_row_of_a_first_table_is_refused(sets_dir: Path) -> None:
    _edit(
        sets_dir,
        "zhangjiagang.yaml",
        '      - {talent_title: national_expert, level: "*", shortage: "*", amount: 100000, label: 引进国家技术能手}',
        '      - {talent_title: "*", level: "*", shortage: "*", amount: 100000, label: 引进国家技术能手}',
    )
    message = _errors(sets_dir, "zhangjiagang")
    assert "row 2 (talent_title=provincial_expert, level=*, shortage=*) is shadowed by earlier rows" in message


def test_missing_values_are_refused(sets_dir: Path) -> None:
    _edit(
        sets_dir,
        "jiangsu.yaml",
        "      - {level: level1, tier: B, amount: 3500}",
        "      - {level: level1, amount: 3500}",
    )
    _edit(
        sets_dir, "jiangsu.yaml", "      - {level: level1, tier: C, amount: 3000}", "      - {level: level1, tier: C}"
    )
    message = _errors(sets_dir, "jiangsu")
    assert "missing value for input 'tier' (write '*' for any)" in message
    assert "missing value for output 'amount'" in message


def test_unknown_values_bad_ranges_and_refusals_without_reason(sets_dir: Path) -> None:
    _edit(sets_dir, "jiangsu.yaml", "{level: level1, tier: A, amount: 4300}", "{level: level1, tier: D, amount: 4300}")
    _edit(
        sets_dir,
        "zhangjiagang.yaml",
        '{headcount: "<100", eligible: false, reason: below_threshold}',
        '{headcount: "<<100", eligible: false}',
    )
    message = _errors(sets_dir, "zhangjiagang")
    assert "tier: ['D'] not among the declared values ['A', 'B', 'C']" in message
    assert "range must look like '>=6', '<6' or '[40,56)', got '<<100'" in message


def test_overlapping_dates_of_one_parameter_are_refused(sets_dir: Path) -> None:
    _edit(
        sets_dir,
        "zhangjiagang.yaml",
        "  - {name: enterprise_training.share, value: 50,",
        '  - {name: enterprise_training.share, value: 60, unit: percent, region: "320582", from: 2020-01-01, '
        "clause: ZJG-opinion 二(四)}\n  - {name: enterprise_training.share, value: 50,",
    )
    message = _errors(sets_dir, "zhangjiagang")
    assert (
        "parameter enterprise_training.share in 320582: in force from 2020-01-01 while the value from 2016-01-01"
        in message
    )


def test_a_city_adjustment_beyond_the_provincial_limit_is_refused(sets_dir: Path) -> None:
    _edit(
        sets_dir,
        "suzhou.yaml",
        '    value: 0\n    unit: percent\n    region: "320500"',
        '    value: 31\n    unit: percent\n    region: "320500"',
    )
    message = _errors(sets_dir, "suzhou")
    assert (
        "standard_adjustment in 320500 = 31 percent exceeds the limit standard_adjustment_limit = ±30 percent"
        in message
    )
    assert "JS-2025-32 要点3" in message


def test_unknown_clauses_units_and_names_are_refused(sets_dir: Path) -> None:
    _edit(sets_dir, "changzhou.yaml", "clause: CZ-2025-14 二(一)1", "clause: CZ-2025-14 九(九)9")
    _edit(
        sets_dir,
        "zhangjiagang.yaml",
        "{name: first_year_award.amount, value: 2000, unit: yuan",
        "{name: first_year_award.amount, value: 2000, unit: percent",
    )
    _edit(sets_dir, "zhangjiagang.yaml", "{name: first_year_award.min_months,", "{name: first_year_award.min_monthz,")
    assert "clause 'CZ-2025-14 九(九)9' is not a registered clause" in _errors(sets_dir, "changzhou")
    message = _errors(sets_dir, "zhangjiagang")
    assert "parameter first_year_award.amount: unit must be yuan, got percent" in message
    assert "parameter first_year_award.min_monthz: no rule reads a parameter of this name" in message


def test_include_cycles_and_missing_includes_are_refused(sets_dir: Path) -> None:
    _edit(sets_dir, "jiangsu.yaml", "includes: []", "includes: [zhangjiagang]")
    assert "includes form a cycle" in _errors(sets_dir, "zhangjiagang")
    _edit(sets_dir, "jiangsu.yaml", "includes: [zhangjiagang]", "includes: [wuxi]")
    assert "included set 'wuxi' has no file wuxi.yaml" in _errors(sets_dir, "jiangsu")
