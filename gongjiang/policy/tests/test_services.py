"""Loading policy sets into the database: versions, adoption, audit, and what the engine reads back."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.policy.models import Clause, DecisionTable, Parameter, PolicyDocument, PolicySet, PolicySetVersion
from gongjiang.policy.parsing import read_set
from gongjiang.policy.selectors import PolicySetNotFound, compiled_for, get_version, parameter_value, spec_from_db
from gongjiang.policy.services import policy_set_adopt, policy_set_load


def test_loading_registers_documents_and_a_version_and_is_idempotent(load_sets) -> None:  # type: ignore[no-untyped-def]
    (report,) = load_sets("suzhou")
    assert (report.version, report.created, report.adopted) == (1, True, True)
    assert PolicyDocument.objects.count() == 7
    assert Clause.objects.get(document__code="JS-2025-32", path="要点2").citation == "苏人社函〔2025〕32号 要点2"
    version = PolicySetVersion.objects.get(policy_set__name="suzhou")
    assert version.parameters.count() == report.parameters == 7
    assert version.tables.count() == report.tables == 6
    assert version.cases_count == 8 and version.loaded_by == "system"
    # What the engine reads back from the rows is exactly what was checked and loaded.
    assert spec_from_db(version).digest == version.digest == read_set("suzhou").digest
    (again,) = load_sets("suzhou")
    assert (again.version, again.created) == (1, False)
    assert PolicySetVersion.objects.filter(policy_set__name="suzhou").count() == 1
    labels = set(ChangeRecord.objects.values_list("model", flat=True))
    assert {"policy.PolicyDocument", "policy.Clause", "policy.PolicySet", "policy.PolicySetVersion"} <= labels


def test_a_changed_file_becomes_a_new_version_adopted_only_on_request(load_sets, sets_dir: Path) -> None:  # type: ignore[no-untyped-def]
    load_sets("jiangsu", directory=sets_dir)
    path = sets_dir / "jiangsu.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "{name: catalog_extension_limit, value: 30,", "{name: catalog_extension_limit, value: 25,"
        ),
        encoding="utf-8",
    )
    (report,) = load_sets("jiangsu", directory=sets_dir, adopt=False)
    assert (report.version, report.created, report.adopted) == (2, True, False)
    assert get_version("jiangsu").number == 1  # still the adopted one
    with audit_context(source="cli"):
        policy_set_adopt(actor=None, name="jiangsu", number=2)
    assert get_version("jiangsu").number == 2
    assert compiled_for("jiangsu").params["catalog_extension_limit"][0].value == 2500
    with audit_context(source="cli"):
        policy_set_adopt(actor=None, name="jiangsu", number=1)  # roll back
    assert get_version("jiangsu").number == 1
    assert ChangeRecord.objects.filter(model="policy.PolicySetVersion", action="update").count() == 2


def test_a_failing_golden_case_or_check_writes_nothing(load_sets, sets_dir: Path) -> None:  # type: ignore[no-untyped-def]
    path = sets_dir / "jiangsu.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "- {level: level1, tier: A, amount: 4300}", "- {level: level1, tier: A, amount: 4400}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as exc, audit_context(source="cli"):
        policy_set_load(actor=None, name="jiangsu", directory=sets_dir)
    assert (
        "jiangsu_cases.yaml: golden case failed: 标准表按等级和类别（目录给定类别）: "
        "e1: amount_fen = 440000, expected 430000" in exc.value.messages
    )
    (sets_dir / "jiangsu.yaml").write_text(
        path.read_text(encoding="utf-8").replace("hit_policy: unique", "hit_policy: sometimes"), encoding="utf-8"
    )
    with pytest.raises(ValidationError) as exc, audit_context(source="cli"):
        policy_set_load(actor=None, name="jiangsu", directory=sets_dir)
    assert any("hit_policy must be one of first, unique, collect" in m for m in exc.value.messages)
    assert not PolicySet.objects.exists() and not Parameter.objects.exists() and not DecisionTable.objects.exists()
    assert not PolicyDocument.objects.exists()


def test_parameter_lookup_falls_back_district_city_province(load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("zhangjiagang")
    on = datetime.date(2025, 6, 1)
    share = parameter_value("enterprise_training.share", policy_set="zhangjiagang", region_code="320582", on=on)
    assert share is not None and share.value == 50 and share.clause.citation == "张家港技能人才意见 二(四)"
    adj = parameter_value("standard_adjustment", policy_set="zhangjiagang", region_code="320582", on=on)
    assert adj is not None and adj.region_code == "320500"
    extension = parameter_value("catalog_extension_limit", policy_set="zhangjiagang", region_code="320582", on=on)
    assert extension is not None and extension.region_code == "320000" and extension.value == 30
    assert extension.clause.citation == "苏人社函〔2025〕32号 要点4"
    assert (
        parameter_value(
            "max_subsidised_trainings", policy_set="zhangjiagang", region_code="320582", on=datetime.date(2024, 1, 1)
        )
        is None
    )


def test_unknown_sets_and_versions_are_explained(load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("changzhou")
    with pytest.raises(PolicySetNotFound, match="known: changzhou"):
        get_version("wuxi")
    with pytest.raises(PolicySetNotFound, match="has no version 9"):
        get_version("changzhou", 9)
