"""The training registers' tables (django-tables2): the columns of the list pages and of the tables on a
record's page. Columns are headed by the model's field names unless they show something else."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongjiang.core.scope import can
from gongjiang.policy.selectors import clause_citation
from gongjiang.registry.tables import TABLE_CLASS, RegionColumn
from gongjiang.training import models
from gongjiang.training.payables import payable

MASKED = {"td": {"class": "masked"}}
RIGHT = {"th": {"class": "text-end"}, "td": {"class": "text-end"}}


def listing(id: str) -> dict[str, str]:
    return {"class": TABLE_CLASS, "id": id}


def nested(id: str) -> dict[str, str]:
    """The attributes of a table inside a card of a record's page."""
    return {"class": "table table-sm mb-0", "id": id}


def detail(name: str, key: str = "pk") -> tuple[str, list[Any]]:
    """A link to a training record's page: ``detail("need")`` for a need's."""
    return (f"training:{name}-detail", [tables.A(key)])


class YuanColumn(tables.Column):
    """An amount kept in fen, shown in yuan with two decimals."""

    def __init__(self, verbose_name: Any, **kwargs: Any) -> None:
        super().__init__(verbose_name=verbose_name, attrs=RIGHT, default="—", **kwargs)

    def render(self, value: int) -> str:
        return models.fen_to_yuan(value)


class PeriodColumn(tables.Column):
    """Two dates of a record as one period, 2025-03-03 – 2025-04-25, sorted by the first."""

    def __init__(self, verbose_name: Any, start: str = "start_date", end: str = "end_date") -> None:
        self.end = end
        super().__init__(verbose_name=verbose_name, accessor=start, order_by=(start,))

    def render(self, value: Any, record: Any) -> str:
        return f"{value:%Y-%m-%d} – {tables.A(self.end).resolve(record):%Y-%m-%d}"


class RegionTable(tables.Table):
    """A table of records located in a region: the region shown with its name, headed as the model says."""

    region_code = RegionColumn()


class DesignationTable(RegionTable):
    organisation = tables.Column(linkify=detail("designation"), order_by=("organisation__name",))
    period = PeriodColumn(_("Period"), "period_start", "period_end")

    class Meta:
        model = models.Designation
        fields = ("organisation", "region_code", "period", "tender_reference", "status")
        attrs = listing("designation-table")
        empty_text = _("No designations.")


class DesignationRequestTable(RegionTable):
    institution = tables.Column(linkify=detail("designation-request"), order_by=("institution__name",))

    class Meta:
        model = models.DesignationRequest
        fields = ("institution", "region_code", "period_start", "tender_reference", "status", "decision_note")
        attrs = listing("designation-request-table")
        empty_text = _("No designation applications.")


class CatalogTable(RegionTable):
    occupation = tables.Column(linkify=detail("catalog"))
    digital = tables.BooleanColumn(yesno=(_("Yes"), _("No")))
    shortage = tables.BooleanColumn(yesno=(_("Yes"), _("No")))

    class Meta:
        model = models.CatalogEntry
        fields = ("region_code", "year", "occupation", "tier", "digital", "shortage", "clause")
        attrs = listing("catalog-table")
        empty_text = _("No catalog entries match.")

    def render_clause(self, value: str) -> str:
        return clause_citation(value)


class NeedTable(RegionTable):
    occupation = tables.Column(linkify=detail("need"))  # sorted by code, a level by rank: their models' order
    price_fen = YuanColumn(_("Listed price (yuan)"))

    class Meta:
        model = models.TrainingNeed
        fields = ("occupation", "level", "region_code", "year", "places", "price_fen", "status")
        attrs = listing("need-table")
        empty_text = _("No needs match.")


class ApplicationTable(RegionTable):
    institution = tables.Column(linkify=detail("application"), order_by=("institution__name",))
    need = tables.Column(orderable=False)
    planned = PeriodColumn(_("Planned"))
    price_fen = YuanColumn(_("Price (yuan)"))

    class Meta:
        model = models.Application
        fields = ("institution", "need", "region_code", "planned", "price_fen", "status")
        attrs = listing("application-table")
        empty_text = _("No applications match.")


class ClassTable(RegionTable):
    code = tables.Column(linkify=detail("class"))
    dates = PeriodColumn(_("Dates"))

    class Meta:
        model = models.TrainingClass
        fields = ("code", "name", "kind", "programme", "region_code", "dates", "status")
        attrs = listing("class-table")
        empty_text = _("No classes match.")


class ClaimTable(RegionTable):
    id = tables.Column(verbose_name="#", linkify=detail("claim"))
    person = tables.Column(verbose_name=_("Trainee"), accessor="person__name")
    training_class = tables.Column(accessor="training_class__code", linkify=detail("class", "training_class_id"))
    amount_fen = YuanColumn(_("Amount (yuan)"))
    trace = tables.Column(orderable=False, attrs={"td": {"class": "trace small"}})

    class Meta:
        model = models.Claim
        fields: tuple[str, ...] = ("id", "person", "training_class", "region_code", "amount_fen", "trace", "status")
        attrs = listing("claim-table")
        empty_text = _("No claims match.")


