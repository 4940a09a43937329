"""Competition services: create and open a competition, register participants and judges, declare the
test project's marking aspects, enter or upload marks, publish the standardised results, and issue the
winners' direct-recognition certificates through the evaluation batch (``credentials.batches``).

Certificate numbers of a competition use the **organising region's code as the station code** (a
competition is run by the bureau of its region, not by a filed evaluation institution), body code
``0000`` and the letter ``S``: ``S0000 32 <region code> <year> <level> <serial>``. Should a filed
station ever carry the same six digits, the two share one serial counter (taken under a row lock), so
numbers still never collide."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.competitions import rules, selectors
from gongjiang.competitions.forms import MARK_COLUMNS
from gongjiang.competitions.models import (
    Aspect,
    AspectKind,
    Competition,
    CompetitionLevel,
    CompetitionStatus,
    Judge,
    Mark,
    Participant,
)
from gongjiang.core import pii
from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.bulk import update_frame
from gongjiang.core.plausible import check_name
from gongjiang.core.scope import authorize
from gongjiang.core.tabular import row_errors
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.credentials.batches import batch_issue
from gongjiang.credentials.models import Certificate, CertificateSource, CertificateStatus
from gongjiang.reference.models import SkillLevel
from gongjiang.reference.selectors import level_by_code, occupation_by_code, validate_region_code
from gongjiang.registry.models import Organisation, Person

MAX_CAP = 100_000


def _locked(competition: Competition) -> Competition:
    return (
        Competition.objects.select_for_update(of=("self",))
        .select_related("occupation", "award_level")
        .get(pk=competition.pk)
    )


def _status(competition: Competition, *allowed: str, message: str) -> None:
    if competition.status not in allowed:
        raise ValidationError({"status": message})


@transaction.atomic
def competition_create(
    *,
    actor: Any,
    name: str,
    level: str,
    region_code: str,
    occupation_code: str,
    award_level_code: str,
    start: datetime.date,
    end: datetime.date,
    cap: int,
    organiser: Organisation | None = None,
    recognised_ranks: int = 3,
    spread: int = 30,
) -> Competition:
    if level not in CompetitionLevel.values:
        raise ValidationError({"level": _("Unknown competition level.")})
    award = level_by_code(award_level_code, field="award_level")
    if award.national_level is None:
        raise ValidationError({"award_level": _("Choose a level from 初级工 to 高级技师.")})
    if end < start:
        raise ValidationError({"end": _("The competition ends before it starts.")})
    if not 1 <= cap <= MAX_CAP:
        raise ValidationError({"cap": _("The cap must be between 1 and %(n)d.") % {"n": MAX_CAP}})
    if not 0 <= recognised_ranks <= 100:
        raise ValidationError({"recognised_ranks": _("At most the first 100 ranks can be recognised.")})
    if not 1 <= spread <= 100:
        raise ValidationError({"spread": _("The spread is a percentage from 1 to 100.")})
    competition = Competition(
        name=check_name(name),
        level=level,
        region_code=validate_region_code(region_code, field="region_code"),
        occupation=occupation_by_code(occupation_code, field="occupation"),
        award_level=award,
        start=start,
        end=end,
        cap=cap,
        organiser=organiser,
        recognised_ranks=recognised_ranks,
        spread=spread,
    )
    authorize(actor, "add", competition, field="region_code")
    competition.full_clean()
    competition.save()
    record_change(action="create", instance=competition)
    return competition


def _move(competition: Competition, to: str, *allowed: str, message: str) -> Competition:
    _status(competition, *allowed, message=message)
    before = snapshot(competition)
    competition.status = to
    competition.save()
    record_change(action="update", instance=competition, before=before)
    return competition


@transaction.atomic
def competition_open(*, actor: Any, competition: Competition) -> Competition:
    """Open registration (a draft only)."""
    competition = _locked(competition)
    authorize(actor, "open", competition)
    return _move(
        competition,
        CompetitionStatus.OPEN,
        CompetitionStatus.DRAFT,
        message=_("Only a draft competition can be opened."),
    )


@transaction.atomic
def competition_close(*, actor: Any, competition: Competition) -> Competition:
    """Close registration and start marking: at least one participant, one judge and one aspect."""
    if not competition.participants.exists() or not competition.judges.exists() or not competition.aspects.exists():
        raise ValidationError({"status": _("Marking needs participants, judges and marking aspects.")})
    competition = _locked(competition)
    authorize(actor, "close", competition)
    return _move(
        competition,
        CompetitionStatus.MARKING,
        CompetitionStatus.OPEN,
        message=_("Only a competition open for registration can start marking."),
    )


@transaction.atomic
def participant_register(
    *, actor: Any, competition: Competition, person: Person, organisation: Organisation | None = None
) -> Participant:
    """A person of the registry takes part: once, within the cap, while registration is open."""
    competition = _locked(competition)
    participant = Participant(competition=competition, person=person, organisation=organisation)
    authorize(actor, "add", participant)
    authorize(actor, "change", competition)
    _status(
        competition,
        CompetitionStatus.DRAFT,
        CompetitionStatus.OPEN,
        message=_("Participants are registered before marking starts."),
    )
    if not Person.objects.filter(pk=person.pk).exists():
        raise ValidationError({"person": _("The person is not in the registry.")})
    if competition.participants.filter(person=person).exists():
        raise ValidationError({"id_number": _("The person is already registered.")})
    if competition.participants.count() >= competition.cap:
        raise ValidationError(
            {"id_number": _("The competition is full (%(n)d participants).") % {"n": competition.cap}}
        )
    participant.full_clean(validate_unique=False)
    participant.save()
    record_change(action="create", instance=participant)
    return participant


@transaction.atomic
def judge_add(*, actor: Any, competition: Competition, name: str, person: Person | None = None) -> Judge:
    competition = _locked(competition)
    judge = Judge(competition=competition, name=check_name(name), person=person)
    authorize(actor, "add", judge)
    authorize(actor, "change", competition)
    _status(
        competition,
        CompetitionStatus.DRAFT,
        CompetitionStatus.OPEN,
        message=_("Judges are added before marking starts."),
    )
    if competition.judges.filter(name=judge.name).exists():
        raise ValidationError({"name": _("A judge of this name is already listed.")})
    judge.full_clean(validate_unique=False)
    judge.save()
    record_change(action="create", instance=judge)
    return judge


@transaction.atomic
def aspect_add(*, actor: Any, competition: Competition, name: str, kind: str, max_mark: Decimal) -> Aspect:
    competition = _locked(competition)
    if kind not in AspectKind.values:
        raise ValidationError({"kind": _("Unknown kind of aspect.")})
    if not Decimal("0") < Decimal(max_mark) <= Decimal("1000"):
        raise ValidationError({"max_mark": _("The maximum mark must be above 0 and at most 1000.")})
    aspect = Aspect(competition=competition, name=check_name(name), kind=kind, max_mark=max_mark)
    authorize(actor, "add", aspect)
    authorize(actor, "change", competition)
    _status(
        competition,
        CompetitionStatus.DRAFT,
        CompetitionStatus.OPEN,
        message=_("Marking aspects are declared before marking starts."),
    )
    if competition.aspects.filter(name=aspect.name).exists():
        raise ValidationError({"name": _("An aspect of this name is already listed.")})
    aspect.full_clean(validate_unique=False)
    aspect.save()
    record_change(action="create", instance=aspect)
    return aspect


def _mark_value(raw: Any, aspect: Aspect) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(_("not a number")) from None
    if not value.is_finite() or value < 0 or value > aspect.max_mark:
        raise ValueError(_("the mark must be from 0 to %(m)s") % {"m": aspect.max_mark})
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(_("at most two decimals"))
    return value


@transaction.atomic
def mark_enter(
    *, actor: Any, competition: Competition, participant: Participant, judge: Judge, aspect: Aspect, value: Any
) -> Mark:
    """One judge's mark of one participant on one aspect (replacing an earlier one), while marking."""
    competition = _locked(competition)
    authorize(actor, "mark", competition)
    _status(competition, CompetitionStatus.MARKING, message=_("Marks are entered while marking."))
    if not (participant.competition_id == judge.competition_id == aspect.competition_id == competition.pk):
        raise ValidationError({"participant": _("The participant, judge and aspect must be of this competition.")})
    try:
        mark_value = _mark_value(value, aspect)
    except ValueError as exc:
        raise ValidationError({"value": str(exc)}) from None
    mark = Mark.objects.filter(participant=participant, judge=judge, aspect=aspect).first()
    if mark is None:
        mark = Mark(participant=participant, judge=judge, aspect=aspect, value=mark_value)
        mark.full_clean(validate_unique=False)
        mark.save()
        record_change(action="create", instance=mark)
    else:
        before = snapshot(mark)
        mark.value = mark_value
        mark.save()
        record_change(action="update", instance=mark, before=before)
    return mark


