"""An award's page as an enterprise reads it: the policy set by its title and the clauses as cited, the
reviewers by name, never the officials' login names or the set's internal name."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from gongjiang.core.audit import audit_context
from gongjiang.honours import services

pytestmark = pytest.mark.django_db


def test_the_award_page_names_the_policy_set_and_reviewers(hw, client) -> None:  # type: ignore[no-untyped-def]
    hw.zjg.first_name = "张家港市人社局 县级经办人员"
    hw.zjg.save(update_fields=["first_name"])
    with audit_context(source="web", actor=hw.ent_user):
        application = services.award_apply(
            actor=hw.ent_user,
            rule="talent_introduction",
            person=hw.workers[0],
            organisation=hw.enterprise,
            event_date=datetime.date(2025, 5, 1),
            talent_title="provincial_expert",
            bank_account="6222021001234567890",
        )
    with audit_context(source="web", actor=hw.zjg):
        services.award_decide(actor=hw.zjg, application=application, decision="approve")
    client.force_login(hw.ent_user)
    with translation.override("zh-hans"):
        page = client.get(f"/honours/awards/{application.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "1. 张家港市人社局 县级经办人员 · 已通过" in page
    assert "h_zjg" not in page and "zhangjiagang" not in page and "ZJG-opinion" not in page
    assert "张家港市技能人才补贴与奖励 第1版" in page
