"""Labour-market services: skill demand posted and closed, the talent-need survey answered and
submitted, the need catalog compiled (shortage index, ``rules.py``) and published, its shortage proposals
accepted into the training catalog or rejected; job fairs with booths, seekers and outcomes; programmes, order and
named classes, apprenticeships, school reports; job seekers registered and placed (an employment record
in the registry); matching rounds: applicants with their choices, run (deferred acceptance and its
certificate, ``matching.py``) and confirmed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.plausible import check_name
from gongjiang.core.scope import authorize
from gongjiang.labour import matching, rules, selectors
from gongjiang.labour.models import (
    FAIR_CLAUSES,
    Applicant,
    Apprenticeship,
    ApprenticeshipKind,
    BoothPost,
    CatalogEntry,
    CatalogStatus,
    ClassKind,
    DemandPost,
    FairBooth,
    FairKind,
    FairOutcome,
    FairSeeker,
    FairStatus,
    JobFair,
    MatchRound,
    NeedCatalog,
    NeedSurvey,
    OrderClass,
    OutcomeKind,
    PostStatus,
    Programme,
    ProposalDecision,
    RoundStatus,
    SchoolReport,
    Seeker,
    SeekerKind,
    SeekerStatus,
    SurveyLine,
)
from gongjiang.labour.selectors import evidence_for
from gongjiang.reference.models import Industry, SkillLevel
from gongjiang.reference.selectors import level_by_code, occupation_by_code, validate_region_code
from gongjiang.registry.models import Organisation, OrganisationKind, Person
from gongjiang.registry.services import employment_create
from gongjiang.training.services import catalog_shortage_adopt

SCHOOL_KINDS = (OrganisationKind.VOCATIONAL_SCHOOL, OrganisationKind.TECHNICIAN_COLLEGE, OrganisationKind.TRAINING)
MAX_COUNT = 1_000_000
MAX_WAGE = 1_000_000
M = TypeVar("M", bound=models.Model)


def _count(value: int, field: str, *, low: int = 0, high: int = MAX_COUNT) -> int:
    if value is None or not low <= int(value) <= high:
        raise ValidationError({field: _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}})
    return int(value)


def _year(value: int, field: str = "year") -> int:
    if not 2000 <= int(value) <= 2100:
        raise ValidationError({field: _("Enter a year from 2000 to 2100.")})
    return int(value)


def _kind(org: Organisation, kinds: tuple[str, ...], field: str, message: str) -> Organisation:
    if org.kind not in kinds:
        raise ValidationError({field: message})
    return org


def _enterprise(org: Organisation, field: str = "organisation") -> Organisation:
    return _kind(org, (OrganisationKind.ENTERPRISE,), field, _("Only an enterprise may do this."))


def _school(org: Organisation, field: str = "school") -> Organisation:
    return _kind(
        org,
        SCHOOL_KINDS,
        field,
        _("Choose a school (a vocational school, technician college or training institution)."),
    )


def _level(code: str | None, field: str = "level") -> SkillLevel | None:
    if not code:
        return None
    level = level_by_code(code, field=field)
    if level.national_level is None:
        raise ValidationError({field: _("Choose a level from 初级工 to 高级技师.")})
    return level


def _move(obj: M, *, actor: Any, step: str, source: str, to: str, refusal: str, **changes: Any) -> M:
    """A workflow step that moves a record from status ``source`` to ``to`` (in the caller's transaction):
    its row locked and read again, the step authorised, refused with ``refusal`` (on the status) when the
    record is no longer in ``source``, the other ``changes`` set, and a change record of the update."""
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    authorize(actor, step, obj)
    fields: Any = obj
    if fields.status != source:
        raise ValidationError({"status": refusal})
    before = snapshot(obj)
    fields.status = to
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()
    record_change(action="update", instance=obj, before=before)
    return obj


def _save(obj: Any) -> Any:
    """Validate, save and record a new object (its service has authorized the actor)."""
    obj.full_clean()
    obj.save()
    record_change(action="create", instance=obj)
    return obj


# ---- demand ---------------------------------------------------------------------------------------


@transaction.atomic
def post_create(
    *,
    actor: Any,
    organisation: Organisation,
    occupation_code: str,
    level_code: str | None,
    headcount: int,
    wage_offer: int,
    start: datetime.date,
    region_code: str = "",
    opened_on: datetime.date | None = None,
) -> DemandPost:
    """An enterprise posts a skill demand (its own region unless it names another)."""
    post = DemandPost(
        organisation=_enterprise(organisation),
        region_code=validate_region_code(region_code or organisation.region_code, field="region_code"),
        occupation=occupation_by_code(occupation_code, field="occupation"),
        level=_level(level_code),
        headcount=_count(headcount, "headcount", low=1, high=100_000),
        wage_offer=_count(wage_offer, "wage_offer", low=1, high=MAX_WAGE),
        start=start,
        opened_on=opened_on or timezone.localdate(),
    )
    authorize(actor, "add", post, field="organisation")
    return _save(post)


@transaction.atomic
def post_close(*, actor: Any, post: DemandPost) -> DemandPost:
    return _move(
        post,
        actor=actor,
        step="close",
        source=PostStatus.OPEN,
        to=PostStatus.CLOSED,
        refusal=_("The post is already closed."),
        closed_on=timezone.localdate(),
    )


@transaction.atomic
def survey_start(*, actor: Any, organisation: Organisation, year: int) -> NeedSurvey:
    """An enterprise opens its answer to a year's talent-need survey."""
    _enterprise(organisation)
    if NeedSurvey.objects.filter(organisation=organisation, year=year).exists():
        raise ValidationError({"year": _("The enterprise has already answered the survey of this year.")})
    survey = NeedSurvey(organisation=organisation, region_code=organisation.region_code, year=_year(year))
    authorize(actor, "add", survey, field="organisation")
    return _save(survey)


@transaction.atomic
def survey_line_add(
    *,
    actor: Any,
    survey: NeedSurvey,
    occupation_code: str,
    level_code: str,
    staff: int,
    hires_1: int,
    hires_2: int,
    hires_3: int,
    hard_to_fill: int = 0,
    open_days: int = 0,
) -> SurveyLine:
    """One occupation × level of the answer (staff now, planned hires for three years, hard posts)."""
    if survey.submitted_on is not None:
        raise ValidationError({"survey": _("The answer is submitted and can no longer be changed.")})
    level = _level(level_code)
    if level is None:
        raise ValidationError({"level": _("Choose the skill level.")})
    occupation = occupation_by_code(occupation_code, field="occupation")
    if survey.lines.filter(occupation=occupation, level=level).exists():
        raise ValidationError({"occupation": _("This occupation and level are already in the answer.")})
    line = SurveyLine(
        survey=survey,
        occupation=occupation,
        level=level,
        staff=_count(staff, "staff"),
        hires_1=_count(hires_1, "hires_1"),
        hires_2=_count(hires_2, "hires_2"),
        hires_3=_count(hires_3, "hires_3"),
        hard_to_fill=_count(hard_to_fill, "hard_to_fill"),
        open_days=_count(open_days, "open_days", high=3650),
    )
    if line.hard_to_fill and not line.open_days:
        raise ValidationError({"open_days": _("Say how many days the hard posts stayed open.")})
    authorize(actor, "change", survey)
    authorize(actor, "add", line, field="survey")
    return _save(line)


@transaction.atomic
def survey_send(*, actor: Any, survey: NeedSurvey) -> NeedSurvey:
    survey = NeedSurvey.objects.select_for_update().get(pk=survey.pk)
    authorize(actor, "send", survey)
    if survey.submitted_on is not None:
        raise ValidationError({"survey": _("The answer is already submitted.")})
    if not survey.lines.exists():
        raise ValidationError({"survey": _("Add at least one occupation before submitting.")})
    before = snapshot(survey)
    survey.submitted_on = timezone.localdate()
    survey.save()
    record_change(action="update", instance=survey, before=before)
    return survey


# ---- the need catalog -----------------------------------------------------------------------------


@transaction.atomic
def catalog_create(*, actor: Any, region_code: str, year: int) -> NeedCatalog:
    region_code = validate_region_code(region_code, field="region_code")
    if NeedCatalog.objects.filter(region_code=region_code, year=year).exists():
        raise ValidationError({"year": _("The region already has a need catalog of this year.")})
    catalog = NeedCatalog(region_code=region_code, year=_year(year))
    authorize(actor, "add", catalog, field="region_code")
    return _save(catalog)


@transaction.atomic
def catalog_compile(*, actor: Any, catalog: NeedCatalog) -> int:
    """Compile the catalog from the region's posts of the year, its submitted survey answers and its
    schools' expected graduates; each occupation with its shortage index and evidence. A draft only."""
    catalog = NeedCatalog.objects.select_for_update().get(pk=catalog.pk)
    authorize(actor, "compile", catalog)
    if catalog.status != CatalogStatus.DRAFT:
        raise ValidationError({"status": _("A published catalog is not compiled again.")})
    evidence = evidence_for(catalog.region_code, catalog.year)
    if not evidence:
        raise ValidationError({"status": _("No posts or survey answers of this year in the region yet.")})
    removed = catalog.entries.count()
    catalog.entries.all().delete()
    CatalogEntry.objects.bulk_create(
        [
            CatalogEntry(
                catalog=catalog,
                occupation_id=e.occupation_id,
                demand=e.demand,
                posted=e.posted,
                filled=e.filled,
                hard_to_fill=e.hard_to_fill,
                open_days=e.open_days,
                supply=e.supply,
                shortage_index=Decimal(str(e.index)),
                proposed=e.proposed,
            )
            for e in evidence
        ]
    )
    if removed:
        record_set(
            model=CatalogEntry,
            count=removed,
            detail={"catalog": catalog.pk, "step": "recompile"},
            region_code=catalog.region_code,
            action="delete",
        )
    record_set(
        model=CatalogEntry,
        count=len(evidence),
        detail={"catalog": catalog.pk, "step": "compile"},
        region_code=catalog.region_code,
    )
    before = snapshot(catalog)
    catalog.compiled_on = timezone.localdate()
    catalog.save()
    record_change(action="update", instance=catalog, before=before)
    return len(evidence)


@transaction.atomic
def catalog_publish(*, actor: Any, catalog: NeedCatalog) -> NeedCatalog:
    """Publish the catalog (技能人才需求发布): every enterprise, school and seeker may then read it."""
    catalog = NeedCatalog.objects.select_for_update().get(pk=catalog.pk)
    authorize(actor, "publish", catalog)
    if catalog.status != CatalogStatus.DRAFT:
        raise ValidationError({"status": _("The catalog is already published.")})
    before = snapshot(catalog)
    catalog.status, catalog.published_on = CatalogStatus.PUBLISHED, timezone.localdate()
    catalog.save()
    record_change(action="update", instance=catalog, before=before)
    return catalog


# ---- supply ---------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    actor: Any,
    school: Organisation,
    name: str,
    occupation_code: str,
    year: int,
    enrolment: int,
    expected_graduates: int,
) -> Programme:
    programme = Programme(
        school=_school(school),
        region_code=school.region_code,
        name=check_name(name),
        occupation=occupation_by_code(occupation_code, field="occupation"),
        year=_year(year),
        enrolment=_count(enrolment, "enrolment"),
        expected_graduates=_count(expected_graduates, "expected_graduates"),
    )
    if Programme.objects.filter(school=school, name=programme.name, year=programme.year).exists():
        raise ValidationError({"name": _("The school already has this programme in this year.")})
    authorize(actor, "add", programme, field="school")
    return _save(programme)


