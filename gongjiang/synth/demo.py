"""Demo accounts and data: a small synthetic Suzhou and Changzhou, and one account per role."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from gongjiang.core import second_factor
from gongjiang.core.audit import Action, record_change, record_set, snapshot
from gongjiang.core.models import Role, User
from gongjiang.registry.models import Organisation, Person
from gongjiang.synth.labour_demo import college
from gongjiang.synth.monitoring_demo import monitoring_demo

DEMO_REGIONS = [("320500", 0.01), ("320400", 0.005)]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    region_code: str
    description: str

    @property
    def needs_second_factor(self) -> bool:
        return second_factor.required(User(role=self.role, region_code=self.region_code))


DEMO_ACCOUNTS = [
    # The description is the account's name on the pages (its change history, the change log).
    DemoAccount("province", Role.OFFICER, "320000", "江苏省人社厅 省级经办人员"),
    DemoAccount("suzhou", Role.OFFICER, "320500", "苏州市人社局 市级经办人员"),
    DemoAccount("zhangjiagang", Role.OFFICER, "320582", "张家港市人社局 县级经办人员"),
    # A second officer of the same district: approves what the first drafted (a policy version, say).
    DemoAccount("zhangjiagang2", Role.OFFICER, "320582", "张家港市人社局 县级复核人员"),
    DemoAccount("changzhou", Role.OFFICER, "320400", "常州市人社局 市级经办人员"),
    DemoAccount("enterprise", Role.ORGANISATION, "", "张家港一家自主评价企业"),
    DemoAccount("auditor", Role.AUDITOR, "320500", "苏州市审计人员（只读）"),
    DemoAccount("school", Role.ORGANISATION, "", "张家港一家定点培训机构"),
    DemoAccount("evaluator", Role.ORGANISATION, "", "苏州一家社会培训评价组织"),
    DemoAccount("survey", Role.ORGANISATION, "", "苏州一家抽中企业薪酬调查的企业"),
    # Bound to a trainee of the training demo (gongjiang/synth/training_demo.py), who also signs in with the
    # ID number and a code sent to the phone on file.
    DemoAccount("worker", Role.WORKER, "", "张家港一名参加过四次培训的职工"),
    DemoAccount("college", Role.ORGANISATION, "", "张家港市技师学院"),
]


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-accounts.txt"


def totp_entry(username: str) -> str:
    """The credentials file's line holding the key of a demo account's authenticator."""
    return f"{username}-totp"


def _passwords() -> dict[str, str]:
    path = credentials_path()
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if ":" in line:
                user, pw = line.split(":", 1)
                known[user.strip()] = pw.strip()
    changed = False
    for account in DEMO_ACCOUNTS:
        if account.username not in known:
            known[account.username] = "gj-" + secrets.token_urlsafe(9)
            changed = True
        if account.needs_second_factor and totp_entry(account.username) not in known:
            known[totp_entry(account.username)] = default_key()
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{u}: {p}\n" for u, p in known.items()), encoding="utf-8")
        path.chmod(0o600)
    return known


@transaction.atomic
def demo_accounts() -> list[tuple[DemoAccount, str]]:
    """Create or reset the demo accounts; returns each with its password."""
    passwords = _passwords()
    enterprise = (
        Organisation.objects.filter(kind="enterprise", region_code="320582", self_evaluation=True)
        .order_by("pk")
        .first()
        or Organisation.objects.filter(kind="enterprise").order_by("pk").first()
    )
    out = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        created = user is None
        if user is None:
            user = User(username=account.username)
        before = None if created else snapshot(user)
        user.role = account.role
        user.region_code = account.region_code
        user.organisation = (
            (
                _training_institution()
                if account.username == "school"
                else _survey_enterprise(enterprise)
                if account.username == "survey"
                else college()
                if account.username == "college"
                else enterprise
            )
            if account.role == Role.ORGANISATION
            else None
        )
        user.first_name = account.description[:150]
        user.set_password(passwords[account.username])
        user.save()
        record_change(action="create" if created else "update", instance=user, before=before)
        if account.needs_second_factor:
            _demo_authenticator(user, passwords[totp_entry(account.username)])
        out.append((account, passwords[account.username]))
    return out


def _demo_authenticator(user: User, key: str) -> None:
    """The demo province officer's authenticator, with the key kept in the credentials file (the demo prints
    it; `gongjiang otp_code province` shows the current code while debug is on)."""
    device = second_factor.confirmed_device(user)
    if device is not None and device.key == key:
        return
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)
    record_set(model=TOTPDevice, count=1, detail={"user": user.username, "step": "demo"}, action=Action.CREATE)


def demo_secret(username: str) -> str:
    """The demo account's authenticator key as typed into an app (base32, in groups of four)."""
    device = second_factor.confirmed_device(User.objects.get(username=username))
    return second_factor.secret_text(device) if device is not None else ""


def _training_institution() -> Organisation | None:
    """The training institution the ``school`` account works for (made by the training demo)."""
    return Organisation.objects.filter(kind="training", region_code="320582").order_by("pk").first()


def _survey_enterprise(fallback: Organisation | None) -> Organisation | None:
    """The enterprise whose salary survey the ``survey`` account fills (made by the wages demo)."""
    from gongjiang.synth.wages_demo import survey_enterprise

    response = survey_enterprise()
    return response.organisation if response is not None else fallback


def region_has_data(code: str) -> bool:
    return Person.objects.filter(residence_region_code__startswith=code[:4]).exists()


def demo_monitoring(say: Callable[[str], None]) -> None:
    """Indicators, targets, demonstration map boundaries, synthetic carriers and the rollup."""

    monitoring_demo(cities=[code for code, _ in DEMO_REGIONS], say=say)
