"""The project-based training workflow through its services: who may act at each step, what each step
refuses, and what it records."""

from __future__ import annotations

import datetime

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.training import services
from gongjiang.training.models import (
    Application,
    ApplicationStatus,
    ClassStatus,
    Designation,
    Enrolment,
    Outcome,
    ReviewDecision,
    TrainingClass,
)
from gongjiang.training.tests.conftest import END, OCCUPATION, START, ZJG, roster_frame


def test_designation_is_at_most_three_years_and_never_overlaps(tw, make_org) -> None:
    assert tw.designation.period_end == datetime.date(2026, 12, 31)
    other = make_org(region=ZJG, kind="training", name="张家港另一培训学校", industry="P")
    with pytest.raises(ValidationError) as exc:
        services.designation_create(
            actor=tw.zjg,
            organisation=other,
            region_code=ZJG,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2028, 1, 1),
            tender_reference="X-1",
        )
    assert "period_end" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.designation_create(
            actor=tw.zjg,
            organisation=tw.institution,
            region_code=ZJG,
            period_start=datetime.date(2026, 6, 1),
            tender_reference="X-2",
        )
    assert "period_start" in exc.value.message_dict
    enterprise = make_org(region=ZJG, kind="enterprise", name="张家港某企业")
    with pytest.raises(ValidationError) as exc:
        services.designation_create(
            actor=tw.zjg,
            organisation=enterprise,
            region_code=ZJG,
            period_start=datetime.date(2025, 1, 1),
            tender_reference="X-3",
        )
    assert "organisation" in exc.value.message_dict
    # Only an officer of the region designates; an institution cannot designate itself.
    with pytest.raises(PermissionDenied):
        services.designation_create(
            actor=tw.inst_user,
            organisation=other,
            region_code=ZJG,
            period_start=datetime.date(2025, 1, 1),
            tender_reference="X-4",
        )
    with pytest.raises(PermissionDenied):
        services.designation_create(
            actor=tw.huqiu,
            organisation=other,
            region_code=ZJG,
            period_start=datetime.date(2025, 1, 1),
            tender_reference="X-5",
        )
    assert Designation.objects.count() == 1


def test_need_stages_default_and_validation(tw) -> None:
    assert tw.need.stages == ["county", "city"]
    for stages in (["city", "county"], ["county", "county"], ["district"], []):
        with pytest.raises(ValidationError):
            services.need_create(
                actor=tw.zjg,
                region_code=ZJG,
                year=2025,
                occupation_code=OCCUPATION,
                level_code="level4",
                places=10,
                stages=stages,
            )
    city = services.need_create(
        actor=tw.suzhou, region_code="320500", year=2025, occupation_code=OCCUPATION, level_code="level3", places=10
    )
    assert city.stages == ["city"]
    with pytest.raises(ValidationError):  # a city need cannot be reviewed by a district
        services.need_create(
            actor=tw.suzhou,
            region_code="320500",
            year=2025,
            occupation_code=OCCUPATION,
            level_code="level3",
            places=10,
            stages=["county", "city"],
        )


def test_only_the_institution_applies_within_the_rules(tw) -> None:
    with pytest.raises(PermissionDenied):
        services.application_submit(
            actor=tw.zjg,
            need=tw.need,
            institution=tw.institution,
            start_date=START,
            end_date=END,
            class_hours=120,
            practical_hours=80,
            places=30,
            price_fen=180000,
        )
    bad = [
        ({"class_hours": 50, "practical_hours": 40}, "class_hours"),  # 中级 needs 56 hours
        ({"class_hours": 100, "practical_hours": 59}, "practical_hours"),  # 59% practical
        ({"places": 41}, "places"),
        ({"price_fen": 200001}, "price_fen"),  # above the listed price
        ({"end_date": START - datetime.timedelta(days=1)}, "end_date"),
        ({"start_date": datetime.date(2023, 6, 1), "end_date": datetime.date(2023, 7, 1)}, "institution"),
    ]
    for overrides, field in bad:
        with pytest.raises(ValidationError) as exc:
            tw.apply(**overrides)
        assert field in exc.value.message_dict, (overrides, exc.value.message_dict)
    application = tw.apply(class_hours=100, practical_hours=60)  # exactly 60% is enough
    assert application.status == ApplicationStatus.IN_REVIEW and application.region_code == ZJG
    with pytest.raises(ValidationError):
        tw.apply()  # once per need