@transaction.atomic
def order_class_create(
    *,
    actor: Any,
    school: Organisation,
    enterprise: Organisation,
    name: str,
    kind: str,
    occupation_code: str,
    year: int,
    places: int,
    funding_per_student: int = 0,
    school_quota: int | None = None,
    region_quota: int | None = None,
) -> OrderClass:
    """A school registers an order or named class for an enterprise; the class belongs to the enterprise's
    region, whose bureau matches the funding (ZJG opinion 二(八))."""
    if kind not in ClassKind.values:
        raise ValidationError({"kind": _("Choose an order class or a named class.")})
    oc = OrderClass(
        school=_school(school),
        enterprise=_enterprise(enterprise, "enterprise"),
        region_code=enterprise.region_code,
        name=check_name(name),
        kind=kind,
        occupation=occupation_by_code(occupation_code, field="occupation"),
        year=_year(year),
        places=_count(places, "places", low=1, high=10_000),
        funding_per_student=_count(funding_per_student, "funding_per_student", high=MAX_WAGE),
        school_quota=None if school_quota is None else _count(school_quota, "school_quota", low=1),
        region_quota=None if region_quota is None else _count(region_quota, "region_quota", low=1),
    )
    if OrderClass.objects.filter(school=school, name=oc.name, year=oc.year).exists():
        raise ValidationError({"name": _("The school already has a class of this name in this year.")})
    authorize(actor, "add", oc, field="school")
    return _save(oc)


