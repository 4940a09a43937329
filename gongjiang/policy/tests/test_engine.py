"""The vectorised engine against the per-row reference evaluator, the stateful limits when a limit
changes over time, the input checks (row and column named, nothing evaluated), and the interface."""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl
import pytest

from gongjiang.policy.compiled import REASON_CODES, compile_set
from gongjiang.policy.engine import evaluate_compiled
from gongjiang.policy.inputs import EVENT_TYPE_DTYPE, PolicyInputError, frame_from_records, read_events_csv
from gongjiang.policy.normalise import normalise_events
from gongjiang.policy.parsing import read_documents, read_set
from gongjiang.policy.reference import RowEvaluator, rows_from_frame
from gongjiang.policy.synthetic import DEFAULT_MIX, SET_REGIONS, synthetic_events

DOCS = read_documents()


def _compiled(name: str, directory: Path | None = None):  # type: ignore[no-untyped-def]
    if directory is None:
        return compile_set(read_set(name, documents=DOCS), DOCS, version=1)
    docs = read_documents(directory / "documents.yaml")
    return compile_set(read_set(name, directory=directory, documents=docs), docs, version=1)


def _compare(cs, events: pl.DataFrame, history: pl.DataFrame | None = None) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    out = evaluate_compiled(events, cs, history=history, render=False)
    frame, nh = normalise_events(events, history)
    hist_rows, rows = rows_from_frame(frame, nh)
    ref = RowEvaluator(cs).run(rows, hist_rows)
    trace = out["trace"].struct.unnest()
    mismatches = []
    for i, r in enumerate(ref):
        got = (
            bool(out["eligible"][i]),
            out["reason"][i],
            int(out["amount_fen"][i]),
            int(out["instalments"][i]),
            {k: int(trace[k][i]) for k in trace.columns},
        )
        want = (
            r["eligible"],
            REASON_CODES[r["reason"]],
            r["amount"] if r["eligible"] else 0,
            r["instalments"],
            r["trace"],
        )
        if got != want:
            mismatches.append((out["event_id"][i], got, want))
    assert not mismatches, mismatches[:5]
    return out


@pytest.mark.parametrize("name", ["zhangjiagang", "suzhou", "changzhou", "jiangsu"])
def test_vectorised_equals_per_row_on_random_populations(name: str) -> None:
    cs = _compiled(name)
    mix = dict.fromkeys(DEFAULT_MIX, 1.0)
    for seed in range(2):
        events = synthetic_events(
            3000,
            seed=seed,
            regions=[*SET_REGIONS[name][:2], "320102"],
            persons=120,
            start=datetime.date(2015, 1, 1),
            end=datetime.date(2027, 12, 31),
            mix=mix,
        )
        history = synthetic_events(
            400, seed=seed + 50, regions=SET_REGIONS[name][:2], persons=120, mix=mix, id_prefix="H"
        ).with_columns(amount_fen=pl.lit(50000, dtype=pl.Int64))
        out = _compare(cs, events, history)
        reasons = set(out["reason"].cast(pl.String))
        assert {"ok", "same_occupation_level", "max_trainings", "class_hours_short", "not_in_force"} <= reasons
        if name == "zhangjiagang":
            assert {"cap_reached", "max_per_person", "max_per_org_year", "not_local", "below_threshold"} <= reasons


def _training(eid: str, day: str, occ: str, **extra: object) -> dict[str, object]:
    return {
        "event_id": eid,
        "event_type": "training_certificate",
        "event_date": day,
        "region_code": "320102",
        "person_id": 7,
        "occupation_code": occ,
        "level": "level5",
        "tier": "A",
        **extra,
    }


def test_a_limit_that_changes_over_time_is_applied_event_by_event(sets_dir: Path) -> None:
    """Three trainings until 2025, four from 2026: the refused fourth training of 2025 does not count,
    so a training in 2026 is the person's fourth accepted one and is paid."""
    path = sets_dir / "jiangsu.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '{name: max_subsidised_trainings, value: 3, unit: count, region: "320000", from: 2025-01-01,',
        '{name: max_subsidised_trainings, value: 4, unit: count, region: "320000", from: 2026-01-01, '
        'clause: JS-2025-32 要点1}\n  - {name: max_subsidised_trainings, value: 3, unit: count, region: "320000", '
        "from: 2025-01-01, to: 2025-12-31,",
    )
    path.write_text(text, encoding="utf-8")
    cs = _compiled("jiangsu", sets_dir)
    events = frame_from_records(
        [
            _training("a", "2025-01-01", "6-31-01-03"),
            _training("b", "2025-02-01", "6-18-02-04"),
            _training("c", "2025-03-01", "6-31-07-01"),
            _training("d", "2025-04-01", "6-31-07-02"),
            _training("e", "2026-01-05", "6-31-07-03"),
            _training("f", "2026-02-05", "6-25-04-05"),
        ]
    )
    out = _compare(cs, events)
    assert out["reason"].cast(pl.String).to_list() == ["ok", "ok", "ok", "max_trainings", "ok", "max_trainings"]
    random = synthetic_events(
        2000, seed=3, regions=["320102"], persons=60, start=datetime.date(2024, 6, 1), end=datetime.date(2026, 6, 1)
    )
    _compare(cs, random)


