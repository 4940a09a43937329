"""`gongjiang policy …` on the command line: load, test, evaluate a file, diff two versions."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

EVENTS = (
    "event_id,event_type,event_date,region_code,person_id,occupation_code,level,tier,shortage,class_hours\n"
    "a1,training_certificate,2025-03-01,320505,p1,6-31-07-02,技师,A,是,64\n"
    "a2,training_certificate,2025-04-01,320505,p1,6-31-07-02,技师,A,是,64\n"
    "a3,training_certificate,2027-04-01,320506,p2,4-10-01-05,4,,0,\n"
)


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("policy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_list_and_test(db, reference, sets_dir: Path) -> None:  # type: ignore[no-untyped-def]
    out, _ = _run("load", "suzhou", "--adopt", "--dir", str(sets_dir))
    assert "suzhou: v1 (new version, adopted); 7 parameters, 6 tables, 8 golden cases passed" in out
    out, _ = _run("list")
    assert "suzhou (320500)" in out and "* v1" in out
    out, _ = _run("test", "jiangsu", "--dir", str(sets_dir))
    assert "jiangsu: 11/11 golden cases pass" in out


def test_evaluate_writes_the_results_file(db, reference, load_sets, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_sets("suzhou")
    src, dst = tmp_path / "events.csv", tmp_path / "results.csv"
    src.write_text(EVENTS, encoding="utf-8")
    out, _ = _run("evaluate", "--policy-set", "suzhou", "--input", str(src), "--output", str(dst))
    assert "suzhou v1: 3 events, 2 eligible, 5550.00 yuan" in out
    results = pl.read_csv(dst, infer_schema=False)
    assert results.columns[:3] == ["event_id", "event_type", "event_date"]
    row = results.row(0, named=True)
    assert row["amount_yuan"] == "4550.00" and row["eligible"] == "true"
    assert row["trace_text"] == (
        "技师 A类 3500元 (省标准 2023) × (1+0%) 市级调整 (苏州高技能人才报告 二(三)) "
        "× (1+30%) 数字紧缺 (苏州数字技能十条 一) = 4550元"
    )
    assert row["clauses"] == "苏人社（2023，市级通知转述） 标准表; 苏州高技能人才报告 二(三); 苏州数字技能十条 一"
    assert results["reason"].to_list() == ["ok", "same_occupation_level", "ok"]


def test_bad_input_writes_nothing(db, reference, load_sets, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_sets("suzhou")
    src, dst = tmp_path / "events.csv", tmp_path / "results.csv"
    src.write_text(EVENTS.replace("2025-04-01", "2025-04-31"), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command(
            "policy", "evaluate", "--policy-set", "suzhou", "--input", str(src), "--output", str(dst), stderr=err
        )
    assert "row 2, column event_date: '2025-04-31' is not a date (YYYY-MM-DD)" in err.getvalue()
    assert not dst.exists() and list(tmp_path.iterdir()) == [src]
    with pytest.raises(CommandError, match="No policy set 'wuxi'"):
        src.write_text(EVENTS, encoding="utf-8")
        _run("evaluate", "--policy-set", "wuxi", "--input", str(src), "--output", str(dst))


def test_diff_reports_who_changes_per_clause(db, reference, load_sets, sets_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_sets("suzhou", directory=sets_dir)
    path = sets_dir / "suzhou.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "    clause: SZ-report 二(三)\n", "    to: 2026-12-31\n    clause: SZ-report 二(三)\n", 1
    ).replace(
        "  - name: gusu_housing.cap_per_person\n",
        '  - {name: standard_adjustment, value: 10, unit: percent, region: "320500", from: 2027-01-01, '
        "clause: SZ-report 二(三), limit: standard_adjustment_limit}\n  - name: gusu_housing.cap_per_person\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    load_sets("suzhou", directory=sets_dir, adopt=False)
    src, dst = tmp_path / "events.csv", tmp_path / "diff.csv"
    src.write_text(EVENTS, encoding="utf-8")
    out, _ = _run(
        "diff", "--policy-set", "suzhou", "--from", "1", "--to", "2", "--input", str(src), "--output", str(dst)
    )
    assert "suzhou: v1 → v2 over 3 events" in out
    assert "changed: 1 events of 1 persons; 0 newly eligible, 0 no longer eligible, 1 more, 0 less" in out
    assert "total: 5550.00 → 5650.00 yuan (+100.00 yuan)" in out
    assert "  苏州高技能人才报告 二(三): 1 events, +100.00 yuan" in out
    rows = pl.read_csv(dst, infer_schema=False)
    assert rows["event_id"].to_list() == ["a3"]
    assert rows["trace_after"][0].endswith("× (1+10%) 市级调整 (苏州高技能人才报告 二(三)) = 1100元")
