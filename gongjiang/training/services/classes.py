"""Classes, their real-name rosters, the end of a class, and matching trainees to certificates."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import authorize
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import Organisation, Person
from gongjiang.training.forms import ROSTER_COLUMNS as ROSTER_SPEC
from gongjiang.training.models import (
    Application,
    ClassKind,
    ClassStatus,
    Enrolment,
    Outcome,
    Programme,
    TraineeGroup,
    TrainingClass,
)
from gongjiang.training.selectors import designation_covering
from gongjiang.training.services.common import (
    CERTIFICATE_WINDOW_DAYS,
    check_dates,
    check_hours,
    level_by_code,
    occupation_by_code,
    row_errors,
)


def _save_class(training_class: TrainingClass) -> TrainingClass:
    """Insert a class and give it its code, region-year-serial (the serial is the primary key)."""
    training_class.code = f"tmp-{secrets.token_hex(8)}"
    training_class.full_clean()
    training_class.save()
    prefix = {ClassKind.PROJECT: "XM", ClassKind.DESIGNATED: "DD", ClassKind.ENTERPRISE: "QY"}[
        ClassKind(training_class.kind)
    ]
    training_class.code = f"{prefix}{training_class.region_code}-{training_class.start_date:%Y}-{training_class.pk:05d}"
    TrainingClass.objects.filter(pk=training_class.pk).update(code=training_class.code)
    record_change(action="create", instance=training_class)
    return training_class


def class_from_application(application: Application) -> TrainingClass:
    need = application.need
    return _save_class(
        TrainingClass(
            name=f"{need.occupation.name}（{need.level.name}）{application.institution.name}",
            kind=ClassKind.PROJECT,
            institution=application.institution,
            application=application,
            region_code=application.region_code,
            occupation=need.occupation,
            level=need.level,
            start_date=application.start_date,
            end_date=application.end_date,
            class_hours=application.class_hours,
            practical_hours=application.practical_hours,
            fee_fen=application.price_fen,
        )
    )


@transaction.atomic
def class_create(
    *,
    actor: Any,
    kind: str,
    institution: Organisation,
    region_code: str,
    name: str,
    occupation_code: str,
    level_code: str,
    start_date: datetime.date,
    end_date: datetime.date,
    class_hours: int,
    practical_hours: int,
    fee_fen: int = 0,
    programme: str = Programme.GENERAL,
) -> TrainingClass:
    """A class outside project-based training: at a designated institution, or an enterprise's own."""
    if programme not in Programme.values:
        raise ValidationError({"programme": _("Choose a programme from the list.")})
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", TrainingClass(institution=institution, region_code=region_code), field="region_code")
    if kind == ClassKind.DESIGNATED:
        if designation_covering(institution, region_code, start_date) is None:
            raise ValidationError({"institution": _("The institution holds no designation here on the start date.")})
    elif kind == ClassKind.ENTERPRISE:
        if institution.kind != "enterprise":
            raise ValidationError({"institution": _("Enterprise training is run by an enterprise.")})
        if region_code != institution.region_code:
            raise ValidationError({"region_code": _("Enterprise training is located at the enterprise.")})
    else:
        raise ValidationError({"kind": _("Project-based classes are opened by an approved application.")})
    level = level_by_code(level_code)
    check_dates(start_date, end_date)
    check_hours(level, class_hours, practical_hours)
    return _save_class(
        TrainingClass(
            name=(name or "").strip(),
            kind=kind,
            institution=institution,
            region_code=region_code,
            occupation=occupation_by_code(occupation_code),
            level=level,
            start_date=start_date,
            end_date=end_date,
            class_hours=class_hours,
            practical_hours=practical_hours,
            fee_fen=int(fee_fen or 0),
            programme=programme,
        )
    )


@transaction.atomic
def class_update_dates(
    *, actor: Any, training_class: TrainingClass, start_date: datetime.date, end_date: datetime.date
) -> TrainingClass:
    """An officer corrects a class's dates (the fraud checks re-examine certificates against them)."""
    authorize(actor, "change", training_class)
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    check_dates(start_date, end_date)
    before = snapshot(training_class)
    training_class.start_date, training_class.end_date = start_date, end_date
    training_class.full_clean()
    training_class.save()
    record_change(action="update", instance=training_class, before=before)
    return training_class