@transaction.atomic
def apprenticeship_create(
    *,
    actor: Any,
    kind: str,
    enterprise: Organisation,
    person: Person,
    occupation_code: str,
    level_code: str,
    start: datetime.date,
    end: datetime.date,
    school: Organisation | None = None,
) -> Apprenticeship:
    if kind not in ApprenticeshipKind.values:
        raise ValidationError({"kind": _("Choose the kind of apprenticeship.")})
    if end < start:
        raise ValidationError({"end": _("The contract ends before it starts.")})
    level = _level(level_code)
    if level is None:
        raise ValidationError({"level": _("Choose the skill level.")})
    apprenticeship = Apprenticeship(
        kind=kind,
        enterprise=_enterprise(enterprise, "enterprise"),
        school=_school(school) if school is not None else None,
        person=person,
        region_code=enterprise.region_code,
        occupation=occupation_by_code(occupation_code, field="occupation"),
        level=level,
        start=start,
        end=end,
    )
    authorize(actor, "add", apprenticeship, field="enterprise")
    return _save(apprenticeship)


@transaction.atomic
def school_report_set(
    *, actor: Any, school: Organisation, year: int, teachers: int, dual_teachers: int, social_trainees: int
) -> SchoolReport:
    """A school's figures of a year (teachers, 双师型 teachers, persons trained for society), set or corrected."""
    _school(school)
    teachers = _count(teachers, "teachers", low=1)
    dual = _count(dual_teachers, "dual_teachers")
    if dual > teachers:
        raise ValidationError({"dual_teachers": _("More dual-qualified teachers than teachers.")})
    found = SchoolReport.objects.select_for_update().filter(school=school, year=year).first()
    if found is None:
        report = SchoolReport(
            school=school,
            region_code=school.region_code,
            year=_year(year),
            teachers=teachers,
            dual_teachers=dual,
            social_trainees=_count(social_trainees, "social_trainees"),
        )
        authorize(actor, "add", report, field="school")
        return _save(report)
    authorize(actor, "change", found)
    before = snapshot(found)
    found.teachers, found.dual_teachers = teachers, dual
    found.social_trainees = _count(social_trainees, "social_trainees")
    found.full_clean()
    found.save()
    record_change(action="update", instance=found, before=before)
    return found


