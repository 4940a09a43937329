"""What the evaluation pages share: the registers' base, and how a person is named on a form."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.core.pages import Register
from gongjiang.registry.models import Person
from gongjiang.registry.selectors import find_person_by_id_number


def date_label(value: Any) -> str:
    return value.isoformat() if value else "—"


class EvaluationRegister(Register):
    namespace = "evaluation"

    def create_initial(self, request: Any) -> dict[str, Any]:
        """The create form starts in the user's own region (where the form has a region)."""
        return {"region_code": getattr(request.user, "region_code", "")}


def registered_person(id_number: str, name: str) -> Person:
    """The registry's person with this ID number and name; the same refusal whichever of them differs."""
    person = find_person_by_id_number(id_number)
    if person is None or person.name != (name or "").strip():
        raise ValidationError({"id_number": _("No person with this ID number and name is in the registry.")})
    return person
