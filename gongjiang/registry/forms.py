"""Forms of the registry's pages. Codes are picked by searching names (``core.pickers``); the services
validate everything again. An organisation or a person a form names is chosen by name among the records
in the user's scope (``RecordsForm``), here and in the apps above the registry."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core.pages import BootstrapForm
from gongjiang.core.pickers import Picker, offer
from gongjiang.core.plausible import check_phone, name_error
from gongjiang.core.uploads import DateInput
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.registry.choosing import ORGANISATION_REFUSED, PERSON_REFUSED
from gongjiang.registry.models import Organisation, OrganisationKind, Person
from gongjiang.registry.selectors import organisation_label, organisations_to_choose, person_label, persons_to_choose

DATE = DateInput()

# The records a form names, by picker kind: the model, the records a user may choose (the picker of the
# kind lists the same), how each is shown, and the refusal of any other.
ORGANISATIONS, PERSONS = "organisations", "persons"
RECORDS: dict[str, tuple[type[Any], Callable[[Any], QuerySet], Callable[[Any], str], Any]] = {
    ORGANISATIONS: (
        Organisation,
        organisations_to_choose,
        organisation_label,
        ORGANISATION_REFUSED,
    ),
    PERSONS: (
        Person,
        persons_to_choose,
        person_label,
        PERSON_REFUSED,
    ),
}


def record_field(kind: str, label: Any, *, required: bool = True, help_text: Any = "") -> forms.ModelChoiceField:
    """An organisation or a person (``kind``) to choose by name; the records offered are set once the user
    is known (``RecordsForm``), and any other is refused on the field."""
    model, _choose, _label, refused = RECORDS[kind]
    return forms.ModelChoiceField(
        label=label,
        queryset=model.objects.none(),
        required=required,
        help_text=help_text,
        empty_label=_("Choose…") if required else _("Not stated"),
        error_messages={"invalid_choice": refused},
    )


class RecordsForm(BootstrapForm):
    """A form naming organisations or persons (``records``: each such field's picker kind), made for
    ``user``: each field offers the records in the user's scope by name (``core.pickers.offer``) and
    refuses any other."""

    records: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kind in self.records.items():
            _model, choose, label, _refused = RECORDS[kind]
            offer(self.fields[name], choose(user), kind=kind, label=label)


class NoEchoInput(forms.TextInput):
    """A text input that is shown empty again after a post: a full ID number is not sent back in a page."""

    def format_value(self, value: Any) -> str | None:
        return None


class IdNumberLookupForm(BootstrapForm):
    """The look-up of a person by ID number: posted, so that the number reaches no address or log."""

    id_number = forms.CharField(
        label=_("ID number (exact)"), max_length=20, widget=NoEchoInput(attrs={"autocomplete": "off"})
    )


class PersonForm(BootstrapForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=True)
    phone = forms.CharField(label=_("Phone"), max_length=12, required=False)
    residence_region_code = forms.CharField(
        label=_("Residence region code"), max_length=6, widget=Picker("regions"), help_text=_("Type a name or code.")
    )
    household_region_code = forms.CharField(
        label=_("Household region code"),
        max_length=6,
        required=False,
        widget=Picker("regions"),
        help_text=_("Empty: same as residence."),
    )

    # The name, ID number and phone are checked here as the service checks them, so that one submission
    # shows every field's error at once (the service still checks everything again).

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        message = name_error(name) if name else None
        if message:
            raise forms.ValidationError(message)
        return name

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip()
        if value:
            try:
                parse_id_number(value)
            except IdentifierError as exc:
                raise forms.ValidationError(exc.messages) from None
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        try:
            check_phone(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["phone"]) from None
        return value


class PersonEditForm(PersonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The stored values are never sent back to the browser: empty means unchanged.
        for name in ("id_number", "phone"):
            self.fields[name].required = False
            self.fields[name].help_text = _("Leave empty to keep the recorded value.")


class OrganisationForm(BootstrapForm):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    industry_code = forms.CharField(label=_("Industry code"), max_length=5, required=False, widget=Picker("industries"))
    self_evaluation = forms.BooleanField(label=_("Files for self-evaluation"), required=False)


class OrganisationEditForm(OrganisationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uscc"].disabled = True


class EmploymentForm(RecordsForm):
    records = {"person": PERSONS, "organisation": ORGANISATIONS}
    person = record_field(PERSONS, _("Person"), help_text=_("Type the start of a name."))
    organisation = record_field(ORGANISATIONS, _("Organisation"))
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE, required=False)
    occupation_code = forms.CharField(
        label=_("Occupation"), max_length=10, required=False, widget=Picker("occupations")
    )


class EmploymentEndForm(BootstrapForm):
    end = forms.DateField(label=_("Last day of employment"), widget=DATE, initial=datetime.date.today)


class EmploymentStatForm(BootstrapForm):
    region_code = forms.CharField(label=_("Region code"), max_length=6, widget=Picker("regions"))
    year = forms.IntegerField(label=_("Year"), min_value=1949, max_value=2100)
    employed = forms.IntegerField(label=_("Employed persons"), min_value=0)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)
