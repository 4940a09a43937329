"""Synthetic data: valid identifiers, calibrated distributions, determinism, all-or-nothing loads."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command

from gongjiang.core.models import ChangeRecord
from gongjiang.core.tests.audit_guard import unaudited
from gongjiang.core.validators import normalise_uscc, parse_certificate_number, parse_id_number
from gongjiang.credentials.models import Certificate
from gongjiang.credentials.numbers import check_number_against
from gongjiang.credentials.selectors import skill_summary
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person
from gongjiang.synth.generator import synthesize

END_2025 = datetime.date(2025, 12, 31)


def _snapshot() -> tuple:
    persons = list(
        Person.objects.order_by("id_index").values_list("name", "id_index", "birth_date", "residence_region_code")
    )
    certs = list(Certificate.objects.order_by("number").values_list("number", "level__code", "issue_date", "status"))
    orgs = list(Organisation.objects.order_by("uscc").values_list("uscc", "name", "kind"))
    return persons, certs, orgs


def _wipe() -> None:
    with unaudited():
        Certificate.objects.all().delete()
        Employment.objects.all().delete()
        Person.objects.all().delete()
        Organisation.objects.all().delete()
        EmploymentStat.objects.all().delete()


@pytest.mark.django_db
def test_suzhou_reproduces_reported_figures(reference):
    report = synthesize(region="320500", scale=0.004, seed=7)
    assert report.counts["persons"] == round(2_634_000 * 0.004)
    summary = skill_summary("320500", END_2025)
    assert summary["skilled"] == report.counts["persons"]
    assert summary["high_share"] == pytest.approx(0.38, abs=0.015)  # SZ-report: 38% high-skilled
    assert summary["skilled_share"] > 0.35  # SZ-report: skilled workers over 35% of the employed
    self_eval = Certificate.objects.filter(source="self_evaluation").count()
    assert self_eval == round(350_000 * 0.004)
    assert all(
        n.startswith("Y") for n in Certificate.objects.filter(source="self_evaluation").values_list("number", flat=True)
    )
    # Every district of Suzhou has people; nobody lives outside Suzhou.
    districts = set(Person.objects.values_list("residence_region_code", flat=True))
    assert districts == {"320505", "320506", "320507", "320508", "320509", "320581", "320582", "320583", "320585"}
    assert ChangeRecord.objects.filter(action="bulk_create", model="registry.Person", region_code="320500").exists()


@pytest.mark.django_db
def test_identifiers_are_valid_and_consistent(reference):
    synthesize(region="320400", scale=0.002, seed=3)
    persons = list(Person.objects.all())
    assert len({p.id_index for p in persons}) == len(persons)
    for p in persons:
        info = parse_id_number(p.id_number)
        assert info.birth_date == p.birth_date and info.sex == p.sex
        assert (END_2025 - p.birth_date).days >= 18 * 365
    for uscc in Organisation.objects.values_list("uscc", flat=True):
        assert normalise_uscc(uscc) == uscc
    for cert in Certificate.objects.select_related("level", "person"):
        parse_certificate_number(cert.number)
        check_number_against(number=cert.number, level=cert.level, issue_date=cert.issue_date, source=cert.source)
        assert cert.issue_date >= cert.person.birth_date + datetime.timedelta(days=17 * 365)
        assert cert.issue_date <= END_2025
    # Self-evaluated certificates are issued by the holder's employer, a self-evaluating enterprise.
    for cert in Certificate.objects.filter(source="self_evaluation").select_related("issuer")[:200]:
        assert cert.issuer.self_evaluation
        assert Employment.objects.filter(person=cert.person, organisation=cert.issuer).exists()


@pytest.mark.django_db
def test_same_seed_same_data_other_seed_other_data(reference):
    synthesize(region="320582", scale=0.02, seed=11)
    first = _snapshot()
    _wipe()
    synthesize(region="320582", scale=0.02, seed=11)
    assert _snapshot() == first
    _wipe()
    synthesize(region="320582", scale=0.02, seed=12)
    assert _snapshot()[0] != first[0]


@pytest.mark.django_db
def test_refuses_a_second_load_and_bad_regions_without_writing(reference):
    synthesize(region="320582", scale=0.01, seed=1)
    before = (Person.objects.count(), Certificate.objects.count(), Organisation.objects.count())
    with pytest.raises(CommandError, match="already has persons"):
        call_command("synth", region="320582", scale=0.01, seed=2)
    with pytest.raises(CommandError, match="not a Jiangsu city"):
        call_command("synth", region="330100", scale=0.01, seed=2)
    with pytest.raises(CommandError, match="scale"):
        call_command("synth", region="320400", scale=0, seed=2)
    assert (Person.objects.count(), Certificate.objects.count(), Organisation.objects.count()) == before


@pytest.mark.django_db
def test_province_covers_all_thirteen_cities(reference):
    synthesize(region="320000", scale=0.0005, seed=5)
    cities = {code[:4] for code in Person.objects.values_list("residence_region_code", flat=True)}
    assert cities == {f"32{c:02d}" for c in range(1, 14)}
    totals = {c: skill_summary(f"{c}00", END_2025)["skilled"] for c in cities}
    assert totals["3205"] > totals["3213"]  # Suzhou is larger than Suqian


def test_rollback_journal_for_a_bulk_load_then_wal_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from gongjiang.synth.generator import rollback_journal

    path = tmp_path / "db.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("CREATE TABLE t (x)")
    with rollback_journal(raw) as mode:
        assert mode == "delete"
        raw.execute("INSERT INTO t VALUES (1)")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Another connection has the database open: the block runs in WAL mode and nothing fails.
    other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    other.execute("BEGIN")
    assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    with rollback_journal(raw) as mode:
        assert mode == "wal"
        raw.execute("INSERT INTO t VALUES (2)")
    other.execute("COMMIT")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    # A database not in WAL mode is left as it is.
    plain = sqlite3.connect(tmp_path / "plain.sqlite3", isolation_level=None)
    with rollback_journal(plain) as mode:
        assert mode == "delete"
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