def test_a_cap_that_changes_over_time_is_applied_event_by_event(sets_dir: Path) -> None:
    path = sets_dir / "zhangjiagang.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '{name: order_class_match.cap_per_person, value: 1000, unit: yuan, region: "320582", from: 2016-01-01,',
        '{name: order_class_match.cap_per_person, value: 1500, unit: yuan, region: "320582", from: 2026-01-01, '
        "clause: ZJG-opinion 二(八)}\n  - {name: order_class_match.cap_per_person, value: 1000, unit: yuan, "
        'region: "320582", from: 2016-01-01, to: 2025-12-31,',
    )
    path.write_text(text, encoding="utf-8")
    cs = _compiled("zhangjiagang", sets_dir)
    records = [
        {
            "event_id": e,
            "event_type": "order_class_match",
            "event_date": d,
            "region_code": "320582",
            "person_id": 1,
            "funding_fen": f,
        }
        for e, d, f in (
            ("a", "2025-01-01", 80000),
            ("b", "2025-06-01", 50000),
            ("c", "2026-01-01", 60000),
            ("d", "2026-02-01", 10000),
        )
    ]
    out = _compare(cs, frame_from_records(records))
    assert out["amount_fen"].to_list() == [80000, 20000, 50000, 0]
    assert out["reason"].cast(pl.String).to_list() == ["ok", "ok", "ok", "cap_reached"]


def test_results_keep_input_order_and_identity() -> None:
    cs = _compiled("zhangjiagang")
    events = synthetic_events(500, seed=9).sample(fraction=1.0, shuffle=True, seed=1)
    out = evaluate_compiled(events, cs)
    assert out["event_id"].to_list() == events["event_id"].to_list()
    assert out["person_id"].to_list() == events["person_id"].to_list()
    assert out["policy_set"].unique().to_list() == ["zhangjiagang"]
    assert set(out.columns) >= {"eligible", "amount_fen", "clauses", "trace_text", "instalments", "payee", "reason"}
    assert out.filter(~pl.col("eligible"))["amount_fen"].sum() == 0


def test_string_and_integer_person_keys_give_the_same_results() -> None:
    cs = _compiled("zhangjiagang")
    events = synthetic_events(800, seed=4, persons=50)
    as_text = events.with_columns(
        pl.format("P{}", "person_id").alias("person_id"), pl.col("event_type").cast(pl.String)
    )
    a = evaluate_compiled(events, cs)
    b = evaluate_compiled(as_text, cs)
    assert a["amount_fen"].to_list() == b["amount_fen"].to_list()
    assert a["trace_text"].to_list() == b["trace_text"].to_list()


def test_as_of_uses_only_values_recorded_by_then(sets_dir: Path) -> None:
    path = sets_dir / "suzhou.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "    clause: SZ-report 二(三)\n    limit: standard_adjustment_limit\n",
            "    clause: SZ-report 二(三)\n    limit: standard_adjustment_limit\n    recorded_at: 2026-12-01\n",
        ),
        encoding="utf-8",
    )
    docs = read_documents(sets_dir / "documents.yaml")
    spec = read_set("suzhou", directory=sets_dir, documents=docs)
    events = frame_from_records([_training("a", "2025-03-01", "6-18-02-04", region_code="320505")])
    now = evaluate_compiled(events, compile_set(spec, docs))
    before = evaluate_compiled(events, compile_set(spec, docs, as_of=datetime.date(2026, 11, 30)))
    assert "市级调整" in now["trace_text"][0]
    assert "市级调整" not in before["trace_text"][0]


def _errors(events: pl.DataFrame, history: pl.DataFrame | None = None) -> list[str]:
    with pytest.raises(PolicyInputError) as exc:
        evaluate_compiled(events, _compiled("zhangjiagang"), history=history)
    return [str(e) for e in exc.value.errors]