@transaction.atomic
def seeker_register(
    *,
    actor: Any,
    person: Person,
    kind: str,
    region_code: str,
    occupation_code: str,
    level_code: str | None = None,
    wage_expected: int = 0,
    school: Organisation | None = None,
    graduation_year: int | None = None,
    registered_on: datetime.date | None = None,
) -> Seeker:
    """A job seeker and the intention identified with them (苏政办发〔2024〕37号 (七))."""
    if kind not in SeekerKind.values:
        raise ValidationError({"kind": _("Choose the kind of seeker.")})
    if kind == SeekerKind.GRADUATE and (school is None or graduation_year is None):
        raise ValidationError({"school": _("A graduate names the school and the graduation year.")})
    seeker = Seeker(
        person=person,
        kind=kind,
        school=_school(school) if school is not None else None,
        graduation_year=_year(graduation_year, "graduation_year") if graduation_year is not None else None,
        region_code=validate_region_code(region_code, field="region_code"),
        occupation=occupation_by_code(occupation_code, field="occupation"),
        level=_level(level_code),
        wage_expected=_count(wage_expected, "wage_expected", high=MAX_WAGE),
        registered_on=registered_on or timezone.localdate(),
    )
    if Seeker.objects.filter(person=person, status=SeekerStatus.SEEKING).exists():
        raise ValidationError({"id_number": _("The person is already registered as seeking work.")})
    authorize(actor, "add", seeker, field="region_code")
    return _save(seeker)


