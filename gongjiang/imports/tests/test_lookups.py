"""Set-wise lookups of natural keys: every value comes back as stored, on both databases."""

from __future__ import annotations

import polars as pl
import pytest

from gongjiang.imports import lookups
from gongjiang.registry.models import Organisation, Person


@pytest.mark.django_db
@pytest.mark.parametrize("block", [1, 2, 1_000])
def test_fetch_by_keys_returns_each_value_as_stored(reference, make_org, make_person, monkeypatch, block):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lookups, "LOOKUP_BLOCK", block)  # several blocks of lines, or one
    quoted = make_org(name='甲, "乙" 公司\\N')  # a comma, quotes and a backslash inside a value
    plain = make_org(name="丙公司", industry="")
    Organisation.objects.filter(pk=plain.pk).update(industry=None, self_evaluation=True)
    keys = pl.Series([quoted.uscc, plain.uscc, "91320000MA00000000", None, "", quoted.uscc])
    found = lookups.fetch_by_keys(
        Organisation,
        "uscc",
        keys,
        {"id": pl.Int64, "name": pl.String, "industry_id": pl.Int64, "self_evaluation": pl.Boolean},
    ).sort("id")
    assert found.to_dicts() == [
        {
            "uscc": quoted.uscc,
            "id": quoted.pk,
            "name": '甲, "乙" 公司\\N',
            "industry_id": quoted.industry_id,
            "self_evaluation": False,
        },
        {"uscc": plain.uscc, "id": plain.pk, "name": "丙公司", "industry_id": None, "self_evaluation": True},
    ]
    person = make_person()
    people = lookups.fetch_by_keys(Person, "id_index", pl.Series([person.id_index]), {"birth_date": pl.Date})
    assert people.to_dicts() == [{"id_index": person.id_index, "birth_date": person.birth_date}]
    nobody = lookups.fetch_by_keys(Person, "id_index", pl.Series(["0" * 32]), {"id": pl.Int64})
    assert nobody.height == 0 and nobody.schema == pl.Schema({"id_index": pl.String, "id": pl.Int64})
