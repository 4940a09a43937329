"""Forms of the honours pages. They parse input; the services decide and write."""

from __future__ import annotations

from typing import Any, Self

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker
from gongjiang.core.uploads import DateInput
from gongjiang.honours import models
from gongjiang.reference.models import SkillLevel
from gongjiang.registry.choosing import offer_organisations, organisation_field, takes_own_organisation


def _level_choices(blank: bool = True) -> list[tuple[str, str]]:
    levels = [
        (lv.code, lv.display_name) for lv in SkillLevel.objects.filter(national_level__isnull=False).order_by("rank")
    ]
    return [("", "—"), *levels] if blank else levels


class CallForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Honour"), choices=models.HonourKind.choices)
    level = forms.ChoiceField(label=_("Honour level"), choices=models.HonourLevel.choices)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quota = forms.IntegerField(label=_("Quota"), min_value=1, max_value=10_000)
    min_level = forms.ChoiceField(label=_("Lowest skill level"), choices=(), required=False)
    local_only = forms.BooleanField(label=_("Local workers only"), required=False, initial=True)
    criteria = forms.CharField(label=_("Criteria"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    closes = forms.DateField(label=_("Nominations close"), widget=DateInput)
    term_years = forms.IntegerField(label=_("Term (years)"), min_value=0, max_value=10, initial=0)
    award_rule = forms.ChoiceField(
        label=_("Award paid"),
        choices=[("", "—"), (models.AwardRule.OUTSTANDING.value, models.AwardRule.OUTSTANDING.label)],
        required=False,
    )
    public = forms.BooleanField(label=_("Results public"), required=False, initial=True)
    clause = forms.CharField(label=_("Source clause"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_level"].choices = _level_choices()  # type: ignore[attr-defined]


class EnterpriseForm(BootstrapForm):
    """A form naming the enterprise that acts (nominates, applies, is recognised): an organisation user's
    own, which the account gives (the field is not shown), or, for an officer, one chosen by name among the
    organisations in scope. Made with ``user``, or bound to one with :meth:`bind`."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.bind(user)

    def bind(self, user: Any, obj: Any = None) -> Self:
        if "organisation" in self.fields:
            if takes_own_organisation(user):
                del self.fields["organisation"]
            else:
                offer_organisations(self.fields["organisation"], user)
        return self


class NominateForm(EnterpriseForm):
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    organisation = organisation_field(
        _("Nominating enterprise"),
        help_text=_("An enterprise's own account nominates in its own name."),
        required_message=_("Name the enterprise."),
    )
    statement = forms.CharField(label=_("Achievements"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)


class CommentForm(BootstrapForm):
    comment = forms.CharField(label=_("Review comment"), max_length=300, required=False)


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PublishForm(BootstrapForm):
    until = forms.DateField(label=_("Objections until"), widget=DateInput)


class DecideCallForm(BootstrapForm):
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput, required=False)


class UseForm(BootstrapForm):
    used_on = forms.DateField(label=_("Used on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class HonourForm(BootstrapForm):
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    kind = forms.ChoiceField(label=_("Honour"), choices=models.HonourKind.choices)
    level = forms.ChoiceField(label=_("Honour level"), choices=models.HonourLevel.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    awarded_on = forms.DateField(label=_("Awarded on"), widget=DateInput)
    term_end = forms.DateField(label=_("Term ends"), widget=DateInput, required=False)
    public = forms.BooleanField(label=_("Public"), required=False, initial=True)


class RecognitionForm(EnterpriseForm):
    organisation = organisation_field(_("Enterprise"), required_message=_("Name the enterprise."))
    kind = forms.ChoiceField(label=_("Recognition"), choices=models.RecognitionKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    as_of = forms.DateField(label=_("Share as of"), widget=DateInput)
    title = forms.CharField(label=_("Title"), max_length=120, required=False)


TITLES = [
    ("", "—"),
    ("national_expert", _("National technical expert")),
    ("provincial_expert", _("Provincial technical expert")),
]
APPLIED = [(r.value, r.label) for r in models.AwardRule if r != models.AwardRule.OUTSTANDING]


class AwardForm(EnterpriseForm):
    rule = forms.ChoiceField(label=_("Award"), choices=APPLIED)
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    organisation = organisation_field(
        _("Enterprise"), required=False, help_text=_("An enterprise's own account applies in its own name.")
    )
    event_date = forms.DateField(label=_("Event date"), widget=DateInput, help_text=_("The date the award arises."))
    level = forms.ChoiceField(
        label=_("Skill level"),
        choices=(),
        required=False,
        help_text=_("Empty: the highest certificate in the registry."),
    )
    talent_title = forms.ChoiceField(label=_("Title of the introduced talent"), choices=TITLES, required=False)
    shortage = forms.BooleanField(label=_("Shortage occupation"), required=False)
    work_start = forms.DateField(label=_("Local work since"), widget=DateInput, required=False)
    requested = forms.DecimalField(
        label=_("Requested (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = _level_choices()  # type: ignore[attr-defined]


class DecisionForm(BootstrapForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)
