"""Writes to the registry. Each service is atomic, checks who may act (``authorize``), validates fully and
records its change."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongjiang.core import lookups, pii
from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.plausible import check_date, check_name, check_phone
from gongjiang.core.scope import authorize, in_scope
from gongjiang.core.validators import IdentifierError, normalise_uscc, parse_id_number
from gongjiang.reference.models import Occupation
from gongjiang.reference.selectors import industry_for, validate_region_code
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person
from gongjiang.registry.regions import organisations_moved, persons_moved


def _id_fields(id_number: str) -> dict[str, Any]:
    try:
        info = parse_id_number(id_number)
    except IdentifierError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    return {
        "id_number_enc": pii.encrypt(info.number),
        "id_index": pii.blind_index(info.number),
        "birth_date": info.birth_date,
        "sex": info.sex,
        "birth_region_code": info.birth_region_code,
    }


def _refuse_known_id(actor: Any, holders: Any) -> None:
    """Refuse an ID number already registered, without saying where; one held outside the actor's scope
    counts as a probe (core.lookups: logged, and refused altogether past the limit)."""
    holder = holders.first()
    if holder is None:
        return
    if actor is not None and not in_scope(actor, "view", holder):
        lookups.check(actor)
        lookups.miss(actor, kind="id_number", held_elsewhere=True)
    raise ValidationError({"id_number": _("A person with this ID number is already registered.")})


@transaction.atomic
def person_create(
    *,
    actor: Any,
    name: str,
    id_number: str,
    residence_region_code: str,
    household_region_code: str = "",
    phone: str = "",
) -> Person:
    residence = validate_region_code(residence_region_code, field="residence_region_code")
    authorize(actor, "add", Person, region_code=residence, field="residence_region_code")
    name = check_name(name)
    fields = _id_fields(id_number)
    _refuse_known_id(actor, Person.objects.filter(id_index=fields["id_index"]))
    household = validate_region_code(household_region_code or residence, field="household_region_code")
    phone = check_phone(phone)
    person = Person(
        name=name,
        residence_region_code=residence,
        household_region_code=household,
        phone_enc=pii.encrypt(phone),
        phone_index=pii.blind_index(phone) if phone else "",
        **fields,
    )
    person.full_clean()
    person.save()
    record_change(action="create", instance=person)
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, **changes: Any) -> Person:
    allowed = {"name", "id_number", "phone", "residence_region_code", "household_region_code"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    person = Person.objects.select_for_update().get(pk=person.pk)
    authorize(actor, "change", person)
    if "residence_region_code" in changes:
        moved = validate_region_code(changes["residence_region_code"], field="residence_region_code")
        authorize(actor, "change", Person, region_code=moved, field="residence_region_code")
    old = Person.objects.get(pk=person.pk)
    before = snapshot(person)
    if "name" in changes:
        person.name = check_name(changes["name"])
    if "id_number" in changes:
        fields = _id_fields(changes["id_number"])
        _refuse_known_id(actor, Person.objects.filter(id_index=fields["id_index"]).exclude(pk=person.pk))
        for k, v in fields.items():
            setattr(person, k, v)
    if "phone" in changes:
        phone = check_phone(changes["phone"])
        person.phone_enc = pii.encrypt(phone)
        person.phone_index = pii.blind_index(phone) if phone else ""
    for f in ("residence_region_code", "household_region_code"):
        if f in changes:
            setattr(person, f, validate_region_code(changes[f], field=f))
    person.full_clean()
    person.save()
    if person.residence_region_code != old.residence_region_code:
        persons_moved([person.pk])  # the copies of the residence region on the person's records
    record_change(action="update", instance=person, before=before, old=old)
    return person


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    uscc: str,
    name: str,
    kind: str,
    region_code: str,
    industry_code: str = "",
    self_evaluation: bool = False,
) -> Organisation:
    region = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", Organisation, region_code=region, field="region_code")
    try:
        code = normalise_uscc(uscc)
    except IdentifierError as exc:
        raise ValidationError({"uscc": exc.messages}) from None
    if Organisation.objects.filter(uscc=code).exists():
        raise ValidationError({"uscc": _("An organisation with this credit code is already registered.")})
    industry = None
    if industry_code:
        industry = industry_for(industry_code)
        if industry is None:
            raise ValidationError(
                {"industry": _("Unknown industry code %(c)s (GB/T 4754-2017).") % {"c": industry_code}}
            )
    org = Organisation(
        uscc=code,
        name=check_name(name),
        kind=kind,
        region_code=region,
        industry=industry,
        self_evaluation=self_evaluation,
    )
    org.full_clean()
    org.save()
    record_change(action="create", instance=org)
    return org


@transaction.atomic
def organisation_update(*, actor: Any, organisation: Organisation, **changes: Any) -> Organisation:
    allowed = {"name", "kind", "region_code", "industry_code", "self_evaluation"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    authorize(actor, "change", org)
    before = snapshot(org)
    if "name" in changes:
        org.name = check_name(changes["name"])
    if "kind" in changes:
        org.kind = changes["kind"]
    if "region_code" in changes:
        org.region_code = validate_region_code(changes["region_code"], field="region_code")
        authorize(actor, "change", Organisation, region_code=org.region_code, field="region_code")
    if "industry_code" in changes:
        code = changes["industry_code"]
        org.industry = industry_for(code) if code else None
        if code and org.industry is None:
            raise ValidationError({"industry": _("Unknown industry code %(c)s (GB/T 4754-2017).") % {"c": code}})
    if "self_evaluation" in changes:
        org.self_evaluation = bool(changes["self_evaluation"])
    moved = org.region_code != before.get("region_code", org.region_code)
    org.full_clean()
    org.save()
    if moved:
        organisations_moved([org.pk])  # the copies of the employer's region on its employments
    record_change(action="update", instance=org, before=before)
    return org


@transaction.atomic
def employment_create(
    *,
    actor: Any,
    person: Person,
    organisation: Organisation,
    start: datetime.date,
    end: datetime.date | None = None,
    occupation_code: str = "",
) -> Employment:
    occupation = None
    if occupation_code:
        occupation = Occupation.objects.filter(code=occupation_code, kind="occupation").first()
        if occupation is None:
            raise ValidationError({"occupation": _("Unknown occupation code %(c)s.") % {"c": occupation_code}})
    check_date(start, field="start")
    check_date(end, field="end", planned=True)
    if start < person.birth_date:
        raise ValidationError({"start": _("The start date is before the person was born.")})
    if end is not None and end < start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    job = Employment(
        person=person,
        organisation=organisation,
        region_code=organisation.region_code,
        start=start,
        end=end,
        occupation=occupation,
    )
    authorize(actor, "add", job)
    job.full_clean()
    job.save()
    record_change(action="create", instance=job)
    return job


@transaction.atomic
def employment_end(*, actor: Any, employment: Employment, end: datetime.date) -> Employment:
    job = Employment.objects.select_for_update().get(pk=employment.pk)
    authorize(actor, "change", job)
    before = snapshot(job)
    check_date(end, field="end", planned=True)
    if end < job.start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    job.end = end
    job.full_clean()
    job.save()
    record_change(action="update", instance=job, before=before)
    return job


@transaction.atomic
def employment_stat_set(*, actor: Any, region_code: str, year: int, employed: int, source: str = "") -> EmploymentStat:
    this_year = datetime.date.today().year
    if not 1949 <= year <= this_year:
        raise ValidationError({"year": _("Year must be between 1949 and %(y)d.") % {"y": this_year}})
    validate_region_code(region_code, as_of=datetime.date(year, 12, 31), field="region_code")
    authorize(actor, "change", EmploymentStat, region_code=region_code, field="region_code")
    if employed < 0:
        raise ValidationError({"employed": _("Employed persons cannot be negative.")})
    stat = EmploymentStat.objects.select_for_update().filter(region_code=region_code, year=year).first()
    if stat is None:
        stat = EmploymentStat(region_code=region_code, year=year, employed=employed, source=source)
        stat.full_clean()
        stat.save()
        record_change(action="create", instance=stat)
        return stat
    before = snapshot(stat)
    stat.employed = employed
    stat.source = source or stat.source
    stat.full_clean()
    stat.save()
    record_change(action="update", instance=stat, before=before)
    return stat
