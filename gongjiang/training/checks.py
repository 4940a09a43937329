"""Fraud and anomaly checks over the training claims, as Polars set operations.

``detect`` is pure: it takes a frame of claims (one row per claim not rejected, with its class, trainee,
certificate, phone and account blind indexes) and a frame of institution pass counts, and returns the
findings. ``checks_run`` loads those frames from the database, runs ``detect`` and records the findings
for review: a finding is identified by a fingerprint of its kind and subject, so a second run adds newly
involved claims to the finding it already raised instead of raising it again.

The checks:

* **overlap** – one trainee on the rosters of two classes whose dates overlap;
* **too_many** – more than three subsidised trainings for one person in one calendar year
  (苏人社函〔2025〕32号; the engine refuses the fourth, the check shows who tried);
* **repeat_level** – the same occupation and level claimed twice by one person;
* **early_certificate** – the certificate behind a claim is dated before its class ended;
* **age** – under 16 or over 70 on the first day of the class;
* **shared_phone** / **shared_account** – one phone number or bank account (by blind index) behind
  three or more trainees;
* **pass_rate** – an institution passing more than 98% of at least 30 trainees in a year, or
  passing so many more than its peers that chance is implausible (z > 3.5 against the pooled rate of
  the other institutions, normal approximation to the binomial).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.core.audit import record_many, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import ScopeDenied, can, region_within, restrict
from gongjiang.reference.regions import common_ancestor
from gongjiang.training.models import (
    MAX_SUBSIDISED_TRAININGS,
    Claim,
    ClaimStatus,
    ClassStatus,
    Enrolment,
    Finding,
    FindingKind,
    FindingStatus,
    Outcome,
)

MIN_AGE, MAX_AGE = 16, 70
SHARED_THRESHOLD = 3  # distinct trainees behind one phone or account
PASS_RATE_CEILING = 0.98
PASS_RATE_MIN_TRAINEES = 30
PASS_RATE_Z = 3.5

CLAIM_SCHEMA: dict[str, Any] = {
    "claim_id": pl.Int64,
    "person_id": pl.Int64,
    "person_name": pl.Utf8,
    "birth_date": pl.Date,
    "phone_index": pl.Utf8,
    "account_index": pl.Utf8,
    "class_id": pl.Int64,
    "class_code": pl.Utf8,
    "class_start": pl.Date,
    "class_end": pl.Date,
    "institution_id": pl.Int64,
    "region_code": pl.Utf8,
    "occupation_id": pl.Int64,
    "occupation": pl.Utf8,
    "level_id": pl.Int64,
    "level": pl.Utf8,
    "event_date": pl.Date,
    "certificate_date": pl.Date,
    "eligible": pl.Boolean,
}
PASS_SCHEMA: dict[str, Any] = {
    "institution_id": pl.Int64,
    "institution": pl.Utf8,
    "region_code": pl.Utf8,
    "year": pl.Int32,
    "trainees": pl.Int64,
    "passed": pl.Int64,
}


@dataclass
class FindingSpec:
    kind: str
    key: str
    region_code: str
    details: dict[str, Any]
    claim_ids: list[int] = field(default_factory=list)
    person_id: int | None = None
    institution_id: int | None = None

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.kind}:{self.key}".encode()).hexdigest()


def common_region(codes: list[str]) -> str:
    """The smallest region containing all ``codes``: the district, else the city, else the province."""
    return common_ancestor(codes)


def _age(at: pl.Expr, birth: pl.Expr) -> pl.Expr:
    before_birthday = (at.dt.month() * 100 + at.dt.day()) < (birth.dt.month() * 100 + birth.dt.day())
    return at.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


# ---------------------------------------------------------------------------------------------
# The checks, each a frame → frame of findings
# ---------------------------------------------------------------------------------------------


def _overlaps(claims: pl.DataFrame) -> list[FindingSpec]:
    c = claims.select(
        "claim_id", "person_id", "person_name", "class_id", "class_code", "class_start", "class_end", "region_code"
    ).filter(pl.len().over("person_id") > 1)  # only trainees with two claims or more can overlap
    pairs = c.join(c, on="person_id", suffix="_b").filter(
        (pl.col("class_id") < pl.col("class_id_b"))
        & (pl.col("class_start") <= pl.col("class_end_b"))
        & (pl.col("class_start_b") <= pl.col("class_end"))
    )
    overlap = pl.min_horizontal("class_end", "class_end_b") - pl.max_horizontal("class_start", "class_start_b")
    pairs = pairs.with_columns((overlap.dt.total_days() + 1).alias("days"))
    return [
        FindingSpec(
            kind=FindingKind.OVERLAP,
            key=f"{r['person_id']}:{r['class_id']}:{r['class_id_b']}",
            region_code=common_region([r["region_code"], r["region_code_b"]]),
            details={
                "person": pii.mask_name(r["person_name"]),
                "classes": [r["class_code"], r["class_code_b"]],
                "periods": [
                    f"{r['class_start']:%Y-%m-%d}–{r['class_end']:%Y-%m-%d}",
                    f"{r['class_start_b']:%Y-%m-%d}–{r['class_end_b']:%Y-%m-%d}",
                ],
                "days": int(r["days"]),
            },
            claim_ids=[r["claim_id"], r["claim_id_b"]],
            person_id=r["person_id"],
        )
        for r in pairs.iter_rows(named=True)
    ]


def _grouped(
    claims: pl.DataFrame, by: list[str], measures: list[pl.Expr], condition: pl.Expr, extra: tuple[pl.Expr, ...] = ()
) -> pl.DataFrame:
    """Groups whose ``measures`` meet ``condition``, with their claims listed. Two passes: the measures over
    every group (cheap aggregates), then the lists only for the flagged groups."""
    flagged = claims.group_by(by).agg(*measures).filter(condition).select(by)
    return (
        claims.join(flagged, on=by, how="semi")
        .group_by(by)
        .agg(
            pl.col("claim_id").sort().alias("claim_ids"),
            pl.col("region_code").alias("regions"),
            pl.col("class_code").sort().alias("class_codes"),
            pl.col("person_name").first(),
            *measures,
            *extra,
        )
        .sort(by)
    )


def _too_many(claims: pl.DataFrame) -> list[FindingSpec]:
    frame = _grouped(
        claims.filter(pl.len().over("person_id") > MAX_SUBSIDISED_TRAININGS).with_columns(
            pl.col("event_date").dt.year().alias("year")
        ),
        ["person_id", "year"],
        [pl.col("class_id").n_unique().alias("classes")],
        pl.col("classes") > MAX_SUBSIDISED_TRAININGS,
        ((~pl.col("eligible")).sum().alias("ineligible"),),
    )
    return [
        FindingSpec(
            kind=FindingKind.TOO_MANY,
            key=f"{r['person_id']}:{r['year']}",
            region_code=common_region(r["regions"]),
            details={
                "person": pii.mask_name(r["person_name"]),
                "year": int(r["year"]),
                "count": int(r["classes"]),
                "limit": MAX_SUBSIDISED_TRAININGS,
                "ineligible": int(r["ineligible"]),
                "classes": r["class_codes"],
            },
            claim_ids=r["claim_ids"],
            person_id=r["person_id"],
        )
        for r in frame.iter_rows(named=True)
    ]


def _repeat_level(claims: pl.DataFrame) -> list[FindingSpec]:
    frame = _grouped(
        claims.filter(pl.len().over("person_id") > 1),
        ["person_id", "occupation_id", "level_id"],
        [pl.len().alias("count")],
        pl.col("count") > 1,
        (pl.col("occupation").first(), pl.col("level").first()),
    )
    return [
        FindingSpec(
            kind=FindingKind.REPEAT_LEVEL,
            key=f"{r['person_id']}:{r['occupation_id']}:{r['level_id']}",
            region_code=common_region(r["regions"]),
            details={
                "person": pii.mask_name(r["person_name"]),
                "occupation": r["occupation"],
                "level": r["level"],
                "count": int(r["count"]),
                "classes": r["class_codes"],
            },
            claim_ids=r["claim_ids"],
            person_id=r["person_id"],
        )
        for r in frame.iter_rows(named=True)
    ]


def _early_certificates(claims: pl.DataFrame) -> list[FindingSpec]:
    frame = claims.filter(pl.col("certificate_date") < pl.col("class_end")).sort("claim_id")
    return [
        FindingSpec(
            kind=FindingKind.EARLY_CERTIFICATE,
            key=str(r["claim_id"]),
            region_code=r["region_code"],
            details={
                "person": pii.mask_name(r["person_name"]),
                "class": r["class_code"],
                "certificate_date": f"{r['certificate_date']:%Y-%m-%d}",
                "class_end": f"{r['class_end']:%Y-%m-%d}",
                "days": (r["class_end"] - r["certificate_date"]).days,
            },
            claim_ids=[r["claim_id"]],
            person_id=r["person_id"],
        )
        for r in frame.iter_rows(named=True)
    ]


def _ages(claims: pl.DataFrame) -> list[FindingSpec]:
    frame = (
        claims.with_columns(_age(pl.col("class_start"), pl.col("birth_date")).alias("age"))
        .filter((pl.col("age") < MIN_AGE) | (pl.col("age") > MAX_AGE))
        .sort("claim_id")
    )
    return [
        FindingSpec(
            kind=FindingKind.AGE,
            key=str(r["claim_id"]),
            region_code=r["region_code"],
            details={
                "person": pii.mask_name(r["person_name"]),
                "class": r["class_code"],
                "age": int(r["age"]),
                "min": MIN_AGE,
                "max": MAX_AGE,
            },
            claim_ids=[r["claim_id"]],
            person_id=r["person_id"],
        )
        for r in frame.iter_rows(named=True)
    ]


def _shared(claims: pl.DataFrame, column: str, kind: str) -> list[FindingSpec]:
    frame = _grouped(
        claims.filter(pl.col(column).is_not_null() & (pl.col(column) != "")),
        [column],
        [pl.col("person_id").n_unique().alias("persons")],
        pl.col("persons") >= SHARED_THRESHOLD,
        (pl.col("institution_id").n_unique().alias("institutions"),),
    )
    return [
        FindingSpec(
            kind=kind,
            key=r[column],
            region_code=common_region(r["regions"]),
            details={
                "persons": int(r["persons"]),
                "claims": len(r["claim_ids"]),
                "institutions": int(r["institutions"]),
                "classes": sorted(set(r["class_codes"])),
            },
            claim_ids=r["claim_ids"],
        )
        for r in frame.iter_rows(named=True)
    ]


def _pass_rates(stats: pl.DataFrame) -> list[FindingSpec]:
    if stats.height == 0:
        return []
    per = stats.group_by(["institution_id", "year"]).agg(
        pl.col("institution").first(),
        pl.col("region_code").alias("regions"),
        pl.col("trainees").sum(),
        pl.col("passed").sum(),
    )
    per = per.with_columns(
        (pl.col("trainees").sum().over("year") - pl.col("trainees")).alias("peer_trainees"),
        (pl.col("passed").sum().over("year") - pl.col("passed")).alias("peer_passed"),
    ).with_columns(
        (pl.col("passed") / pl.col("trainees")).alias("rate"),
        pl.when(pl.col("peer_trainees") > 0).then(pl.col("peer_passed") / pl.col("peer_trainees")).alias("peer_rate"),
    )
    per = per.with_columns(
        pl.when((pl.col("peer_rate") > 0) & (pl.col("peer_rate") < 1))
        .then(
            (pl.col("rate") - pl.col("peer_rate"))
            / (pl.col("peer_rate") * (1 - pl.col("peer_rate")) / pl.col("trainees")).sqrt()
        )
        .alias("z")
    )
    flagged = per.filter(
        (pl.col("trainees") >= PASS_RATE_MIN_TRAINEES)
        & ((pl.col("rate") > PASS_RATE_CEILING) | (pl.col("z").fill_null(0) > PASS_RATE_Z))
    ).sort(["institution_id", "year"])
    return [
        FindingSpec(
            kind=FindingKind.PASS_RATE,
            key=f"{r['institution_id']}:{r['year']}",
            region_code=common_region(r["regions"]),
            details={
                "institution": r["institution"],
                "year": int(r["year"]),
                "trainees": int(r["trainees"]),
                "passed": int(r["passed"]),
                "rate": round(float(r["rate"]) * 100, 1),
                "peer_rate": None if r["peer_rate"] is None else round(float(r["peer_rate"]) * 100, 1),
                "z": None if r["z"] is None else round(float(r["z"]), 1),
                "ceiling": round(PASS_RATE_CEILING * 100),
                "min_trainees": PASS_RATE_MIN_TRAINEES,
            },
            institution_id=r["institution_id"],
        )
        for r in flagged.iter_rows(named=True)
    ]


def detect(claims: pl.DataFrame, pass_stats: pl.DataFrame) -> list[FindingSpec]:
    """Every finding over ``claims`` (CLAIM_SCHEMA) and ``pass_stats`` (PASS_SCHEMA)."""
    return [
        *_overlaps(claims),
        *_too_many(claims),
        *_repeat_level(claims),
        *_early_certificates(claims),
        *_ages(claims),
        *_shared(claims, "phone_index", FindingKind.SHARED_PHONE),
        *_shared(claims, "account_index", FindingKind.SHARED_ACCOUNT),
        *_pass_rates(pass_stats),
    ]


# ---------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------


def sentence(kind: str, d: dict[str, Any]) -> str:
    """The finding in one sentence, in the active language."""
    if kind == FindingKind.OVERLAP:
        return _(
            "Trainee %(person)s is on the rosters of classes %(a)s (%(pa)s) and %(b)s (%(pb)s), "
            "which overlap by %(days)d days."
        ) % {
            "person": d["person"],
            "a": d["classes"][0],
            "pa": d["periods"][0],
            "b": d["classes"][1],
            "pb": d["periods"][1],
            "days": d["days"],
        }
    if kind == FindingKind.TOO_MANY:
        return _(
            "Trainee %(person)s has %(count)d subsidised-training claims in %(year)d (%(classes)s); at most "
            "%(limit)d are allowed a year (苏人社函〔2025〕32号); %(ineligible)d of them computed not eligible."
        ) % {**d, "classes": ", ".join(d["classes"])}
    if kind == FindingKind.REPEAT_LEVEL:
        return _(
            "Trainee %(person)s claims %(occupation)s at level %(level)s %(count)d times (%(classes)s); the same "
            "occupation and level is subsidised once."
        ) % {**d, "classes": ", ".join(d["classes"])}
    if kind == FindingKind.EARLY_CERTIFICATE:
        return (
            _(
                "The certificate of trainee %(person)s in class %(class)s is dated %(certificate_date)s, "
                "%(days)d days before the class ended on %(class_end)s."
            )
            % d
        )
    if kind == FindingKind.AGE:
        return (
            _(
                "Trainee %(person)s of class %(class)s was %(age)d years old when the class began; trainees are "
                "expected to be %(min)d to %(max)d."
            )
            % d
        )
    if kind == FindingKind.SHARED_PHONE:
        return _(
            "One phone number is registered for %(persons)d different trainees (%(claims)d claims, "
            "%(institutions)d institutions, classes %(classes)s)."
        ) % {**d, "classes": ", ".join(d["classes"])}
    if kind == FindingKind.SHARED_ACCOUNT:
        return _(
            "One bank account receives the subsidies of %(persons)d different trainees (%(claims)d claims, "
            "%(institutions)d institutions, classes %(classes)s)."
        ) % {**d, "classes": ", ".join(d["classes"])}
    if kind == FindingKind.PASS_RATE:
        if d["rate"] > d["ceiling"]:
            return (
                _(
                    "%(institution)s passed %(passed)d of %(trainees)d trainees in %(year)d (%(rate)s%%), above the "
                    "plausible %(ceiling)s%% for %(min_trainees)d or more trainees."
                )
                % d
            )
        return (
            _(
                "%(institution)s passed %(passed)d of %(trainees)d trainees in %(year)d (%(rate)s%%) against "
                "%(peer_rate)s%% at other institutions (z = %(z)s): implausibly high by chance."
            )
            % d
        )
    return kind


# ---------------------------------------------------------------------------------------------
# Loading and recording
# ---------------------------------------------------------------------------------------------


def claims_frame(person_ids: list[int] | None = None) -> pl.DataFrame:
    """The claims to check (all but rejected). With ``person_ids``: those persons' claims and every claim
    sharing a phone or bank account with them."""
    qs = Claim.objects.exclude(status=ClaimStatus.REJECTED)
    if person_ids is not None:
        mine = qs.filter(person_id__in=person_ids)
        phones = [p for p in mine.values_list("person__phone_index", flat=True).distinct() if p]
        accounts = [a for a in mine.values_list("enrolment__bank_account_index", flat=True).distinct() if a]
        qs = qs.filter(
            Q(person_id__in=person_ids)
            | Q(person__phone_index__in=phones)
            | Q(enrolment__bank_account_index__in=accounts)
        )
    rows = qs.values_list(
        "pk",
        "person_id",
        "person__name",
        "person__birth_date",
        "person__phone_index",
        "enrolment__bank_account_index",
        "training_class_id",
        "training_class__code",
        "training_class__start_date",
        "training_class__end_date",
        "institution_id",
        "region_code",
        "occupation_id",
        "occupation__name",
        "level_id",
        "level__name",
        "event_date",
        "certificate__issue_date",
        "eligible",
    )
    return pl.DataFrame(list(rows), schema=CLAIM_SCHEMA, orient="row")


def pass_stats_frame(years: list[int] | None = None) -> pl.DataFrame:
    """Trainees and passes per class of every class whose results are matched (one SQL aggregate), of the
    given years of the classes' end (all years by default)."""
    enrolments = Enrolment.objects.filter(training_class__status__in=[ClassStatus.MATCHED, ClassStatus.CLAIMED])
    if years is not None:
        enrolments = enrolments.filter(training_class__end_date__year__in=years)
    rows = (
        enrolments.values(
            "training_class__institution_id",
            "training_class__institution__name",
            "training_class__region_code",
            "training_class__end_date__year",
        )
        .annotate(trainees=Count("id"), passed=Count("id", filter=Q(outcome=Outcome.PASSED)))
        .values_list(
            "training_class__institution_id",
            "training_class__institution__name",
            "training_class__region_code",
            "training_class__end_date__year",
            "trainees",
            "passed",
        )
    )
    return pl.DataFrame(list(rows), schema=PASS_SCHEMA, orient="row")