class BatchTable(RegionTable):
    reference = tables.Column(linkify=detail("batch"))
    line_count = tables.Column(attrs=RIGHT)
    total_fen = YuanColumn(_("Total (yuan)"))

    class Meta:
        model = models.PaymentBatch
        fields = ("reference", "region_code", "purpose", "line_count", "total_fen", "status")
        attrs = listing("batch-table")
        empty_text = _("No payment batches.")


class FindingTable(RegionTable):
    id = tables.Column(verbose_name="#", linkify=detail("finding"))
    explanation = tables.Column(orderable=False, attrs={"td": {"class": "small"}})
    detected_at = tables.DateColumn(format="Y-m-d")

    class Meta:
        model = models.Finding
        fields = ("id", "kind", "region_code", "explanation", "status", "detected_at")
        attrs = listing("finding-table")
        empty_text = _("No findings match.")


class SampleTable(RegionTable):
    id = tables.Column(verbose_name="#", linkify=detail("sample"))
    batch = tables.Column(linkify=detail("batch", "batch_id"))
    created = tables.DateColumn(format="Y-m-d")

    class Meta:
        model = models.AuditSample
        fields = ("id", "batch", "region_code", "size", "population", "seed", "created")
        attrs = listing("audit-sample-table")
        empty_text = _("No samples drawn.")


# --- the tables of a record's page ---------------------------------------------------------------


class EnrolmentTable(tables.Table):
    """A class's real-name roster: ID numbers and accounts masked."""

    person = tables.Column(accessor="person__name", verbose_name=_("Trainee"))
    id_number = tables.Column(accessor="person__id_number_masked", verbose_name=_("ID number"), attrs=MASKED)
    bank_account = tables.Column(accessor="bank_account_masked", verbose_name=_("Bank account"), attrs=MASKED)

    class Meta:
        model = models.Enrolment
        fields = ("person", "id_number", "bank_account", "trainee_group", "outcome", "certificate")
        attrs = nested("roster-table")
        orderable = False
        empty_text = _("The roster is empty.")

    def render_certificate(self, value: Any) -> str:
        return f"{value.number} ({value.issue_date:%Y-%m-%d})"


class ClassClaimTable(ClaimTable):
    """A class's claims, with the findings holding each."""

    open_findings = tables.Column(verbose_name=_("Findings"), default="")

    class Meta(ClaimTable.Meta):
        exclude = ("training_class", "region_code")
        attrs = nested("class-claims")
        orderable = False

    def render_open_findings(self, value: int, record: models.Claim) -> str:
        if not value:
            return ""
        if not can(getattr(getattr(self, "request", None), "user", None), "view", models.Finding):
            return format_html('<span class="badge bg-danger">{}</span>', value)
        url = reverse("training:finding-list") + f"?claim={record.pk}"
        return format_html('<a class="badge bg-danger" href="{}">{}</a>', url, value)


class FindingClaimTable(ClaimTable):
    """The claims a finding holds, with what the checks compared."""

    dates = PeriodColumn(_("Dates"), "training_class__start_date", "training_class__end_date")
    bank_account = tables.Column(
        accessor="enrolment__bank_account_masked", verbose_name=_("Bank account"), attrs=MASKED
    )

    class Meta(ClaimTable.Meta):
        fields = ("id", "person", "training_class", "institution", "amount_fen", "status")
        exclude = ("region_code", "trace")
        sequence = ("id", "person", "training_class", "dates", "institution", "bank_account", "...")
        attrs = nested("finding-claims")
        orderable = False


class LineTable(tables.Table):
    """A payment batch's lines: payee, masked account, amount."""

    payee = tables.Column(accessor="payee", verbose_name=_("Payee"))
    account = tables.Column(accessor="bank_account_masked", verbose_name=_("Account"), attrs=MASKED)
    bank = tables.Column(accessor="bank", verbose_name=_("Bank"))
    amount_fen = YuanColumn(_("Amount (yuan)"))
    claim = tables.Column(verbose_name=_("Paid for"), empty_values=())

    class Meta:
        model = models.PaymentLine
        fields = ("line_no", "payee", "account", "bank", "amount_fen", "claim")
        attrs = listing("line-table")
        orderable = False

    def render_claim(self, record: models.PaymentLine) -> Any:
        if record.claim is not None:
            url = reverse("training:claim-detail", args=[record.claim_id])
            return format_html('<a href="{}">#{} {}</a>', url, record.claim_id, record.claim.training_class.code)
        kind = payable(record.kind)
        label = f"{kind.label if kind else record.kind} #{record.source_id}"
        if kind is not None and kind.link is not None:
            return format_html('<a href="{}">{}</a>', kind.link(int(record.source_id or 0)), label)
        return label
