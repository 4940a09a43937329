"""Demo data for the wage prices (工资价位), from the synthetic salary survey (``synth.wage_survey``):

* 苏州 (320500): the surveys of 2024 and 2025, estimated by the city officer and published by the province
  officer (a second officer: four eyes), so the public pages show a trend; 焊工 (6-18-02-04) at 高级工 is
  published, and cells with too few enterprises are suppressed with their reason;
* 苏州 2026: a survey collecting responses, in which the demo enterprise account ``survey`` has not yet
  submitted its own survey;
* 常州 (320400): the survey of 2025 with its edition estimated and still in draft.

The sampled enterprises are registered in the registry (kind enterprise, their industry section) so that
an enterprise account can fill its survey. Idempotent: it does nothing when a survey exists.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import polars as pl
from django.db import transaction
from django.utils import timezone

from gongjiang.core.audit import Action, audit_context, record_change, record_set, snapshot
from gongjiang.core.bulk import copy_frame
from gongjiang.core.models import User
from gongjiang.reference.models import Industry
from gongjiang.reference.selectors import region_name
from gongjiang.registry.models import Organisation
from gongjiang.synth import wage_survey
from gongjiang.wages import services
from gongjiang.wages.models import Response, ResponseStatus, Survey

SUZHOU = "320500"
CHANGZHOU = "320400"
SURVEY_ACCOUNT = "survey"
# (city, year, seed, publish?) — a generated survey of Jiangsu per seed, of which the city's part is loaded.
SURVEYS = ((SUZHOU, 2024, 22, True), (SUZHOU, 2025, 25, True), (CHANGZHOU, 2025, 25, False))
OPEN_YEAR = 2026
REPLICATES = 40
ENTERPRISES, EMPLOYEES = 300, 15_000  # of the generated Jiangsu survey, of which a city is loaded


def _register(sample: pl.DataFrame, city: str) -> None:
    """The sampled enterprises of the city that the registry does not hold yet, as organisations."""
    sample = sample.filter(pl.col("region_code").str.starts_with(city[:4]))
    known = set(Organisation.objects.filter(uscc__in=sample["uscc"].to_list()).values_list("uscc", flat=True))
    new = sample.filter(~pl.col("uscc").is_in(sorted(known))).unique("uscc", keep="first").sort("uscc")
    if new.height == 0:
        return
    sections = dict(Industry.objects.filter(kind="section").values_list("code", "id"))
    start = Organisation.objects.count() + 1
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    names = [f"{region_name(r)}样本企业{start + i:05d}" for i, r in enumerate(new["region_code"].to_list())]
    copy_frame(
        Organisation,
        new.select(
            "uscc",
            pl.Series("name", names, dtype=pl.String),
            pl.lit("enterprise").alias("kind"),
            "region_code",
            pl.col("industry_section")
            .replace_strict(sections, default=None, return_dtype=pl.Int64)
            .alias("industry_id"),
            pl.lit(False).alias("self_evaluation"),
            pl.lit(now).alias("created"),
            pl.lit(now).alias("updated"),
        ),
    )
    record_set(model=Organisation, count=new.height, detail={"synthetic": "wage survey"}, region_code=city)


def _survey(officer: User, city: str, year: int, seed: int, pending: frozenset[str] = frozenset()) -> Survey:
    generated = wage_survey.generate(seed=seed, enterprises=ENTERPRISES, employees=EMPLOYEES)
    _register(generated.sample, city)
    return services.survey_load(
        actor=officer,
        region_code=city,
        year=year,
        as_of=datetime.date(year, 12, 31),
        frame=generated.frame,
        sample=generated.sample,
        employees=generated.employees,
        pending=pending,
        seed=seed,
    )


def survey_enterprise() -> Response | None:
    """The response the demo enterprise account fills: pending, in the open survey of 苏州."""
    return (
        Response.objects.filter(
            survey__region_code=SUZHOU, survey__year=OPEN_YEAR, status=ResponseStatus.PENDING, industry_section="C"
        )
        .select_related("organisation")
        .order_by("id")
        .first()
    )


def _bind_account(response: Response | None) -> None:
    user = User.objects.filter(username=SURVEY_ACCOUNT).first()
    if user is None or response is None or user.organisation_id == response.organisation_id:
        return
    before = snapshot(user)
    user.organisation = response.organisation
    user.save()
    record_change(action=Action.UPDATE, instance=user, before=before)


def wages_demo(say: Callable[[str], None]) -> None:
    if Survey.objects.exists():
        _bind_account(survey_enterprise())
        return
    officers = {u.username: u for u in User.objects.filter(username__in=("suzhou", "changzhou", "province"))}
    with audit_context(source="cli"), transaction.atomic():
        for city, year, seed, publish in SURVEYS:
            officer = officers.get("suzhou" if city == SUZHOU else "changzhou")
            survey = _survey(officer, city, year, seed)  # type: ignore[arg-type]
            edition = services.edition_create(actor=officer, survey=survey)
            services.edition_estimate(actor=officer, edition=edition, replicates=REPLICATES)
            if publish:
                services.edition_review(actor=officer, edition=edition)
                services.edition_publish(actor=officers.get("province"), edition=edition)
            edition.refresh_from_db()  # the services saved the figures and the status on their own copy
            say(f"{region_name(city)} {year}: {edition.summary.get('cells', 0)} cells, {edition.get_status_display()}")
        generated = wage_survey.generate(seed=OPEN_YEAR, enterprises=ENTERPRISES, employees=EMPLOYEES)
        first = (
            generated.sample.filter(
                pl.col("region_code").str.starts_with(SUZHOU[:4]),
                pl.col("responded"),
                pl.col("industry_section") == "C",
            )
            .sort("enterprise_id")
            .head(1)
        )
        _register(generated.sample, SUZHOU)
        services.survey_load(
            actor=officers.get("suzhou"),
            region_code=SUZHOU,
            year=OPEN_YEAR,
            as_of=datetime.date(OPEN_YEAR, 6, 30),
            frame=generated.frame,
            sample=generated.sample,
            employees=generated.employees,
            pending=frozenset(first["uscc"].to_list()),
            seed=OPEN_YEAR,
        )
        _bind_account(survey_enterprise())
        say(f"{region_name(SUZHOU)} {OPEN_YEAR}: survey collecting responses")