@transaction.atomic
def marks_upload(*, actor: Any, competition: Competition, frame: pl.DataFrame) -> int:
    """Marks from rows (id_number, judge, aspect, value): each participant by ID number, the judge and
    aspect by name; a later row for the same cell replaces nothing, it is refused as listed twice. All
    rows or none; the rows in error are named with their column."""
    competition = _locked(competition)
    authorize(actor, "mark", competition)
    _status(competition, CompetitionStatus.MARKING, message=_("Marks are entered while marking."))
    missing = [c for c in ("id_number", "judge", "aspect", "value") if c not in frame.columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}})
    if frame.height == 0:
        raise ValidationError({"file": _("The file has no rows.")})
    participants = {
        p.person.id_index: p for p in competition.participants.select_related("person").only("id", "person__id_index")
    }
    judges = {j.name: j for j in competition.judges.all()}
    aspects = {a.name: a for a in competition.aspects.all()}
    errors: list[tuple[int, str, str]] = []
    cells: dict[tuple[int, int, int], Decimal] = {}
    for row, values in enumerate(frame.iter_rows(named=True), start=2):
        participant = judge = aspect = None
        try:
            participant = participants.get(pii.blind_index(parse_id_number(values.get("id_number") or "").number))
            if participant is None:
                errors.append((row, "id_number", str(_("not a participant of this competition"))))
        except IdentifierError as exc:
            errors.append((row, "id_number", "; ".join(str(m) for m in exc.messages)))
        judge = judges.get((values.get("judge") or "").strip())
        if judge is None:
            errors.append((row, "judge", str(_("no judge of this name"))))
        aspect = aspects.get((values.get("aspect") or "").strip())
        if aspect is None:
            errors.append((row, "aspect", str(_("no aspect of this name"))))
            continue
        try:
            value = _mark_value(values.get("value") or "", aspect)
        except ValueError as exc:
            errors.append((row, "value", str(exc)))
            continue
        if participant is None or judge is None:
            continue
        key = (participant.pk, judge.pk, aspect.pk)
        if key in cells:
            errors.append((row, "value", str(_("listed twice"))))
        cells[key] = value
    if errors:
        raise ValidationError({"file": row_errors(errors, MARK_COLUMNS)})
    existing = {
        (m.participant_id, m.judge_id, m.aspect_id): m
        for m in Mark.objects.filter(participant__competition=competition)
    }
    new = [
        Mark(participant_id=p, judge_id=j, aspect_id=a, value=v)
        for (p, j, a), v in cells.items()
        if (p, j, a) not in existing
    ]
    changed = []
    for key, value in cells.items():
        mark = existing.get(key)
        if mark is not None and mark.value != value:
            mark.value = value
            changed.append(mark)
    if new:
        Mark.objects.bulk_create(new)
        record_set(
            model=Mark, count=len(new), detail={"competition": competition.pk}, region_code=competition.region_code
        )
    if changed:
        Mark.objects.bulk_update(changed, ["value"])
        record_set(
            model=Mark,
            count=len(changed),
            detail={"competition": competition.pk},
            region_code=competition.region_code,
            action="update",
        )
    return len(cells)


