"""Forms of the competition pages. They parse input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.competitions.models import Aspect, AspectKind, CompetitionLevel, Judge, Participant
from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.core.pii import mask_name
from gongjiang.core.tabular import Column
from gongjiang.core.uploads import DateInput, TableUploadForm
from gongjiang.reference.models import SkillLevel
from gongjiang.registry.choosing import offer_organisations, organisation_field
from gongjiang.registry.import_columns import ID_ALIASES


def _level_choices() -> list[tuple[str, str]]:
    return [(lv.code, lv.name) for lv in SkillLevel.objects.filter(national_level__isnull=False).order_by("rank")]


class CompetitionForm(BootstrapForm):
    """The organiser, if any, is chosen by name among the organisations in the user's scope (``user``)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    level = forms.ChoiceField(label=_("Competition level"), choices=CompetitionLevel.choices)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    organiser = organisation_field(_("Organiser"), required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=20, widget=Picker("occupations"))
    award_level = forms.ChoiceField(label=_("Highest level recognised"), choices=())
    start = forms.DateField(label=_("Start date"), widget=DateInput)
    end = forms.DateField(label=_("End date"), widget=DateInput)
    cap = forms.IntegerField(label=_("Cap on participants"), min_value=1, max_value=100_000)
    recognised_ranks = forms.IntegerField(
        label=_("Ranks recognised"),
        min_value=0,
        max_value=100,
        initial=3,
        help_text=_("Winners up to this rank are recognised one level up (苏政办发〔2024〕37号 (十五))."),
    )
    spread = forms.IntegerField(
        label=_("Allowed spread of judges' marks (percent)"), min_value=1, max_value=100, initial=30
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["award_level"].choices = _level_choices()  # type: ignore[attr-defined]
        if user is not None:
            offer_organisations(self.fields["organiser"], user)


class ParticipantForm(BootstrapForm):
    """The employer, if any, is chosen by name among the organisations in the user's scope (``bind``)."""

    id_number = forms.CharField(label=_("ID number"), max_length=18)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    organisation = organisation_field(_("Employer"), required=False)

    def bind(self, user: Any, obj: Any = None) -> ParticipantForm:
        offer_organisations(self.fields["organisation"], user)
        return self


class JudgeForm(BootstrapForm):
    name = forms.CharField(label=_("Judge's name"), max_length=50)


class AspectForm(BootstrapForm):
    name = forms.CharField(label=_("Aspect"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind of aspect"), choices=AspectKind.choices)
    max_mark = forms.DecimalField(label=_("Maximum mark"), min_value=0, max_value=1000, decimal_places=2)


class MarkForm(BootstrapForm):
    participant: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Participant"), queryset=Participant.objects.none()
    )
    judge: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Judge"), queryset=Judge.objects.none())
    aspect: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Aspect"), queryset=Aspect.objects.none())
    value = forms.DecimalField(label=_("Mark"), min_value=0, max_value=1000, decimal_places=2)

    def bind(self, user: Any, competition: Any) -> MarkForm:
        """The competition's own participants (by masked name), judges and aspects."""
        self.fields["participant"].queryset = competition.participants.select_related("person")  # type: ignore[attr-defined]
        self.fields["participant"].label_from_instance = lambda p: mask_name(p.person.name)  # type: ignore[attr-defined]
        self.fields["judge"].queryset = competition.judges.all()  # type: ignore[attr-defined]
        self.fields["aspect"].queryset = competition.aspects.all()  # type: ignore[attr-defined]
        return self


MARK_COLUMNS = (
    Column("id_number", "身份证号码", _("ID number"), ID_ALIASES, required=True),
    Column("judge", "裁判", _("Judge"), ("裁判员", "judge"), required=True),
    Column("aspect", "评分项", _("Aspect"), ("评分要素", "aspect"), required=True),
    Column("value", "分数", _("Mark"), ("得分", "mark", "value"), required=True),
)


class MarksUploadForm(TableUploadForm):
    columns = MARK_COLUMNS
