"""Forms of the wage-price pages. They parse input; the services decide and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.core.uploads import DateInput
from gongjiang.reference.models import SkillLevel
from gongjiang.wages.models import Education
from gongjiang.wages.selectors import LEVELS


def level_choices() -> list[tuple[str, str]]:
    levels = [(lv.code, lv.display_name) for lv in SkillLevel.objects.filter(code__in=LEVELS).order_by("rank")]
    return [*levels, ("none", str(_("No skill level")))]


class SurveyForm(BootstrapForm):
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    year = forms.IntegerField(label=_("Survey year"), min_value=2000, max_value=2100)
    as_of = forms.DateField(label=_("Frame as of"), widget=DateInput)
    sampling_fraction = forms.DecimalField(
        label=_("Sampling fraction"),
        min_value=Decimal("0.001"),
        max_value=Decimal("1"),
        decimal_places=3,
        initial=Decimal("0.2"),
        help_text=_("The share of enterprises drawn in each stratum (at least two; large enterprises all)."),
    )
    seed = forms.IntegerField(label=_("Random seed"), min_value=0, initial=1)


class EmployeeForm(BootstrapForm):
    employee_key = forms.CharField(
        label=_("Employee key"),
        max_length=20,
        help_text=_("A row number or your own staff number; never a name or an ID number."),
    )
    occupation_code = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    skill_level = forms.ChoiceField(label=_("Skill level"), choices=())
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    months_worked = forms.IntegerField(label=_("Months worked"), min_value=1, max_value=12, initial=12)
    hours_per_month = forms.DecimalField(
        label=_("Hours worked per month"), min_value=1, max_value=300, decimal_places=1, initial=Decimal("174")
    )
    base_pay = forms.DecimalField(label=_("Base pay (yuan)"), min_value=0, decimal_places=2)
    bonus = forms.DecimalField(label=_("Bonus (yuan)"), min_value=0, decimal_places=2, initial=0)
    allowances = forms.DecimalField(label=_("Allowances (yuan)"), min_value=0, decimal_places=2, initial=0)
    overtime_pay = forms.DecimalField(label=_("Overtime pay (yuan)"), min_value=0, decimal_places=2, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skill_level"].choices = level_choices()  # type: ignore[attr-defined]


class SurveyUploadForm(BootstrapForm):
    file = forms.FileField(label=_("File (CSV or XLSX)"))


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OptionalReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500, required=False
    )