@transaction.atomic
def seeker_place(*, actor: Any, seeker: Seeker, post: DemandPost, start: datetime.date) -> Seeker:
    """Record an outcome: the seeker takes the post. The registry gets the employment record (from which
    the retention indicator counts), the post one more filled place (closed when full)."""
    seeker = Seeker.objects.select_for_update().get(pk=seeker.pk)
    post = DemandPost.objects.select_for_update().select_related("organisation", "occupation").get(pk=post.pk)
    authorize(actor, "place", seeker)
    authorize(actor, "view", post)
    if seeker.status != SeekerStatus.SEEKING:
        raise ValidationError({"post": _("The seeker is already placed.")})
    if post.status != PostStatus.OPEN or post.filled >= post.headcount:
        raise ValidationError({"post": _("The post is no longer open.")})
    employment_create(
        actor=actor,
        person=seeker.person,
        organisation=post.organisation,
        start=start,
        occupation_code=post.occupation.code,
    )
    before = snapshot(post)
    post.filled += 1
    if post.filled >= post.headcount:
        post.status, post.closed_on = PostStatus.CLOSED, start
    post.save()
    record_change(action="update", instance=post, before=before)
    before = snapshot(seeker)
    seeker.status, seeker.placed_post, seeker.placed_on = SeekerStatus.PLACED, post, start
    seeker.save()
    record_change(action="update", instance=seeker, before=before)
    return seeker


# ---- shortage proposals into the training catalog --------------------------------------------------


def _proposal(entry: CatalogEntry) -> CatalogEntry:
    """The entry locked, once its proposal may be decided (the service has authorized the actor)."""
    entry = CatalogEntry.objects.select_for_update().select_related("catalog", "occupation").get(pk=entry.pk)
    if entry.catalog.status != CatalogStatus.PUBLISHED:
        raise ValidationError({"decision": _("Proposals are decided once the need catalog is published.")})
    if not entry.proposed:
        raise ValidationError({"decision": _("The occupation is not proposed as a shortage occupation.")})
    if entry.decision != ProposalDecision.PENDING:
        raise ValidationError({"decision": _("The proposal is already decided.")})
    return entry


def _decide(actor: Any, entry: CatalogEntry, decision: str, note: str) -> CatalogEntry:
    before = snapshot(entry)
    entry.decision = decision
    entry.decided_by = actor if getattr(actor, "pk", None) else None
    entry.decided_on = timezone.localdate()
    entry.decision_note = note
    entry.full_clean()
    entry.save()
    record_change(action="update", instance=entry, before=before)
    return entry


