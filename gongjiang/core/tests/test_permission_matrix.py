"""The permission matrix: every role × every scoped model × every action, reads and writes, in and out of
scope, derived from a few data attributes.

In the manner of NetBox's declarative test base classes, nothing here is checked by hand: a small world
is built with objects in 苏州张家港 (320582), 苏州虎丘 (320505), 常州武进 (320412), plus city- and
province-level statistics, and each object declares the region that scopes it. The tables below say,
for each role, which regions it sees and whether it writes; the expected answer of ``restrict`` for
every (role, model, action) follows from them. The organisation user's view is listed object by object.

Reads are checked through ``restrict`` and writes through ``in_scope`` (what ``authorize`` decides before
workflow rules, which have their own tests beside the workflows), for every action a model declares: the
four base actions and its workflow steps. A model added later without a line here fails the matrix.

Then the same scope is checked end to end through the pages and the API for a few roles.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.competitions.tests.matrix import COMPETITIONS_MODELS, COMPETITIONS_ORG_VIEW, add_competitions_world
from gongjiang.core.audit import audit_context, record_change
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import actions_of, in_scope, restrict, scope_of, scoped_models
from gongjiang.credentials.models import Certificate
from gongjiang.evaluation.tests.matrix import (
    EVALUATION_MODELS,
    EVALUATION_ORG_ACTS,
    EVALUATION_ORG_VIEW,
    EVALUATION_READ_ONLY,
    add_evaluation_world,
)
from gongjiang.honours.tests.matrix import HONOURS_MODELS, HONOURS_ORG_ACTS, HONOURS_ORG_VIEW, add_honours_world
from gongjiang.imports.models import ImportJob
from gongjiang.labour.tests.matrix import LABOUR_MODELS, LABOUR_ORG_ACTS, LABOUR_ORG_VIEW, add_labour_world
from gongjiang.monitoring.tests.matrix import (
    MONITORING_MODELS,
    MONITORING_ORG_ACTS,
    MONITORING_ORG_VIEW,
    MONITORING_READ_ONLY,
    add_monitoring_world,
)
from gongjiang.policy.tests.matrix import POLICY_MODELS, POLICY_ORG_VIEW, add_policy_world
from gongjiang.portal.models import WorkerInvitation
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person
from gongjiang.registry.services import employment_create, employment_stat_set
from gongjiang.training.tests.matrix import TRAINING_MODELS, TRAINING_ORG_ACTS, TRAINING_ORG_VIEW, add_training_world
from gongjiang.wages.tests.matrix import WAGES_MODELS, WAGES_ORG_ACTS, WAGES_ORG_VIEW, add_wages_world

ZJG, HUQIU, WUJIN, SUZHOU, JIANGSU = "320582", "320505", "320412", "320500", "320000"

# ---------------------------------------------------------------------------------------------
# The data attributes the whole matrix is derived from
# ---------------------------------------------------------------------------------------------

ROLES: dict[str, dict[str, Any] | None] = {
    "province": {"role": "officer", "region_code": "320000"},
    "suzhou": {"role": "officer", "region_code": "320500"},
    "zhangjiagang": {"role": "officer", "region_code": "320582"},
    "changzhou": {"role": "officer", "region_code": "320400"},
    "auditor": {"role": "auditor", "region_code": "320500"},
    # An officer account not yet bound to a region: sees nothing (an empty prefix must not match all).
    "unplaced": {"role": "officer", "region_code": ""},
    "organisation": {"role": "organisation"},  # bound to the enterprise "org_own" in 320582
    # A worker's self-service account: reads only through its own person (portal.selectors), never a register.
    "worker": {"role": "worker"},
    "superuser": {"role": "admin", "superuser": True},
    "anonymous": None,
}

# Regions whose objects a region-bound role may view. Written out, not computed from code prefixes.
VIEW_REGIONS: dict[str, set[str]] = {
    "province": {JIANGSU, SUZHOU, ZJG, HUQIU, WUJIN},
    "suzhou": {SUZHOU, ZJG, HUQIU},
    "zhangjiagang": {ZJG},
    "changzhou": {WUJIN},
    "auditor": {SUZHOU, ZJG, HUQIU},
    "unplaced": set(),
}
# Region-bound roles that may also add, change and delete what they view.
WRITERS = {"province", "suzhou", "zhangjiagang", "changzhou"}

# What the organisation user (an enterprise in 张家港) views: records linked to its organisation.
ORG_VIEW: dict[str, set[str]] = {
    "registry.Person": {"p_own", "p_cross"},
    "registry.Organisation": {"org_own"},
    "registry.Employment": {"e_own", "e_own_earlier", "e_cross"},
    "registry.EmploymentStat": set(),
    "credentials.Certificate": {"c_own", "c_cross", "c_issued"},
    "core.ChangeRecord": set(),
    "imports.ImportJob": set(),
    "portal.WorkerInvitation": set(),
    **TRAINING_ORG_VIEW,
    **MONITORING_ORG_VIEW,
    **POLICY_ORG_VIEW,
    **EVALUATION_ORG_VIEW,
    **COMPETITIONS_ORG_VIEW,
    **WAGES_ORG_VIEW,
    **LABOUR_ORG_VIEW,
    **HONOURS_ORG_VIEW,
}

# What it may do beyond viewing: its own records of the models that list the step in organisation_acts.
ORG_ACTS: dict[str, dict[str, set[str]]] = {
    **TRAINING_ORG_ACTS,
    **EVALUATION_ORG_ACTS,
    **WAGES_ORG_ACTS,
    **HONOURS_ORG_ACTS,
    **MONITORING_ORG_ACTS,
    **LABOUR_ORG_ACTS,
}

# Change records are append-only: nobody, not even a superuser, is in scope to change or delete them.
READ_ONLY_MODELS = {"core.ChangeRecord", *EVALUATION_READ_ONLY, *MONITORING_READ_ONLY}

MODELS: dict[str, type] = {
    "registry.Person": Person,
    "registry.Organisation": Organisation,
    "registry.Employment": Employment,
    "registry.EmploymentStat": EmploymentStat,
    "credentials.Certificate": Certificate,
    "core.ChangeRecord": ChangeRecord,
    "imports.ImportJob": ImportJob,
    "portal.WorkerInvitation": WorkerInvitation,
    **TRAINING_MODELS,
    **MONITORING_MODELS,
    **POLICY_MODELS,
    **EVALUATION_MODELS,
    **COMPETITIONS_MODELS,
    **WAGES_MODELS,
    **HONOURS_MODELS,
    **LABOUR_MODELS,
}


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    # model label → key → (object, the region that scopes it)
    objects: dict[str, dict[str, tuple[Any, str]]] = field(default_factory=dict)

    def add(self, key: str, obj: Any, region: str) -> Any:
        self.objects.setdefault(obj._meta.label, {})[key] = (obj, region)
        return obj

    def get(self, key: str) -> Any:
        for entries in self.objects.values():
            if key in entries:
                return entries[key][0]
        raise KeyError(key)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    # Argon2 is deliberately slow; the matrix creates eight users per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_user, make_person, make_org, make_certificate) -> World:  # type: ignore[no-untyped-def]
    w = World()
    org_own = w.add("org_own", make_org(region=ZJG, name="张家港精工机械"), ZJG)
    org_zjg2 = w.add("org_zjg2", make_org(region=ZJG, name="张家港港务"), ZJG)
    org_hq = w.add("org_hq", make_org(region=HUQIU, name="虎丘电子"), HUQIU)
    org_cz = w.add("org_cz", make_org(region=WUJIN, name="武进纺织"), WUJIN)

    p_own = w.add("p_own", make_person(region=ZJG, name="陈建国"), ZJG)
    p_zjg2 = w.add("p_zjg2", make_person(region=ZJG, name="周海燕"), ZJG)
    p_hq = w.add("p_hq", make_person(region=HUQIU, name="吴晓明"), HUQIU)
    p_cz = w.add("p_cz", make_person(region=WUJIN, name="钱志强"), WUJIN)
    # Lives in 常州 and works for the 张家港 enterprise: a cross-city employee.
    p_cross = w.add("p_cross", make_person(region=WUJIN, name="孙丽华"), WUJIN)

    with audit_context(source="cli"):
        # Employment is scoped by the employer's region.
        w.add(
            "e_own",
            employment_create(actor=None, person=p_own, organisation=org_own, start=datetime.date(2021, 3, 1)),
            ZJG,
        )
        # A second, ended job at the same employer: joins must not duplicate the person.
        w.add(
            "e_own_earlier",
            employment_create(
                actor=None,
                person=p_own,
                organisation=org_own,
                start=datetime.date(2015, 1, 1),
                end=datetime.date(2018, 12, 31),
            ),
            ZJG,
        )
        w.add(
            "e_zjg2",
            employment_create(actor=None, person=p_zjg2, organisation=org_zjg2, start=datetime.date(2020, 1, 1)),
            ZJG,
        )
        w.add(
            "e_hq",
            employment_create(actor=None, person=p_hq, organisation=org_hq, start=datetime.date(2019, 6, 1)),
            HUQIU,
        )
        w.add(
            "e_cz",
            employment_create(actor=None, person=p_cz, organisation=org_cz, start=datetime.date(2018, 9, 1)),
            WUJIN,
        )
        w.add(
            "e_cross",
            employment_create(actor=None, person=p_cross, organisation=org_own, start=datetime.date(2022, 2, 1)),
            ZJG,
        )

        for key, region in (("s_zjg", ZJG), ("s_hq", HUQIU), ("s_cz", WUJIN), ("s_sz", SUZHOU), ("s_js", JIANGSU)):
            w.add(
                key,
                employment_stat_set(actor=None, region_code=region, year=2023, employed=100000, source="统计年鉴"),
                region,
            )

    # Import jobs are located in the region of the officer who uploaded the file.
    with audit_context(source="cli"):
        for key, region in (("j_zjg", ZJG), ("j_hq", HUQIU), ("j_cz", WUJIN), ("j_sz", SUZHOU), ("j_js", JIANGSU)):
            job = ImportJob.objects.create(kind="persons", original_name=f"{key}.csv", region_code=region)
            record_change(action="create", instance=job)
            w.add(key, job, region)

    # Certificates are scoped by the holder's residence.
    w.add("c_own", make_certificate(p_own), ZJG)
    w.add("c_zjg2", make_certificate(p_zjg2), ZJG)
    w.add("c_hq", make_certificate(p_hq), HUQIU)
    w.add("c_cz", make_certificate(p_cz), WUJIN)
    w.add("c_cross", make_certificate(p_cross), WUJIN)
    # Held by a 虎丘 resident, issued by the 张家港 enterprise (self-evaluation): the issuer sees it.
    w.add("c_issued", make_certificate(p_hq, issuer=org_own), HUQIU)

    # Self-service invitations are scoped by the invited person's residence.
    inviter = make_user("matrix_inviter", role="officer", region_code=JIANGSU)
    with audit_context(source="cli"):
        for key, person, region in (("inv_own", p_own, ZJG), ("inv_hq", p_hq, HUQIU), ("inv_cz", p_cz, WUJIN)):
            invitation = WorkerInvitation.objects.create(
                person=person, code_hash=key, created_by=inviter, expires=timezone.now()
            )
            record_change(action="create", instance=invitation)
            w.add(key, invitation, region)

    add_training_world(w, make_user)
    add_monitoring_world(w)
    add_policy_world(w)
    add_evaluation_world(w)
    add_competitions_world(w)
    add_wages_world(w)
    add_honours_world(w)
    add_labour_world(w)

    # Every object above wrote its change record, located where the object is scoped.
    for label, entries in list(w.objects.items()):
        for key, (obj, region) in entries.items():
            for record in ChangeRecord.objects.filter(model=label, object_id=str(obj.pk)):
                w.add(f"cr:{key}:{record.pk}", record, region)

    for name, spec in ROLES.items():
        if spec is None:
            w.users[name] = AnonymousUser()
            continue
        w.users[name] = make_user(
            f"matrix_{name}",
            role=spec["role"],
            region_code=spec.get("region_code", ""),
            organisation=org_own if spec["role"] == "organisation" else None,
            superuser=spec.get("superuser", False),
        )
    return w


def expected_pks(w: World, role: str, label: str, action: str) -> list[int]:
    """The sorted primary keys ``restrict`` must return, derived from the tables above."""
    model = MODELS[label]
    entries = w.objects.get(label, {})
    writes = action != "view"
    if role in ("anonymous", "worker") or (writes and label in READ_ONLY_MODELS):
        return []
    if role == "superuser":
        return sorted(model._default_manager.values_list("pk", flat=True))
    if role == "organisation":
        keys = ORG_ACTS.get(label, {}).get(action, set()) if writes else ORG_VIEW[label]
        return sorted(entries[k][0].pk for k in keys)
    if writes and role not in WRITERS:
        return []
    return sorted(obj.pk for obj, region in entries.values() if region in VIEW_REGIONS[role])


# ---------------------------------------------------------------------------------------------
# The matrix itself
# ---------------------------------------------------------------------------------------------


def test_matrix_covers_every_scoped_model() -> None:
    """A new scoped model without expectations here fails this test."""
    assert set(MODELS) == set(scoped_models())
    assert set(ORG_VIEW) == set(scoped_models())
    # Every organisation step a model declares is listed, and nothing else.
    declared = {(label, a) for label in MODELS for a in scope_of(MODELS[label]).organisation_acts}
    assert declared == {(label, a) for label, acts in ORG_ACTS.items() for a in acts}
    assert set(VIEW_REGIONS) | WRITERS | {"organisation", "superuser", "anonymous", "worker"} == set(ROLES)


def test_world_is_the_whole_table(world: World) -> None:
    """The world is every row of the registry models, and each object is located where its rule says."""
    for label, model in MODELS.items():
        if label == "core.ChangeRecord":
            continue
        assert set(model._default_manager.values_list("pk", flat=True)) == {
            o.pk for o, _ in world.objects[label].values()
        }
    for obj, region in world.objects["core.ChangeRecord"].values():
        assert obj.region_code == region
    # Every registry object has a change record in the world (its create, at least).
    assert len(world.objects["core.ChangeRecord"]) >= sum(
        len(world.objects[label]) for label in MODELS if label != "core.ChangeRecord"
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_restrict(world: World, role: str) -> None:
    """One role's row of the matrix: every model, all four actions, every mismatch reported together.
    (One world per role, not per role × model: the world is the expensive part.)"""
    failures = []
    for label, model in MODELS.items():
        for action in actions_of(model):
            qs = restrict(model._default_manager.all(), world.users[role], action)
            got = sorted(qs.values_list("pk", flat=True))
            want = expected_pks(world, role, label, action)
            if got != want:
                failures.append(f"{role} {action} {label}: {_explain(world, label, got, want)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", list(ROLES))
def test_writes(world: World, role: str) -> None:
    """One role's row of the write matrix: every object of every model, every action but view. An object in
    the expected set may be acted on, every other is refused; and a new record may be placed only in the
    regions the role writes to."""
    user = world.users[role]
    failures = []
    regions = sorted({region for entries in world.objects.values() for _, region in entries.values()})
    for label, model in MODELS.items():
        for action in actions_of(model):
            if action == "view":
                continue
            want = set(expected_pks(world, role, label, action))
            for key, (obj, _region) in world.objects.get(label, {}).items():
                if in_scope(user, action, obj) != (obj.pk in want):
                    failures.append(f"{role} {action} {label} {key}: expected {obj.pk in want}")
        for region in regions:
            may = role == "superuser" or (
                role in WRITERS and region in VIEW_REGIONS[role] and label not in READ_ONLY_MODELS
            )
            if role == "superuser" and label in READ_ONLY_MODELS:
                may = False
            if in_scope(user, "add", model, region_code=region) != may:
                failures.append(f"{role} add a new {label} in {region}: expected {may}")
    assert not failures, "\n".join(failures)


def test_every_model_is_scoped_or_declared_unscoped() -> None:
    """A model of the platform either declares its scope or is listed here with the reason it has none."""
    unscoped = {
        "core.User": "accounts, managed in the admin",
        "core.PiiAccess": "the log of reveals, read in the admin",
        "reference.Region": "national code system, read by everyone",
        "reference.Occupation": "national code system, read by everyone",
        "reference.Industry": "national code system, read by everyone",
        "reference.SkillLevel": "national code system, read by everyone",
        "credentials.SigningKey": "the platform's signing keys, managed by command",
        "credentials.VerificationEvent": "the public verification log",
        "credentials.CertificateSerial": "the serial counters of certificate numbers, used by the issuing service",
        "credentials.CertificateBatchTree": "a batch's Merkle tree, read only for inclusion proofs",
        "monitoring.Indicator": "indicator definitions, the same for every region",
        "monitoring.RegionFact": "derived; read through the monitoring selectors by region",
        "monitoring.RollupState": "derived",
        "monitoring.RollupChange": "the rollup's work queue, read by the rollup only",
        "monitoring.RollupRun": "the rollup's run state, shown to everyone who monitors",
        "monitoring.TargetEvaluation": "derived; read through the monitoring selectors by region",
        "monitoring.SeriesForecast": "derived; read through the monitoring selectors by region",
        "monitoring.EarlyWarning": "derived; read through the monitoring selectors by region",
        "monitoring.Boundary": "map shapes, public",
        "policy.PolicyDocument": "published policy, read by everyone",
        "policy.Clause": "published policy, read by everyone",
        "policy.PolicySet": "published policy, read by everyone",
        "policy.PolicySetVersion": "published policy, read by everyone",
        "policy.Parameter": "published policy, read by everyone",
        "policy.DecisionTable": "published policy, read by everyone",
        "portal.SignInCode": "short-lived sign-in secrets, read only by the sign-in steps",
    }
    from django.apps import apps

    platform = {m._meta.label for m in apps.get_models() if m.__module__.startswith("gongjiang.")}
    assert platform - set(scoped_models()) - set(unscoped) == set(), "models with no scope and no reason"
    assert set(unscoped) & set(scoped_models()) == set()
    assert set(unscoped) <= platform


def _explain(w: World, label: str, got: list[int], want: list[int]) -> str:
    names = {obj.pk: key for key, (obj, _) in w.objects.get(label, {}).items()}
    extra = [names.get(pk, pk) for pk in got if pk not in want]
    missing = [names.get(pk, pk) for pk in want if pk not in got]
    dupes = sorted({names.get(pk, pk) for pk in got if got.count(pk) > 1}, key=str)
    return f"unexpected: {extra}; missing: {missing}; duplicated: {dupes}"


def test_expectations_are_not_vacuous(world: World) -> None:
    """Sanity of the tables themselves: the matrix distinguishes the roles it claims to."""
    person = "registry.Person"
    suzhou = expected_pks(world, "suzhou", person, "view")
    assert world.get("p_hq").pk in suzhou and world.get("p_own").pk in suzhou
    assert world.get("p_cz").pk not in suzhou and world.get("p_cross").pk not in suzhou
    assert expected_pks(world, "zhangjiagang", person, "view") == sorted(
        [world.get("p_own").pk, world.get("p_zjg2").pk]
    )
    assert expected_pks(world, "auditor", person, "view") == suzhou
    assert expected_pks(world, "auditor", person, "change") == []
    assert expected_pks(world, "changzhou", "registry.Employment", "view") == [world.get("e_cz").pk]


# ---------------------------------------------------------------------------------------------
# The same scope through the pages
# ---------------------------------------------------------------------------------------------


def _page_pks(response: Any) -> list[int]:
    assert response.status_code == 200
    return sorted(obj.pk for obj in response.context["records"])


def _pks(world: World, *keys: str) -> list[int]:
    return sorted(world.get(k).pk for k in keys)


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("/registry/persons/", "registry.Person"),
        ("/registry/organisations/", "registry.Organisation"),
        ("/credentials/certificates/", "credentials.Certificate"),
    ],
)
@pytest.mark.parametrize("role", ["province", "suzhou", "zhangjiagang", "changzhou", "auditor", "organisation"])
def test_list_pages_follow_the_matrix(client, sign_in, world: World, role: str, url: str, label: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, world.users[role])
    got = _page_pks(client.get(url))
    assert got == expected_pks(world, role, label, "view")


TRAINING_LISTS = [
    ("/training/institutions/", "training.Designation"),
    ("/training/catalog/", "training.CatalogEntry"),
    ("/training/needs/", "training.TrainingNeed"),
    ("/training/applications/", "training.Application"),
    ("/training/classes/", "training.TrainingClass"),
    ("/training/claims/", "training.Claim"),
    ("/training/batches/", "training.PaymentBatch"),
    ("/training/samples/", "training.AuditSample"),
    ("/training/findings/", "training.Finding"),
]


@pytest.mark.parametrize(("url", "label"), TRAINING_LISTS)
@pytest.mark.parametrize("role", ["province", "suzhou", "zhangjiagang", "changzhou", "auditor", "organisation"])
def test_training_list_pages_follow_the_matrix(client, sign_in, world: World, role: str, url: str, label: str) -> None:  # type: ignore[no-untyped-def]
    """A register the role may not read at all is refused (403); the others list exactly its scope."""
    sign_in(client, world.users[role])
    response = client.get(url)
    expected = expected_pks(world, role, label, "view")
    if response.status_code == 403:
        assert role == "organisation" and expected == []
    else:
        assert _page_pks(response) == expected


def test_suzhou_officer_pages_never_show_changzhou(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.users["suzhou"])
    persons = client.get("/registry/persons/")
    assert _page_pks(persons) == _pks(world, "p_own", "p_zjg2", "p_hq")
    html = persons.content.decode()
    for name in ("钱志强", "孙丽华"):
        assert name not in html
    certs = client.get("/credentials/certificates/")
    assert _page_pks(certs) == _pks(world, "c_own", "c_zjg2", "c_hq", "c_issued")
    for key in ("c_cz", "c_cross"):
        assert world.get(key).number not in certs.content.decode()
    orgs = client.get("/registry/organisations/")
    assert _page_pks(orgs) == _pks(world, "org_own", "org_zjg2", "org_hq")
    assert "武进纺织" not in orgs.content.decode()
    # A filter cannot widen the scope.
    assert _page_pks(client.get("/registry/persons/", {"region": WUJIN})) == []


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("suzhou", "p_hq", "p_cz"),
        ("zhangjiagang", "p_own", "p_hq"),
        ("changzhou", "p_cross", "p_own"),
        ("organisation", "p_cross", "p_zjg2"),
    ],
)
def test_person_detail_out_of_scope_is_404(client, sign_in, world: World, role: str, visible: str, hidden: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, world.users[role])
    assert client.get(f"/registry/persons/{world.get(visible).pk}/").status_code == 200
    assert client.get(f"/registry/persons/{world.get(hidden).pk}/").status_code == 404


def test_certificate_and_organisation_detail_out_of_scope_is_404(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.users["suzhou"])
    assert client.get(f"/credentials/certificates/{world.get('c_hq').pk}/").status_code == 200
    assert client.get(f"/credentials/certificates/{world.get('c_cross').pk}/").status_code == 404
    assert client.get(f"/registry/organisations/{world.get('org_hq').pk}/").status_code == 200
    assert client.get(f"/registry/organisations/{world.get('org_cz').pk}/").status_code == 404


def test_person_page_lists_only_related_records_in_scope(client, world: World) -> None:  # type: ignore[no-untyped-def]
    """The 张家港 enterprise sees its employee p_cross, but not certificates it has no link to."""
    client.force_login(world.users["organisation"])
    response = client.get(f"/registry/persons/{world.get('p_hq').pk}/")
    assert response.status_code == 404
    response = client.get(f"/registry/persons/{world.get('p_own').pk}/")
    assert response.status_code == 200
    assert sorted(j.pk for j in response.context["jobs"]) == _pks(world, "e_own", "e_own_earlier")
    certificates = next(panel["certificates"] for _t, panel in response.context["panels"] if "certificates" in panel)
    assert [c.pk for c in certificates] == [world.get("c_own").pk]


@pytest.mark.parametrize(
    "url", ["/registry/persons/", "/registry/organisations/", "/credentials/certificates/", "/audit/"]
)
def test_anonymous_pages_redirect_to_login(client, world: World, url: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_person_detail_redirects_to_login(client, world: World) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/registry/persons/{world.get('p_own').pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# ---------------------------------------------------------------------------------------------
# The same scope through the API, with token authentication
# ---------------------------------------------------------------------------------------------


def _api(user: Any) -> APIClient:
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def _api_pks(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None  # the world fits on one page
    return sorted(row["id"] for row in body["results"])


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("/api/persons/", "registry.Person"),
        ("/api/organisations/", "registry.Organisation"),
        ("/api/certificates/", "credentials.Certificate"),
        ("/api/employments/", "registry.Employment"),
        ("/api/employment-stats/", "registry.EmploymentStat"),
        ("/api/honours/calls/", "honours.HonourCall"),
        ("/api/honours/nominations/", "honours.Nomination"),
        ("/api/honours/honours/", "honours.Honour"),
        ("/api/honours/awards/", "honours.AwardApplication"),
        ("/api/honours/instalments/", "honours.AwardInstalment"),
    ],
)
@pytest.mark.parametrize("role", ["province", "suzhou", "zhangjiagang", "changzhou", "auditor", "superuser"])
def test_api_lists_follow_the_matrix(world: World, role: str, url: str, label: str) -> None:
    assert _api_pks(_api(world.users[role]).get(url)) == expected_pks(world, role, label, "view")


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("/api/persons/", "registry.Person"),
        ("/api/organisations/", "registry.Organisation"),
        ("/api/certificates/", "credentials.Certificate"),
        ("/api/employments/", "registry.Employment"),
        ("/api/honours/calls/", "honours.HonourCall"),
        ("/api/honours/nominations/", "honours.Nomination"),
        ("/api/honours/honours/", "honours.Honour"),
        ("/api/honours/awards/", "honours.AwardApplication"),
        ("/api/honours/instalments/", "honours.AwardInstalment"),
    ],
)
def test_api_lists_for_the_organisation_user(world: World, url: str, label: str) -> None:
    assert _api_pks(_api(world.users["organisation"]).get(url)) == expected_pks(world, "organisation", label, "view")


def test_api_suzhou_officer_never_sees_changzhou(world: World) -> None:
    api = _api(world.users["suzhou"])
    persons = api.get("/api/persons/")
    assert _api_pks(persons) == _pks(world, "p_own", "p_zjg2", "p_hq")
    assert all(row["residence_region_code"].startswith("3205") for row in persons.json()["results"])
    certs = api.get("/api/certificates/")
    assert _api_pks(certs) == _pks(world, "c_own", "c_zjg2", "c_hq", "c_issued")
    orgs = api.get("/api/organisations/")
    assert _api_pks(orgs) == _pks(world, "org_own", "org_zjg2", "org_hq")
    assert all(not row["region_code"].startswith("3204") for row in orgs.json()["results"])
    # Neither a filter nor an exact ID-number search reaches outside the scope.
    assert _api_pks(api.get("/api/persons/", {"region": WUJIN})) == []
    search = api.post("/api/persons/search/", {"id_number": world.get("p_cz").id_number}, format="json")
    assert search.status_code == 200 and search.json() == {"count": 0, "results": []}


@pytest.mark.parametrize(
    ("role", "url_key"),
    [
        ("suzhou", ("persons", "p_cz")),
        ("suzhou", ("certificates", "c_cross")),
        ("suzhou", ("organisations", "org_cz")),
        ("zhangjiagang", ("persons", "p_hq")),
        ("changzhou", ("employments", "e_cross")),
        ("auditor", ("persons", "p_cross")),
        ("organisation", ("persons", "p_zjg2")),
        ("organisation", ("organisations", "org_zjg2")),
    ],
)
def test_api_detail_out_of_scope_is_404(world: World, role: str, url_key: tuple[str, str]) -> None:
    path, key = url_key
    assert _api(world.users[role]).get(f"/api/{path}/{world.get(key).pk}/").status_code == 404


def test_api_detail_in_scope_is_200(world: World) -> None:
    api = _api(world.users["suzhou"])
    response = api.get(f"/api/persons/{world.get('p_hq').pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == world.get("p_hq").pk


def test_api_auditor_writes_are_403(world: World) -> None:
    api = _api(world.users["auditor"])
    before = (Person.objects.count(), Organisation.objects.count(), ChangeRecord.objects.count())
    response = api.post(
        "/api/persons/",
        {"name": "审计员", "id_number": "320582199005170011", "residence_region_code": ZJG},
        format="json",
    )
    assert response.status_code == 403
    response = api.post(
        "/api/organisations/",
        {"uscc": "91320582MA1XXXXXXX", "name": "x", "kind": "enterprise", "region_code": ZJG},
        format="json",
    )
    assert response.status_code == 403
    response = api.patch(f"/api/persons/{world.get('p_hq').pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    response = api.post(
        f"/api/certificates/{world.get('c_hq').pk}/revoke/", {"revoked_on": "2024-07-01", "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert (Person.objects.count(), Organisation.objects.count(), ChangeRecord.objects.count()) == before
    assert Certificate.objects.get(pk=world.get("c_hq").pk).status == "valid"


def test_api_organisation_user_writes_are_403(world: World) -> None:
    api = _api(world.users["organisation"])
    response = api.patch(f"/api/persons/{world.get('p_own').pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    assert Person.objects.get(pk=world.get("p_own").pk).name == "陈建国"
    # Statistics are not the organisation's to read at all.
    assert api.get("/api/employment-stats/").status_code == 403


def test_api_officer_cannot_change_out_of_scope(world: World) -> None:
    api = _api(world.users["zhangjiagang"])
    response = api.patch(f"/api/persons/{world.get('p_hq').pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 404
    assert Person.objects.get(pk=world.get("p_hq").pk).name == "吴晓明"
    response = api.post(
        f"/api/certificates/{world.get('c_hq').pk}/revoke/", {"revoked_on": "2024-07-01", "reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert Certificate.objects.get(pk=world.get("c_hq").pk).status == "valid"


@pytest.mark.parametrize(
    "url", ["/api/persons/", "/api/certificates/", "/api/organisations/", "/api/employments/", "/api/employment-stats/"]
)
def test_anonymous_api_is_refused(world: World, url: str) -> None:
    api = APIClient()
    response = api.get(url)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()
    response = api.get(f"/api/persons/{world.get('p_own').pk}/")
    assert response.status_code in (401, 403)


def test_bad_token_is_refused(world: World) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert api.get("/api/persons/").status_code == 401