@transaction.atomic
def checks_run(*, actor: Any, person_ids: list[int] | None = None) -> dict[str, int]:
    """Run every check and route what it finds to review. Returns counts of new, grown and reopened findings.
    An officer's run covers the persons of the claims in their region (and every claim sharing a phone or
    bank account with them) and records and counts only the findings of their region; the system's run,
    every claim and every finding."""
    if actor is not None:
        if not can(actor, "review", Finding):
            raise ScopeDenied(_("Your account may not do this."))
        if not actor.is_superuser:
            mine = set(restrict(Claim.objects.all(), actor, "view").values_list("person_id", flat=True).distinct())
            person_ids = sorted(mine if person_ids is None else mine & set(person_ids))
    claims = claims_frame(person_ids)
    years = None if person_ids is None else sorted(set(claims["class_end"].dt.year().to_list()))
    specs = detect(claims, pass_stats_frame(years))
    if actor is not None and not actor.is_superuser:
        # The checks read beyond the officer's region (claims sharing a phone or account, the peers' pass
        # rates); what they find outside it is left to the officers of that region, unsaid and uncounted.
        specs = [s for s in specs if region_within(actor, s.region_code)]
    by_fp = {s.fingerprint: s for s in specs}
    existing = {f.fingerprint: f for f in Finding.objects.select_for_update().filter(fingerprint__in=list(by_fp))}
    through = Finding.claims.through
    with translation.override(settings.LANGUAGE_CODE):
        new = [
            Finding(
                kind=s.kind,
                fingerprint=fp,
                region_code=s.region_code,
                explanation=sentence(s.kind, s.details),
                details=s.details,
                person_id=s.person_id,
                institution_id=s.institution_id,
            )
            for fp, s in by_fp.items()
            if fp not in existing
        ]
    Finding.objects.bulk_create(new)
    links = [through(finding_id=f.pk, claim_id=c) for f in new for c in by_fp[f.fingerprint].claim_ids]
    grown: list[Finding] = []
    befores: list[dict] = []
    reopened = 0
    if existing:
        linked: dict[int, set[int]] = {}
        for fid, cid in through.objects.filter(finding_id__in=[f.pk for f in existing.values()]).values_list(
            "finding_id", "claim_id"
        ):
            linked.setdefault(fid, set()).add(cid)

        for fp, finding in existing.items():
            added = set(by_fp[fp].claim_ids) - linked.get(finding.pk, set())
            if not added:
                continue
            befores.append(snapshot(finding))
            links.extend(through(finding_id=finding.pk, claim_id=c) for c in sorted(added))
            finding.details = by_fp[fp].details
            with translation.override(settings.LANGUAGE_CODE):
                finding.explanation = sentence(finding.kind, finding.details)
            if finding.status == FindingStatus.DISMISSED:
                # New claims joined a dismissed finding: it goes back to review.
                finding.status, finding.reviewer, finding.reviewed_at = FindingStatus.OPEN, None, None
                reopened += 1
            finding.save()
            grown.append(finding)
    through.objects.bulk_create(links)
    record_many(action=ChangeRecord.Action.CREATE, instances=new)
    record_many(action=ChangeRecord.Action.UPDATE, instances=grown, befores=befores)
    return {"findings": len(specs), "new": len(new), "grown": len(grown), "reopened": reopened}


def finding_sentence(finding: Finding) -> str:
    return sentence(finding.kind, finding.details)