@transaction.atomic
def competition_publish(*, actor: Any, competition: Competition, today: datetime.date | None = None) -> Competition:
    """Record every participant's standardised score, rank, medal and recognition, and publish."""
    competition = _locked(competition)
    authorize(actor, "publish", competition)
    _status(competition, CompetitionStatus.MARKING, message=_("Results are published after marking."))
    results = selectors.results_of(competition)
    if not results:
        raise ValidationError({"status": _("No marks have been entered.")})
    by_id = {r.participant_id: r for r in results}
    participants = list(competition.participants.filter(pk__in=list(by_id)))
    for p in participants:
        r = by_id[p.pk]
        p.score, p.measurement, p.rank = r.score, rules.two(r.measurement), r.rank
        p.medal, p.recognised, p.flagged = r.medal, r.recognised, r.flagged
    Participant.objects.bulk_update(participants, ["score", "measurement", "rank", "medal", "recognised", "flagged"])
    record_set(
        model=Participant,
        count=len(participants),
        detail={"competition": competition.pk, "published": True},
        region_code=competition.region_code,
        action="update",
    )
    before = snapshot(competition)
    competition.status = CompetitionStatus.PUBLISHED
    competition.published_on = today or timezone.localdate()
    competition.save()
    record_change(action="update", instance=competition, before=before)
    return competition