def test_review_stages_in_order_by_the_right_officers(tw) -> None:
    application = tw.apply()
    # The city cannot decide the district's stage, nor a neighbouring district, nor the institution.
    for actor in (tw.suzhou, tw.huqiu, tw.inst_user):
        with pytest.raises(PermissionDenied):
            services.application_decide(actor=actor, application=application, decision="approve")
    with pytest.raises(ValidationError):
        services.application_decide(actor=tw.zjg, application=application, decision="reject", comment="")
    with audit_context(source="web", actor=tw.zjg):
        services.application_decide(actor=tw.zjg, application=application, decision="approve", comment="材料齐全")
    application.refresh_from_db()
    assert (application.stage, application.status) == (1, ApplicationStatus.IN_REVIEW)
    assert not TrainingClass.objects.exists()
    with pytest.raises(PermissionDenied):  # the district officer cannot decide the city stage too
        services.application_decide(actor=tw.zjg, application=application, decision="approve")
    with audit_context(source="web", actor=tw.suzhou):
        services.application_decide(actor=tw.suzhou, application=application, decision="approve", comment="同意")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.decided_at is not None
    decisions = list(
        ReviewDecision.objects.filter(application=application).values_list(
            "stage", "stage_level", "reviewer__username", "reviewer_region_code", "decision", "comment"
        )
    )
    assert decisions == [
        (0, "county", "t_zjg", ZJG, "approve", "材料齐全"),
        (1, "city", "t_suzhou", "320500", "approve", "同意"),
    ]
    tc = application.training_class
    assert tc.kind == "project" and tc.status == ClassStatus.OPEN and tc.region_code == ZJG
    assert tc.code == f"XM{ZJG}-2025-{tc.pk:05d}"
    assert (tc.start_date, tc.end_date, tc.fee_fen, tc.class_hours) == (START, END, 180000, 120)
    # Every decision is in the change log, by whom and from where.
    records = ChangeRecord.objects.filter(model="training.ReviewDecision").order_by("pk")
    assert [(r.actor_label, r.source, r.region_code) for r in records] == [
        ("t_zjg", "web", ZJG),
        ("t_suzhou", "web", ZJG),
    ]
    with pytest.raises(ValidationError):
        services.application_decide(actor=tw.suzhou, application=application, decision="approve")


def test_a_rejection_ends_the_review(tw) -> None:
    application = tw.apply()
    services.application_decide(actor=tw.zjg, application=application, decision="reject", comment="师资不足")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    with pytest.raises(ValidationError):
        services.application_decide(actor=tw.suzhou, application=application, decision="approve")
    assert not TrainingClass.objects.exists()


