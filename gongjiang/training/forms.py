"""Forms of the training pages. They parse input; the services decide and write. Codes are picked by
searching names (``core.pickers``)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.core.tabular import Column
from gongjiang.core.uploads import DateInput, TableUploadForm, read_table, template_xlsx
from gongjiang.reference.models import SkillLevel
from gongjiang.registry.forms import ORGANISATIONS, RecordsForm, record_field
from gongjiang.registry.import_columns import ID_ALIASES
from gongjiang.registry.models import Organisation
from gongjiang.training.models import STAGE_LABELS, ClassKind, Decision, FindingStatus, Programme, SampleResult

__all__ = ["DateInput", "TableUploadForm", "read_table", "template_xlsx"]


def yuan_to_fen(value: Any) -> int:
    """'1800' or '1800.50' yuan → fen, exactly."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("Enter an amount in yuan, e.g. 1800 or 1800.50.")) from None
    if amount != amount.quantize(Decimal("0.01")) or amount < 0:
        raise ValidationError(_("Enter an amount in yuan with at most two decimals."))
    return int(amount * 100)


class YuanField(forms.CharField):
    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        value = super().to_python(value)
        if value in (None, ""):
            return None
        return yuan_to_fen(value)


ROSTER_COLUMNS = (
    Column("id_number", "身份证号码", gettext_lazy("ID number"), ID_ALIASES, required=True),
    Column("name", "姓名", pgettext_lazy("person", "Name"), ("学员姓名", "name", "名字"), required=True),
    Column(
        "bank_account",
        "银行账号",
        gettext_lazy("Bank account"),
        ("银行卡号", "银行账户", "账号", "bankaccount", "account"),
        required=True,
    ),
    Column("bank_name", "开户银行", gettext_lazy("Bank"), ("开户行", "银行名称", "bankname", "bank")),
    Column(
        "trainee_group",
        "学员群体",
        gettext_lazy("Trainee group"),
        ("人员类别", "群体", "traineegroup", "group"),
    ),
)

CATALOG_COLUMNS = (
    Column(
        "occupation_code",
        "职业编码",
        gettext_lazy("Occupation code"),
        ("职业代码", "occupationcode", "occupation"),
        required=True,
    ),
    Column("tier", "类别", gettext_lazy("Tier"), ("补贴类别", "档次", "tier"), required=True),
    Column("digital", "数字技能", gettext_lazy("Digital"), ("数字职业", "digital"), required=False),
    Column("shortage", "紧缺", gettext_lazy("Shortage"), ("紧缺职业", "shortage"), required=False),
    Column("clause", "依据条款", gettext_lazy("Source clause"), ("条款", "clause"), required=False),
)


class RosterUploadForm(TableUploadForm):
    columns = ROSTER_COLUMNS


class CatalogUploadForm(TableUploadForm):
    columns = CATALOG_COLUMNS
    region_code = forms.CharField(label=_("Region code"), max_length=6)
    year = forms.IntegerField(label=_("Year"))
    clause = forms.CharField(label=_("Source clause (default)"), max_length=100, required=False)