def _targets(competition: Competition, person_ids: list[int]) -> dict[int, SkillLevel]:
    """Each winner's level: one above the highest valid certificate held in the occupation, at most the
    competition's award level; the award level for one holding none; none for one already at it."""
    levels = {lv.rank: lv for lv in SkillLevel.objects.filter(national_level__isnull=False)}
    held: dict[int, int] = {}
    for person, rank in Certificate.objects.filter(
        person_id__in=person_ids,
        occupation=competition.occupation,
        status=CertificateStatus.VALID,
        level__national_level__isnull=False,
    ).values_list("person_id", "level__rank"):
        held[person] = max(held.get(person, 0), rank)
    cap = competition.award_level.rank
    out = {}
    for person in person_ids:
        target = min(held[person] + 1, cap) if person in held else cap
        if target > held.get(person, 0) and target in levels:
            out[person] = levels[target]
    return out


@transaction.atomic
def competition_issue(*, actor: Any, competition: Competition, issue_date: datetime.date | None = None) -> Competition:
    """The recognised winners' certificates as one batch (source: competition)."""
    competition = _locked(competition)
    authorize(actor, "issue", competition)
    _status(
        competition, CompetitionStatus.PUBLISHED, message=_("Certificates are issued after the results are published.")
    )
    if competition.batch_id is not None:
        raise ValidationError({"status": _("The certificates have already been issued.")})
    winners = dict(
        competition.participants.filter(recognised=True, certificate__isnull=True).values_list("person_id", "id")
    )
    targets = _targets(competition, list(winners))
    if not targets:
        raise ValidationError({"status": _("No winner is to be recognised at a higher level.")})
    persons = sorted(targets)
    rows = pl.DataFrame(
        {
            "person_id": persons,
            "occupation_id": [competition.occupation_id] * len(persons),
            "occupation_code": [competition.occupation.code] * len(persons),
            "level_id": [targets[p].pk for p in persons],
            "level_code": [targets[p].code for p in persons],
            "national_level": [int(targets[p].national_level or 0) for p in persons],
        },
        schema={
            "person_id": pl.Int64,
            "occupation_id": pl.Int64,
            "occupation_code": pl.Utf8,
            "level_id": pl.Int64,
            "level_code": pl.Utf8,
            "national_level": pl.Int64,
        },
    )
    issued = batch_issue(
        rows=rows,
        source=CertificateSource.COMPETITION,
        issue_date=issue_date or timezone.localdate(),
        station_code=competition.region_code,
        region_code=competition.region_code,
        issuer=competition.organiser,
    )
    certs = dict(Certificate.objects.filter(batch=issued.batch).values_list("person_id", "id"))
    links = pl.DataFrame(
        {"id": [winners[p] for p in certs], "certificate_id": list(certs.values())},
        schema={"id": pl.Int64, "certificate_id": pl.Int64},
    )
    update_frame(Participant, links)
    record_set(
        model=Participant,
        count=links.height,
        detail={"competition": competition.pk, "batch": issued.batch.code},
        region_code=competition.region_code,
        action="update",
    )
    before = snapshot(competition)
    competition.batch = issued.batch
    competition.save()
    record_change(action="update", instance=competition, before=before)
    return competition
