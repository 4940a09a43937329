"""Forms of the certificate pages: issuing one, revoking one."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.core.uploads import DateInput
from gongjiang.credentials.models import CertificateSource
from gongjiang.reference.models import SkillLevel
from gongjiang.registry.forms import ORGANISATIONS, PERSONS, RecordsForm, record_field

DATE = DateInput()


class CertificateIssueForm(RecordsForm):
    """Made for the issuing user: the holder and the issuer are chosen among those in the user's scope."""

    records = {"person": PERSONS, "issuer": ORGANISATIONS}
    number = forms.CharField(
        label=_("Certificate number"),
        max_length=22,
        required=False,
        help_text=_("Empty: the platform gives the next national number of the evaluation station below."),
    )
    person = record_field(PERSONS, _("Holder"), help_text=_("Type the start of a name."))
    occupation_code = forms.CharField(label=_("Occupation"), max_length=10, widget=Picker("occupations"))
    level_code = forms.ModelChoiceField(
        label=_("Level"), queryset=SkillLevel.objects.order_by("rank"), to_field_name="code", empty_label=None
    )
    issue_date = forms.DateField(label=_("Issue date"), widget=DATE)
    source = forms.ChoiceField(label=_("Source"), choices=CertificateSource.choices)
    issuer = record_field(ORGANISATIONS, _("Issuer"), required=False)
    station_code = forms.CharField(
        label=_("Evaluation station code"),
        max_length=6,
        required=False,
        help_text=_("Six digits; needed only when the platform gives the number."),
    )


class CertificateRevokeForm(BootstrapForm):
    revoked_on = forms.DateField(label=_("Revoked on"), widget=DATE, initial=datetime.date.today)
    reason = forms.CharField(label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.CharField(
        label=_("Deciding document"), max_length=100, help_text=_("The number of the decision to revoke")
    )
