"""Every service of every app takes its actor and checks it: a public function of a ``services`` module
(or package) is keyword-only, has an ``actor`` argument, and either calls ``authorize`` itself or hands
its actor to another service that does. A service added later without them fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType

from django.apps import apps

_DELEGATES = re.compile(r"\(\s*actor=actor\b|\bactor=actor\b")


def _service_modules() -> list[ModuleType]:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gongjiang."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.services")
        except ModuleNotFoundError:
            continue
        modules.append(module)
        if hasattr(module, "__path__"):
            for info in pkgutil.iter_modules(module.__path__):
                modules.append(importlib.import_module(f"{module.__name__}.{info.name}"))
    return modules


def _services() -> dict[str, object]:
    found = {}
    for module in _service_modules():
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{module.__name__}.{name}"] = fn
    return found


# Functions of the service modules that are helpers of the services rather than services (they write
# nothing on their own), with the reason.
HELPERS = {
    "gongjiang.core.services.pii_access_log": "the reveal log, written by services that authorized the step",
    "gongjiang.training.services.common.add_years": "date arithmetic",
    "gongjiang.training.services.common.check_year": "input check",
    "gongjiang.training.services.common.check_hours": "input check",
    "gongjiang.training.services.common.check_dates": "input check",
    "gongjiang.training.services.classes.class_from_application": "called by application_decide, inside it",
    "gongjiang.training.services.classes.class_for_update": "a locked read inside the class steps",
    "gongjiang.training.services.classes.set_class_status": "called inside the class steps, after authorize",
    "gongjiang.training.services.audits.sample_ids": "the random draw, pure",
    "gongjiang.evaluation.services.institutions.may_issue": "the filing's verdict on an occupation and level, a read",
    "gongjiang.evaluation.services.institutions.quota_left": "the certificates a quota still allows, a read",
}


def test_there_are_services_in_every_writing_app() -> None:
    services = _services()
    apps_with = {name.split(".")[1] for name in services}
    writing = {"core", "registry", "credentials", "training", "monitoring", "policy", "reference", "imports"}
    assert writing | {"evaluation"} <= apps_with
    assert set(HELPERS) <= set(services), "a helper listed here no longer exists"


def test_every_service_takes_its_actor_and_authorizes() -> None:
    failures = []
    for name, fn in sorted(_services().items()):
        if name in HELPERS:
            continue
        params = inspect.signature(fn).parameters  # type: ignore[arg-type]
        actor = params.get("actor")
        if actor is None or actor.kind is not inspect.Parameter.KEYWORD_ONLY:
            failures.append(f"{name}: no keyword-only actor")
            continue
        if actor.default is not inspect.Parameter.empty:
            failures.append(f"{name}: actor has a default (the caller must say who acts)")
        source = inspect.getsource(fn)  # type: ignore[arg-type]
        if "authorize(" not in source and not _DELEGATES.search(source):
            failures.append(f"{name}: neither authorizes its actor nor hands it to a service that does")
        if any(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params.values()):
            failures.append(f"{name}: positional arguments")
    assert not failures, "\n".join(failures)