@transaction.atomic
def proposal_accept(*, actor: Any, entry: CatalogEntry, tier: str = "", note: str = "") -> CatalogEntry:
    """Accept a shortage proposal of a published need catalog: the occupation becomes a shortage
    occupation of the region's training catalog of the catalog's year (added with ``tier``, or an entry
    already there marked), citing the clauses (``rules.shortage_clause``), so that classes of it carry the
    shortage grant."""
    authorize(actor, "accept", entry)
    entry = _proposal(entry)
    catalog_shortage_adopt(
        actor=actor,
        region_code=entry.catalog.region_code,
        year=entry.catalog.year,
        occupation=entry.occupation,
        tier=tier,
        clause=rules.shortage_clause(entry.catalog.region_code),
    )
    return _decide(actor, entry, ProposalDecision.ACCEPTED, (note or "").strip())


@transaction.atomic
def proposal_reject(*, actor: Any, entry: CatalogEntry, note: str) -> CatalogEntry:
    """Reject a shortage proposal, with the reason; the training catalog is not changed."""
    authorize(actor, "reject", entry)
    entry = _proposal(entry)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("A reason is required.")})
    return _decide(actor, entry, ProposalDecision.REJECTED, note)


# ---- job fairs (常政办发〔2025〕14号 二(一)4; 苏政办发〔2024〕37号 (七), (十八)) ------------------------------


def _open_fair(fair: JobFair, field: str) -> JobFair:
    fair = JobFair.objects.select_for_update().get(pk=fair.pk)
    if fair.status != FairStatus.OPEN:
        raise ValidationError({field: _("The fair is closed; nothing more is registered at it.")})
    return fair


@transaction.atomic
def fair_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    region_code: str,
    date: datetime.date,
    place: str,
    industry_code: str = "",
) -> JobFair:
    """A bureau announces a job fair of a kind (youth and graduates, high-skilled talents, special groups,
    an industry), with its date, place and region; the kind's clause is recorded with it."""
    if kind not in FairKind.values:
        raise ValidationError({"kind": _("Choose the kind of fair.")})
    industry_code = (industry_code or "").strip().upper()
    if kind == FairKind.INDUSTRY and not industry_code:
        raise ValidationError({"industry_code": _("An industry fair names its industry (GB/T 4754 section).")})
    if industry_code and not Industry.objects.filter(code=industry_code).exists():
        raise ValidationError({"industry_code": _("Unknown industry code %(c)s.") % {"c": industry_code}})
    if not 2000 <= date.year <= 2100:
        raise ValidationError({"date": _("Enter a date from 2000 to 2100.")})
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": _("Say where the fair is held.")})
    fair = JobFair(
        name=check_name(name),
        kind=kind,
        region_code=validate_region_code(region_code, field="region_code"),
        date=date,
        place=place[:120],
        industry_code=industry_code,
        clause=FAIR_CLAUSES[FairKind(kind)],
    )
    authorize(actor, "add", fair, field="region_code")
    return _save(fair)


@transaction.atomic
def fair_close(*, actor: Any, fair: JobFair) -> JobFair:
    """The fair is held: registration closes; outcomes may still be recorded."""
    return _move(
        fair,
        actor=actor,
        step="close",
        source=FairStatus.OPEN,
        to=FairStatus.HELD,
        refusal=_("The fair is already closed."),
        held_on=timezone.localdate(),
    )


@transaction.atomic
def booth_register(*, actor: Any, fair: JobFair, enterprise: Organisation, post_ids: list[int]) -> FairBooth:
    """An enterprise takes a booth at an open fair and brings its open posts (their numbers)."""
    fair = _open_fair(fair, "posts")
    _enterprise(enterprise, "enterprise")
    if FairBooth.objects.filter(fair=fair, enterprise=enterprise).exists():
        raise ValidationError({"enterprise": _("The enterprise already has a booth at this fair.")})
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        raise ValidationError({"posts": _("Bring at least one post.")})
    posts = {p.pk: p for p in DemandPost.objects.filter(pk__in=ids)}
    for pk in ids:
        post = posts.get(pk)
        if post is None or post.organisation_id != enterprise.pk:
            raise ValidationError({"posts": _("Post %(n)d is not a post of this enterprise.") % {"n": pk}})
        if post.status != PostStatus.OPEN:
            raise ValidationError({"posts": _("Post %(n)d is closed.") % {"n": pk}})
    number = (FairBooth.objects.filter(fair=fair).aggregate(n=Max("number"))["n"] or 0) + 1
    booth = FairBooth(fair=fair, enterprise=enterprise, number=number, registered_on=timezone.localdate())
    authorize(actor, "add", booth, field="enterprise")
    _save(booth)
    for pk in ids:
        line = BoothPost(booth=booth, post=posts[pk])
        authorize(actor, "add", line, field="posts")
        _save(line)
    return booth


