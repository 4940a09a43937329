from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from gongjiang.core import lookups, pii
from gongjiang.core.pickers import LIMIT as PICKER_LIMIT
from gongjiang.core.pickers import Choice
from gongjiang.core.scope import restrict
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.registry.models import Organisation, Person


def find_person_by_id_number(id_number: str) -> Person | None:
    """Exact lookup through the blind index (a 15-digit number is upgraded first)."""
    try:
        number = parse_id_number(id_number).number
    except IdentifierError:
        number = (id_number or "").strip().upper()
    return Person.objects.filter(id_index=pii.blind_index(number)).first()


def person_lookup(user: Any, id_number: str) -> Person | None:
    """The person with this ID number in ``user``'s scope, or None: the same None for a number held outside
    the scope as for one held nowhere. A miss counts against the user (``core.lookups``: logged where the
    number is held elsewhere, refused once too many)."""
    lookups.check(user)
    found = find_person_by_id_number(id_number)
    if found is not None and restrict(Person.objects.filter(pk=found.pk), user).exists():
        return found
    lookups.miss(user, kind="id_number", held_elsewhere=found is not None)
    return None


def organisation_label(organisation: Organisation) -> str:
    """An organisation as a form offers it: its name and credit code."""
    return f"{organisation.name}（{organisation.uscc}）"


def person_label(person: Person) -> str:
    """A person as a form offers them: name, birth date and the masked ID number (never the full one)."""
    return f"{person.name}（{person.birth_date:%Y-%m-%d}，{person.id_number_masked}）"


def organisations_to_choose(user: Any) -> QuerySet:
    """The organisations ``user`` may name on a form, by name: those in the user's scope. The picker
    "organisations" lists the same."""
    return restrict(Organisation.objects.all(), user).order_by("name", "pk")


def persons_to_choose(user: Any) -> QuerySet:
    """The persons ``user`` may name on a form: those in the user's scope, in record order (the order of
    the region indexes, so that a region of millions is not sorted). The picker "persons" lists the same."""
    return restrict(Person.objects.all(), user).order_by("pk")


def pick_organisations(request: HttpRequest, q: str) -> list[Choice]:
    """Organisations the user may see, by name or the start of the credit code."""
    qs = organisations_to_choose(request.user)
    qs = qs.filter(uscc__startswith=q.upper()) if q[:1].isdigit() and len(q) >= 2 else qs.filter(name__contains=q)
    return [Choice(str(o.pk), organisation_label(o)) for o in qs[:PICKER_LIMIT]]


def pick_persons(request: HttpRequest, q: str) -> list[Choice]:
    """Persons the user may see, by the start of the name; shown with birth date and masked ID number."""
    qs = persons_to_choose(request.user).filter(name__startswith=q)
    return [Choice(str(p.pk), person_label(p)) for p in qs[:PICKER_LIMIT]]