def test_a_stage_is_decided_once_in_the_database(tw) -> None:
    application = tw.apply()
    ReviewDecision.objects.create(
        application=application,
        stage=0,
        stage_level="county",
        reviewer=tw.zjg,
        reviewer_region_code=ZJG,
        decision="approve",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewDecision.objects.create(
            application=application,
            stage=0,
            stage_level="county",
            reviewer=tw.suzhou,
            reviewer_region_code="320500",
            decision="reject",
        )


def test_roster_upload_is_all_or_nothing_with_row_errors(tw, open_class, make_person) -> None:
    stranger = make_person(region="320505", name="虎丘人")
    frame = roster_frame([*tw.persons[:2], stranger])
    frame = frame.with_columns(
        pl.Series("name", ["陈建国", "周某某", "虎丘人"]),
        pl.Series("bank_account", ["6222021500000000001", "12AB", "6222021500000000003"]),
    )
    frame = pl.concat([frame, frame.head(1)])  # 陈建国 twice
    frame = pl.concat(
        [
            frame,
            pl.DataFrame(
                {
                    "id_number": ["320582199001011234"],
                    "name": ["无此人"],
                    "bank_account": ["6222021500000000009"],
                    "bank_name": [""],
                }
            ),
        ]
    )
    with pytest.raises(ValidationError) as exc:
        services.roster_upload(actor=tw.inst_user, training_class=open_class, frame=frame)
    messages = exc.value.message_dict["file"]
    assert any(m.startswith("row 2, column 身份证号码") for m in messages)  # listed twice
    assert any(m.startswith("row 3, column 姓名") for m in messages)
    assert any(m.startswith("row 3, column 银行账号") for m in messages)
    assert any(m.startswith("row 6, column 身份证号码") for m in messages)  # bad check digit or unknown
    assert not Enrolment.objects.exists()
    # A person outside the district may train here: the roster is real-name, not residence-bound.
    count = services.roster_upload(
        actor=tw.inst_user, training_class=open_class, frame=roster_frame([*tw.persons, stranger])
    )
    assert count == 5
    enrolment = Enrolment.objects.filter(person=tw.persons[0]).get()
    assert enrolment.bank_account_enc.startswith("v1:") and "62220215" not in enrolment.bank_account_enc
    assert enrolment.bank_account_masked == "6222 **** 0001"
    record = ChangeRecord.objects.filter(model="training.Enrolment").latest("pk")
    assert record.after == {"rows": 5, "class": open_class.code}
    with pytest.raises(ValidationError):  # already on the roster
        services.roster_upload(actor=tw.inst_user, training_class=open_class, frame=roster_frame(tw.persons[:1]))


def test_roster_respects_places_and_other_institutions(tw, open_class, make_org, make_user) -> None:
    other = make_org(region=ZJG, kind="training", name="别家学校", industry="P")
    other_user = make_user("t_other_school", role="organisation", organisation=other)
    with pytest.raises(PermissionDenied):
        services.roster_upload(actor=other_user, training_class=open_class, frame=roster_frame(tw.persons))
    Application.objects.filter(pk=open_class.application_id).update(places=3)
    open_class.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.roster_upload(actor=tw.inst_user, training_class=open_class, frame=roster_frame(tw.persons))
    assert "approved places" in str(exc.value)


def test_class_ends_only_after_its_end_date(tw, open_class) -> None:
    services.roster_upload(actor=tw.inst_user, training_class=open_class, frame=roster_frame(tw.persons))
    with pytest.raises(ValidationError):
        services.class_end(actor=tw.inst_user, training_class=open_class, today=END - datetime.timedelta(days=1))
    services.class_end(actor=tw.inst_user, training_class=open_class, today=END)
    open_class.refresh_from_db()
    assert open_class.status == ClassStatus.ENDED
    with pytest.raises(ValidationError):  # the roster is closed
        services.roster_upload(actor=tw.zjg, training_class=open_class, frame=roster_frame(tw.persons[:1]))


def test_results_are_matched_to_certificates_issued_after_the_class(tw, open_class, make_certificate) -> None:
    services.roster_upload(actor=tw.inst_user, training_class=open_class, frame=roster_frame(tw.persons))
    services.class_end(actor=tw.inst_user, training_class=open_class, today=END)
    a, b, c, d = tw.persons
    good = make_certificate(a, level="level4", national_level=4, issue_date=END, occupation=OCCUPATION)
    make_certificate(
        b, level="level4", national_level=4, issue_date=END - datetime.timedelta(days=1), occupation=OCCUPATION
    )  # before the class ended
    make_certificate(
        c, level="level3", national_level=3, issue_date=datetime.date(2025, 6, 1), occupation=OCCUPATION
    )  # another level
    make_certificate(
        d, level="level4", national_level=4, issue_date=datetime.date(2025, 6, 1), occupation="6-18-02-04"
    )  # another occupation
    with pytest.raises(PermissionDenied):
        services.results_match(actor=tw.inst_user, training_class=open_class)
    counts = services.results_match(actor=tw.zjg, training_class=open_class)
    assert counts == {"passed": 1, "not_passed": 3}
    outcomes = dict(Enrolment.objects.values_list("person_id", "outcome"))
    assert outcomes[a.pk] == Outcome.PASSED and outcomes[b.pk] == Outcome.NOT_PASSED
    assert Enrolment.objects.get(person=a).certificate == good
    open_class.refresh_from_db()
    assert open_class.status == ClassStatus.MATCHED
