"""Columns of the policy drafts' register."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.policy.models import PolicyDraft


class DraftTable(tables.Table):
    title = tables.Column(verbose_name=_("Title"), linkify=("policy:draft-detail", [tables.A("pk")]))
    policy_set = tables.Column(verbose_name=_("Policy set"))
    base = tables.Column(verbose_name=_("Copied from version"), accessor="base__number")
    status = tables.Column(verbose_name=_("Status"))
    created_by = tables.Column(verbose_name=_("Drafted by"), accessor="created_by__first_name", default="—")
    created = tables.DateTimeColumn(verbose_name=_("Drafted at"), format="Y-m-d H:i")
    version = tables.Column(verbose_name=_("Adopted as version"), accessor="version__number", default="—")

    class Meta:
        model = PolicyDraft
        fields = ("title", "policy_set", "base", "status", "created_by", "created", "version")
        attrs = {"class": "table table-sm table-striped bg-white", "id": "drafts-table"}
        empty_text = _("No draft versions in your scope.")