@transaction.atomic
def fair_seekers_register(*, actor: Any, fair: JobFair, seekers: list[Seeker]) -> int:
    """Register job seekers (still seeking) for an open fair: a school its own graduates, an officer any
    seeker in the region's scope. All or none; returns how many."""
    fair = _open_fair(fair, "seekers")
    if not seekers:
        raise ValidationError({"seekers": _("Name at least one seeker.")})
    already = set(FairSeeker.objects.filter(fair=fair).values_list("seeker_id", flat=True))
    today = timezone.localdate()
    rows = []
    for seeker in seekers:
        if seeker.status != SeekerStatus.SEEKING:
            raise ValidationError({"seekers": _("Seeker %(n)d is already placed.") % {"n": seeker.pk}})
        if seeker.pk in already:
            raise ValidationError({"seekers": _("Seeker %(n)d is already registered.") % {"n": seeker.pk}})
        already.add(seeker.pk)
        row = FairSeeker(fair=fair, seeker=seeker, registered_on=today)
        authorize(actor, "add", row, field="seekers")
        rows.append(row)
    for row in rows:
        _save(row)
    return len(rows)


@transaction.atomic
def fair_outcome_record(
    *, actor: Any, fair: JobFair, seeker: Seeker, post: DemandPost, outcome: str, on: datetime.date | None = None
) -> FairOutcome:
    """Record an outcome at the fair: the seeker interviewed for the post (the enterprise or the bureau),
    or hired into it (the bureau: the placement is recorded with its employment record, ``seeker_place``)."""
    fair = JobFair.objects.select_for_update().get(pk=fair.pk)
    if outcome not in OutcomeKind.values:
        raise ValidationError({"outcome": _("Choose interviewed or hired.")})
    if not FairSeeker.objects.filter(fair=fair, seeker=seeker).exists():
        raise ValidationError({"seeker": _("The seeker is not registered at this fair.")})
    if not BoothPost.objects.filter(booth__fair=fair, post=post).exists():
        raise ValidationError({"post": _("The post is not offered at this fair.")})
    if FairOutcome.objects.filter(fair=fair, seeker=seeker, post=post, outcome=outcome).exists():
        raise ValidationError({"outcome": _("This outcome is already recorded.")})
    on = on or timezone.localdate()
    if on < fair.date:
        raise ValidationError({"on": _("An outcome is recorded on or after the day of the fair.")})
    row = FairOutcome(fair=fair, seeker=seeker, post=post, outcome=outcome, recorded_on=on)
    authorize(actor, "add", row, field="post")
    if outcome == OutcomeKind.HIRED:
        seeker_place(actor=actor, seeker=seeker, post=post, start=on)
    return _save(row)


# ---- matching rounds ------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *, actor: Any, name: str, year: int, region_code: str = "", organiser: Organisation | None = None
) -> MatchRound:
    """A matching round of a year: a school's (its own classes) or the bureau's (every class of its region)."""
    if organiser is not None:
        _school(organiser, "organiser")
        region_code = organiser.region_code
    rnd = MatchRound(
        name=check_name(name),
        year=_year(year),
        organiser=organiser,
        region_code=validate_region_code(region_code, field="region_code"),
    )
    authorize(actor, "add", rnd, field="organiser" if organiser is not None else "region_code")
    return _save(rnd)


