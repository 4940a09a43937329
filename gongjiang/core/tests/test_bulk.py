"""copy_frame: chunks built as they are sent, on both databases."""

from __future__ import annotations

import polars as pl
import pytest
from django.db import transaction

from gongjiang.core import bulk
from gongjiang.reference.models import Industry


def _rows(n: int) -> pl.DataFrame:
    return pl.DataFrame({"code": [f"Z{i:02d}" for i in range(n)], "label": [f"行业{i}" for i in range(n)]})


def _industries(part: pl.DataFrame) -> pl.DataFrame:
    return part.select(
        "code", pl.col("label").alias("name"), pl.lit("section").alias("kind"), pl.lit("Z").alias("section")
    )


@pytest.mark.django_db
def test_copy_frame_builds_and_sends_every_chunk_in_order() -> None:
    built: list[int] = []

    def build(part: pl.DataFrame) -> pl.DataFrame:
        built.append(part.height)
        return _industries(part)

    with transaction.atomic():
        assert bulk.copy_frame(Industry, _rows(7), build=build, chunk_rows=3) == 7
    assert built == [3, 3, 1]  # each chunk built once, just before it is sent
    stored = list(Industry.objects.filter(code__startswith="Z").order_by("pk").values_list("code", "name"))
    assert stored == [(f"Z{i:02d}", f"行业{i}") for i in range(7)]


@pytest.mark.django_db
def test_copy_frame_writes_nothing_when_a_later_chunk_fails_to_build() -> None:
    def build(part: pl.DataFrame) -> pl.DataFrame:
        if part["code"][0] == "Z06":
            raise ValueError("the third chunk cannot be built")
        return _industries(part)

    with pytest.raises(ValueError, match="third chunk"), transaction.atomic():
        bulk.copy_frame(Industry, _rows(7), build=build, chunk_rows=3)
    assert not Industry.objects.filter(code__startswith="Z").exists()
