"""A student joins a matching round on its page: her classes are chosen by name among the round's, in
her order, each with the enterprise's score; a wrong or repeated choice is refused on its field."""

from __future__ import annotations

import pytest
from django.utils import translation

from gongjiang.core.pii import decrypt
from gongjiang.labour import services
from gongjiang.labour.models import Applicant

pytestmark = pytest.mark.django_db
YEAR = 2026


def _round(world):  # type: ignore[no-untyped-def]
    sch = world["school_user"]
    classes = [
        services.order_class_create(
            actor=sch,
            school=world["school"],
            enterprise=world["enterprise"],
            name=name,
            kind="order",
            occupation_code="6-18-01-01",
            year=YEAR,
            places=2,
            funding_per_student=1200,
        )
        for name in ("精工数控订单班", "精工装配冠名班")
    ]
    rnd = services.round_create(actor=sch, name="双选", year=YEAR, organiser=world["school"])
    return rnd, classes


def _student(world, n: int = 0) -> dict[str, str]:  # type: ignore[no-untyped-def]
    person = world["people"][n]
    return {"id_number": decrypt(person.id_number_enc), "name": person.name}


def test_the_round_offers_its_classes_by_name_in_order(client, world):  # type: ignore[no-untyped-def]
    rnd, (first, second) = _round(world)
    client.force_login(world["school_user"])
    with translation.override("zh-hans"):
        page = client.get(f"/labour/rounds/{rnd.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        form = page.context["actions"]["applicant"]
        html = page.content.decode()
    assert 'name="choices"' not in html and 'name="class_1"' in html and 'name="score_5"' in html
    assert "精工数控订单班（张家港精工机械，2人）" in html and "第1志愿：班级" in html
    assert [c.pk for c in form.fields["class_1"].queryset] == [first.pk, second.pk]

    url = f"/labour/rounds/{rnd.pk}/applicant/"
    done = client.post(
        url, {**_student(world), "class_1": second.pk, "score_1": "88", "class_2": first.pk, "score_2": "70.5"}
    )
    assert done.status_code == 302
    (applicant,) = Applicant.objects.all()
    assert applicant.choices == [[second.pk, 1, 88.0], [first.pk, 2, 70.5]]


@pytest.mark.parametrize(
    "posted, field, message",
    [
        ({}, "class_1", "请至少填报一个班级。"),
        (
            {"class_1": "first", "score_1": "80", "class_2": "first", "score_2": "60"},
            "class_2",
            "该班级已是该学生前面的志愿。",
        ),
        ({"class_1": "first"}, "score_1", "请填写企业对该学生的评分。"),
        ({"score_1": "80"}, "class_1", "请选择该评分对应的班级。"),
        ({"class_1": "outside", "score_1": "80"}, "class_1", "该班级不在本轮。"),
        ({"class_1": "first", "score_1": "1001"}, "score_1", "1000"),
    ],
)
def test_a_wrong_choice_is_refused_on_its_field_and_nothing_is_written(  # type: ignore[no-untyped-def]
    client, world, make_org, posted, field, message
):
    rnd, (first, _) = _round(world)
    other_school = make_org(region="320582", kind="technician_college", name="张家港另一学院", industry="P")
    outside = services.order_class_create(
        actor=world["officer"],
        school=other_school,
        enterprise=world["enterprise"],
        name="别校订单班",
        kind="order",
        occupation_code="6-18-01-01",
        year=YEAR,
        places=2,
        funding_per_student=1200,
    )
    values = {"first": str(first.pk), "outside": str(outside.pk)}
    data = {k: values.get(v, v) for k, v in posted.items()}
    client.force_login(world["school_user"])
    with translation.override("zh-hans"):
        response = client.post(
            f"/labour/rounds/{rnd.pk}/applicant/", {**_student(world), **data}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 200
    errors = response.context["actions"]["applicant"].errors
    assert list(errors) == [field] and message in errors[field][0]
    assert not Applicant.objects.exists()
