"""Forms of the carrier register."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.monitoring.models import CarrierKind, CarrierLevel

DATE = forms.DateInput(attrs={"type": "date"})


class CarrierForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CarrierKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    level = forms.ChoiceField(label=_("Level"), choices=CarrierLevel.choices)
    since = forms.DateField(label=_("Recognised on"), widget=DATE)
    digital = forms.BooleanField(label=_("Digital skills"), required=False)
    organisation = forms.IntegerField(label=_("Organisation"), required=False, widget=Picker("organisations"))
    source = forms.CharField(label=_("Source (document, list)"), max_length=200, required=False)


class CarrierWithdrawForm(BootstrapForm):
    until = forms.DateField(label=_("Withdrawn on"), widget=DATE, initial=datetime.date.today)


class TargetForm(BootstrapForm):
    value = forms.FloatField(label=_("Target value"), required=False, help_text=_("Empty: watched, no figure"))
    horizon = forms.IntegerField(label=_("Horizon (year)"))
    document = forms.CharField(label=_("Document"), max_length=100, help_text=_("The document that sets it"))
    clause = forms.CharField(label=_("Clause"), max_length=60)
