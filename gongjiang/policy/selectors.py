"""Reads: versions, the compiled set the engine evaluates, parameter look-ups, documents as specs."""

from __future__ import annotations

import datetime
from collections import OrderedDict
from typing import Any

import polars as pl
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from gongjiang.policy.compiled import CompiledSet, compile_set
from gongjiang.policy.models import DecisionTable, Parameter, PolicyDocument, PolicySet, PolicySetVersion
from gongjiang.policy.parsing import spec_from_json
from gongjiang.policy.spec import ClauseSpec, DocumentSpec, SetSpec
from gongjiang.reference.models import Occupation
from gongjiang.reference.regions import lineage


class PolicySetNotFound(LookupError):
    pass


def get_version(name: str, version: int | None = None) -> PolicySetVersion:
    """The given version of a set, or its current (latest adopted) version."""
    try:
        policy_set = PolicySet.objects.get(name=name)
    except ObjectDoesNotExist:
        known = ", ".join(PolicySet.objects.values_list("name", flat=True)) or _("none loaded")
        raise PolicySetNotFound(
            _("No policy set %(name)r (known: %(known)s). Load it with `gongjiang policy load`.")
            % {"name": name, "known": known}
        ) from None
    qs = policy_set.versions.all()
    if version is not None:
        found = qs.filter(number=version).first()
        if found is None:
            raise PolicySetNotFound(_("Policy set %(name)s has no version %(v)s.") % {"name": name, "v": version})
        return found
    found = policy_set.current_version()
    if found is None:
        raise PolicySetNotFound(
            _("Policy set %(name)s has no adopted version: adopt one with `gongjiang policy adopt`.") % {"name": name}
        )
    return found


def policy_set_title(name: str, version: int | None = None) -> str:
    """A set (and one of its versions) as the pages name it: its title, not its name."""
    found = PolicySet.objects.filter(name=name).first()
    title = str(found) if found is not None else name
    return _("%(set)s, version %(number)s") % {"set": title, "number": version} if version else title


def clause_citation(key: str) -> str:
    """A clause as sets and records cite it (``<internal id> <path>``: ``ZJG-opinion 二(六)``) as people
    cite it: the document's number, or its short name where it has none, then the clause."""
    code, _space, path = (key or "").strip().partition(" ")
    doc = PolicyDocument.objects.filter(code=code).only("number", "short").first() if code else None
    if doc is None:
        return key
    return f"{doc.citation} {path}".strip()


def documents() -> dict[str, DocumentSpec]:
    out: dict[str, DocumentSpec] = {}
    for doc in PolicyDocument.objects.prefetch_related("clauses").order_by("code"):
        out[doc.code] = DocumentSpec(
            code=doc.code,
            number=doc.number,
            short=doc.short,
            title=doc.title,
            issuer=doc.issuer,
            issued_on=doc.issued_on,
            region=doc.region_code,
            kind=doc.kind,
            note=doc.note,
            note_en=doc.note_en,
            clauses=tuple(ClauseSpec(c.path, c.summary) for c in doc.clauses.all()),
        )
    return out


def spec_from_db(version: PolicySetVersion) -> SetSpec:
    """The set as stored in the version's parameter and table rows (what the engine evaluates)."""
    data: dict[str, Any] = dict(version.spec)
    params = []
    for p in version.parameters.select_related("clause__document").order_by("id"):
        params.append(
            {
                "name": p.name,
                "value": format(p.value, "f"),
                "unit": p.unit,
                "region": p.region_code,
                "from": p.effective_from.isoformat(),
                "to": p.effective_to.isoformat() if p.effective_to else None,
                "recorded_at": p.recorded_at.isoformat(),
                "clause": p.clause.key,
                "note": p.note,
                "note_en": p.note_en,
                "origin": p.origin,
                "limit": p.limit_name,
            }
        )
    tables = []
    for t in version.tables.select_related("clause__document").order_by("id"):
        tables.append(
            {
                "name": t.name,
                "hit_policy": t.hit_policy,
                "region": t.region_code,
                "from": t.effective_from.isoformat(),
                "to": t.effective_to.isoformat() if t.effective_to else None,
                "recorded_at": t.recorded_at.isoformat(),
                "clause": t.clause.key,
                "inputs": t.inputs,
                "outputs": t.outputs,
                "rows": t.rows,
                "unmatched": t.unmatched,
                "note": t.note,
                "note_en": t.note_en,
                "origin": t.origin,
            }
        )
    data["parameters"] = params
    data["tables"] = tables
    return spec_from_json(data)


_CACHE: OrderedDict[tuple[int, str, datetime.date | None], CompiledSet] = OrderedDict()
_CACHE_SIZE = 16


def compiled_version(version: PolicySetVersion, *, as_of: datetime.date | None = None) -> CompiledSet:
    """Versions are immutable, so their compiled form is cached (keyed by id and content digest)."""
    key = (version.pk, version.digest, as_of)
    found = _CACHE.get(key)
    if found is not None:
        _CACHE.move_to_end(key)
        return found
    compiled = compile_set(spec_from_db(version), documents(), version=version.number, as_of=as_of)
    _CACHE[key] = compiled
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return compiled


def compiled_for(name: str, *, version: int | None = None, as_of: datetime.date | None = None) -> CompiledSet:
    return compiled_version(get_version(name, version), as_of=as_of)


def parameter_value(
    name: str, *, policy_set: str, region_code: str, on: datetime.date, version: int | None = None
) -> Parameter | None:
    """The parameter in force on ``on`` in ``region_code`` (district → city → province), or None."""
    v = get_version(policy_set, version)
    for code in lineage(region_code):
        p = (
            v.parameters.filter(name=name, region_code=code, effective_from__lte=on)
            .exclude(effective_to__lt=on)
            .order_by("-effective_from")
            .first()
        )
        if p is not None:
            return p
    return None


def fill_digital(events: pl.DataFrame) -> pl.DataFrame:
    """When the events carry no ``digital`` column, take it from the reference occupation list."""
    if "digital" in events.columns or "occupation_code" not in events.columns:
        return events
    digital = list(Occupation.objects.filter(digital=True).values_list("code", flat=True))
    return events.with_columns(
        digital=pl.col("occupation_code").cast(pl.String).str.strip_chars().is_in(digital).cast(pl.String)
    )


def version_table(name: str) -> list[PolicySetVersion]:
    return list(PolicySetVersion.objects.filter(policy_set__name=name).order_by("-number"))


def tables_of(version: PolicySetVersion) -> list[DecisionTable]:
    return list(version.tables.select_related("clause__document").order_by("name", "region_code", "effective_from"))
