"""The series counted in the database equal, array for array, the same series computed from every row in
Python (the reference below: each person once per year-end by their latest started active record)."""

from __future__ import annotations

import datetime

import numpy as np
import polars as pl
import pytest
from django.db.models import Q
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.credentials.models import Certificate
from gongjiang.labour.manpower import GROUPS, _cube, assemble
from gongjiang.labour.retirement import retirement_year
from gongjiang.registry.models import Employment

SUZHOU, HUQIU = "320500", "320505"


def _cutoff() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year - 1


def _rows_frame(bottom: list[str], first_year: int, cutoff_year: int) -> pl.DataFrame:
    rows = list(
        Employment.objects.filter(organisation__region_code__in=bottom, occupation__isnull=False)
        .filter(start__lte=datetime.date(cutoff_year, 12, 31))
        .filter(Q(end__isnull=True) | Q(end__gt=datetime.date(first_year, 12, 31)))
        .values_list(
            "id",
            "person_id",
            "organisation__region_code",
            "occupation__code",
            "start",
            "end",
            "person__birth_date",
            "person__sex",
        )
    )
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Int64,
            "person": pl.Int64,
            "region": pl.Utf8,
            "code": pl.Utf8,
            "start": pl.Date,
            "end": pl.Date,
            "birth": pl.Date,
            "sex": pl.Utf8,
        },
        orient="row",
    ).with_columns(pl.col("code").str.slice(0, 1).alias("group"))


def _active_at(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    day = datetime.date(year, 12, 31)
    return (
        frame.filter((pl.col("start") <= day) & (pl.col("end").is_null() | (pl.col("end") > day)))
        .sort(["start", "id"], descending=True)
        .unique("person", keep="first", maintain_order=True)
    )


def row_by_row(bottom: list[str], first_year: int, cutoff_year: int, horizon: int) -> dict[str, np.ndarray]:
    years = list(range(first_year, cutoff_year + 1))
    ahead = list(range(cutoff_year + 1, cutoff_year + horizon + 1))
    emp = _rows_frame(bottom, first_year, cutoff_year)
    yearly = [
        _active_at(emp, y).group_by("region", "group").len("n").with_columns(pl.lit(y).alias("year")) for y in years
    ]
    employment = _cube(pl.concat(yearly), bottom, years, "n")
    now = _active_at(emp, cutoff_year)
    retire = retirement_year(
        now["birth"].dt.year().to_numpy(), now["birth"].dt.month().to_numpy(), now["sex"].to_numpy().astype(str)
    )
    replacement = _cube(
        now.with_columns(pl.Series("year", retire, dtype=pl.Int64), pl.lit(1).alias("n")), bottom, ahead, "n"
    )
    certs = pl.DataFrame(
        list(
            Certificate.objects.filter(
                person__residence_region_code__in=bottom,
                issue_date__gte=datetime.date(first_year, 1, 1),
                issue_date__lte=datetime.date(cutoff_year, 12, 31),
            ).values_list("person__residence_region_code", "occupation__code", "issue_date")
        ),
        schema={"region": pl.Utf8, "code": pl.Utf8, "day": pl.Date},
        orient="row",
    ).with_columns(
        pl.col("code").str.slice(0, 1).alias("group"),
        pl.col("day").dt.year().cast(pl.Int64).alias("year"),
        pl.lit(1).alias("n"),
    )
    return {"employment": employment, "replacement": replacement, "certificates": _cube(certs, bottom, years, "n")}


@pytest.mark.parametrize("first_back", [9, 5])
def test_database_counts_equal_the_row_by_row_reference(make_org, first_back) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.labour.models import Programme
    from gongjiang.synth.forecast_demo import GROWING, growing_workforce
    from gongjiang.synth.generator import synthesize

    with audit_context(source="cli"):
        synthesize(region=SUZHOU, scale=0.002, seed=3)
        growing_workforce(
            actor=None,
            enterprise=make_org(region=HUQIU, name="虎丘数字农业"),
            occupation_code=GROWING,
            first_year=_cutoff() - 9,
            last_year=_cutoff(),
            step=2,
        )
    # A person changing jobs within a year: two records active at one year-end; the later started one counts.
    mover = Employment.objects.filter(end__isnull=True, occupation__isnull=False).order_by("id").first()
    assert mover is not None
    other = Employment.objects.exclude(occupation=mover.occupation).exclude(organisation=mover.organisation).first()
    assert other is not None
    Employment.objects.create(
        person=mover.person,
        organisation=other.organisation,
        region_code=other.organisation.region_code,
        occupation=other.occupation,
        start=datetime.date(_cutoff() - 2, 6, 1),
    )
    first_year = _cutoff() - first_back
    panel = assemble(SUZHOU, first_year=first_year, cutoff_year=_cutoff(), horizon=3)
    want = row_by_row(panel.tree.bottom, first_year, _cutoff(), 3)
    assert panel.employment.sum() > 0 and panel.replacement.sum() > 0 and want["certificates"].sum() > 0
    assert np.array_equal(panel.employment, want["employment"])
    assert np.array_equal(panel.replacement, want["replacement"])
    graduates = np.zeros_like(panel.supply)
    years = list(range(first_year, _cutoff() + 1))
    for region, code, year, n in Programme.objects.filter(
        region_code__in=panel.tree.bottom, year__gte=first_year, year__lte=_cutoff()
    ).values_list("region_code", "occupation__code", "year", "expected_graduates"):
        if code[:1] in GROUPS:
            graduates[panel.tree.bottom.index(region), GROUPS.index(code[:1]), years.index(year)] += n
    assert np.array_equal(panel.supply, want["certificates"] + graduates)