def class_for_update(training_class: TrainingClass, status: str) -> TrainingClass:
    locked = TrainingClass.objects.select_for_update().select_related("level", "occupation").get(pk=training_class.pk)
    if locked.status != status:
        raise ValidationError(
            {
                "status": _("The class is %(s)s; this step needs it %(n)s.")
                % {"s": locked.get_status_display(), "n": ClassStatus(status).label}
            }
        )
    return locked


def set_class_status(training_class: TrainingClass, status: str) -> None:
    before = snapshot(training_class)
    training_class.status = status
    training_class.save(update_fields=["status"])
    record_change(action="update", instance=training_class, before=before)


ROSTER_COLUMNS = ("id_number", "name", "bank_account", "bank_name", "trainee_group")
# The trainee group as written on rosters: the code, its Chinese name, or the English label.
GROUP_WORDS = {
    **{g.value: g.value for g in TraineeGroup},
    "青年": TraineeGroup.YOUTH,
    "高校毕业生": TraineeGroup.YOUTH,
    "登记失业青年": TraineeGroup.YOUTH,
    "失业人员": TraineeGroup.UNEMPLOYED,
    "登记失业人员": TraineeGroup.UNEMPLOYED,
    "农村劳动力": TraineeGroup.RURAL,
    "企业职工": TraineeGroup.EMPLOYEE,
    "职工": TraineeGroup.EMPLOYEE,
}


def _clean_account(value: str) -> str:
    return "".join(ch for ch in (value or "") if ch not in " -")


@transaction.atomic
def roster_upload(*, actor: Any, training_class: TrainingClass, frame: pl.DataFrame) -> int:
    """Add trainees to an open class's real-name roster from rows (id_number, name, bank_account[, bank_name]).
    Every person must already be in the registry and the name must match it. All or nothing."""
    authorize(actor, "roster", training_class)
    training_class = class_for_update(training_class, ClassStatus.OPEN)
    missing = [c for c in ("id_number", "name", "bank_account") if c not in frame.columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}})
    if frame.height == 0:
        raise ValidationError({"file": _("The file has no rows.")})
    frame = frame.select(
        [pl.col(c).cast(pl.Utf8).fill_null("").str.strip_chars() for c in frame.columns if c in ROSTER_COLUMNS]
    )
    for optional in ("bank_name", "trainee_group"):
        if optional not in frame.columns:
            frame = frame.with_columns(pl.lit("").alias(optional))
    errors: list[tuple[int, str, str]] = []
    numbers: list[str] = []
    for i, raw in enumerate(frame["id_number"].to_list(), start=2):
        try:
            numbers.append(parse_id_number(raw).number)
        except IdentifierError as exc:
            numbers.append("")
            errors.append((i, "id_number", "; ".join(str(m) for m in exc.messages)))
    accounts = [_clean_account(a) for a in frame["bank_account"].to_list()]
    frame = frame.with_columns(
        pl.Series("id_index", pii.blind_index_many(numbers)),
        pl.Series("bank_account", accounts),
        pl.int_range(2, frame.height + 2).alias("row"),
    )
    persons = pl.DataFrame(
        list(
            Person.objects.filter(id_index__in=[x for x in frame["id_index"].to_list() if x]).values_list(
                "id_index", "id", "name"
            )
        ),
        schema={"id_index": pl.Utf8, "person_id": pl.Int64, "registry_name": pl.Utf8},
        orient="row",
    )
    enrolled = set(Enrolment.objects.filter(training_class=training_class).values_list("person_id", flat=True))
    frame = frame.join(persons, on="id_index", how="left")
    checks = [
        (
            (pl.col("id_index") != "") & pl.col("person_id").is_null(),
            "id_number",
            _("no person with this ID number in the registry"),
        ),
        (
            pl.col("person_id").is_not_null() & (pl.col("name") != pl.col("registry_name")),
            "name",
            _("the name does not match the registry"),
        ),
        (~pl.col("bank_account").str.contains(r"^\d{12,30}$"), "bank_account", _("12 to 30 digits")),
        ((pl.col("id_index") != "") & pl.col("id_index").is_duplicated(), "id_number", _("listed twice")),
        (pl.col("person_id").is_in(list(enrolled)), "id_number", _("already on the roster")),
    ]
    groups = [
        GROUP_WORDS.get(g.strip().lower() if g.isascii() else g.strip()) for g in frame["trainee_group"].to_list()
    ]
    for row, group in enumerate(groups, start=2):
        if group is None:
            errors.append(
                (row, "trainee_group", str(_("unknown trainee group (use 青年, 失业人员, 农村劳动力 or 企业职工)")))
            )
    for condition, column, message in checks:
        for row in frame.filter(condition)["row"].to_list():
            errors.append((row, column, str(message)))
    places = training_class.application.places if training_class.application is not None else None
    if places is not None and len(enrolled) + frame.height > places:
        errors.append((0, "file", str(_("the roster would exceed the %(n)d approved places") % {"n": places})))
    if errors:
        raise ValidationError({"file": row_errors(errors, ROSTER_SPEC)})
    protected = pii.protect_many({"bank_account": frame["bank_account"].to_list()})["bank_account"]
    now = timezone.now()
    rows = [
        Enrolment(
            training_class=training_class,
            person_id=person_id,
            bank_name=bank[:100],
            bank_account_enc=enc,
            bank_account_index=idx,
            trainee_group=group or "",
            created=now,
        )
        for person_id, bank, enc, idx, group in zip(
            frame["person_id"].to_list(),
            frame["bank_name"].to_list(),
            protected[0],
            protected[1],
            groups,
            strict=True,
        )
    ]
    Enrolment.objects.bulk_create(rows)
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=Enrolment,
        count=len(rows),
        detail={"class": training_class.code},
        region_code=training_class.region_code,
    )
    return len(rows)


