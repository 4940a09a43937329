"""Forms of the carrier register."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.monitoring.models import CarrierKind, CarrierLevel
from gongjiang.registry.choosing import offer_organisations, organisation_field

DATE = forms.DateInput(attrs={"type": "date"})
# The provincial measure on carriers, offered as the clause of a decision (the officer may name another).
CARRIER_CLAUSE = "苏政办发〔2024〕37号 (八)"


class CarrierForm(BootstrapForm):
    """The bureau registers a recognised carrier; its organisation, if any, is chosen by name among the
    organisations in the user's scope (``user``)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CarrierKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    level = forms.ChoiceField(label=_("Level"), choices=CarrierLevel.choices)
    since = forms.DateField(label=_("Recognised on"), widget=DATE)
    digital = forms.BooleanField(label=_("Digital skills"), required=False)
    organisation = organisation_field(_("Organisation"), required=False)
    source = forms.CharField(label=_("Source (document, list)"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            offer_organisations(self.fields["organisation"], user)


def _today() -> datetime.date:
    return datetime.date.today()


def _clause_field(initial: str = "") -> forms.CharField:
    return forms.CharField(
        label=_("Clause"),
        max_length=120,
        initial=initial,
        help_text=_("The document and clause the decision rests on, e.g. 苏政办发〔2024〕37号 (八)."),
    )


class CarrierApplyForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CarrierKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    digital = forms.BooleanField(label=_("Digital skills"), required=False)
    description = forms.CharField(
        label=_("What the carrier offers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Occupations trained, equipment, masters or teachers, people trained a year."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Shown on the list beside its filter form, which has a "kind" field too: ids of its own.
        kwargs.setdefault("auto_id", "id_apply_%s")
        super().__init__(*args, **kwargs)


class CarrierRecogniseForm(BootstrapForm):
    date = forms.DateField(label=_("Recognised on"), widget=DATE, initial=_today)
    level = forms.ChoiceField(label=_("Level"), choices=CarrierLevel.choices)
    valid_until = forms.DateField(label=_("Recognised until"), widget=DATE, required=False)
    clause = _clause_field(CARRIER_CLAUSE)


class CarrierRejectForm(BootstrapForm):
    date = forms.DateField(label=_("Decided on"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    clause = _clause_field(CARRIER_CLAUSE)


class CarrierAssessForm(BootstrapForm):
    year = forms.IntegerField(label=_("Year assessed"), min_value=2000, max_value=2100)
    date = forms.DateField(label=_("Assessed on"), widget=DATE, initial=_today)
    score = forms.DecimalField(label=_("Score (0-100)"), min_value=0, max_value=100, decimal_places=1)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    clause = _clause_field(CARRIER_CLAUSE)


class CarrierFundForm(BootstrapForm):
    date = forms.DateField(label=_("Decided on"), widget=DATE, initial=_today)
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=Decimal("0.01"), decimal_places=2)
    reason = forms.CharField(label=_("Purpose"), max_length=300, required=False)
    clause = _clause_field(CARRIER_CLAUSE)


class CarrierRenewForm(BootstrapForm):
    date = forms.DateField(label=_("Renewed on"), widget=DATE, initial=_today)
    valid_until = forms.DateField(label=_("Recognised until"), widget=DATE)
    clause = _clause_field(CARRIER_CLAUSE)


class CarrierWithdrawForm(BootstrapForm):
    until = forms.DateField(label=_("Withdrawn on"), widget=DATE, initial=_today)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    clause = _clause_field(CARRIER_CLAUSE)


class TargetForm(BootstrapForm):
    value = forms.FloatField(label=_("Target value"), required=False, help_text=_("Empty: watched, no figure"))
    horizon = forms.IntegerField(label=_("Horizon (year)"))
    document = forms.CharField(label=_("Document"), max_length=100, help_text=_("The document that sets it"))
    clause = forms.CharField(label=_("Clause"), max_length=60)
