from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.registry.models import OrganisationKind


class BootstrapForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class PersonForm(BootstrapForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=True)
    phone = forms.CharField(label=_("Phone"), max_length=12, required=False)
    residence_region_code = forms.CharField(label=_("Residence region code"), max_length=6)
    household_region_code = forms.CharField(
        label=_("Household region code"), max_length=6, required=False, help_text=_("Empty: same as residence.")
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # The stored values are never sent back to the browser: empty means unchanged.
            for name in ("id_number", "phone"):
                self.fields[name].required = False
                self.fields[name].help_text = _("Leave empty to keep the recorded value.")


class OrganisationForm(BootstrapForm):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    region_code = forms.CharField(label=_("Region code"), max_length=6)
    industry_code = forms.CharField(label=_("Industry code"), max_length=4, required=False)
    self_evaluation = forms.BooleanField(label=_("Files for self-evaluation"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["uscc"].disabled = True


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form, field by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
