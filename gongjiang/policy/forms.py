from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.uploads import DateInput
from gongjiang.policy.models import PolicySet, PolicySetVersion

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _set_choices() -> list[tuple[str, str]]:
    return [(ps.name, str(ps)) for ps in PolicySet.objects.order_by("name")]


class EvaluateForm(forms.Form):
    policy_set = forms.ChoiceField(label=_("Policy set"), choices=())
    version = forms.IntegerField(
        label=_("Version"), required=False, min_value=1, help_text=_("Empty: the current version")
    )
    as_of = forms.DateField(
        label=_("Rules as recorded on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: every value recorded so far"),
    )
    events = forms.FileField(label=_("Events (CSV or XLSX)"), required=False)
    sample_size = forms.IntegerField(label=_("Sample size"), required=False, min_value=1, max_value=5000, initial=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["policy_set"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _set_choices()

    def clean_events(self) -> Any:
        f = self.cleaned_data.get("events")
        if f is not None and f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; use the command line for large files."))
        return f


class DiffForm(forms.Form):
    """Two versions of one set; a version the set does not have is refused on its field, naming those it
    has."""

    policy_set = forms.ChoiceField(label=_("Policy set"), choices=())
    from_version = forms.IntegerField(label=_("From version"), min_value=1)
    to_version = forms.IntegerField(label=_("To version"), min_value=1)
    events = forms.FileField(label=_("Events (CSV or XLSX)"), required=False)
    sample_size = forms.IntegerField(label=_("Sample size"), required=False, min_value=1, max_value=5000, initial=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["policy_set"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _set_choices()

    def clean_events(self) -> Any:
        f = self.cleaned_data.get("events")
        if f is not None and f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; use the command line for large files."))
        return f

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("policy_set")
        if not name:
            return data
        numbers = list(
            PolicySetVersion.objects.filter(policy_set__name=name).order_by("number").values_list("number", flat=True)
        )
        for field in ("from_version", "to_version"):
            number = data.get(field)
            if number is not None and number not in numbers:
                message: Any
                if len(numbers) < 2:
                    message = _(
                        "This policy set has only one version so far; draft a new version on the drafts' pages to "
                        "see what it would change."
                    )
                else:
                    message = _("This policy set has no version %(n)s; its versions are %(versions)s.") % {
                        "n": number,
                        "versions": "、".join(str(n) for n in numbers),
                    }
                self.add_error(field, message)
        return data


class DraftCreateForm(BootstrapForm):
    policy_set = forms.ModelChoiceField(label=_("Policy set"), queryset=PolicySet.objects.none())
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the set's name and version")
    )

    def __init__(self, *args: Any, sets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["policy_set"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = sets if sets is not None else PolicySet.objects.none()


class DraftParameterForm(BootstrapForm):
    """A parameter's new value from a date; the parameter is chosen from the draft's (listed by the page)."""

    parameter = forms.CharField(label=_("Parameter"), max_length=140)
    value = forms.DecimalField(label=_("New value"), max_digits=18, decimal_places=4)
    effective_from = forms.DateField(label=_("In force from"), widget=DateInput())


class DraftCellForm(BootstrapForm):
    """A decision-table cell's new value, for the table's period or from a date within it."""

    cell = forms.CharField(label=_("Table row and column"), max_length=40)
    value = forms.CharField(label=_("New value"), max_length=40)
    effective_from = forms.DateField(
        label=_("In force from"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the table's whole period"),
    )


class DraftAdoptForm(BootstrapForm):
    adoption_document = forms.CharField(
        label=_("Deciding document"), max_length=100, help_text=_("The number of the document adopting the rules")
    )
