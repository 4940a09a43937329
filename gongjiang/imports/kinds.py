"""The registry of import kinds. The imports app is a kit: it knows how to read, validate, write and
report a file, not what a person or a certificate is. Each app that owns a model declares the kind
that imports it (its columns and its ``prepare``) and registers it from its ``AppConfig.ready()``::

    imports.kinds.register(Kind(name="persons", label=..., model=Person, columns=..., prepare=...))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise

from gongjiang.core.tabular import Column
from gongjiang.imports.validation import Context, Prepared, Validation

NAME_MAX_LENGTH = 20  # ImportJob.kind


@dataclass(frozen=True)
class Kind:
    name: str  # "persons": the job's kind, the command's argument, the template's file name
    label: str | Promise  # plural, translatable: "Persons"
    model: type[models.Model]  # the model written; importing needs its add and change permissions
    columns: tuple[Column, ...]
    prepare: Callable[[Validation, Context], Prepared]  # validates and plans on whole columns, writes nothing
    position: int = 100  # order in the kind menus
    records_url: str = ""  # name of the URL of the list showing the records, linked from an imported job
    # Relations loaded with each changed record, for its change record's snapshot.
    related: tuple[str, ...] = ()


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Make ``kind`` importable. Registering another kind under a name already taken is an error."""
    if len(kind.name) > NAME_MAX_LENGTH:
        raise ValueError(f"import kind name {kind.name!r} is longer than {NAME_MAX_LENGTH} characters")
    known = _KINDS.get(kind.name)
    if known is not None and known != kind:
        raise ValueError(f"import kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind


def get(name: str) -> Kind:
    """The kind registered as ``name``; KeyError if there is none."""
    return _KINDS[name]


def is_registered(name: str) -> bool:
    return name in _KINDS


def registered() -> list[Kind]:
    """Every kind, in menu order."""
    return sorted(_KINDS.values(), key=lambda k: (k.position, k.name))


def choices() -> list[tuple[str, str | Promise]]:
    """(name, label) of every kind: the choices of ``ImportJob.kind``, of the upload form and the API."""
    return [(k.name, k.label) for k in registered()]