@transaction.atomic
def class_end(*, actor: Any, training_class: TrainingClass, today: datetime.date | None = None) -> TrainingClass:
    """Close the roster once the class has ended."""
    authorize(actor, "end", training_class)
    training_class = class_for_update(training_class, ClassStatus.OPEN)
    today = today or timezone.localdate()
    if today < training_class.end_date:
        raise ValidationError({"end_date": _("The class ends on %(d)s.") % {"d": training_class.end_date.isoformat()}})
    if not training_class.enrolments.exists():
        raise ValidationError({"roster": _("The roster is empty.")})
    set_class_status(training_class, ClassStatus.ENDED)
    return training_class


@transaction.atomic
def results_match(*, actor: Any, training_class: TrainingClass) -> dict[str, int]:
    """Match each trainee to a valid certificate of the class's occupation and level, issued on or after
    the day the class ended (and within a year). Unmatched trainees are recorded as not passed."""
    authorize(actor, "match", training_class)
    training_class = class_for_update(training_class, ClassStatus.ENDED)
    enrolments = pl.DataFrame(
        list(Enrolment.objects.filter(training_class=training_class).values_list("id", "person_id")),
        schema={"enrolment_id": pl.Int64, "person_id": pl.Int64},
        orient="row",
    )
    window_end = training_class.end_date + datetime.timedelta(days=CERTIFICATE_WINDOW_DAYS)
    certificates = pl.DataFrame(
        list(
            Certificate.objects.filter(
                person_id__in=enrolments["person_id"].to_list(),
                occupation=training_class.occupation,
                level=training_class.level,
                status=CertificateStatus.VALID,
                issue_date__gte=training_class.end_date,
                issue_date__lte=window_end,
            ).values_list("person_id", "id", "issue_date")
        ),
        schema={"person_id": pl.Int64, "certificate_id": pl.Int64, "issue_date": pl.Date},
        orient="row",
    )
    first = certificates.sort(["issue_date", "certificate_id"]).unique("person_id", keep="first")
    matched = enrolments.join(first, on="person_id", how="left")
    passed = matched.filter(pl.col("certificate_id").is_not_null())
    by_outcome: dict[str, list[int]] = {
        Outcome.PASSED: passed["enrolment_id"].to_list(),
        Outcome.NOT_PASSED: matched.filter(pl.col("certificate_id").is_null())["enrolment_id"].to_list(),
    }
    updates = [
        Enrolment(pk=e, outcome=Outcome.PASSED, certificate_id=c)
        for e, c in zip(passed["enrolment_id"].to_list(), passed["certificate_id"].to_list(), strict=True)
    ]
    Enrolment.objects.bulk_update(updates, ["outcome", "certificate"], batch_size=500)
    Enrolment.objects.filter(pk__in=by_outcome[Outcome.NOT_PASSED]).update(outcome=Outcome.NOT_PASSED, certificate=None)
    counts = {"passed": len(by_outcome[Outcome.PASSED]), "not_passed": len(by_outcome[Outcome.NOT_PASSED])}
    record_set(
        action=ChangeRecord.Action.UPDATE,
        model=Enrolment,
        count=enrolments.height,
        detail={"class": training_class.code, "step": "results matched", **counts},
        region_code=training_class.region_code,
    )
    set_class_status(training_class, ClassStatus.MATCHED)
    return counts
