"""Industry codes as people write them: a class code (C3411) is taken and files the organisation under its
division; a code whose letter is not its division's section is refused on the field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongjiang.core.audit import audit_context
from gongjiang.reference.selectors import industry_for
from gongjiang.registry.services import organisation_create, organisation_update
from gongjiang.synth.ids import make_uscc


def test_codes_resolve_to_a_section_or_a_division(reference) -> None:  # type: ignore[no-untyped-def]
    assert industry_for("C").code == "C"
    assert [industry_for(c).code for c in ("34", "C34", "C341", "C3411", " c3411 ")] == ["34"] * 5
    assert industry_for("A3411") is None and industry_for("C99") is None and industry_for("CX") is None


def test_an_organisation_takes_a_class_code(reference, make_user) -> None:  # type: ignore[no-untyped-def]
    officer = make_user(region_code="320582")
    with audit_context(source="web"):
        org = organisation_create(
            actor=officer,
            uscc=make_uscc("320582", 777001),
            name="通用机械厂",
            kind="enterprise",
            region_code="320582",
            industry_code="C3411",
        )
        assert org.industry.code == "34"
        with pytest.raises(ValidationError) as refused:
            organisation_update(actor=officer, organisation=org, industry_code="A3411")
    assert "industry" in refused.value.message_dict