def test_bad_input_names_row_and_column_and_nothing_is_evaluated() -> None:
    events = read_events_csv(
        "event_id,event_type,event_date,region_code,person_id,occupation_code,level,fee_fen,shortage\n"
        "a,training_certificate,2025-03-01,320582,1,6-18-02-04,level3,,\n"
        "b,bonus,2025-03-01,320582,1,6-18-02-04,level3,,\n"
        "c,training_certificate,2025-02-30,320582,1,6-18-02-04,level3,,\n"
        "d,training_certificate,2025-03-01,999999,1,6-18-02-04,level3,,\n"
        "e,designated_training,2025-03-01,320582,1,6-18-02-04,level3,-5,\n"
        "f,training_certificate,2025-03-01,320582,1,6-18-2-04,师傅,,maybe\n"
        "a,training_certificate,2025-03-01,320582,1,6-18-02-04,level3,,\n".encode()
    )
    errors = _errors(events)
    expected = [
        "row 2, column event_type: 'bonus' is not an event type",
        "row 1, column event_id: event id 'a' appears more than once",
        "row 3, column event_date: '2025-02-30' is not a date (YYYY-MM-DD)",
        "row 5, column fee_fen: -5 is negative",
        "row 6, column level: '师傅' is not a skill level",
        "row 6, column shortage: 'maybe' is not true/false (1/0, yes/no, 是/否)",
        "row 6, column occupation_code: '6-18-2-04' is not an occupation code D-DD-DD-DD (2022 classification)",
    ]
    for e in expected:
        assert any(x.startswith(e) for x in errors), (e, errors)


def test_regions_and_required_columns_are_checked_per_event() -> None:
    events = frame_from_records(
        [
            {
                "event_id": "a",
                "event_type": "training_certificate",
                "event_date": "2025-03-01",
                "region_code": "320582",
                "person_id": 1,
                "level": "level3",
            },
            {
                "event_id": "b",
                "event_type": "shortage_grant",
                "event_date": "2025-03-01",
                "region_code": "320599",
                "person_id": 1,
                "level": "level3",
            },
            {
                "event_id": "c",
                "event_type": "gusu_housing",
                "event_date": "2025-03-01",
                "region_code": "32058",
                "person_id": 1,
            },
        ]
    )
    errors = _errors(events)
    assert "row 1, column occupation_code: required for training_certificate" in errors
    assert "row 2, column region_code: 320599 was not a GB/T 2260 region code on 2025-03-01" in errors
    assert "row 3, column region_code: '32058' is not a six-digit GB/T 2260 code" in errors


def test_missing_and_unknown_columns_and_history_errors() -> None:
    assert _errors(pl.DataFrame({"event_id": ["a"], "event_typ": ["x"]})) == [
        "file, column event_typ: unknown column(s); see docs/policy.md for the input columns",
        "file, column event_type: required column is missing",
        "file, column event_date: required column is missing",
        "file, column region_code: required column is missing",
    ]
    events = frame_from_records([_training("a", "2025-03-01", "6-18-02-04")])
    history = frame_from_records([{**_training("h", "2024-03-01", "6-18-02-04"), "amount_fen": "lots"}], history=True)
    assert _errors(events, history) == ["row 1, column history.amount_fen: 'lots' is not a whole number"]
    dup = frame_from_records([{**_training("a", "2024-03-01", "6-18-02-04"), "amount_fen": 100}], history=True)
    assert _errors(events, dup) == ["file, column event_id: 'a' appears both in history and in events"]


def test_unreadable_and_empty_files() -> None:
    with pytest.raises(PolicyInputError, match="file, column file: is empty"):
        read_events_csv(b"  ")
    with pytest.raises(PolicyInputError, match="byte 2 is not valid UTF-16"):
        read_events_csv(b"\xff\xfe\x00\xd8")
    with pytest.raises(PolicyInputError, match="unknown column"):
        read_events_csv(b"event_id,event_type,event_date,region_code,colour\n1,x,2025-03-01,320582,red\n")
    gb = "event_id,event_type,event_date,region_code,level\n甲,training_certificate,2025-03-01,320582,技师\n".encode(
        "gb18030"
    )
    assert read_events_csv(gb)["level"].to_list() == ["技师"]


def test_events_files_take_chinese_headers_and_xlsx_and_every_date_and_yes_no_spelling() -> None:
    from gongjiang.core.tabular import xlsx_bytes

    header = ["事件编号", "事件类型", "事件日期", "地区代码", "人员编号", "职业编码", "技能等级", "紧缺职业"]
    rows = [
        ["a", "training_certificate", "2025/3/1", "320582", "1", "6-18-02-04", "level3", "是"],
        ["b", "training_certificate", "2025年3月2日", "320582", "2", "6-18-02-04", "level3", "否"],
    ]
    csv_text = "\n".join(",".join(r) for r in [header, *rows]).encode()
    for frame in (read_events_csv(csv_text), read_events_csv(xlsx_bytes(header, rows))):
        assert frame["event_id"].to_list() == ["a", "b"]
        results = evaluate_compiled(frame, _compiled("zhangjiagang"))
        assert results["event_date"].to_list() == [datetime.date(2025, 3, 1), datetime.date(2025, 3, 2)]


def test_empty_events_give_empty_results() -> None:
    empty = pl.DataFrame(
        {"event_id": [], "event_type": [], "event_date": [], "region_code": []},
        schema={"event_id": pl.String, "event_type": EVENT_TYPE_DTYPE, "event_date": pl.Date, "region_code": pl.String},
    )
    out = evaluate_compiled(empty, _compiled("jiangsu"))
    assert out.height == 0
    assert "trace_text" in out.columns