@transaction.atomic
def applicant_add(
    *, actor: Any, round: MatchRound, person: Person, school: Organisation, choices: list[tuple[int, int, float]]
) -> Applicant:
    """A student joins a round with her choices: (class, her rank 1 = first, the enterprise's score)."""
    rnd = MatchRound.objects.select_for_update().get(pk=round.pk)
    authorize(actor, "change", rnd)
    if rnd.status != RoundStatus.OPEN:
        raise ValidationError({"choices": _("The round no longer takes applications.")})
    _school(school)
    if rnd.organiser_id is not None and school.pk != rnd.organiser_id:
        raise ValidationError({"school": _("A school's round takes its own students only.")})
    if not choices:
        raise ValidationError({"choices": _("List at least one class.")})
    classes = {c.pk for c in selectors.round_classes(rnd)}
    seen: set[int] = set()
    for n, (class_id, rank, score) in enumerate(choices, start=1):
        if class_id not in classes:
            raise ValidationError(
                {"choices": _("Choice %(n)d: class %(c)d is not in this round.") % {"n": n, "c": class_id}}
            )
        if class_id in seen:
            raise ValidationError(
                {"choices": _("Choice %(n)d: class %(c)d is listed twice.") % {"n": n, "c": class_id}}
            )
        if not 1 <= rank <= 100 or not 0 <= score <= 1000:
            raise ValidationError({"choices": _("Choice %(n)d: the rank is 1 to 100, the score 0 to 1000.") % {"n": n}})
        seen.add(class_id)
    if rnd.applicants.filter(person=person).exists():
        raise ValidationError({"id_number": _("The student is already in this round.")})
    applicant = Applicant(round=rnd, person=person, school=school, choices=[[c, r, s] for c, r, s in choices])
    authorize(actor, "add", applicant, field="round")
    return _save(applicant)


@transaction.atomic
def round_run(*, actor: Any, round: MatchRound) -> matching.Certificate:
    """Run deferred acceptance over the round, certify that no pair blocks, and record the placements
    (the round may be run again while not confirmed)."""
    rnd = MatchRound.objects.select_for_update().get(pk=round.pk)
    authorize(actor, "run", rnd)
    if rnd.status == RoundStatus.CONFIRMED:
        raise ValidationError({"status": _("The round is confirmed; its placements are final.")})
    inst, applicants, classes = selectors.round_instance(rnd)
    if not applicants:
        raise ValidationError({"status": _("The round has no applicants yet.")})
    result = matching.deferred_acceptance(inst)
    certificate = matching.certify(inst, result.assigned)
    if not certificate.stable:  # never expected: the run is refused rather than a faulty matching kept
        raise ValidationError({"status": _("The matching failed its stability check; nothing was changed.")})
    changed = []
    for a, k in zip(applicants, result.assigned.tolist(), strict=True):
        placed = classes[k].pk if k != matching.NONE else None
        if a.placed_id != placed:
            a.placed_id = placed
            changed.append(a)
    Applicant.objects.bulk_update(changed, ["placed"])
    record_set(
        model=Applicant,
        count=len(changed),
        detail={"round": rnd.pk, "step": "run"},
        region_code=rnd.region_code,
        action="update",
    )
    before = snapshot(rnd)
    rnd.status = RoundStatus.MATCHED
    rnd.matched_at = timezone.now()
    rnd.certificate = {**certificate.as_dict(), "rounds": result.rounds, "proposals": result.proposals}
    rnd.save()
    record_change(action="update", instance=rnd, before=before)
    return certificate


@transaction.atomic
def round_confirm(*, actor: Any, round: MatchRound) -> MatchRound:
    rnd = MatchRound.objects.select_for_update().get(pk=round.pk)
    authorize(actor, "confirm", rnd)
    if rnd.status != RoundStatus.MATCHED:
        raise ValidationError({"status": _("Only a matched round can be confirmed.")})
    before = snapshot(rnd)
    rnd.status = RoundStatus.CONFIRMED
    rnd.save()
    record_change(action="update", instance=rnd, before=before)
    return rnd
