"""Organisations named on other apps' forms, chosen by name (``core.pickers.offer``), not typed in as record
numbers: a form field offers the organisations the user may see, labelled as the registry's picker
"organisations" lists them (name and credit code), so that the search box, where the organisations are
too many to list, finds exactly the records the field accepts. A number posted from outside them is
refused on the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import Role
from gongjiang.core.pickers import offer
from gongjiang.registry.models import Organisation
from gongjiang.registry.selectors import organisation_label, organisations_to_choose

ORGANISATION_REFUSED = _("The chosen organisation is outside your scope or does not exist.")
PERSON_REFUSED = _("The chosen person is outside your scope or does not exist.")


def organisation_field(
    label: Any, *, required: bool = True, help_text: Any = "", required_message: Any = None
) -> forms.ModelChoiceField:
    """An organisation to choose; its choices are set by :func:`offer_organisations`."""
    errors = {"invalid_choice": ORGANISATION_REFUSED}
    if required_message:
        errors["required"] = required_message
    return forms.ModelChoiceField(
        label=label,
        queryset=Organisation.objects.none(),
        required=required,
        empty_label=_("Choose…") if required else "—",
        help_text=help_text,
        error_messages=errors,
    )


def offer_organisations(field: forms.Field, user: Any) -> None:
    """Offer on ``field`` the organisations in the user's scope, by name (a searchable select where few, a
    search box over the picker "organisations" where many)."""
    offer(field, organisations_to_choose(user), kind="organisations", label=organisation_label)


def takes_own_organisation(user: Any) -> bool:
    """An organisation user acts in its own organisation's name: the account gives it, no field asks."""
    return getattr(user, "role", "") == Role.ORGANISATION and getattr(user, "organisation_id", None) is not None
