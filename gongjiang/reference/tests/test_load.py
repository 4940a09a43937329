"""Loading reference data: idempotence, the shipped catalogues, and importing an official occupation list."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from gongjiang.core.models import ChangeRecord
from gongjiang.core.tests.audit_guard import unaudited
from gongjiang.reference.models import Industry, Occupation, Region, SkillLevel
from gongjiang.reference.occupation_lists import parse_occupation_rows
from gongjiang.reference.services import LoadReport, occupations_import, reference_load

pytestmark = pytest.mark.usefixtures("reference")


def _counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "occupations": Occupation.objects.count(),
        "industries": Industry.objects.count(),
        "skill levels": SkillLevel.objects.count(),
    }


def _occupation_state() -> set[tuple[str, str, str, bool, int | None]]:
    return set(Occupation.objects.values_list("code", "name", "kind", "digital", "parent_id"))


# ---------------------------------------------------------------------------------------------
# Idempotence
# ---------------------------------------------------------------------------------------------


def test_second_load_changes_nothing() -> None:
    before = _counts()
    state = _occupation_state()
    records = ChangeRecord.objects.count()
    report = reference_load(actor=None)
    assert isinstance(report, LoadReport)
    assert report.changed() is False
    assert set(report.created) >= {"regions", "occupations", "industries", "skill levels"}
    assert all(v == 0 for v in report.created.values())
    assert all(v == 0 for v in report.updated.values())
    assert all(line.endswith(": 0 created, 0 updated") for line in report.lines())
    assert _counts() == before
    assert _occupation_state() == state
    assert ChangeRecord.objects.count() == records  # nothing changed, nothing recorded


def test_load_repairs_drift_and_reports_it() -> None:
    before = _counts()
    with unaudited():
        Occupation.objects.filter(code="6-31-01-03").update(name="电工（改）", digital=True)
        Region.objects.filter(code="320684").delete()
        Region.objects.filter(code="320614").update(valid_to=2022, parent_code="329900")
        SkillLevel.objects.filter(code="level4").update(high_skilled=True)
        Industry.objects.filter(code="C").update(name="制造")

    report = reference_load(actor=None)
    assert report.changed() is True
    assert report.created["regions"] == 1
    assert report.updated["regions"] == 1
    assert report.updated["occupations"] == 1
    assert report.updated["skill levels"] == 1
    assert report.updated["industries"] == 1
    assert report.created["occupations"] == report.created["industries"] == 0
    assert report.created["skill levels"] == 0
    assert _counts() == before

    assert Occupation.objects.get(code="6-31-01-03").name == "电工"
    assert Occupation.objects.get(code="6-31-01-03").digital is False
    assert Region.objects.get(code="320684").name == "海门市"
    r = Region.objects.get(code="320614")
    assert (r.valid_to, r.parent_code) == (None, "320600")
    assert SkillLevel.objects.get(code="level4").high_skilled is False
    assert Industry.objects.get(code="C").name == "制造业"
    assert reference_load(actor=None).changed() is False


def test_load_records_one_bulk_change_per_kind_changed() -> None:
    Occupation.objects.filter(code="4-04-05-05").update(name="x")
    records = ChangeRecord.objects.count()
    reference_load(actor=None)
    new = ChangeRecord.objects.order_by("-id")[: ChangeRecord.objects.count() - records]
    assert [(c.action, c.model) for c in new] == [("bulk_create", "reference.Occupation")]


def test_load_reference_command_is_idempotent() -> None:
    out = io.StringIO()
    before = _counts()
    call_command("load_reference", stdout=out)
    assert "up to date" in out.getvalue()
    assert _counts() == before


# ---------------------------------------------------------------------------------------------
# Shipped catalogues
# ---------------------------------------------------------------------------------------------


def test_occupation_group_counts() -> None:
    assert Occupation.objects.filter(kind="major").count() == 8
    assert Occupation.objects.filter(kind="medium").count() == 79
    assert Occupation.objects.filter(kind="minor").count() == 450
    assert Occupation.objects.filter(kind="occupation").count() >= 150
    majors = set(Occupation.objects.filter(kind="major").values_list("code", flat=True))
    assert majors == {str(i) for i in range(1, 9)}


def test_occupation_tree_is_consistent() -> None:
    shapes = {
        "major": r"^\d$",
        "medium": r"^\d-\d\d$",
        "minor": r"^\d-\d\d-\d\d$",
        "occupation": r"^\d-\d\d-\d\d-\d\d$",
    }
    by_id = {o.pk: o for o in Occupation.objects.all()}
    for o in by_id.values():
        assert re.match(shapes[o.kind], o.code), o
        if o.kind == "major":
            assert o.parent_id is None
        else:
            parent = by_id[o.parent_id]
            assert o.code.rsplit("-", 1)[0] == parent.code, o


@pytest.mark.parametrize(
    "code, name, digital",
    [
        ("4-04-05-05", "人工智能训练师", True),
        ("6-31-07-01", "工业机器人系统运维员", True),
        ("6-31-07-02", "工业视觉系统运维员", True),
        ("4-04-05-02", "计算机软件测试员", True),
        ("6-31-01-03", "电工", False),
        ("6-18-02-04", "焊工", False),
        ("4-10-01-05", "养老护理员", False),
    ],
)
def test_named_occupations_and_digital_flags(code: str, name: str, digital: bool) -> None:
    o = Occupation.objects.get(code=code)
    assert (o.name, o.kind, o.digital, o.source) == (name, "occupation", digital, "shipped")


def test_digital_flags_only_on_occupations() -> None:
    digital = Occupation.objects.filter(digital=True)
    assert digital.exists()
    assert set(digital.values_list("kind", flat=True)) == {"occupation"}
    assert Occupation.objects.filter(kind="occupation", digital=False).exists()


def test_skill_levels() -> None:
    levels = list(SkillLevel.objects.order_by("rank"))
    assert [lv.name for lv in levels] == [
        "学徒工",
        "初级工",
        "中级工",
        "高级工",
        "技师",
        "高级技师",
        "特级技师",
        "首席技师",
    ]
    assert [lv.national_level for lv in levels] == [None, 5, 4, 3, 2, 1, None, None]
    assert [lv.rank for lv in levels] == list(range(8))
    high = {lv.code for lv in levels if lv.high_skilled}
    assert high == {"level3", "level2", "level1", "special", "chief"}
    # High-skilled is exactly 高级工 and above.
    level3_rank = SkillLevel.objects.get(name="高级工").rank
    assert all(lv.high_skilled == (lv.rank >= level3_rank) for lv in levels)


def test_industries() -> None:
    sections = Industry.objects.filter(kind="section")
    assert sections.count() == 20
    assert set(sections.values_list("code", flat=True)) == set("ABCDEFGHIJKLMNOPQRST")
    assert all(s.section == s.code for s in sections)
    divisions = Industry.objects.filter(kind="division")
    assert divisions.count() == 97
    assert all(re.fullmatch(r"\d\d", d.code) for d in divisions)
    assert Industry.objects.get(code="C").name == "制造业"
    assert Industry.objects.get(code="I").name == "信息传输、软件和信息技术服务业"
    manufacturing = set(divisions.filter(section="C").values_list("code", flat=True))
    assert manufacturing == {f"{n:02d}" for n in range(13, 44)}
    assert set(divisions.filter(section="I").values_list("code", flat=True)) == {"63", "64", "65"}


# ---------------------------------------------------------------------------------------------
# Importing an official occupation list
# ---------------------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "occupations.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("import_occupations", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _import_fails(path: Path) -> tuple[str, str]:
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as info:
        call_command("import_occupations", str(path), stdout=io.StringIO(), stderr=err)
    return str(info.value), err.getvalue()


def test_import_creates_and_updates(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "code,name,digital\n4-04-05-05,人工智能训练师,1\n6-31-01-03,电工（官方）,0\n4-04-05-90,数字孪生应用技术员,1\n",
    )
    records = ChangeRecord.objects.count()
    before = Occupation.objects.count()
    out, err = _import(path)
    assert err == ""
    assert "occupations: 1 created, 1 updated" in out
    assert Occupation.objects.count() == before + 1
    new = Occupation.objects.get(code="4-04-05-90")
    assert (new.name, new.kind, new.digital, new.source) == (
        "数字孪生应用技术员",
        "occupation",
        True,
        "official",
    )
    assert new.parent is not None and new.parent.code == "4-04-05"
    assert Occupation.objects.get(code="6-31-01-03").name == "电工（官方）"
    assert Occupation.objects.get(code="4-04-05-05").name == "人工智能训练师"
    change = ChangeRecord.objects.order_by("-id").first()
    assert ChangeRecord.objects.count() == records + 1
    assert change is not None and (change.model, change.source) == ("reference.Occupation", "cli")
    # A second import of the same file changes nothing.
    out, _ = _import(path)
    assert "occupations: 0 created, 0 updated" in out


def test_import_new_groups_in_any_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "code,name,kind,digital\n4-04-98-01,新职业甲,occupation,1\n4-04-98,新小类,minor,0\n",
    )
    _import(path)
    occupation = Occupation.objects.get(code="4-04-98-01")
    assert occupation.parent == Occupation.objects.get(code="4-04-98", kind="minor")
    assert occupation.parent.parent == Occupation.objects.get(code="4-04")


@pytest.mark.parametrize(
    "body, row, column",
    [
        ("4-04-77-01,缺少上级的职业,0\n", 3, "code"),  # parent group 4-04-77 missing
        ("4-4-05-01,错误代码,0\n", 3, "code"),
        ("40-04-05-01,错误代码,0\n", 3, "code"),
        ("4-04-05-1,错误代码,0\n", 3, "code"),
        ("4-04-05-05-01,错误代码,0\n", 3, "code"),
        ("A-04-05-01,错误代码,0\n", 3, "code"),
        (",无代码,0\n", 3, "code"),
        ("4-04-05-90,重复,0\n", 3, "code"),  # duplicate of row 2
        ("4-04-05-91,,0\n", 3, "name"),
        ("4-04-05-92,数字列错误,yes\n", 3, "digital"),
    ],
)
def test_bad_row_names_row_and_column_and_writes_nothing(tmp_path: Path, body: str, row: int, column: str) -> None:
    path = _write(tmp_path, "code,name,digital\n4-04-05-90,数字孪生应用技术员,1\n" + body)
    state = _occupation_state()
    records = ChangeRecord.objects.count()
    message, err = _import_fails(path)
    assert "nothing imported" in message
    assert f"row {row}, column {column}" in err
    assert _occupation_state() == state
    assert not Occupation.objects.filter(code="4-04-05-90").exists()
    assert ChangeRecord.objects.count() == records


def test_bad_row_after_good_updates_writes_nothing(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "code,name,digital\n"
        "6-31-01-03,电工（官方）,0\n"
        "4-04-05-90,数字孪生应用技术员,1\n"
        "4-04-05-90,重复,1\n"
        "9-99-99-99,缺上级,0\n",
    )
    _, err = _import_fails(path)
    assert "row 4, column code" in err
    assert "row 5, column code" in err
    assert Occupation.objects.get(code="6-31-01-03").name == "电工"
    assert not Occupation.objects.filter(code="4-04-05-90").exists()


def test_every_bad_row_is_reported_with_its_own_row_number(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "code,name,digital\n"
        "4-4-05-01,错误代码,0\n"  # row 2: bad code
        "4-04-77-01,缺少上级,0\n"  # row 3: missing parent
        "4-04-05-93,正常,0\n"  # row 4: fine
        "4-04-78-01,缺少上级,0\n",  # row 5: missing parent
    )
    _, err = _import_fails(path)
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("row 2, column code")
    assert any(line.startswith("row 3, column code") and "4-04-77" in line for line in lines)
    assert any(line.startswith("row 5, column code") and "4-04-78" in line for line in lines)


def test_kind_column_checked_against_code(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,name,kind\n4-04-05-94,错类,minor\n")
    _, err = _import_fails(path)
    assert "row 2, column kind" in err


def test_missing_columns_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "代码,名称\n4-04-05-95,某职业\n")
    message, err = _import_fails(path)
    assert "nothing imported" in message
    assert "code" in err and "name" in err
    assert not Occupation.objects.filter(code="4-04-05-95").exists()


def test_missing_file_rejected(tmp_path: Path) -> None:
    message, _ = _import_fails(tmp_path / "absent.csv")
    assert "absent.csv" in message


def test_gb18030_file_accepted(tmp_path: Path) -> None:
    text = "code,name,digital\n4-04-05-96,区块链应用操作员（试点）,1\n6-31-01-03,电工,0\n"
    path = _write(tmp_path, text, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    out, err = _import(path)
    assert err == ""
    assert "occupations: 1 created, 0 updated" in out
    o = Occupation.objects.get(code="4-04-05-96")
    assert (o.name, o.digital) == ("区块链应用操作员（试点）", True)


def test_utf8_with_bom_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,name,digital\n4-04-05-97,带BOM的职业,0\n", encoding="utf-8-sig")
    out, _ = _import(path)
    assert "1 created" in out
    assert Occupation.objects.get(code="4-04-05-97").name == "带BOM的职业"


def test_occupations_import_service_directly(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,name\n4-04-05-98,服务层导入\n")
    report = occupations_import(actor=None, path=path)
    assert report.created == {"occupations": 1} and report.updated == {"occupations": 0}
    assert Occupation.objects.get(code="4-04-05-98").digital is False


def test_trailing_empty_fields_tolerated(tmp_path: Path) -> None:
    # Spreadsheet exports often end rows with empty cells beyond the header.
    path = _write(tmp_path, "code,name,digital\n4-04-05-98,尾随逗号,1,,\n4-04-05-99,正常,0\n")
    out, err = _import(path)
    assert err == ""
    assert "occupations: 2 created" in out
    assert Occupation.objects.get(code="4-04-05-98").digital is True


def test_extra_values_reported_not_crashing(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,name\n4-04-05-98,多余的值,1\n")
    message, err = _import_fails(path)
    assert "nothing imported" in message
    assert "row 2" in err
    assert not Occupation.objects.filter(code="4-04-05-98").exists()


def test_parse_occupation_rows_collects_all_errors() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as info:
        parse_occupation_rows("code,name,digital\nbad,甲,0\n4-04-05-99,,2\n")
    messages = info.value.messages
    assert any(m.startswith("row 2, column code") for m in messages)
    assert any(m.startswith("row 3, column name") for m in messages)
    assert any(m.startswith("row 3, column digital") for m in messages)