class DesignationForm(BootstrapForm):
    organisation: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Institution"), queryset=Organisation.objects.none()
    )
    region_code = forms.CharField(label=_("Designating region code"), max_length=6, widget=Picker("regions"))
    period_start = forms.DateField(label=_("Period start"), widget=DateInput)
    tender_reference = forms.CharField(label=_("Tender reference"), max_length=100)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class NeedForm(BootstrapForm):
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    year = forms.IntegerField(label=_("Year"))
    occupation_code = forms.CharField(label=_("Occupation code"), max_length=12, widget=Picker("occupations"))
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=SkillLevel.objects.filter(national_level__isnull=False), to_field_name="code"
    )
    places = forms.IntegerField(label=_("Places"), min_value=1)
    price = YuanField(label=_("Listed price per trainee (yuan)"), required=False)
    stages = forms.MultipleChoiceField(
        label=_("Review stages"),
        choices=[(k, v) for k, v in STAGE_LABELS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: district then city for a district need; the need's own level otherwise."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ApplicationForm(BootstrapForm):
    start_date = forms.DateField(label=_("Planned start"), widget=DateInput)
    end_date = forms.DateField(label=_("Planned end"), widget=DateInput)
    class_hours = forms.IntegerField(label=_("Class hours"), min_value=1, max_value=2000)
    practical_hours = forms.IntegerField(label=_("Practical hours"), min_value=0, max_value=2000)
    places = forms.IntegerField(label=_("Places"), min_value=1)
    price = YuanField(label=_("Price per trainee (yuan)"))
    plan = forms.CharField(label=_("Training plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecisionForm(BootstrapForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class BatchForm(BootstrapForm):
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    purpose = forms.CharField(label=_("Purpose"), max_length=100)


class ClassForm(RecordsForm):
    """A class opened by an officer outside project-based training: at a designated institution, or an
    enterprise's own, chosen among the organisations in the officer's scope."""

    records = {"institution": ORGANISATIONS}

    kind = forms.ChoiceField(
        label=_("Kind of training"),
        choices=[(k, v) for k, v in ClassKind.choices if k != ClassKind.PROJECT],
        widget=forms.RadioSelect,
        initial=ClassKind.DESIGNATED,
    )
    institution = record_field(ORGANISATIONS, _("Institution or enterprise"))
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    name = forms.CharField(label=_("Class name"), max_length=200)
    occupation_code = forms.CharField(label=_("Occupation code"), max_length=12, widget=Picker("occupations"))
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=SkillLevel.objects.filter(national_level__isnull=False), to_field_name="code"
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    end_date = forms.DateField(label=_("End date"), widget=DateInput)
    class_hours = forms.IntegerField(label=_("Class hours"), min_value=1)
    practical_hours = forms.IntegerField(label=_("Practical hours"), min_value=0)
    fee = YuanField(label=_("Fee per trainee (yuan)"), required=False)


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RevokeForm(ReasonForm):
    revoked_on = forms.DateField(label=_("Revoked on"), widget=DateInput, initial=datetime.date.today)
    field_order = ["revoked_on", "reason"]


class FindingReviewForm(BootstrapForm):
    status = forms.ChoiceField(
        label=_("Review"),
        choices=[
            (FindingStatus.CONFIRMED, FindingStatus.CONFIRMED.label),
            (FindingStatus.DISMISSED, FindingStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=500)


class PaidForm(BootstrapForm):
    voucher = forms.CharField(label=_("Bank voucher number"), max_length=60)
    paid_on = forms.DateField(label=_("Transfer date"), widget=DateInput, initial=datetime.date.today)


class SampleForm(BootstrapForm):
    size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=10000)
    seed = forms.IntegerField(label=_("Seed (empty: random, recorded)"), required=False, min_value=0)


class SampleItemForm(BootstrapForm):
    item = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (SampleResult.CONFIRMED, SampleResult.CONFIRMED.label),
            (SampleResult.PROBLEM, SampleResult.PROBLEM.label),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class DesignationRequestForm(BootstrapForm):
    """An institution's application to be designated (ZJG-opinion 二(六))."""

    region_code = forms.CharField(label=_("Designating region code"), max_length=6, widget=Picker("regions"))
    period_start = forms.DateField(label=_("Period start"), widget=DateInput)
    tender_reference = forms.CharField(label=_("Tender reference"), max_length=100)
    occupations = forms.CharField(label=_("Occupations offered"), max_length=300)
    statement = forms.CharField(
        label=_("Facilities and teachers"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class OrganisationClassForm(BootstrapForm):
    """A class an institution opens under its designation, or an enterprise's own training."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (ClassKind.DESIGNATED, ClassKind.DESIGNATED.label),
            (ClassKind.ENTERPRISE, ClassKind.ENTERPRISE.label),
        ],
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    programme = forms.ChoiceField(label=_("Programme"), choices=Programme.choices, initial=Programme.GENERAL)
    occupation_code = forms.CharField(label=_("Occupation code"), max_length=12, widget=Picker("occupations"))
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=SkillLevel.objects.filter(national_level__isnull=False), to_field_name="code"
    )
    start_date = forms.DateField(label=_("Start"), widget=DateInput)
    end_date = forms.DateField(label=_("End"), widget=DateInput)
    class_hours = forms.IntegerField(label=_("Class hours"), min_value=1, max_value=2000)
    practical_hours = forms.IntegerField(label=_("Practical hours"), min_value=0, max_value=2000)
    fee = YuanField(label=_("Fee per trainee (yuan)"), required=False)
