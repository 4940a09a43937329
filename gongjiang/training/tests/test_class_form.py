"""The officer's class form names the institution or enterprise by choosing it by name, not by typing a record
number: it offers the organisations in the officer's scope, by name and credit code; a number posted by hand
outside them is refused on the field, in Chinese, and no class is opened."""

from __future__ import annotations

from typing import Any

from gongjiang.core import pickers
from gongjiang.core.models import ChangeRecord
from gongjiang.registry.tests.choices import ZH, chosen, form_of, options, search_box, typed_number
from gongjiang.training.models import TrainingClass
from gongjiang.training.tests.conftest import END, HUQIU, OCCUPATION, START, ZJG

REFUSED = 'data-field="institution">所选单位不在您的管辖范围内或不存在。'


def _post(tw: Any, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "designated",
        "institution": tw.institution.pk,
        "region_code": ZJG,
        "name": "电工（四级）定点培训班",
        "occupation_code": OCCUPATION,
        "level": "level4",
        "start_date": START.isoformat(),
        "end_date": END.isoformat(),
        "class_hours": "120",
        "practical_hours": "80",
        "fee": "2000",
        **extra,
    }


def test_the_institution_is_offered_by_name_within_the_scope_and_stays_shown_by_name(tw, make_org, client) -> None:  # type: ignore[no-untyped-def]
    enterprise = make_org(region=ZJG, name="张家港精工机械")
    make_org(region=HUQIU, kind="training", name="虎丘区职业培训学校", industry="P")
    client.force_login(tw.zjg)
    form = form_of(client.get("/training/classes/new/", **ZH).content.decode())
    assert not typed_number(form, "institution")
    institution = tw.institution
    assert options(form, "institution") == {
        str(institution.pk): f"张家港市技工职业培训学校（{institution.uscc}）",
        str(enterprise.pk): f"张家港精工机械（{enterprise.uscc}）",
    }
    # an input error elsewhere: the chosen institution stays chosen, by name
    response = client.post("/training/classes/new/", _post(tw, class_hours=""), **ZH)
    assert response.status_code == 200 and 'data-field="class_hours"' in response.content.decode()
    form = form_of(response.content.decode())
    assert chosen(form, "institution") == [(str(institution.pk), f"张家港市技工职业培训学校（{institution.uscc}）")]
    assert not TrainingClass.objects.exists()


def test_the_class_opens_at_the_chosen_institution(tw, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(tw.zjg)
    response = client.post("/training/classes/new/", _post(tw), **ZH)
    opened = TrainingClass.objects.get()
    assert response.status_code == 302 and (opened.institution, opened.kind) == (tw.institution, "designated")


def test_an_institution_outside_the_scope_is_refused_on_the_field_and_no_class_opens(tw, make_org, client) -> None:  # type: ignore[no-untyped-def]
    far = make_org(region=HUQIU, kind="training", name="虎丘区职业培训学校", industry="P")
    client.force_login(tw.zjg)
    records = ChangeRecord.objects.count()
    for number in (far.pk, 10**9):  # another district's, and one held nowhere
        response = client.post("/training/classes/new/", _post(tw, institution=number), **ZH)
        page = response.content.decode()
        assert response.status_code == 200 and REFUSED in page and "虎丘区职业培训学校" not in page
    assert not TrainingClass.objects.exists() and ChangeRecord.objects.count() == records


def test_too_many_to_list_the_chosen_institution_shows_by_name_in_a_search_box(
    tw, make_org, client, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pickers, "SELECT_LIMIT", 0)
    far = make_org(region=HUQIU, kind="training", name="虎丘区职业培训学校", industry="P")
    client.force_login(tw.zjg)
    response = client.post("/training/classes/new/", _post(tw, class_hours=""), **ZH)
    form = form_of(response.content.decode())
    assert search_box(form, "institution") == (
        str(tw.institution.pk),
        f"张家港市技工职业培训学校（{tw.institution.uscc}）",
    )
    response = client.post("/training/classes/new/", _post(tw, institution=far.pk), **ZH)
    page = response.content.decode()
    assert REFUSED in page and search_box(form_of(page), "institution")[1] == ""
    assert not TrainingClass.objects.exists()
