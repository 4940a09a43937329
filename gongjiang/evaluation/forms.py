"""Forms of the evaluation pages. They parse input; the services decide and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.core.tabular import Column
from gongjiang.core.uploads import DateInput, TableUploadForm
from gongjiang.evaluation.models import (
    Candidate,
    Examiner,
    ExaminerRole,
    ForeignQualification,
    Grade,
    Institution,
    InstitutionKind,
    PilotTitle,
    PlanSource,
    ResourceKind,
    Severity,
)
from gongjiang.reference.models import SkillLevel
from gongjiang.registry.choosing import offer_organisations, organisation_field
from gongjiang.registry.import_columns import ID_ALIASES

CLAUSE_HELP = _("The document and clause the decision rests on, e.g. 苏政办发〔2024〕37号 (十四).")


def _level_choices() -> list[tuple[str, str]]:
    return [
        (lv.code, lv.display_name) for lv in SkillLevel.objects.filter(national_level__isnull=False).order_by("rank")
    ]


def split_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，;；、]+", text or "") if c]


class InstitutionForm(BootstrapForm):
    """An officer files for an organisation chosen by name among those in scope (``user``); an organisation
    user files for its own, which the account gives (``organisation_fixed``: the field is not shown)."""

    organisation = organisation_field(_("Organisation"))
    kind = forms.ChoiceField(label=_("Kind of institution"), choices=InstitutionKind.choices)
    sites = forms.CharField(
        label=_("Evaluation sites"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One site per line.")
    )
    contact = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    more_occupations = forms.CharField(
        label=_("Further occupation codes"),
        required=False,
        help_text=_("Codes of the 2022 classification, separated by commas, e.g. 6-31-07-01, 6-31-07-02."),
    )
    levels = forms.MultipleChoiceField(label=_("Levels"), widget=forms.CheckboxSelectMultiple, choices=())

    def __init__(
        self, *args: Any, organisation_fixed: bool = False, editing: bool = False, user: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["levels"].choices = _level_choices()  # type: ignore[attr-defined]
        if organisation_fixed or editing:
            del self.fields["organisation"]
        elif user is not None:
            offer_organisations(self.fields["organisation"], user)
        if editing:
            del self.fields["kind"]
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the change"),
                max_length=300,
                required=False,
                help_text=_("Required when the bureau changes a filed institution."),
            )

    def occupation_codes(self) -> list[str]:
        data = self.cleaned_data
        return [data["occupation"].strip(), *split_codes(data.get("more_occupations", ""))]


class ExaminerForm(BootstrapForm):
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=ExaminerRole.choices)
    qualification = forms.CharField(label=_("Qualification (certificate number)"), max_length=40)
    valid_until = forms.DateField(label=_("Qualified until"), widget=DateInput)


class ApproveForm(BootstrapForm):
    valid_from = forms.DateField(label=_("Filed from"), widget=DateInput, initial=timezone.localdate)
    valid_until = forms.DateField(
        label=_("Filed until"), widget=DateInput, required=False, help_text=_("Three years if left empty.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    clause = forms.CharField(label=_("Clause"), max_length=120, required=False, help_text=CLAUSE_HELP)


class DecisionForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    clause = forms.CharField(label=_("Clause"), max_length=120, required=False, help_text=CLAUSE_HELP)


class GradeForm(BootstrapForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class PlanForm(BootstrapForm):
    institution: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none()
    )
    source = forms.ChoiceField(label=_("Kind of evaluation"), choices=PlanSource.choices)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"), required=False)
    level = forms.ChoiceField(label=_("Level"), choices=(), required=False)
    exam_date = forms.DateField(label=_("Evaluation date"), widget=DateInput)
    site = forms.CharField(label=_("Site"), max_length=200)
    examiners: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Examiners"), queryset=Examiner.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    qualification: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Recognised foreign qualification"),
        queryset=ForeignQualification.objects.none(),
        required=False,
        help_text=_("For a foreign-equivalence plan only: its occupation and level are the qualification's."),
    )

    def __init__(self, *args: Any, institutions: Any, examiners: Any, qualifications: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = qualifications  # type: ignore[attr-defined]
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
        self.fields["examiners"].queryset = examiners  # type: ignore[attr-defined]
        self.fields["level"].choices = _level_choices()  # type: ignore[attr-defined]
        if institutions.count() == 1:
            self.fields["institution"].initial = institutions.first()


RESULT_COLUMNS = (
    Column("id_number", "身份证号码", _("ID number"), ID_ALIASES, required=True),
    Column("name", "姓名", pgettext_lazy("person", "Name"), ("考生姓名", "name", "名字"), required=True),
    Column("theory", "理论成绩", _("Theory score"), ("理论", "理论知识", "theory")),
    Column("practical", "实操成绩", _("Practical score"), ("实操", "技能操作", "操作技能", "practical")),
    Column("evidence", "突出业绩", _("Evidence"), ("业绩材料", "evidence"), required=False),
)


class ResultsUploadForm(TableUploadForm):
    columns = RESULT_COLUMNS


class IssueForm(BootstrapForm):
    review_note = forms.CharField(
        label=_("Review of the sampled candidates"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the check of the sampled candidates' records found."),
    )


class RefuseForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(BootstrapForm):
    candidate: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Candidate"), queryset=Candidate.objects.none())
    objection = forms.CharField(label=_("Objection"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    upheld = forms.BooleanField(label=_("Upheld: take the candidate off the list"), required=False)


class InspectorForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    affiliation = forms.CharField(label=_("Affiliation"), max_length=100, required=False)


class DrawForm(BootstrapForm):
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    count = forms.IntegerField(label=_("Institutions to draw"), min_value=1, max_value=500)
    uniform_share = forms.FloatField(
        label=_("Uniform share"),
        min_value=0,
        max_value=1,
        initial=0.3,
        help_text=_("The share drawn uniformly at random; the rest is weighted by the risk score."),
    )
    inspectors_each = forms.IntegerField(label=_("Inspectors per institution"), min_value=1, max_value=5, initial=2)
    seed = forms.IntegerField(
        label=_("Seed"), required=False, min_value=0, help_text=_("Left empty, a random seed is drawn and recorded.")
    )


class InspectionForm(BootstrapForm):
    done_on = forms.DateField(label=_("Inspected on"), widget=DateInput, initial=timezone.localdate)
    severity = forms.ChoiceField(label=_("Finding"), choices=Severity.choices)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    publish = forms.BooleanField(label=_("Publish in the directory"), required=False, initial=True)


class ResourceForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    level = forms.ChoiceField(label=_("Level"), choices=(), required=False)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    owner = forms.CharField(label=_("Owner"), max_length=100)
    version = forms.CharField(label=_("Version"), max_length=20)
    since = forms.DateField(label=_("In use from"), widget=DateInput)
    digital = forms.BooleanField(label=_("Digital occupation"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("All levels")), *_level_choices()]  # type: ignore[attr-defined]


class RetireForm(BootstrapForm):
    until = forms.DateField(label=_("Retired on"), widget=DateInput, initial=timezone.localdate)


class ForeignQualificationForm(BootstrapForm):
    name = forms.CharField(label=_("Qualification"), max_length=200)
    country = forms.CharField(label=_("Country or territory"), max_length=50)
    awarding_body = forms.CharField(label=_("Awarding body"), max_length=200)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    level = forms.ChoiceField(label=_("Level"), choices=())
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    since = forms.DateField(label=_("Recognised from"), widget=DateInput)
    clause = forms.CharField(label=_("Clause"), max_length=120, required=False, help_text=CLAUSE_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = _level_choices()  # type: ignore[attr-defined]


class PilotForm(BootstrapForm):
    """The enterprise is chosen by name among the organisations in the user's scope (``user``)."""

    organisation = organisation_field(_("Enterprise"))
    quota_special = forms.IntegerField(label=_("Special technician quota"), min_value=0, max_value=200)
    quota_chief = forms.IntegerField(label=_("Chief technician quota"), min_value=0, max_value=50)
    since = forms.DateField(label=_("In the pilot from"), widget=DateInput)
    clause = forms.CharField(label=_("Clause"), max_length=120, required=False, help_text=CLAUSE_HELP)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            offer_organisations(self.fields["organisation"], user)


class AppointmentForm(BootstrapForm):
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    title = forms.ChoiceField(label=_("Title"), choices=PilotTitle.choices)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    start = forms.DateField(label=_("Term from"), widget=DateInput, initial=timezone.localdate)
    years = forms.IntegerField(label=_("Term in years"), min_value=1, max_value=5, initial=3)


class EndForm(BootstrapForm):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput, initial=timezone.localdate)


class QuotaForm(BootstrapForm):
    quota = forms.IntegerField(
        label=_("Certificates a year"), min_value=0, required=False, help_text=_("Empty: no limit.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    clause = forms.CharField(label=_("Clause"), max_length=120, required=False, help_text=CLAUSE_HELP)
