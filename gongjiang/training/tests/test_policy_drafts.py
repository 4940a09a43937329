"""Draft policy versions on the registry's real events: an officer copies the 张家港 set, lowers a share from a
date, sees what it would change over the last year's training claims (who, by clause, in yuan), and another
officer adopts it. Bad values are refused with the field named, and nothing changes."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.policy import drafts
from gongjiang.policy import services as policy
from gongjiang.policy.models import DraftStatus, PolicyDraft, PolicySet, PolicySetVersion
from gongjiang.policy.selectors import compiled_for, parameter_value
from gongjiang.training.tests.conftest import CERT_DATE, ZJG

pytestmark = pytest.mark.django_db


def _draft(actor: Any) -> PolicyDraft:
    with audit_context(source="web", actor=actor):
        return policy.policy_draft_create(actor=actor, policy_set=PolicySet.objects.get(name="zhangjiagang"))


def test_a_share_lowered_from_a_date_shows_who_loses_and_is_adopted_by_another_officer(
    tw: Any, claimed_class: Any, make_user: Any
) -> None:
    second = make_user("t_zjg2", role="officer", region_code=ZJG)
    draft = _draft(tw.zjg)
    with audit_context(source="web", actor=tw.zjg):
        draft = policy.policy_draft_parameter_set(
            actor=tw.zjg,
            draft=draft,
            name="project_training.share",
            region_code="320000",
            value=Decimal("80"),
            effective_from=datetime.date(2025, 5, 1),
        )
    shares = [p for p in draft.spec["parameters"] if p["name"] == "project_training.share"]
    assert [(p["value"], p["from"], p["to"]) for p in shares] == [
        ("100", "2025-01-01", "2025-04-30"),
        ("80", "2025-05-01", None),
    ]

    found = drafts.draft_diff(draft, year=2025)
    assert found is not None
    report = found.report
    assert report.events == 3 and report.changed == 3 and report.decreased == 3
    # 一项一价: the project price (1,800 yuan a trainee) at 80% instead of 100%.
    assert report.delta_fen == -3 * 36000
    assert report.by_clause == [{"clause": "苏人社函〔2025〕32号 要点6", "events": 3, "delta_fen": -3 * 36000}]
    assert {found.names[int(p)] for p in report.rows["person_id"].to_list()} == {p.name for p in tw.persons[:3]}
    # A year that holds no claim: nothing to compare.
    assert drafts.draft_diff(draft, year=CERT_DATE.year - 1) is None

    with audit_context(source="web", actor=tw.zjg), pytest.raises(PermissionDenied, match="another officer"):
        policy.policy_draft_adopt(actor=tw.zjg, draft=draft, adoption_document="张人社发〔2025〕9号")
    with audit_context(source="web", actor=tw.huqiu), pytest.raises(PermissionDenied):
        policy.policy_draft_adopt(actor=tw.huqiu, draft=draft, adoption_document="张人社发〔2025〕9号")
    with audit_context(source="web", actor=second), pytest.raises(ValidationError) as no_document:
        policy.policy_draft_adopt(actor=second, draft=draft, adoption_document=" ")
    assert "adoption_document" in no_document.value.message_dict
    with audit_context(source="web", actor=second):
        adopted = policy.policy_draft_adopt(actor=second, draft=draft, adoption_document="张人社发〔2025〕9号")
    assert adopted.status == DraftStatus.ADOPTED and adopted.adopted_by == second
    version = PolicySetVersion.objects.get(policy_set__name="zhangjiagang", number=2)
    assert adopted.version == version and version.adopted_at is not None
    assert PolicySet.objects.get(name="zhangjiagang").current_version() == version
    on = datetime.date(2025, 6, 1)
    assert parameter_value("project_training.share", policy_set="zhangjiagang", region_code=ZJG, on=on).value == 80
    before = datetime.date(2025, 4, 1)
    assert parameter_value("project_training.share", policy_set="zhangjiagang", region_code=ZJG, on=before).value == 100
    assert compiled_for("zhangjiagang").version == 2
    assert ChangeRecord.objects.filter(model="policy.PolicyDraft", object_id=str(draft.pk)).count() == 3
    with audit_context(source="web", actor=tw.zjg), pytest.raises(ValidationError):
        policy.policy_draft_parameter_set(
            actor=tw.zjg,
            draft=adopted,
            name="project_training.share",
            region_code="320000",
            value=Decimal("90"),
            effective_from=datetime.date(2025, 5, 1),
        )


def test_a_table_row_is_changed_from_a_date_and_bad_values_are_refused_naming_the_field(
    tw: Any, policy_sets: None
) -> None:
    draft = _draft(tw.zjg)
    tables = draft.spec["tables"]
    t = next(i for i, x in enumerate(tables) if x["name"] == "training_standard")
    r = next(i for i, row in enumerate(tables[t]["rows"]) if row["level"] == "level4" and row["tier"] == "B")
    assert f"{t}:{r}:amount" in dict(drafts.cell_choices(draft))
    with audit_context(source="web", actor=tw.zjg):
        draft = policy.policy_draft_cell_set(
            actor=tw.zjg,
            draft=draft,
            table=t,
            row=r,
            column="amount",
            value="1300",
            effective_from=datetime.date(2026, 1, 1),
        )
    old, new = draft.spec["tables"][t], draft.spec["tables"][t + 1]
    assert old["to"] == "2025-12-31" and new["from"] == "2026-01-01"
    assert old["rows"][r]["amount"] == 1200 and new["rows"][r]["amount"] == 1300
    kept = draft.spec
    for value, problem in (("12.345", "“12.345” has more than two decimals."), ("many", "“many” is not a number.")):
        with audit_context(source="web", actor=tw.zjg), pytest.raises(ValidationError) as refused:
            policy.policy_draft_cell_set(actor=tw.zjg, draft=draft, table=t, row=r, column="amount", value=value)
        assert refused.value.message_dict["value"] == [
            f"Table Training subsidy standard, row {r + 1}, Amount (yuan): {problem}"
        ]
    with audit_context(source="web", actor=tw.zjg), pytest.raises(ValidationError) as refused:
        policy.policy_draft_parameter_set(
            actor=tw.zjg,
            draft=draft,
            name="project_training.share",
            region_code="320000",
            value=Decimal("12.345"),
            effective_from=datetime.date(2025, 5, 1),
        )
    assert refused.value.message_dict["value"] == [
        "Parameter Project-based training: share paid: a percentage has at most two decimals."
    ]
    draft.refresh_from_db()
    assert draft.spec == kept and len(draft.edits) == 1


def test_an_officer_drafts_only_the_sets_of_the_region(tw: Any, policy_sets: None, make_user: Any) -> None:
    changzhou = make_user("t_cz", role="officer", region_code="320400")
    with audit_context(source="web", actor=changzhou), pytest.raises(PermissionDenied):
        policy.policy_draft_create(actor=changzhou, policy_set=PolicySet.objects.get(name="zhangjiagang"))
    draft = _draft(tw.zjg)
    with audit_context(source="web", actor=changzhou), pytest.raises(PermissionDenied):
        policy.policy_draft_discard(actor=changzhou, draft=draft)
    with audit_context(source="web", actor=tw.suzhou):
        assert policy.policy_draft_discard(actor=tw.suzhou, draft=draft).status == DraftStatus.DISCARDED


def test_the_pages_draft_change_measure_and_adopt(
    tw: Any, claimed_class: Any, make_user: Any, client: Any, sign_in: Any
) -> None:
    second = make_user("t_zjg2", role="officer", region_code=ZJG)
    ps = PolicySet.objects.get(name="zhangjiagang")
    sign_in(client, tw.zjg)
    assert client.get("/policy/").context["may_draft"] is True
    listed = client.get("/policy/drafts/new/")
    assert list(listed.context["form"].fields["policy_set"].queryset) == [ps]  # 张家港 only: its officer's scope
    response = client.post("/policy/drafts/new/", {"policy_set": ps.pk, "title": "张家港2025年调整"})
    draft = PolicyDraft.objects.get()
    assert response.url == f"/policy/drafts/{draft.pk}/"
    page = client.get(response.url)
    assert "project_training.share|320000" in dict(page.context["parameter_choices"])
    assert [s.name for s in page.context["steps"]] == ["discard"]  # nothing to adopt yet
    refused = client.post(
        f"/policy/drafts/{draft.pk}/parameter/",
        {"parameter": "project_training.share|320000", "value": "12.345", "effective_from": "2025-05-01"},
    )
    assert refused.status_code == 200
    assert refused.context["actions"]["parameter"].errors["value"] == ["参数“项目制培训：补贴比例”：比例最多两位小数。"]
    done = client.post(
        f"/policy/drafts/{draft.pk}/parameter/",
        {"parameter": "project_training.share|320000", "value": "80", "effective_from": "2025-05-01"},
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert len(draft.edits) == 1
    diff = client.get(f"/policy/drafts/{draft.pk}/diff/?year=2025")
    assert diff.status_code == 200
    assert diff.context["report"].delta_fen == -3 * 36000
    assert {r["who"] for r in diff.context["rows"]} == {p.name for p in tw.persons[:3]}
    assert "-1080.00" in diff.content.decode()
    # The drafter is not offered adoption; asked anyway, refused with the reason.
    assert "adopt" not in [s.name for s in client.get(f"/policy/drafts/{draft.pk}/").context["steps"]]
    own = client.post(f"/policy/drafts/{draft.pk}/adopt/", {"adoption_document": "张人社发〔2025〕9号"})
    assert own.status_code == 403
    client.logout()
    sign_in(client, second)
    assert "adopt" in [s.name for s in client.get(f"/policy/drafts/{draft.pk}/").context["steps"]]
    adopted = client.post(f"/policy/drafts/{draft.pk}/adopt/", {"adoption_document": "张人社发〔2025〕9号"})
    assert adopted.status_code == 302
    draft.refresh_from_db()
    assert draft.status == DraftStatus.ADOPTED and ps.current_version().number == 2
